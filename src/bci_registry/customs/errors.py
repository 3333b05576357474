"""What goes wrong before a verdict can be given: bad input, or a chain that cannot answer.

Both end as exit code 2 with one message naming what is wrong and where; a
verdict (PASS or FAIL) is never an exception. ``CustomsInputError`` is an
``InputError`` and ``ChainUnavailable`` a ``NodeError``, so the `ape run`
scripts' error handling (``ape_support.script_errors``) already maps them.
"""

from __future__ import annotations

from bci_registry.devnode import NodeError
from bci_registry.registry import InputError


class CustomsInputError(InputError):
    """A report file, the policy or an argument is unusable (names the file and the place)."""


class ChainUnavailable(NodeError):
    """The node is unreachable, is another chain, or has no registry where the manifest says."""
