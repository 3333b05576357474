"""The page in a real browser: Debian's Chromium, headless, driven by Playwright.

The officer drops the demo's sealed report (PASS), then the sealed report, the
disclosure (PASS) and the tampered copy (FAIL) together, reads every verdict and
its checks, downloads the verdict JSON and opens the report's page. Screenshots
go to the test's temporary folder, and the verdict page also to
``docs/desk-screenshot.png`` (the README's picture) when ``BCI_UPDATE_SCREENSHOT=1``
is set, so that a test run never changes a committed file.

Never skipped: without the browser the test fails with the one command to run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from deskutil import DELIVERY, ORGANISATION, DeskProcess, Story, get_json

from bci_registry import devnode

CHROMIUM = Path("/usr/bin/chromium")
INSTALL = "apt-get install -y --no-install-recommends chromium chromium-driver"
SCREENSHOT = devnode.PROJECT_ROOT / "docs" / "desk-screenshot.png"


@pytest.fixture(scope="module")
def browser() -> Any:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not installed ({CHROMIUM} missing): run `{INSTALL}` (as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is not installed: run `make setup` (requirements-dev.txt)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


DROP = """
async ([files]) => {
  const dt = new DataTransfer();
  for (const f of files) dt.items.add(new File([f.text], f.name, {type: 'application/json'}));
  const zone = document.getElementById('drop');
  for (const type of ['dragenter', 'dragover', 'drop']) {
    zone.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
  }
}
"""


def drop(page: Any, *paths: Path) -> None:
    files = [{"name": p.name, "text": p.read_text()} for p in paths]
    with page.expect_navigation():
        page.evaluate(DROP, [files])
    page.wait_for_selector("#summary")


def verdicts(page: Any) -> list[tuple[str, str]]:
    return [
        (a.get_attribute("data-file"), a.get_attribute("data-verdict"))
        for a in page.query_selector_all("article.verdict")
    ]


def test_officer_drops_the_demo_files_and_reads_the_verdicts(
    browser: Any, desk: DeskProcess, story: Story, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(desk.url + "/")
    assert "Drop report files here" in page.inner_text("#drop")
    page.fill("input[name=delivery]", DELIVERY)
    drop(page, story.sealed)
    assert verdicts(page) == [(story.sealed.name, "PASS")]
    text = page.inner_text("article.verdict")
    assert "Congo (Dem. Rep.)" in text and "82.5 %" in text  # readable disclosed values
    page.screenshot(path=str(tmp_path / "sealed-pass.png"), full_page=True)

    # All three at once: sealed (PASS), disclosure (PASS), tampered (FAIL).
    page.fill("input[name=delivery]", DELIVERY)
    drop(page, story.sealed, story.disclosure, story.tampered)
    assert verdicts(page) == [
        (story.sealed.name, "PASS"),
        (story.disclosure.name, "PASS"),
        (story.tampered.name, "FAIL"),
    ]
    tampered = page.query_selector("article.verdict[data-verdict=FAIL]")
    failed = [
        row.get_attribute("data-check")
        for row in tampered.query_selector_all("tr[data-check]")
        if "FAILED" in row.inner_text()
    ]
    assert failed[0] == "file", failed  # the file does not prove its root (and what follows)
    assert "3 of 12 fields" in page.inner_text(f"article[data-file='{story.disclosure.name}']")
    page.screenshot(path=str(tmp_path / "three-verdicts.png"), full_page=True)
    if os.environ.get("BCI_UPDATE_SCREENSHOT") == "1":
        page.screenshot(path=str(SCREENSHOT), full_page=False)

    # The verdict downloads as the bci-verify --json document.
    with page.expect_download() as info:
        page.click("#download")
    saved = tmp_path / "verdict.json"
    info.value.save_as(saved)
    document = json.loads(saved.read_text())
    assert [r["verdict"] for r in document["reports"]] == ["PASS", "PASS", "FAIL"]
    assert document["verdict"] == "FAIL" and document["passed"] == 2

    # Choosing a file (instead of dropping it) works the same.
    page.fill("input[name=delivery]", DELIVERY)
    with page.expect_navigation():
        page.set_input_files("#files", str(story.disclosure))
    assert verdicts(page) == [(story.disclosure.name, "PASS")]

    # The report's page: status, approvals, attestations and history.
    with page.expect_navigation():
        page.click("text=report page")
    body = page.inner_text("main")
    assert ORGANISATION in body and "anchored" in body and "AttestationMade" in body
    api = get_json(f"{desk.url}/v1/reports/{ORGANISATION}/{story.root}")
    assert api["view"]["report"]["state"] == "anchored"
    page.screenshot(path=str(tmp_path / "report-page.png"), full_page=True)
    context.close()
