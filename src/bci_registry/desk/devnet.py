"""``make desk``: the demo's story on the local devnet, then the desk on 127.0.0.1.

Plays ``make demo``'s story (each actor its own process) on a fresh anvil, leaves
its files where the demo writes them (``.devnet/demo/``: the sealed report, the
3-field disclosure, the tampered copy), then serves ``bci-desk`` with that
deployment, prints its address and keeps node and desk running until Ctrl-C.
``BCI_DEVNET_PORT`` moves the node; ``BCI_DESK_PORT`` the desk (default 8547).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

from bci_registry import devnode
from bci_registry.actors import ActorFailed, Cast, Narrator
from bci_registry.demo import DEMO_DIR, Demo, DemoError


def main() -> int:
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    narrator = Narrator()
    try:
        node = devnode.start(DEMO_DIR, port=devnode.devnet_port())
    except devnode.NodeError as exc:
        print(f"desk: {exc}", file=sys.stderr)
        return 2
    desk: subprocess.Popen[bytes] | None = None
    try:
        narrator.show(f"anvil pid {node.pid} at {node.url}")
        Demo(Cast(DEMO_DIR, port=node.port), narrator).tell(node)
        manifest = DEMO_DIR / "deployments" / "base-devnet.json"
        port = int(os.environ.get("BCI_DESK_PORT") or 8547)
        narrator.step("starting the customs desk (read-only, 127.0.0.1)")
        desk = subprocess.Popen(
            [sys.executable, "-m", "bci_registry.desk", "--manifest", str(manifest),
             "--rpc-url", node.url, "--port", str(port), "--confirmations", "0"],
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 30
        while True:
            if desk.poll() is not None:
                raise DemoError(f"bci-desk exited with {desk.returncode}")
            try:
                urllib.request.urlopen(url + "v1/status", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise DemoError("bci-desk did not answer within 30 s") from None
                time.sleep(0.2)
        files = ", ".join(
            str(p.relative_to(devnode.PROJECT_ROOT))
            for p in sorted(DEMO_DIR.glob("*.json"))
            if "sealed" in p.name or "disclosure" in p.name
        )
        narrator.step(f"the customs desk is at {url}")
        tomorrow = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))
        narrator.show(
            f"drop the demo's files on the page: {files}\n"
            f"type a delivery time first (e.g. {tomorrow}, as the demo's customs did): the "
            "sample's own delivery date lies before this anchoring, so without one the "
            "'anchored by delivery' check fails\n"
            f"API: {url}v1/status, {url}v1/openapi.json; live feed: {url}v1/events/stream\n"
            "Ctrl-C stops the desk and the node."
        )
        signal.signal(signal.SIGTERM, _interrupt)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    except (DemoError, ActorFailed, devnode.NodeError) as exc:
        print(f"\ndesk failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if desk is not None and desk.poll() is None:
            os.kill(desk.pid, signal.SIGTERM)
            try:
                desk.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(desk.pid, signal.SIGKILL)
        narrator.step(f"stopping anvil (pid {node.pid})")
        node.stop()
    return 0


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
