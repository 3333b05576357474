"""Import a Catena-X BatteryPass 6.1.0 payload (plus a supplement) as a bci-report/1 report.

The payload fills what it can (mapping in docs/interop.md); the supplement, a partial
bci-report/1 JSON object, gives the rest. Every value of the result records where it
came from (``Imported.provenance``: report path -> ``payload:<path>``,
``supplement:<path>`` or ``derived:<how>``); every field the payload lacks is listed
with the reason. A value both files give must agree. The payload is first checked
against the official Catena-X JSON Schema, then for real dates (its generated sample
has an ``intoServiceDate`` of 7172-75-08, which the schema lets through), and the
result is validated by ``bci_registry.report`` exactly like a hand-written report.

Files may be UTF-8 (with or without BOM) or UTF-16 with a BOM, as some Battery Pass
consortium files are stored.
"""

from __future__ import annotations

import codecs
import copy
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from jsonschema import Draft4Validator

from bci_registry.interop.reference import CATENAX_BATTERY_PASS_SCHEMA, reference_json
from bci_registry.report import REPORT_FIELDS, SCHEMA_ID, report_problems
from bci_registry.report.canonical import parse_json
from bci_registry.report.errors import Problem, ReportInvalid, json_path

MODEL: Final = "urn:samm:io.catenax.battery.battery_pass:6.1.0"
MAX_BYTES: Final = 4 * 1024 * 1024

LACKING: Final[dict[str, str]] = {
    "cathodeMaterialOrigin": "the model has no country or mine of origin of cathode materials",
    "refineryCarbonIntensity": "the model has no refinery-level carbon intensity",
    "smelterIds": "the model has no RMI smelter ids",
    "mineLicences": "the model has no mining licences",
    "transportEmissions": "the model has no shipment transport emissions",
}
"""Fields the Battery Pass model cannot fill at all, and why."""

_LIFECYCLE: Final = {
    "raw material acquisition and pre-processing": "rawMaterialAcquisitionAndPreProcessing",
    "raw material extraction": "rawMaterialAcquisitionAndPreProcessing",
    "main product production": "mainProductProduction",
    "distribution": "distribution",
    "end of life and recycling": "endOfLifeAndRecycling",
    "recycling": "endOfLifeAndRecycling",
}
_CHEMISTRY: Final = {
    "lfp": "LFP",
    "lithium iron phosphate (lfp)": "LFP",
    "lithium iron phosphate": "LFP",
    "nca": "NCA",
    "nickel cobalt aluminium (nca)": "NCA",
    "lmo": "LMO",
    "lco": "LCO",
    "lmfp": "LMFP",
}
_DATE_KEYS: Final = {
    "intoServiceDate",
    "manufacturingDate",
    "issueDate",
    "expirationDate",
    "lastModification",
    "placedOnMarket",
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})\Z")


class ImportInvalid(ReportInvalid):
    """The payload or supplement cannot be imported, or the result is not a valid report."""

    what = "Battery Pass import"


@dataclass
class Imported:
    """The imported report, where each value came from, and what the payload lacked."""

    report: dict[str, Any]
    provenance: dict[str, str] = field(default_factory=dict)
    lacking: dict[str, str] = field(default_factory=dict)

    def provenance_json(self, payload_name: str = "", supplement_name: str = "") -> dict[str, Any]:
        """The provenance file written beside the report."""
        return {
            "format": "bci-import-provenance/1",
            "model": MODEL,
            "payload": payload_name,
            "supplement": supplement_name,
            "values": dict(sorted(self.provenance.items())),
            "lackingInPayload": self.lacking,
        }


def read_json_file(path: Path | str) -> Any:
    """Parse a JSON file in UTF-8 (BOM optional) or UTF-16 with BOM; ImportInvalid if not."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ImportInvalid([Problem("$", f"cannot read {name}: {exc.strerror or exc}")]) from None
    return parse_json_bytes(data, name)


def parse_json_bytes(data: bytes, name: str = "input") -> Any:
    """Decode (UTF-8, UTF-8 BOM, UTF-16 LE/BE BOM) and parse JSON bytes."""
    if len(data) > MAX_BYTES:
        raise ImportInvalid([Problem("$", f"{name} is larger than {MAX_BYTES} bytes")])
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
        return parse_json(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ImportInvalid([Problem("$", f"{name} is not JSON text: {exc}")]) from None


def _walk(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


def payload_problems(payload: Any) -> list[Problem]:
    """The Catena-X schema's problems, then every date that is not a real date."""
    problems = [
        Problem(json_path(tuple(e.absolute_path)), f"Catena-X BatteryPass 6.1.0: {e.message}")
        for e in Draft4Validator(reference_json(CATENAX_BATTERY_PASS_SCHEMA)).iter_errors(payload)
    ]
    for path, value in _walk(payload):
        if not isinstance(value, str) or not path:
            continue
        key = path[-1]
        if key in _DATE_KEYS or _DATE.match(value):
            if not _DATE.match(value) or not _real_date(value):
                problems.append(
                    Problem(
                        json_path(path), f"expected a real calendar date YYYY-MM-DD, got {value!r}"
                    )
                )
        elif (key == "time" or _DATETIME.match(value)) and not _real_datetime(value):
            problems.append(Problem(json_path(path), f"expected a real date-time, got {value!r}"))
    return sorted(set(problems))


def _real_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _real_datetime(text: str) -> bool:
    if not _DATETIME.match(text):
        return False
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


class _Builder:
    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload
        self.values: dict[tuple[Any, ...], tuple[Any, str]] = {}
        self.notes: dict[str, str] = {}

    def get(self, *path: Any) -> Any:
        node: Any = self.payload
        for step in path:
            if isinstance(step, int):
                if not isinstance(node, list) or step >= len(node):
                    return None
            elif not isinstance(node, dict) or step not in node:
                return None
            node = node[step]
        return node

    def put(self, target: tuple[Any, ...], value: Any, source: str) -> None:
        self.values[target] = (value, source)

    def keyed(self, path: tuple[Any, ...], key: str) -> tuple[Any, str] | None:
        items = self.get(*path)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if (
                isinstance(item, dict)
                and item.get("key") == key
                and isinstance(item.get("value"), str)
            ):
                return item["value"], "payload:" + json_path((*path, index, "value"))
        return None


def _map_payload(b: _Builder) -> None:
    passport = b.get("metadata", "passportIdentifier")
    if isinstance(passport, str):
        b.put(
            ("batteryIdentifiers", "passportId"), passport, "payload:$.metadata.passportIdentifier"
        )
    ident = ("identification", "identification")
    for key, target in (("partInstanceId", "serialNumber"), ("batchId", "batchId")):
        group = "serial" if target == "serialNumber" else "batch"
        found = b.keyed((*ident, group), key)
        if found:
            b.put(("batteryIdentifiers", target), *found)
    found = b.keyed((*ident, "codes"), "GTIN")
    if found:
        b.put(("batteryIdentifiers", "gtin"), *found)
    chemistry = b.get("identification", "chemistry")
    if isinstance(chemistry, str) and chemistry.strip().lower() in _CHEMISTRY:
        b.put(
            ("batteryIdentifiers", "chemistry"),
            _CHEMISTRY[chemistry.strip().lower()],
            "payload:$.identification.chemistry",
        )
    elif isinstance(chemistry, str):
        b.notes["batteryIdentifiers.chemistry"] = (
            f"payload chemistry {chemistry!r} does not name one of our chemistries; "
            "taken from the supplement if given"
        )
    for code in ("TARIC", "CN", "HS"):
        found = b.keyed((*ident, "codes"), code)
        if found:
            digits = found[0].replace(" ", "").replace(".", "")
            b.put(("shipment", "hsCode"), digits, found[1] + " (spaces removed)")
            break
    operator = b.get("metadata", "economicOperatorId")
    if isinstance(operator, str) and operator.startswith("BPNL"):
        b.put(
            ("facilityAndOperator", "operator", "idScheme"),
            "BPNL",
            "derived:BPNL prefix of $.metadata.economicOperatorId",
        )
        b.put(
            ("facilityAndOperator", "operator", "id"),
            operator,
            "payload:$.metadata.economicOperatorId",
        )
    made = b.get("operation", "manufacturer", "manufacturingDate")
    if isinstance(made, str) and _DATE.match(made) and _real_date(made):
        b.put(
            ("facilityAndOperator", "manufacturingDate"),
            made[:7],
            "payload:$.operation.manufacturer.manufacturingDate (month)",
        )
    _map_carbon(b)
    active = b.get("materials", "active")
    if isinstance(active, dict):
        for metal in ("cobalt", "lithium", "nickel", "lead"):
            share = b.get("materials", "active", metal, "recycled")
            if isinstance(share, (int, float)):
                b.notes[f"recycledContent.{metal}"] = (
                    f"payload total recycled share {share} % "
                    f"($.materials.active.{metal}.recycled); the model does not split it into "
                    "pre- and post-consumer shares, so the split comes from the supplement "
                    "and must add up to it"
                )
    docs = b.get("conformity", "dueDiligencePolicy")
    if isinstance(docs, list):
        for index, doc in enumerate(docs):
            url = doc.get("content") if isinstance(doc, dict) else None
            if isinstance(url, str) and url.startswith("https://"):
                b.put(
                    ("dueDiligenceReport", "url"),
                    url,
                    f"payload:$.conformity.dueDiligencePolicy[{index}].content",
                )
                break


def _map_carbon(b: _Builder) -> None:
    entries = b.get("sustainability", "carbonFootprint")
    if not isinstance(entries, list):
        return
    stages: dict[str, tuple[float, int]] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or entry.get("type") != "Climate Change Total":
            continue
        stage = _LIFECYCLE.get(str(entry.get("lifecycle", "")).strip().lower())
        if stage and isinstance(entry.get("value"), (int, float)):
            stages[stage] = (float(entry["value"]), index)
        if isinstance(entry.get("performanceClass"), str) and entry["performanceClass"] in "ABCDE":
            b.put(
                ("batteryCarbonFootprint", "performanceClass"),
                entry["performanceClass"],
                f"payload:$.sustainability.carbonFootprint[{index}].performanceClass",
            )
        for d_index, doc in enumerate(entry.get("declaration") or []):
            url = doc.get("content") if isinstance(doc, dict) else None
            if isinstance(url, str) and url.startswith("https://"):
                b.put(
                    ("batteryCarbonFootprint", "studyUrl"),
                    url,
                    f"payload:$.sustainability.carbonFootprint[{index}].declaration[{d_index}].content",
                )
    if len(stages) == len(set(_LIFECYCLE.values())):
        total = sum(value for value, _ in stages.values())
        if total > 0:
            sources = ", ".join(f"[{i}]" for _, i in stages.values())
            b.put(
                ("batteryCarbonFootprint", "kgCO2ePerKWh"),
                round(total, 6),
                f"derived:sum of $.sustainability.carbonFootprint{sources}.value",
            )
            for stage, (value, index) in stages.items():
                b.put(
                    ("batteryCarbonFootprint", "lifecycleStageShares", stage),
                    round(value / total * 100, 4),
                    f"derived:$.sustainability.carbonFootprint[{index}].value / total * 100",
                )
    elif stages:
        b.notes["batteryCarbonFootprint"] = (
            f"payload gives {len(stages)} of the 4 life-cycle stages "
            f"({', '.join(sorted(stages))}); "
            "the total and the stage shares come from the supplement"
        )


def _set(target: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    node = target
    for step in path[:-1]:
        node = node.setdefault(step, {})
    node[path[-1]] = value


def _leaves(node: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(node, dict) and node:
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    else:
        yield path, node


def import_battery_pass(payload: Any, supplement: Any | None = None) -> Imported:
    """Map ``payload`` (+ ``supplement``) to a valid bci-report/1 report, or raise ImportInvalid.

    Problem paths: ``$.payload...`` for the payload, ``$.supplement...`` for the
    supplement, ``$...`` for the resulting report (with the source of the value).
    """
    problems = [Problem("$.payload" + p.path[1:], p.message) for p in payload_problems(payload)]
    if supplement is None:
        supplement = {}
    if not isinstance(supplement, dict):
        problems.append(
            Problem("$.supplement", "expected a JSON object (a partial bci-report/1 report)")
        )
        supplement = {}
    for key in supplement:
        if key not in REPORT_FIELDS and key != "schema":
            problems.append(Problem(json_path(("supplement", key)), "not a bci-report/1 field"))
    if problems:
        raise ImportInvalid(problems)
    assert isinstance(payload, dict)
    builder = _Builder(payload)
    _map_payload(builder)
    scheme = _lookup(supplement, ("facilityAndOperator", "operator", "idScheme"))
    if scheme is not _MISSING and scheme != "BPNL":
        for key in ("idScheme", "id"):
            builder.values.pop(("facilityAndOperator", "operator", key), None)
        builder.notes["facilityAndOperator.operator"] = (
            f"the payload's economicOperatorId is a Catena-X BPNL; the supplement names the "
            f"operator by {scheme}, which is used"
        )
    report: dict[str, Any] = {"schema": SCHEMA_ID}
    provenance: dict[str, str] = {}
    for target, (value, source) in builder.values.items():
        _set(report, target, value)
        provenance[json_path(target)] = source
    for name in REPORT_FIELDS:
        if name not in supplement:
            continue
        for path, value in _leaves(copy.deepcopy(supplement[name]), (name,)):
            where = json_path(path)
            existing = _lookup(report, path)
            if existing is not _MISSING:
                if existing != value:
                    problems.append(
                        Problem(
                            where,
                            f"the payload gives {existing!r} ({provenance.get(where)}), "
                            f"the supplement {value!r}",
                        )
                    )
                continue
            if _under_leaf(report, path):
                continue
            _set(report, path, value)
            for inner, _ in _walk(value, path):
                if not isinstance(_, dict | list) or _ in ([], {}):
                    provenance[json_path(inner)] = "supplement:" + json_path(inner)
    lacking: dict[str, str] = {}
    for name in REPORT_FIELDS:
        from_payload = any(path[0] == name for path in builder.values)
        reason = LACKING.get(name) or ("" if from_payload else "the payload has no value for it")
        partial = [k for k in builder.notes if k.split(".")[0] == name]
        if reason or partial:
            text = "; ".join([r for r in [reason, *(builder.notes[k] for k in partial)] if r])
            if text:
                lacking[name] = text
        if name not in report:
            problems.append(
                Problem(
                    json_path((name,)),
                    f"not in the Battery Pass payload ({reason or 'no value'}) "
                    "and not in the supplement",
                )
            )
    for metal in ("cobalt", "lithium", "nickel", "lead"):
        share = builder.get("materials", "active", metal, "recycled")
        given = report.get("recycledContent", {}).get(metal)
        if isinstance(share, (int, float)) and isinstance(given, dict):
            total = given.get("preConsumerPercent", 0) + given.get("postConsumerPercent", 0)
            if isinstance(total, (int, float)) and abs(total - share) > 0.01:
                problems.append(
                    Problem(
                        json_path(("recycledContent", metal)),
                        f"pre- + post-consumer shares add up to {total} %, "
                        "the payload's recycled share "
                        f"($.materials.active.{metal}.recycled) is {share} %",
                    )
                )
    if not problems:
        for problem in report_problems(report):
            origin = provenance.get(problem.path)
            suffix = f" (value from {origin})" if origin else ""
            problems.append(Problem(problem.path, problem.message + suffix))
    if problems:
        raise ImportInvalid(sorted(set(problems)))
    return Imported(report, provenance, lacking)


_MISSING = object()


def _lookup(report: dict[str, Any], path: tuple[Any, ...]) -> Any:
    node: Any = report
    for step in path:
        if isinstance(node, dict) and step in node:
            node = node[step]
        else:
            return _MISSING
    return node


def _under_leaf(report: dict[str, Any], path: tuple[Any, ...]) -> bool:
    node: Any = report
    for step in path[:-1]:
        if not isinstance(node, dict) or step not in node:
            return False
        node = node[step]
    return not isinstance(node, dict)


def import_files(
    payload_path: Path | str, supplement_path: Path | str | None
) -> tuple[Imported, dict[str, Any]]:
    """Import from files; returns the result and its provenance document."""
    payload = read_json_file(payload_path)
    supplement = read_json_file(supplement_path) if supplement_path is not None else None
    imported = import_battery_pass(payload, supplement)
    doc = imported.provenance_json(
        f"{Path(payload_path).name} sha256:{_sha256(payload_path)}",
        f"{Path(supplement_path).name} sha256:{_sha256(supplement_path)}"
        if supplement_path
        else "",
    )
    return imported, doc


def _sha256(path: Path | str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def dumps(obj: Any) -> str:
    """Pretty JSON text for report and provenance files."""
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
