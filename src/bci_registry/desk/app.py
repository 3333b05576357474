"""The desk's ASGI application: the page, the ``/v1`` API and its OpenAPI document.

Read-only: the service holds no key and sends no transaction. Verdicts come
from the chain (``customs_view`` by ``eth_call``, as ``bci-verify`` reads it);
report, organisation, verifier and event reads come from the index.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import multiprocessing
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from bci_registry.desk import adapter, pages, state
from bci_registry.desk.feed import FeedHub
from bci_registry.desk.indexer import Indexer
from bci_registry.desk.store import Store
from bci_registry.desk.uploads import Limits, UploadError, read_uploads

API_VERSION = "v1"
_ROOT = re.compile(r"0x[0-9a-fA-F]{64}\Z")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}\Z")
#: Uploads in one request from which reading is split over the worker processes.
POOL_THRESHOLD = 16


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class DeskConfig:
    manifest: Path
    rpc_url: str
    database_url: str
    confirmations: int = 2
    poll_interval: float = 1.0
    page_blocks: int = 2000
    policy: Path | None = None
    index: bool = True
    limits: Limits = field(default_factory=Limits)
    max_concurrent_verifications: int = 4
    queue_timeout: float = 5.0
    workers: int = 2


class Desk:
    """The service's parts, shared by every request."""

    def __init__(self, config: DeskConfig) -> None:
        self.config = config
        self.deployment = adapter.load_path(config.manifest)
        self.policy = adapter.load_policy(config.policy)
        self.reader = adapter.ChainReader(adapter.http_node(config.rpc_url), self.deployment)
        self.store = Store(config.database_url)
        self.hub = FeedHub(self.store, poll_interval=min(config.poll_interval, 1.0))
        self.indexer: Indexer | None = None
        if config.index:
            self.indexer = Indexer(
                self.store,
                config.rpc_url,
                self.deployment,
                confirmations=config.confirmations,
                page_blocks=config.page_blocks,
                poll_interval=config.poll_interval,
                on_commit=self.hub.notify_threadsafe,
            )
            self.indexer.bind()
        self.verifications = asyncio.Semaphore(config.max_concurrent_verifications)
        self.started = time.time()
        self.pool: concurrent.futures.ProcessPoolExecutor | None = None
        if config.workers > 1:
            # Reading a report file (re-validating every field, recomputing the root) is
            # CPU-bound: large batches are read in worker processes (spawned, not forked:
            # this process runs threads).
            self.pool = concurrent.futures.ProcessPoolExecutor(
                config.workers, mp_context=multiprocessing.get_context("spawn")
            )
            for _ in range(config.workers):
                self.pool.submit(adapter.warm)

    async def start(self) -> None:
        await self.hub.start()
        if self.indexer is not None:
            self.indexer.start()

    async def stop(self) -> None:
        await self.hub.stop()
        if self.indexer is not None:
            await run_in_threadpool(self.indexer.stop)
        self.store.close()
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------ reads

    def indexed_time(self) -> tuple[int | None, int]:
        """(cursor block, its time): the moment the index's views refer to."""
        cursor = self.store.cursor()
        if cursor is not None:
            stored = self.store.block(cursor)
            if stored is not None:
                return cursor, stored[1]
        return cursor, int(time.time())

    def status(self) -> dict[str, Any]:
        cursor, when = self.indexed_time()
        indexer = self.indexer
        return {
            "service": "bci-desk",
            "api": API_VERSION,
            "read_only": True,
            "network": self.deployment.network,
            "chain_id": self.deployment.chain_id,
            "report_registry": self.deployment.registry,
            "attestation_registry": self.deployment.attestations,
            "database": self.store.dialect,
            "index": {
                "following": indexer is not None,
                "indexed_block": cursor,
                "indexed_block_time": when if cursor is not None else None,
                "head": None if indexer is None else indexer.head,
                "confirmations": self.config.confirmations,
                "reorgs_undone": 0 if indexer is None else indexer.reorgs,
                "last_error": None if indexer is None else indexer.last_error,
                "events": self.store.count_events(),
                "last_event_id": self.store.last_event_id(),
            },
            "feed_subscribers": self.hub.subscribers,
            "policy": self.policy.to_json(),
        }

    def report(self, org_hex: str, root_hex: str) -> dict[str, Any]:
        cursor, now = self.indexed_time()
        fold = state.fold_report(self.store, org_hex, root_hex)
        verifiers = state.verifiers(self.store, [a.verifier for a in fold.attestations])
        view = state.view_of(fold, verifiers, state.paused(self.store), org_hex, now)
        evidence = {a.verifier: a.evidence for a in fold.attestations}
        view_json = view.to_json()
        for item in view_json["attestations"]:
            item["evidence"] = evidence.get(item["verifier"])
        return {
            "organisation": org_hex,
            "organisation_label": adapter.organisation_label(bytes.fromhex(org_hex[2:])),
            "root": root_hex,
            "known": fold.report.state != state.UNKNOWN,
            "revoked_for_cause": fold.report.revoked_for_cause,
            "indexed_block": cursor,
            "view": view_json,
            "organisation_record": fold.organisation.to_json(),
            "history": [e.to_json() for e in fold.history],
        }


# ------------------------------------------------------------------ params


def org_param(value: str) -> str:
    try:
        return "0x" + adapter.text_id(value, "organisation").hex()
    except adapter.InputError as exc:
        raise ApiError(400, str(exc)) from None


def root_param(value: str) -> str:
    if not _ROOT.match(value):
        raise ApiError(400, f"report root {value[:80]!r}: expected 0x followed by 64 hex digits")
    return value.lower()


def address_param(value: str) -> str:
    if not _ADDRESS.match(value):
        raise ApiError(400, f"{value[:60]!r} is not an address (0x + 40 hex digits)")
    from eth_utils import to_checksum_address

    return to_checksum_address(value)


def _parse_delivery(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return adapter.parse_time(value.strip(), "delivery")
    except adapter.InputError as exc:
        raise ApiError(400, str(exc)) from None


# --------------------------------------------------------------- the app


def create_app(config: DeskConfig) -> FastAPI:
    desk = Desk(config)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await desk.start()
        try:
            yield
        finally:
            await desk.stop()

    app = FastAPI(
        title="bci-desk",
        version="1.0.0",
        summary="The customs desk of the BCI report registry: read-only verdicts, "
        "reports, verifiers and a live feed of every registry event.",
        openapi_url=f"/{API_VERSION}/openapi.json",
        docs_url=None,  # Swagger UI loads from a CDN; the desk works with no internet
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.desk = desk

    # ------------------------------------------------------------ errors

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return _error(request, exc.status, exc.message)

    @app.exception_handler(UploadError)
    async def _upload_error(request: Request, exc: UploadError) -> Response:
        return _error(request, exc.status, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()
        )
        return _error(request, 400, problems or "bad request")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail))

    def _error(request: Request, status: int, message: str) -> Response:
        headers = {"Retry-After": "1"} if status in (429, 503) else None
        if request.url.path.startswith(f"/{API_VERSION}/"):
            return JSONResponse({"error": message, "status": status}, status, headers=headers)
        return HTMLResponse(pages.error_page(status, message), status, headers=headers)

    # ------------------------------------------------------------ verify

    async def verdicts(
        request: Request,
    ) -> tuple[Any, list[tuple[str, Any]], list[tuple[str, str]]]:
        form = await read_uploads(request, config.limits)
        delivery = _parse_delivery(
            form.fields.get("delivery") or request.query_params.get("delivery")
        )
        result: tuple[Any, list[tuple[str, Any]], list[tuple[str, str]]]
        result = await _judge(form.files, delivery)
        return result

    def _read(
        files: list[Any],
    ) -> tuple[list[Any], list[tuple[str, Any]], list[tuple[str, str]], list[tuple[str, Any]]]:
        uploads = [(f.name, f.data) for f in files]
        if desk.pool is not None and len(uploads) >= POOL_THRESHOLD:
            half = (len(uploads) + 1) // 2
            futures = [
                desk.pool.submit(adapter.read_uploads, part)
                for part in (uploads[:half], uploads[half:])
            ]
            read = [item for future in futures for item in future.result()]
        else:
            read = adapter.read_uploads(uploads)
        evidence = [e for _, e, _, _ in read if e is not None]
        parsed = [(name, obj) for name, e, obj, _ in read if e is not None]
        rejected = [(name, error) for name, e, _, error in read if e is None and error]
        # batch members' proof files, matched to their reports by organisation and root
        proofs = [(name, obj) for name, e, obj, _ in read if isinstance(obj, adapter.BatchProof)]
        return evidence, parsed, rejected, proofs

    def _check(files: list[Any], delivery: int | None) -> tuple[Any, list[Any], list[Any]]:
        evidence, parsed, rejected, proofs = _read(files)
        if not evidence:
            if proofs and not rejected:
                raise adapter.CustomsInputError(
                    f"{proofs[0][0]} is a batch proof: upload it together with its report file"
                )
            return None, parsed, rejected
        outcome = adapter.verify_evidence(evidence, desk.reader, desk.policy, delivery, proofs)
        return outcome, parsed, rejected

    async def _judge(files: list[Any], delivery: int | None) -> Any:
        try:
            await asyncio.wait_for(desk.verifications.acquire(), config.queue_timeout)
        except TimeoutError:
            raise ApiError(429, "too many verifications at once; try again in a moment") from None
        try:
            return await run_in_threadpool(_check, files, delivery)
        except adapter.CustomsInputError as exc:
            raise ApiError(422, str(exc)) from None
        except adapter.ChainUnavailable as exc:
            raise ApiError(503, str(exc)) from None
        finally:
            desk.verifications.release()

    @app.post(
        f"/{API_VERSION}/verify",
        tags=["verify"],
        summary="Verify report files (sealed reports or disclosures)",
        description=(
            "Upload one or many files as multipart/form-data (`files` parts; optional "
            "`delivery` field, unix seconds or RFC 3339 UTC), or one file as "
            "application/json. A batch member's proof file (`bci-batch-proof/1`) uploaded "
            "with its report is matched to it by organisation and root, as "
            "`bci-verify --batch-proof` does, and the verdict names the batch. The answer is "
            "the document `bci-verify --json` prints for the same files and the desk's "
            "policy; HTTP 200 for PASS and FAIL alike. A file that is not a report, or a "
            "proof matching no uploaded report, is a 422 naming it, as `bci-verify` exits 2."
        ),
        responses={
            200: {"description": "the verdict (`verdict`: PASS or FAIL)"},
            400: {"description": "malformed request"},
            413: {"description": "over a size or count limit"},
            415: {"description": "not multipart/form-data or application/json"},
            422: {"description": "a file is not a readable report (names it)"},
            429: {"description": "too many verifications at once"},
            503: {"description": "the node cannot answer"},
        },
    )
    async def api_verify(request: Request) -> JSONResponse:
        outcome, _, rejected = await verdicts(request)
        if rejected:
            raise ApiError(422, rejected[0][1])
        return JSONResponse(outcome.to_json())

    # ------------------------------------------------------------- reads

    @app.get(f"/{API_VERSION}/status", tags=["service"], summary="The service and its index")
    def api_status() -> dict[str, Any]:
        return desk.status()

    @app.get(
        f"/{API_VERSION}/reports/{{organisation}}/{{root}}",
        tags=["reports"],
        summary="A report's status, attestations and history (from the index)",
        description="`organisation`: its id as the scripts take it (`0x` + 64 hex, or its "
        "text). `view` has the shape of the contract's `customs_view` as `bci-verify` "
        "decodes it, as of `indexed_block`.",
    )
    def api_report(organisation: str, root: str) -> dict[str, Any]:
        return desk.report(org_param(organisation), root_param(root))

    @app.get(
        f"/{API_VERSION}/reports/{{organisation}}/{{root}}/attestations",
        tags=["reports"],
        summary="A report's attestations (from the index)",
    )
    def api_attestations(organisation: str, root: str) -> dict[str, Any]:
        report = desk.report(org_param(organisation), root_param(root))
        return {
            "organisation": report["organisation"],
            "root": report["root"],
            "indexed_block": report["indexed_block"],
            "checked_at": report["view"]["checked_at"],
            "attestations": report["view"]["attestations"],
        }

    @app.get(f"/{API_VERSION}/organisations", tags=["organisations"], summary="Every organisation")
    def api_organisations() -> dict[str, Any]:
        out = []
        for org in desk.store.organisations():
            record = state.organisation(desk.store, org).to_json()
            record["label"] = adapter.organisation_label(bytes.fromhex(org[2:]))
            out.append(record)
        return {"organisations": out}

    @app.get(
        f"/{API_VERSION}/organisations/{{organisation}}",
        tags=["organisations"],
        summary="An organisation: status, signers, threshold, submitters",
    )
    def api_organisation(organisation: str) -> dict[str, Any]:
        org = org_param(organisation)
        record = state.organisation(desk.store, org)
        if not record.status:
            raise ApiError(404, f"no organisation {organisation[:80]!r} in the index")
        data = record.to_json()
        data["label"] = adapter.organisation_label(bytes.fromhex(org[2:]))
        data["history"] = [e.to_json() for e in record.history]
        return data

    @app.get(
        f"/{API_VERSION}/organisations/{{organisation}}/reports",
        tags=["organisations"],
        summary="An organisation's reports, paged (cursor: `next_after`)",
    )
    def api_organisation_reports(
        organisation: str,
        after: int = Query(0, ge=0, description="the `next_after` of the previous page"),
        limit: int = Query(50, ge=1, le=200),
    ) -> dict[str, Any]:
        org = org_param(organisation)
        cursor, now = desk.indexed_time()
        pairs = desk.store.organisation_reports(org, after, limit)
        paused = state.paused(desk.store)
        reports = []
        for _, root in pairs:
            fold = state.fold_report(desk.store, org, root)
            vers = state.verifiers(desk.store, [a.verifier for a in fold.attestations])
            view = state.view_of(fold, vers, paused, org, now)
            reports.append(
                {
                    "root": root,
                    **view.report.to_json(),
                    "accepted": view.accepted,
                    "attestations": len(view.attestations),
                }
            )
        return {
            "organisation": org,
            "indexed_block": cursor,
            "reports": reports,
            "next_after": pairs[-1][0] if len(pairs) == limit else None,
        }

    @app.get(
        f"/{API_VERSION}/verifiers",
        tags=["verifiers"],
        summary="Verifiers and their accreditations",
    )
    def api_verifiers() -> dict[str, Any]:
        cursor, now = desk.indexed_time()
        found = state.verifiers(desk.store)
        items = sorted(found.values(), key=lambda v: v.index)
        return {"indexed_block": cursor, "verifiers": [v.to_json(now) for v in items]}

    @app.get(
        f"/{API_VERSION}/verifiers/{{address}}",
        tags=["verifiers"],
        summary="One verifier and its history",
    )
    def api_verifier(address: str) -> dict[str, Any]:
        account = address_param(address)
        cursor, now = desk.indexed_time()
        found = state.verifiers(desk.store, [account]).get(account)
        if found is None:
            raise ApiError(404, f"no verifier {account} in the index")
        return {
            "indexed_block": cursor,
            **found.to_json(now),
            "history": [e.to_json() for e in found.history],
        }

    # ------------------------------------------------------------- feed

    @app.get(
        f"/{API_VERSION}/events",
        tags=["feed"],
        summary="Registry events, paged (for pollers)",
        description="Every registry event in chain order, decoded. Pass the last `id` you "
        "have as `after` (the page's `next_after`). A `Reorg` event withdraws the events "
        "above its `args.from_block` that you received before it.",
    )
    def api_events(
        after: int = Query(0, ge=0),
        limit: int = Query(100, ge=1, le=1000),
        organisation: str | None = None,
        report: str | None = None,
        verifier: str | None = None,
        event: str | None = Query(None, max_length=64),
    ) -> dict[str, Any]:
        rows = desk.store.events_after(
            after,
            limit,
            organisation=None if organisation is None else org_param(organisation),
            report=None if report is None else root_param(report),
            verifier=None if verifier is None else address_param(verifier),
            name=event,
        )
        return {
            "events": [r.to_json() for r in rows],
            "next_after": rows[-1].id if rows else after,
        }

    @app.get(
        f"/{API_VERSION}/events/stream",
        tags=["feed"],
        summary="The live feed: Server-Sent Events of every registry event",
        description="`text/event-stream`; each message has `id` (resume with the "
        "`Last-Event-ID` header, as EventSource does, or `?after=`), `event` (the event "
        "name) and `data` (the same JSON as `/v1/events`).",
        response_class=StreamingResponse,
    )
    async def api_stream(
        request: Request, after: int | None = Query(None, ge=0)
    ) -> StreamingResponse:
        last = request.headers.get("last-event-id")
        cursor = after if after is not None else 0
        if last is not None and last.strip():
            if not last.strip().isdigit():
                raise ApiError(400, "Last-Event-ID must be an event id (a number)")
            cursor = int(last.strip())
        return StreamingResponse(
            desk.hub.stream(cursor, request.is_disconnected),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    # ------------------------------------------------------------ pages

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page_home() -> HTMLResponse:
        return HTMLResponse(pages.home_page(desk.status()))

    @app.post("/verify", response_class=HTMLResponse, include_in_schema=False)
    async def page_verify(request: Request) -> HTMLResponse:
        outcome, parsed, rejected = await verdicts(request)
        delivery = ""
        if outcome is not None and outcome.verdicts:
            first = outcome.verdicts[0].delivery
            delivery = first.to_json()["iso"] if first.source == "--delivery" else ""
        page = pages.verdict_page(outcome, parsed, rejected, desk.status(), delivery)
        return HTMLResponse(page)

    @app.get("/reports/{organisation}/{root}", response_class=HTMLResponse, include_in_schema=False)
    def page_report(organisation: str, root: str) -> HTMLResponse:
        data = desk.report(org_param(organisation), root_param(root))
        return HTMLResponse(pages.report_page(data))

    @app.get("/feed", response_class=HTMLResponse, include_in_schema=False)
    def page_feed() -> HTMLResponse:
        rows = desk.store.events_after(max(0, desk.store.last_event_id() - 50), 50)
        return HTMLResponse(pages.feed_page([r.to_json() for r in rows]))

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    return app
