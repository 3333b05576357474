"""``bci-desk``: the customs desk as a local, read-only web service.

    bci-desk [--manifest deployments/base-devnet.json] [--rpc-url URL]
             [--host 127.0.0.1] [--port 8547] [--database postgresql://…]
             [--confirmations 2] [--policy policy.yaml] [--rebuild] [--no-index]

It holds no key and sends no transaction. Exit codes: 0 stopped cleanly, 2 bad
arguments, manifest, policy or database.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bci_registry.devnode import PROJECT_ROOT

DEFAULT_MANIFEST = PROJECT_ROOT / ".devnet" / "demo" / "deployments" / "base-devnet.json"
DEFAULT_RPC_URL = f"http://127.0.0.1:{os.environ.get('BCI_DEVNET_PORT') or 18545}"
DEFAULT_PORT = 8547


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bci-desk",
        description="The customs desk: a page to drop report files on, a versioned HTTP API "
        "(/v1, OpenAPI at /v1/openapi.json) and a live feed of every registry event, "
        "served from an index of the chain's events. Read-only: it holds no key.",
    )
    p.add_argument(
        "--manifest",
        type=Path,
        default=DEFAULT_MANIFEST,
        help=f"deployment manifest (default: the local devnet's, {DEFAULT_MANIFEST})",
    )
    p.add_argument(
        "--rpc-url",
        default=DEFAULT_RPC_URL,
        help=f"the node's JSON-RPC URL (default {DEFAULT_RPC_URL})",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    p.add_argument(
        "--database",
        metavar="URL",
        help="index database: postgresql://user@host:port/db (default: SQLite "
        "in a file beside the manifest, <manifest>.desk.sqlite3)",
    )
    p.add_argument(
        "--confirmations",
        type=int,
        default=2,
        help="blocks below the head the index waits for (and the reorg depth it "
        "absorbs without withdrawing events; deeper reorgs are undone); default 2",
    )
    p.add_argument("--poll-interval", type=float, default=1.0, help="seconds; default 1")
    p.add_argument(
        "--page-blocks",
        type=int,
        default=2000,
        help="blocks per eth_getLogs page (halved when the node refuses); default 2000",
    )
    p.add_argument(
        "--policy", type=Path, help="customs policy file (default: the documented defaults)"
    )
    p.add_argument(
        "--rebuild", action="store_true", help="drop the index and rebuild it from the chain"
    )
    p.add_argument(
        "--no-index",
        action="store_true",
        help="do not follow the chain: serve a PostgreSQL index another desk writes",
    )
    p.add_argument("--max-file-bytes", type=int, default=2 * 1024 * 1024)
    p.add_argument("--max-files", type=int, default=200)
    p.add_argument(
        "--upload-timeout",
        type=float,
        default=10.0,
        help="seconds a client may send nothing during an upload (408 after); default 10",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="processes that read large upload batches (1: none); default 2",
    )
    p.add_argument("--log-level", default="warning")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)

    from bci_registry.desk.adapter import ChainUnavailable, CustomsInputError, DeploymentError
    from bci_registry.desk.app import DeskConfig, create_app
    from bci_registry.desk.store import Store, StoreMismatch, database_url
    from bci_registry.desk.uploads import Limits

    try:
        host = ipaddress.ip_address(args.host)
    except ValueError:
        print(f"error: --host {args.host!r} is not an IP address", file=sys.stderr)
        return 2
    if not host.is_loopback:
        print(
            f"warning: listening on {args.host}: the desk is reachable from other machines",
            file=sys.stderr,
        )
    url = database_url(args.database, args.manifest)
    limits = Limits(
        max_file_bytes=args.max_file_bytes,
        max_files=args.max_files,
        max_request_bytes=max(args.max_file_bytes * args.max_files // 4, args.max_file_bytes * 2),
        chunk_timeout=args.upload_timeout,
        total_timeout=max(60.0, args.upload_timeout * 3),
    )
    try:
        if args.rebuild:
            store = Store(url)
            store.reset()
            store.close()
        app = create_app(
            DeskConfig(
                manifest=args.manifest,
                rpc_url=args.rpc_url,
                database_url=url,
                confirmations=args.confirmations,
                poll_interval=args.poll_interval,
                page_blocks=args.page_blocks,
                policy=args.policy,
                index=not args.no_index,
                limits=limits,
                workers=args.workers,
            )
        )
    except (DeploymentError, CustomsInputError, StoreMismatch, ChainUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # e.g. the database refuses the connection
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2

    import uvicorn

    display = f"[{args.host}]" if host.version == 6 else args.host
    print(
        f"bci-desk: http://{display}:{args.port}/ (API /v1, index {url.split('://')[0]}, "
        f"node {args.rpc_url}); Ctrl-C stops",
        flush=True,
    )
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        timeout_keep_alive=5,
        limit_concurrency=2000,
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
