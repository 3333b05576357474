"""``python -m bci_registry.desk`` is ``bci-desk``."""

import sys

from bci_registry.desk.cli import main

if __name__ == "__main__":  # not in the spawned worker processes, which import this module
    sys.exit(main())
