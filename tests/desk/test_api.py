"""The HTTP API of a running ``bci-desk`` (its own process) on anvil, over HTTP.

The verdicts must be the very document ``bci-verify --json`` prints for the same
files; hostile input must get a clear 4xx, never a 5xx or a hang.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from deskutil import DELIVERY, ORGANISATION, DeskProcess, Story, get_json, post_files, request

BCI_VERIFY = Path(sys.executable).with_name("bci-verify")


def _files(*paths: Path) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in paths]


def _cli_json(story: Story, rpc_url: str, *paths: Path) -> dict[str, Any]:
    result = subprocess.run(
        [str(BCI_VERIFY), "--manifest", str(story.manifest), "--rpc-url", rpc_url,
         "--delivery", DELIVERY, "--json", *map(str, paths)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    for report in data["reports"]:
        report["file"] = Path(report["file"]).name  # the desk names uploads by file name
    return data


def test_verify_gives_the_bci_verify_json(desk: DeskProcess, story: Story, anvil: Any) -> None:
    files = (story.sealed, story.disclosure, story.tampered)
    status, body = post_files(desk.url + "/v1/verify", _files(*files), {"delivery": DELIVERY})
    assert status == 200, body
    assert [r["verdict"] for r in body["reports"]] == ["PASS", "PASS", "FAIL"]
    assert body["verdict"] == "FAIL" and body["passed"] == 2
    tampered = body["reports"][2]
    assert not next(c for c in tampered["checks"] if c["id"] == "file")["ok"]
    assert body == _cli_json(story, anvil.url, *files)
    # One file alone, as a multipart upload and as a raw JSON body.
    one = _cli_json(story, anvil.url, story.disclosure)
    status, alone = post_files(
        desk.url + "/v1/verify", _files(story.disclosure), {"delivery": DELIVERY}
    )
    assert (status, alone) == (200, one)
    status, _, raw = request(
        f"{desk.url}/v1/verify?delivery={DELIVERY}&name={story.disclosure.name}",
        story.disclosure.read_bytes(), {"Content-Type": "application/json"}, "POST",
    )  # fmt: skip
    assert (status, json.loads(raw)) == (200, one)


def test_reads_reports_organisations_verifiers_attestations(
    desk: DeskProcess, story: Story
) -> None:
    url = desk.url + "/v1"
    report = get_json(f"{url}/reports/{ORGANISATION}/{story.root}")
    assert report["known"] and report["organisation_label"] == ORGANISATION
    view = report["view"]
    assert view["report"]["state"] == "anchored" and view["accepted"] is True
    assert view["report"]["approvals"] == 2 and view["report"]["threshold"] == 2
    assert [e["event"] for e in report["history"]] == ["ReportAnchored", "AttestationMade"]
    by_hex = get_json(
        f"{url}/reports/{report['organisation']}/{story.root.upper().replace('0X', '0x')}"
    )
    assert by_hex["view"] == view
    atts = get_json(f"{url}/reports/{ORGANISATION}/{story.root}/attestations")["attestations"]
    assert len(atts) == 1 and atts[0]["valid"] and atts[0]["verifier"] == story.verifier.address
    org = get_json(f"{url}/organisations/{ORGANISATION}")
    assert org["status"] == "active" and org["threshold"] == 2 and len(org["signers"]) == 3
    assert get_json(f"{url}/organisations")["organisations"][0]["label"] == ORGANISATION
    listed = get_json(f"{url}/organisations/{ORGANISATION}/reports")
    assert [r["root"] for r in listed["reports"]] == [story.root]
    verifiers = get_json(f"{url}/verifiers")["verifiers"]
    assert [v["verifier"] for v in verifiers] == [story.verifier.address]
    assert verifiers[0]["status"] == "accredited" and len(verifiers[0]["scope_fields"]) == 12
    one = get_json(f"{url}/verifiers/{story.verifier.address.lower()}")
    assert [e["event"] for e in one["history"]] == ["VerifierAccredited"]
    unknown = get_json(f"{url}/reports/{ORGANISATION}/0x{'ab' * 32}")
    assert not unknown["known"] and unknown["view"]["report"]["state"] == "unknown"
    # Events, paged.
    page1 = get_json(f"{url}/events?limit=3")
    page2 = get_json(f"{url}/events?after={page1['next_after']}&limit=1000")
    ids = [e["id"] for e in page1["events"] + page2["events"]]
    assert ids == list(range(1, len(ids) + 1))
    names = [e["event"] for e in page1["events"] + page2["events"]]
    assert names[-3:] == ["ReportAnchored", "VerifierAccredited", "AttestationMade"]
    only = get_json(f"{url}/events?report={story.root}")["events"]
    assert [e["event"] for e in only] == ["ReportAnchored", "AttestationMade"]
    spec = get_json(f"{url}/openapi.json")
    for path in (
        "/v1/verify",
        "/v1/reports/{organisation}/{root}",
        "/v1/events/stream",
        "/v1/events",
        "/v1/verifiers",
        "/v1/organisations/{organisation}/reports",
    ):
        assert path in spec["paths"], path  # fmt: skip


def test_pages_render(desk: DeskProcess, story: Story) -> None:
    status, _, home = request(desk.url + "/")
    assert status == 200 and b"Drop report files here" in home
    assert b"https://" not in home and b" src=" not in home  # no asset from anywhere
    status, _, page = request(f"{desk.url}/reports/{ORGANISATION}/{story.root}")
    assert status == 200 and b"anchored" in page and b"AttestationMade" in page
    status, _, feed = request(desk.url + "/feed")
    assert status == 200 and b"EventSource" in feed


def _raw_http(
    url: str, head: bytes, body_parts: list[bytes], pause: float, timeout: float = 15
) -> bytes:
    """Send a request by hand (to be slow on purpose); the raw answer."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(head)
        for chunk in body_parts:
            sock.sendall(chunk)
            time.sleep(pause)
        data = b""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                got = sock.recv(65536)
            except TimeoutError:
                break
            if not got:
                break
            data += got
            if b"\r\n\r\n" in data and b"}" in data:
                break
        return data


def test_hostile_input_gets_a_clear_4xx(desk: DeskProcess, story: Story) -> None:
    verify = desk.url + "/v1/verify"
    sealed = story.sealed.read_bytes()
    cases: list[tuple[str, list[tuple[str, bytes]], int, str]] = [
        ("not JSON", [("a.json", b"hello")], 422, "not JSON"),
        ("not UTF-8", [("b.json", b"\xff\xfe\x00garbage")], 422, "not UTF-8"),
        ("a JSON array", [("c.json", b"[1,2,3]")], 422, "a JSON object"),
        ("another document", [("d.json", b'{"schema": "bci-report/1"}')], 422, "neither"),
        (
            "a bad root",
            [("e.json", json.dumps({"fields": [], "root": "0x12"}).encode())],
            422,
            "$.root",
        ),
        ("deep JSON", [("f.json", b"[" * 5000 + b"]" * 5000)], 422, "nested deeper"),
        (
            "deep JSON in a string-free object",
            [("g.json", b'{"a":' * 3000 + b"1" + b"}" * 3000)],
            422,
            "nested",
        ),
        ("too big", [("h.json", b" " * (2 * 1024 * 1024 + 10))], 413, "limit"),
        ("too many files", [(f"{i}.json", b"{}") for i in range(201)], 413, "files"),
        ("a report among non-reports", [("x.json", sealed), ("y.json", b"{}")], 422, "y.json"),
    ]
    for what, files, want, words in cases:
        status, body = post_files(verify, files, {"delivery": DELIVERY})
        assert status == want, (what, status, body)
        assert words in body["error"], (what, body)
    # A path in the file name is never followed: the name is only displayed, tamed.
    status, body = post_files(verify, [("../../../../etc/passwd", sealed)], {"delivery": DELIVERY})
    assert status == 200 and body["reports"][0]["file"] == "passwd"
    assert body["reports"][0]["verdict"] == "PASS"
    # Requests the desk refuses before reading anything.
    for method, path, data, headers, want in [
        ("POST", "/v1/verify", b"x", {"Content-Type": "text/plain"}, 415),
        ("POST", "/v1/verify", b"--x--\r\n", {"Content-Type": "multipart/form-data"}, 400),
        (
            "POST",
            "/v1/verify",
            b"garbage",
            {"Content-Type": "multipart/form-data; boundary=zz"},
            400,
        ),
        ("GET", f"/v1/reports/{ORGANISATION}/0x1234", None, {}, 400),
        ("GET", f"/v1/reports/{'x' * 40}/{story.root}", None, {}, 400),
        ("GET", "/v1/verifiers/not-an-address", None, {}, 400),
        ("GET", "/v1/events?after=abc", None, {}, 400),
        ("GET", "/v1/events?limit=100000", None, {}, 400),
        ("GET", "/v1/events/stream", None, {"Last-Event-ID": "1; DROP TABLE"}, 400),
        ("GET", "/%2e%2e/%2e%2e/etc/passwd", None, {}, 404),
        ("GET", "/static/../../etc/passwd", None, {}, 404),
        ("GET", "/v1/organisations/NOBODY", None, {}, 404),
    ]:
        status, _, reply = request(desk.url + path, data, headers, method)
        assert status == want, (method, path, status, reply[:300])
        assert b"root:" not in reply
    # A declared body over the limit is refused before it is read.
    answer = _raw_http(
        verify,
        b"POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=zz\r\n"
        b"Content-Length: 999999999\r\n\r\n",
        [b"--zz"],
        0,
    )
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    # A slow client (a byte, then silence) is cut off with 408, not held forever.
    started = time.monotonic()
    answer = _raw_http(
        verify,
        b"POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=zz\r\n"
        b"Content-Length: 5000\r\n\r\n",
        [b"--zz\r\n"],
        0,
    )
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert time.monotonic() - started < 10
    # The service is still fine.
    status, body = post_files(verify, _files(story.sealed), {"delivery": DELIVERY})
    assert status == 200 and body["verdict"] == "PASS"


def test_concurrent_uploads_never_fail_the_service(desk: DeskProcess, story: Story) -> None:
    files = _files(story.sealed, story.disclosure, story.tampered)
    results: list[int] = []
    lock = threading.Lock()

    def upload() -> None:
        status, body = post_files(desk.url + "/v1/verify", files, {"delivery": DELIVERY})
        with lock:
            results.append(status)
        if status == 200:
            assert [r["verdict"] for r in body["reports"]] == ["PASS", "PASS", "FAIL"]

    threads = [threading.Thread(target=upload) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 24
    assert set(results) <= {200, 429}, results
    assert results.count(200) >= 4


def test_a_batch_of_reports_in_one_request(desk: DeskProcess, story: Story) -> None:
    """Twenty files (read in the worker processes) and the same verdicts in order."""
    files = (_files(story.sealed, story.disclosure, story.tampered) * 7)[:20]
    status, body = post_files(desk.url + "/v1/verify", files, {"delivery": DELIVERY})
    assert status == 200, body
    want = (["PASS", "PASS", "FAIL"] * 7)[:20]
    assert [r["verdict"] for r in body["reports"]] == want
    assert body["passed"] == want.count("PASS")
