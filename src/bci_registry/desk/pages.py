# ruff: noqa: E501  (HTML and CSS templates read better unwrapped)
"""Server-rendered HTML: the drop page, verdicts, a report's page, the feed, errors.

No asset is loaded from anywhere: the style and the few lines of script are in
the page. Every value from a file or the chain is escaped.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from html import escape
from typing import Any
from urllib.parse import quote

from bci_registry.desk import readable
from bci_registry.desk.adapter import REPORT_FIELDS, organisation_label

STYLE = """
:root{--ok:#11703a;--bad:#b3261e;--ink:#1b1f24;--muted:#5c6670;--line:#d6dbe0;--bg:#f6f7f9}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 "DejaVu Sans",system-ui,sans-serif;color:var(--ink);background:var(--bg)}
header{background:#12263a;color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:baseline;flex-wrap:wrap}
header a{color:#cfe3ff;text-decoration:none}header h1{font-size:19px;margin:0}
header .net{font-size:12.5px;color:#b7c6d6}
main{max-width:1180px;margin:0 auto;padding:18px 24px}
.drop{border:2px dashed #7d8a96;border-radius:10px;background:#fff;padding:22px;text-align:center}
.drop.over{border-color:#1d5fbf;background:#eef4ff}
.drop input[type=file]{margin:10px}
.row{display:flex;gap:12px;justify-content:center;align-items:center;flex-wrap:wrap}
button{font:inherit;padding:6px 16px;border-radius:6px;border:1px solid #1d5fbf;background:#1d5fbf;color:#fff;cursor:pointer}
.summary{font-size:18px;margin:16px 0 8px;padding:10px 14px;border-radius:8px;background:#fff;border:1px solid var(--line)}
.verdict{background:#fff;border:1px solid var(--line);border-left:8px solid var(--line);border-radius:8px;margin:14px 0;padding:12px 16px}
.verdict.pass{border-left-color:var(--ok)}.verdict.fail{border-left-color:var(--bad)}
.badge{display:inline-block;font-weight:700;padding:2px 10px;border-radius:5px;color:#fff;letter-spacing:.5px}
.badge.pass{background:var(--ok)}.badge.fail{background:var(--bad)}
h2{font-size:17px;margin:0 0 4px}h3{font-size:15px;margin:14px 0 6px}h4{margin:10px 0 4px;font-size:14px}
.meta{color:var(--muted);font-size:13px}code{font-family:"DejaVu Sans Mono",monospace;font-size:12.5px}
code.wrap{word-break:break-all}
table{border-collapse:collapse}table.checks{width:100%}
.checks td,.checks th{border-top:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
.ok{color:var(--ok);font-weight:700}.failed{color:var(--bad);font-weight:700}
table.kv th{text-align:left;font-weight:600;padding:2px 10px 2px 0;vertical-align:top;color:#34404c}
table.kv td{padding:2px 0}
table.grid{margin:4px 0}table.grid th,table.grid td{border:1px solid var(--line);padding:3px 7px;font-size:13px;text-align:left;vertical-align:top}
table.grid th{background:#eef1f4}
.nw{white-space:nowrap}.checks td:nth-child(2){white-space:nowrap}
.muted{color:var(--muted)}.err{color:var(--bad)}
details{margin:8px 0}summary{cursor:pointer;color:#1d5fbf}
section.field{margin:6px 0 10px}
ol.events{padding-left:20px}ol.events li{margin:3px 0}
"""

SCRIPT = """
(function(){
  var zone=document.getElementById('drop'); if(!zone) return;
  var input=document.getElementById('files'), form=document.getElementById('verify-form');
  ['dragenter','dragover'].forEach(function(t){zone.addEventListener(t,function(e){e.preventDefault();zone.classList.add('over');});});
  ['dragleave','drop'].forEach(function(t){zone.addEventListener(t,function(e){e.preventDefault();zone.classList.remove('over');});});
  zone.addEventListener('drop',function(e){ if(e.dataTransfer && e.dataTransfer.files.length){ input.files=e.dataTransfer.files; form.submit(); } });
  input.addEventListener('change',function(){ if(input.files.length){ form.submit(); } });
})();
"""


def iso(ts: int | None) -> str:
    if not ts:
        return "—"
    try:
        return dt.datetime.fromtimestamp(int(ts), dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, ValueError, OSError):
        return str(ts)


def layout(title: str, body: str, status: dict[str, Any] | None = None) -> str:
    net = ""
    if status is not None:
        index = status.get("index", {})
        net = (
            f"<span class=net>{escape(str(status.get('network')))} · chain "
            f"{escape(str(status.get('chain_id')))} · indexed block "
            f"{escape(str(index.get('indexed_block')))} · read-only</span>"
        )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)} — BCI customs desk</title><style>{STYLE}</style></head><body>"
        "<header><h1><a href='/'>BCI customs desk</a></h1>"
        "<a href='/'>Verify</a><a href='/feed'>Live feed</a>"
        "<a href='/v1/openapi.json'>API (OpenAPI)</a>"
        f"{net}</header><main>{body}</main><script>{SCRIPT}</script></body></html>"
    )


def drop_form(delivery: str = "") -> str:
    return (
        "<form id=verify-form method=post action='/verify' enctype='multipart/form-data'>"
        "<div id=drop class=drop><div><b>Drop report files here</b> — sealed reports or "
        "disclosures, several at once; a batch member with its "
        "<code>.batch-proof.json</code></div>"
        "<div class=row><input id=files type=file name=files multiple accept='.json,application/json'>"
        f"<label>delivery <input name=delivery value='{escape(delivery)}' placeholder='from the file, or 2026-12-01T10:00:00Z' size=34></label>"
        "<button type=submit>Verify</button></div>"
        "<div class=meta>The files are checked in memory against the registry and never stored.</div>"
        "</div></form>"
    )


def home_page(status: dict[str, Any]) -> str:
    policy = status.get("policy", {})
    body = (
        drop_form()
        + "<h3>Policy of this desk</h3>"
        + f"<pre class=meta>{escape(json.dumps(policy, indent=2))}</pre>"
    )
    return layout("Verify", body, status)


def _check_rows(checks: list[dict[str, Any]]) -> str:
    rows = []
    for c in checks:
        mark = "<span class=ok>ok</span>" if c["ok"] else "<span class=failed>FAILED</span>"
        rows.append(
            f"<tr data-check='{escape(c['id'])}'><td>{mark}</td><td>{escape(c['title'])}</td>"
            f"<td>{escape(c['detail'])}</td></tr>"
        )
    return (
        "<table class=checks><thead><tr><th></th><th>check</th><th>detail</th></tr></thead>"
        + "".join(rows)
        + "</table>"
    )


def _verdict_block(i: int, v: dict[str, Any], values: dict[str, Any]) -> str:
    verdict = v["verdict"]
    css = "pass" if verdict == "PASS" else "fail"
    org = v.get("organisation")
    org_text = organisation_label(bytes.fromhex(org[2:])) if org else "none named"
    link = ""
    if org:
        link = f" · <a href='/reports/{quote(org)}/{quote(v['root'])}'>report page</a>"
    disclosed = "".join(readable.field_block(name, value) for name, value in values.items())
    atts = v.get("chain", {}).get("attestations", [])
    batch = v.get("chain", {}).get("batch")
    batch_line = (
        f"<div class=meta id='batch-{i}'>member of batch <code class=wrap>"
        f"{escape(batch['root'])}</code> ({escape(str(batch['size']))} reports)</div>"
        if batch
        else ""
    )
    return (
        f"<article class='verdict {css}' id='verdict-{i}' data-verdict='{css.upper()}' "
        f"data-file='{escape(v['file'])}'>"
        f"<h2><span class='badge {css}'>{verdict}</span> {escape(v['file'])}</h2>"
        f"<div class=meta>{escape(v['kind'])} · organisation <b>{escape(org_text)}</b> · root "
        f"<code class=wrap>{escape(v['root'])}</code>{link}</div>{batch_line}"
        f"<div class=meta>checked at block time {escape(iso(v.get('checked_at')))} · delivery "
        f"{escape(v.get('delivery', {}).get('iso', '—'))} ({escape(v.get('delivery', {}).get('source', ''))})"
        f"{' · <b class=err>registry PAUSED</b>' if v.get('paused') else ''}</div>"
        f"{_check_rows(v['checks'])}"
        f"<h3>Disclosed values ({len(values)} of {len(REPORT_FIELDS)} fields)</h3>"
        f"{disclosed or '<p class=muted>none</p>'}"
        f"<details><summary>Attestations on chain ({len(atts)})</summary>"
        f"{readable.render(atts) if atts else '<p class=muted>none</p>'}</details>"
        "</article>"
    )


def verdict_page(
    outcome: Any,
    parsed: list[tuple[str, Any]],
    rejected: list[tuple[str, str]],
    status: dict[str, Any],
    delivery: str = "",
) -> str:
    from bci_registry.desk.adapter import disclosed_values

    parts = [drop_form(delivery[:64])]
    if outcome is not None:
        data = outcome.to_json()
        total = len(data["reports"])
        blob = base64.b64encode(json.dumps(data, indent=2, ensure_ascii=False).encode()).decode()
        css = "pass" if data["verdict"] == "PASS" and not rejected else "fail"
        parts.append(
            f"<div class=summary id=summary data-verdict='{data['verdict']}'>"
            f"<span class='badge {css}'>{data['verdict']}</span> "
            f"{data['passed']} of {total} report{'s' if total != 1 else ''} pass · "
            f"<a id=download download='verdict.json' href='data:application/json;base64,{blob}'>"
            "download the verdict (JSON, as <code>bci-verify --json</code>)</a></div>"
        )
        for i, v in enumerate(data["reports"]):
            values = disclosed_values(parsed[i][1]) if i < len(parsed) else {}
            parts.append(_verdict_block(i, v, values))
    for name, message in rejected:
        parts.append(
            f"<article class='verdict fail' data-verdict='BAD INPUT' data-file='{escape(name)}'>"
            f"<h2><span class='badge fail'>NOT A REPORT</span> {escape(name)}</h2>"
            f"<p class=err>{escape(message)}</p></article>"
        )
    return layout("Verdict", "".join(parts), status)


STATE_WORDS = {"unknown": "unknown to the registry", "pending": "pending approval"}


def report_page(data: dict[str, Any]) -> str:
    view = data["view"]
    rep = view["report"]
    org_rec = data["organisation_record"]
    accepted = view.get("accepted")
    head = (
        f"<h2>Report <code class=wrap>{escape(data['root'])}</code></h2>"
        f"<div class=meta>organisation <b>{escape(data['organisation_label'])}</b> "
        f"({escape(str(rep['organisation_status']))}) · as of indexed block "
        f"{escape(str(data['indexed_block']))}, {escape(iso(view['checked_at']))}</div>"
    )
    status_rows = {
        "State": STATE_WORDS.get(rep["state"], rep["state"])
        + (" (for cause)" if data.get("revoked_for_cause") else ""),
        "Accepted (contract's combined flag)": "yes" if accepted else "no",
        "Approvals": f"{rep['approvals']} (threshold now {rep['threshold']}, signer set v{rep['signer_set_version']})",
        "Approver slots": ", ".join(str(i + 1) for i in range(16) if rep["approvers"] >> i & 1)
        or "none",
        "Anchored": f"{iso(rep['anchored_at'])} in block {rep['anchored_block']}"
        if rep["anchored_at"]
        else "no",
        "Corrects": rep["supersedes"] or "—",
        "Superseded by": rep["superseded_by"] or "—",
        "Revocation reason": rep["revocation_reason"] or "—",
        "Registry paused": "yes" if rep.get("paused") else "no",
    }
    table = (
        "<table class=kv>"
        + "".join(
            f"<tr><th>{escape(k)}</th><td>{_linkish(data, k, v)}</td></tr>"
            for k, v in status_rows.items()
        )
        + "</table>"
    )
    atts = view["attestations"]
    att_rows = "".join(
        "<tr>"
        f"<td><code>{escape(a['verifier'])}</code></td><td><code class=wrap>{escape(a['verifier_id'])}</code></td>"
        f"<td>{escape(a['verdict'])}</td><td>{escape(', '.join(a['fields']))}</td>"
        f"<td>{escape(iso(a['verified_at']))}</td><td>{escape(iso(a['attested_at']))}</td>"
        f"<td>{escape(iso(a['expires_at']))}</td>"
        f"<td>{'revoked ' + escape(iso(a['revoked_at'])) + ' (reason ' + str(a['revocation_reason']) + ')' if a['revoked_at'] else ''}"
        f"{' expired' if a['expired'] else ''}{' invalidated (verifier suspended for cause)' if a['invalidated'] else ''}</td>"
        f"<td class={'ok' if a['valid'] else 'failed'}>{'valid' if a['valid'] else 'not valid'}</td></tr>"
        for a in atts
    )
    att_table = (
        "<table class=grid><thead><tr><th>verifier</th><th>id</th><th>verdict</th><th>fields</th>"
        "<th>verified</th><th>attested</th><th>expires</th><th>withdrawn</th><th></th></tr></thead>"
        f"<tbody>{att_rows}</tbody></table>"
        if atts
        else "<p class=muted>none</p>"
    )
    history = "".join(
        f"<li><b>{escape(e['event'])}</b> <span class=meta>block {e['block']}, {escape(iso(e['time']))}</span> "
        f"<code class=wrap>{escape(json.dumps(_short(e['args'])))}</code></li>"
        for e in data["history"]
    )
    org_block = readable.render(
        {
            k: org_rec[k]
            for k in ("status", "threshold", "signers", "submitters", "signer_set_version")
        }
    )
    body = (
        head
        + "<h3>Status</h3>"
        + table
        + f"<h3>Attestations ({len(atts)})</h3>"
        + att_table
        + "<h3>History</h3>"
        + (f"<ol class=events>{history}</ol>" if history else "<p class=muted>no event</p>")
        + "<h3>Organisation</h3>"
        + org_block
        + f"<p class=meta><a href='/v1/reports/{quote(data['organisation'])}/{quote(data['root'])}'>as JSON</a></p>"
    )
    return layout("Report", body)


def _linkish(data: dict[str, Any], key: str, value: Any) -> str:
    if key in ("Corrects", "Superseded by") and isinstance(value, str) and value.startswith("0x"):
        return f"<a href='/reports/{quote(data['organisation'])}/{quote(value)}'><code>{escape(value)}</code></a>"
    return escape(str(value))


def _short(args: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in args.items() if k not in ("organisation", "report")}


def feed_page(rows: list[dict[str, Any]]) -> str:
    items = "".join(_feed_item(r) for r in rows)
    script = """
<script>
(function(){
  var list=document.getElementById('events');
  var es=new EventSource('/v1/events/stream?after='+(list.dataset.last||0));
  es.onmessage=null;
  function add(ev){var d=JSON.parse(ev.data);var li=document.createElement('li');
    li.textContent=d.id+'  '+d.event+'  block '+d.block+'  '+JSON.stringify(d.args);list.appendChild(li);}
  ['OrganisationRegistered','OrganisationUpdated','OrganisationSuspended','OrganisationReinstated',
   'ReportSubmitted','ReportApproved','ReportApprovedBySignatures','ReportAnchored','ReportSuperseded',
   'ReportRevoked','Paused','Unpaused','VerifierAccredited','AccreditationExtended','VerifierSuspended',
   'VerifierSuspendedForCause','AttestationMade','AttestationRevoked','VerifierNonceUsed','NoncesCancelled',
   'RoleGranted','RoleRevoked','AdminTransferStarted','AdminTransferred','Reorg','Unknown'
  ].forEach(function(n){es.addEventListener(n,add);});
})();
</script>"""
    last = rows[-1]["id"] if rows else 0
    body = (
        "<h2>Live feed</h2><p class=meta>Every registry event as the index commits it "
        "(Server-Sent Events at <code>/v1/events/stream</code>).</p>"
        f"<ol class=events id=events data-last='{last}'>{items}</ol>{script}"
    )
    return layout("Live feed", body)


def _feed_item(r: dict[str, Any]) -> str:
    return (
        f"<li>{r['id']} <b>{escape(r['event'])}</b> block {r['block']} "
        f"<code class=wrap>{escape(json.dumps(r['args']))}</code></li>"
    )


def error_page(status: int, message: str) -> str:
    return layout(
        f"Error {status}",
        f"<h2 class=err>Error {status}</h2><p>{escape(message)}</p><p><a href='/'>Back</a></p>",
    )
