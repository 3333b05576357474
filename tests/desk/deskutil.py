"""Helpers shared by the desk tests: the demo's story on a test chain, ``bci-desk``
processes (started on a free 127.0.0.1 port, stopped by PID) and HTTP requests."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from localchain import LocalChain

from bci_registry import devnode
from bci_registry.registry import organisation_id
from bci_registry.report import disclose, load_report, seal_report

SAMPLE = devnode.PROJECT_ROOT / "samples" / "nmc811-module-kr-to-de.json"
ORGANISATION = "KR-EORI-KR1234567890123"
DELIVERY = "2030-01-01T00:00:00Z"


# ------------------------------------------------------------------ the story


@dataclass
class Story:
    chain: LocalChain
    organisation: bytes
    signers: list[Any]
    erp: Any
    verifier: Any
    sealed: Path
    disclosure: Path
    tampered: Path
    root: str
    manifest: Path


def play_story(chain: LocalChain, workdir: Path, organisation: str = ORGANISATION) -> Story:
    """The demo's story with web3: onboard 2-of-3, seal, anchor with two signatures,
    accredit, attest; the sealed report, a 3-field disclosure and a tampered copy."""
    org = organisation_id(organisation)
    signers = [chain.account() for _ in range(3)]
    erp, verifier = chain.account(), chain.account()
    chain.register(org, signers, 2, [erp])
    sealed = seal_report(load_report(SAMPLE), organisation=org)
    assert chain.anchor(org, sealed.root, signers[:2], erp)
    assert chain.accredit(verifier, "DEMO-TUV-CERT-0001")
    assert chain.attest(org, sealed.root, verifier)
    workdir.mkdir(parents=True, exist_ok=True)
    sealed_path = workdir / "nmc811-module.sealed.json"
    sealed_path.write_text(sealed.to_json())
    disclosure_path = workdir / "disclosure-3-fields.json"
    disclosure_path.write_text(
        disclose(sealed, ["recycledContent", "batteryIdentifiers", "shipment"]).to_json()
    )
    document = json.loads(sealed.to_json())
    leaf = next(f for f in document["fields"] if f["name"] == "recycledContent")
    raised = leaf["value"].replace('"postConsumerPercent":11.5', '"postConsumerPercent":16', 1)
    assert raised != leaf["value"]
    leaf["value"] = raised
    tampered_path = workdir / "tampered.sealed.json"
    tampered_path.write_text(json.dumps(document, indent=2))
    manifest = chain.write_manifest(workdir / "deployments" / "base-devnet.json")
    return Story(
        chain,
        org,
        signers,
        erp,
        verifier,
        sealed_path,
        disclosure_path,
        tampered_path,
        sealed.root_hex,
        manifest,
    )


# ------------------------------------------------------------ bci-desk process


@dataclass
class DeskProcess:
    process: subprocess.Popen[bytes]
    url: str
    log: Path
    args: list[str]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(10)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


def start_desk(
    manifest: Path, rpc_url: str, workdir: Path, *extra: str, port: int | None = None
) -> DeskProcess:
    port = port or devnode.free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"desk-{port}.log"
    args = [
        sys.executable, "-m", "bci_registry.desk", "--manifest", str(manifest),
        "--rpc-url", rpc_url, "--port", str(port), "--confirmations", "0",
        "--poll-interval", "0.1", *extra,
    ]  # fmt: skip
    with log.open("ab") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    desk = DeskProcess(process, f"http://127.0.0.1:{port}", log, args)
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"bci-desk exited with {process.returncode}: {log.read_text()}")
        try:
            with urllib.request.urlopen(desk.url + "/v1/status", timeout=1) as reply:
                if reply.status == 200:
                    return desk
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            desk.kill()
            raise RuntimeError(f"bci-desk did not answer: {log.read_text()}")
        time.sleep(0.1)


def wait_indexed(desk_url: str, block: int, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status = get_json(desk_url + "/v1/status")
        if (status["index"]["indexed_block"] or 0) >= block:
            return status
        if time.monotonic() > deadline:
            raise AssertionError(f"the index did not reach block {block}: {status}")
        time.sleep(0.05)


# ------------------------------------------------------------------ HTTP


def request(
    url: str,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    method: str | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def get_json(url: str) -> Any:
    status, _, body = request(url)
    assert status == 200, (url, status, body[:500])
    return json.loads(body)


def multipart(
    files: list[tuple[str, bytes]], fields: dict[str, str] | None = None
) -> tuple[bytes, str]:
    boundary = "desk" + uuid.uuid4().hex
    parts = []
    for name, value in (fields or {}).items():
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for filename, content in files:
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="files"; filename="{filename}"\r\n'
            "Content-Type: application/json\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post_files(
    url: str, files: list[tuple[str, bytes]], fields: dict[str, str] | None = None
) -> tuple[int, Any]:
    body, content_type = multipart(files, fields)
    status, _, reply = request(url, body, {"Content-Type": content_type}, "POST")
    try:
        return status, json.loads(reply)
    except ValueError:
        return status, reply.decode("utf-8", "replace")


class Subscriber(threading.Thread):
    """An EventSource-like reader of /v1/events/stream."""

    def __init__(self, base_url: str, last_event_id: int | None = None) -> None:
        super().__init__(daemon=True)
        self.base = urlsplit(base_url)
        self.last_event_id = last_event_id
        self.events: list[dict[str, Any]] = []
        self.arrived: list[float] = []
        self.ended = threading.Event()
        self.connected = threading.Event()

    def run(self) -> None:
        conn = http.client.HTTPConnection(self.base.hostname, self.base.port, timeout=60)
        headers = {"Accept": "text/event-stream"}
        if self.last_event_id is not None:
            headers["Last-Event-ID"] = str(self.last_event_id)
        try:
            conn.request("GET", "/v1/events/stream", headers=headers)
            response = conn.getresponse()
            assert response.status == 200
            assert response.getheader("content-type", "").startswith("text/event-stream")
            self.connected.set()
            fields: dict[str, str] = {}
            while True:
                line = response.fp.readline()
                if not line:
                    break
                text = line.decode().rstrip("\r\n")
                if not text:
                    if "data" in fields:
                        data = json.loads(fields["data"])
                        assert int(fields["id"]) == data["id"] and fields["event"] == data["event"]
                        self.events.append(data)
                        self.arrived.append(time.monotonic())
                    fields = {}
                elif not text.startswith(":"):
                    key, _, value = text.partition(":")
                    fields[key] = value.removeprefix(" ")
        except (OSError, http.client.HTTPException):
            pass
        finally:
            self.ended.set()
            conn.close()

    def wait_for(self, count: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while len(self.events) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.events)} events received, {count} expected")
            time.sleep(0.02)
