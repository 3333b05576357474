"""``bci-verify``: the customs check as a console command, without Ape or the Vyper compiler.

    bci-verify --manifest deployments/base-devnet.json [--rpc-url URL]
               [--policy policy.yaml] [--delivery 2026-03-01T10:00:00Z] [--json]
               [--batch-proof FILE ...] REPORT_FILE_OR_DIR [...]

Exit codes: 0 every report passes, 1 a report fails (every reason is printed),
2 bad input (file, policy, manifest, arguments) or the node cannot answer
(unreachable, timed out, a malformed answer, another chain, no registry at the
manifest's address); one message on stderr names what is wrong and where.
3 an unexpected error (a bug): one line, the traceback only with --debug.

Every request has a total time limit (``--timeout``, connection and every
byte of the answer included) and the whole run an overall one
(``--total-timeout``).

It needs eth-abi and this package (with its shipped ABI files), and
imports them only once the arguments are parsed, so ``--help`` and usage
errors are instant and a check starts no heavier than it must.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

#: The local node (`$BCI_DEVNET_PORT`, default 18545); pass --rpc-url for any other.
DEFAULT_RPC_URL = f"http://127.0.0.1:{os.environ.get('BCI_DEVNET_PORT') or 18545}"
DEFAULT_TOTAL_TIMEOUT = 120.0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bci-verify",
        description=(
            "Check battery traceability report files (sealed reports or disclosures) "
            "against the BCI registry: anchored, approved, attested, not revoked or "
            "superseded, anchored no later than delivery."
        ),
        epilog="Exit codes: 0 pass, 1 fail, 2 bad input or unreachable node, "
        "3 unexpected error (a bug; --debug shows the traceback).",
    )
    p.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="sealed report or disclosure files, UNTP DCCs (.jwt, or the decoded .json with "
        "its .jwt beside it), or directories of *.json",
    )
    p.add_argument(
        "--manifest",
        type=Path,
        required=True,
        help="the deployment manifest (deployments/<network>.json)",
    )
    p.add_argument(
        "--rpc-url",
        default=DEFAULT_RPC_URL,
        help=f"the node's JSON-RPC URL (default {DEFAULT_RPC_URL})",
    )
    p.add_argument(
        "--policy", type=Path, help="policy file, YAML or JSON (default: the documented defaults)"
    )
    p.add_argument(
        "--delivery",
        metavar="TIME",
        help="delivery time: unix seconds, RFC 3339 (2026-12-01T10:00:00Z) or 'now'; "
        "default: the end of the delivery date in each file's disclosed shipment field",
    )
    p.add_argument(
        "--batch-proof",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a batch member's proof file (bci-batch-proof/1), matched to its report by "
        "organisation and root; repeatable. Default: <name>.batch-proof.json beside "
        "each report file, or any *.batch-proof.json in its folder that matches",
    )
    p.add_argument(
        "--did-document",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a UNTP DCC's issuer DID document (did:web, read offline; repeat for several)",
    )
    p.add_argument(
        "--status-list",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a DCC issuer's status list credential (JWT), an offline copy; the chain decides",
    )
    p.add_argument("--json", action="store_true", help="print the verdict as JSON")
    p.add_argument(
        "--timeout",
        type=_seconds,
        default=10.0,
        help="total time limit of each RPC request, in seconds (default 10)",
    )
    p.add_argument(
        "--total-timeout",
        type=_seconds,
        default=DEFAULT_TOTAL_TIMEOUT,
        help=f"overall time limit of the run, in seconds (default {DEFAULT_TOTAL_TIMEOUT:g})",
    )
    p.add_argument("--debug", action="store_true", help="show the traceback of an unexpected error")
    return p


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 86_400:
        raise argparse.ArgumentTypeError(f"{text!r}: give seconds from 0 to 86400")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)

    from bci_registry.cli_errors import guarded

    return guarded("bci-verify", lambda: _run(args), args.debug)


def _run(args: argparse.Namespace) -> int:
    from bci_registry import jsonrpc
    from bci_registry.cli_errors import printable
    from bci_registry.customs.chain import ChainReader
    from bci_registry.customs.errors import ChainUnavailable, CustomsInputError
    from bci_registry.customs.policy import load_policy
    from bci_registry.customs.render import outcome_json, outcome_text
    from bci_registry.customs.rpc_node import DeadlineHttpNode
    from bci_registry.customs.verify import EXIT_BAD_INPUT, verify
    from bci_registry.deployment import DeploymentError, load_path
    from bci_registry.devnode import NodeError
    from bci_registry.registry import InputError
    from bci_registry.timeargs import parse_time

    deadline = jsonrpc.Deadline(args.total_timeout, "bci-verify (--total-timeout)")
    try:
        policy = load_policy(args.policy)
        delivery = (
            parse_time(args.delivery, "--delivery", allow_now=True)
            if args.delivery is not None
            else None
        )
        deployment = load_path(args.manifest)
        node = DeadlineHttpNode(args.rpc_url, args.timeout, deadline)
        reader = ChainReader(node, deployment)
        outcome = verify(
            args.files,
            reader,
            policy,
            delivery,
            batch_proofs=args.batch_proof,
            dcc_options=_dcc_options(args, deployment),
        )
    except jsonrpc.RpcBadUrl as exc:
        print(printable(f"error: --rpc-url {exc}"), file=sys.stderr)
        return EXIT_BAD_INPUT
    except (CustomsInputError, ChainUnavailable, DeploymentError, InputError, NodeError) as exc:
        print(printable(f"error: {exc}"), file=sys.stderr)
        return EXIT_BAD_INPUT
    print(printable(outcome_json(outcome) if args.json else outcome_text(outcome)))
    return outcome.exit_code


def _dcc_options(args: argparse.Namespace, deployment: object) -> object:
    """DID documents and status lists for DCC files (read offline: nothing is fetched)."""
    import json

    from bci_registry.customs.errors import CustomsInputError
    from bci_registry.interop.customs_dcc import DccOptions

    documents = []
    for path in args.did_document:
        try:
            document = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise CustomsInputError(f"--did-document {path}: {exc}") from None
        if not isinstance(document, dict) or not isinstance(document.get("id"), str):
            raise CustomsInputError(f"--did-document {path}: not a DID document (no id)")
        documents.append(document)
    lists = []
    for path in args.status_list:
        try:
            lists.append(path.read_text("utf-8").strip())
        except OSError as exc:
            raise CustomsInputError(f"--status-list {path}: {exc}") from None
    return DccOptions(
        documents,
        lists,
        chain_id=deployment.chain_id,  # type: ignore[attr-defined]
        registry=deployment.registry,  # type: ignore[attr-defined]
    )


if __name__ == "__main__":
    sys.exit(main())
