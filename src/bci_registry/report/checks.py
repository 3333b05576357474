"""Checks of a report that JSON Schema cannot express.

Check digits, the ISO 3166-1 code list, real calendar dates, date order, share sums,
duplicates, and references between fields. Every check is defensive: it looks only at
values that already have the right type and shape, and stays quiet otherwise, because
the schema reports shape errors and one mistake should be reported once. That lets the
checks run together with the schema on an invalid report, so a user sees every problem
in one go.

Per-field checks (FIELD_CHECKS) also run on a single disclosed field; cross-field checks
(``cross_field_problems``) need the whole report.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from bci_registry.report import identifiers as ids
from bci_registry.report.dates import (
    DATE_SHAPE,
    MONTH_SHAPE,
    TIMESTAMP_SHAPE,
    parse_date,
    parse_month,
    parse_timestamp,
)
from bci_registry.report.errors import Found, Steps, json_path

FieldCheck = Callable[[Any, Steps], list[Found]]

# Floating-point slack for "at most 100 %" sums: shares like 33.3 + 33.3 + 33.4 must
# pass, while a real excess (100.01) must fail.
_SUM_EPSILON = 1e-6
# Life-cycle stage shares are rounded figures from an LCA study; they must add up to
# 100 within this many percentage points.
_STAGE_SUM_TOLERANCE = 0.5
# Transport legs may be rounded separately from the total.
_LEG_SUM_RELATIVE_TOLERANCE = 0.01
_LEG_SUM_ABSOLUTE_TOLERANCE = 0.5


def _objects(value: Any, path: Steps) -> Iterator[tuple[dict[str, Any], Steps]]:
    """The object items of a list, with their paths; anything else yields nothing."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield item, (*path, i)


def _text(obj: Any, key: str) -> str | None:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, str) else None


def _number(obj: Any, key: str) -> float | None:
    value = obj.get(key) if isinstance(obj, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _fmt(number: float) -> str:
    """A number as a person would write it: 100, 99.5, 100.000001."""
    return f"{number:.6f}".rstrip("0").rstrip(".")


def _identifier(
    obj: dict[str, Any], key: str, path: Steps, check: Callable[[str], str | None]
) -> list[Found]:
    value = _text(obj, key)
    if value is None:
        return []
    message = check(value)
    return [((*path, key), message)] if message else []


def _date(obj: dict[str, Any], key: str, path: Steps, out: list[Found]) -> date | None:
    """Parse a YYYY-MM-DD value at ``key``; report it if shaped like a date but not one."""
    value = _text(obj, key)
    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None and DATE_SHAPE.match(value):
        out.append(((*path, key), f"expected a real calendar date YYYY-MM-DD, got {value!r}"))
    return parsed


def _timestamp(obj: dict[str, Any], key: str, path: Steps, out: list[Found]) -> datetime | None:
    """Parse an RFC 3339 UTC timestamp at ``key``; report it if well-shaped but not real."""
    value = _text(obj, key)
    if value is None:
        return None
    parsed = parse_timestamp(value)
    if parsed is None and TIMESTAMP_SHAPE.match(value):
        out.append(((*path, key), f"expected a real RFC 3339 UTC date and time, got {value!r}"))
    return parsed


def _https_url(obj: dict[str, Any], key: str, path: Steps) -> list[Found]:
    value = _text(obj, key)
    if value is None or not value.startswith("https://"):
        return []  # shape errors are the schema's
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        host = None
    if not host or "." not in host:
        return [((*path, key), f"expected an https:// URL with a host name, got {value!r}")]
    return []


# Control characters (C0 and DEL) and lone UTF-16 surrogates. No report string may hold
# them: values are single-line, and surrogates cannot be written as UTF-8.
_BAD_TEXT = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def text_problems(value: Any, path: Steps) -> list[Found]:
    """Strings anywhere in ``value`` that contain control characters or lone surrogates.

    The schema patterns cannot catch a trailing line break (Python's ``$`` matches before
    it), and free text has no pattern for the middle of the string.
    """
    out: list[Found] = []
    if isinstance(value, str):
        match = _BAD_TEXT.search(value)
        if match:
            char = match.group()
            what = "a lone surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
            out.append(
                (path, f"expected text without control characters, got {what} U+{ord(char):04X}")
            )
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += text_problems(item, (*path, i))
    elif isinstance(value, dict):
        for key, item in value.items():
            out += text_problems(item, (*path, key))
    return out


# --- per-field checks -----------------------------------------------------------------


def check_cathode_material_origin(value: Any, path: Steps) -> list[Found]:
    """Countries are assigned codes; per material, mass shares add up to at most 100 %."""
    out: list[Found] = []
    totals: dict[str, float] = defaultdict(float)
    broken: set[str] = set()  # materials with a share the schema refuses: no sum for them
    for item, item_path in _objects(value, path):
        out += _identifier(item, "country", item_path, ids.country_problem)
        material = _text(item, "material")
        share = _number(item, "massSharePercent")
        if material is None:
            continue
        if share is None or not 0 <= share <= 100:
            broken.add(material)
        else:
            totals[material] += share
    for material, total in totals.items():
        if material not in broken and total > 100 + _SUM_EPSILON:
            out.append(
                (
                    path,
                    f"mass shares of {material} add up to {_fmt(total)} %, expected at most 100 %",
                )
            )
    return out


def check_refinery_carbon_intensity(value: Any, path: Steps) -> list[Found]:
    """GLN facility ids have a valid check digit; periods are real dates, end not before start."""
    out: list[Found] = []
    for item, item_path in _objects(value, path):
        facility = _text(item, "facilityId")
        if facility is not None and len(facility) == 13:
            out += _identifier(item, "facilityId", item_path, ids.gln_problem)
        period = item.get("period")
        if isinstance(period, dict):
            period_path = (*item_path, "period")
            start = _date(period, "start", period_path, out)
            end = _date(period, "end", period_path, out)
            if start and end and end < start:
                out.append(
                    (
                        (*period_path, "end"),
                        f"expected the period end on or after its start {start}, got {end}",
                    )
                )
    return out


def check_recycled_content(value: Any, path: Steps) -> list[Found]:
    """Per material, pre- plus post-consumer shares add up to at most 100 %."""
    out: list[Found] = []
    if not isinstance(value, dict):
        return out
    for material, share in value.items():
        pre = _number(share, "preConsumerPercent")
        post = _number(share, "postConsumerPercent")
        if pre is not None and post is not None and pre + post > 100 + _SUM_EPSILON:
            out.append(
                (
                    (*path, material),
                    f"pre- and post-consumer recycled shares add up to {_fmt(pre + post)} %, "
                    "expected at most 100 %",
                )
            )
    return out


def check_smelter_ids(value: Any, path: Steps) -> list[Found]:
    """Status dates are real dates; no smelter is listed twice for the same metal."""
    out: list[Found] = []
    seen: dict[tuple[str, str], Steps] = {}
    for item, item_path in _objects(value, path):
        _date(item, "statusDate", item_path, out)
        cid, metal = _text(item, "cid"), _text(item, "metal")
        if cid is None or metal is None:
            continue
        first = seen.setdefault((cid, metal), item_path)
        if first != item_path:
            out.append(
                (
                    (*item_path, "cid"),
                    f"smelter {cid} for {metal} is listed twice (first at {json_path(first)})",
                )
            )
    return out


def check_mine_licences(value: Any, path: Steps) -> list[Found]:
    """Countries are assigned codes; validity dates are real and validTo is after validFrom."""
    out: list[Found] = []
    for item, item_path in _objects(value, path):
        out += _identifier(item, "country", item_path, ids.country_problem)
        start = _date(item, "validFrom", item_path, out)
        end = _date(item, "validTo", item_path, out)
        if start and end and end <= start:
            out.append(
                (
                    (*item_path, "validTo"),
                    f"expected validTo after validFrom {start}, got {end}",
                )
            )
    return out


def check_transport_emissions(value: Any, path: Steps) -> list[Found]:
    """If legs are given, their emissions add up to the total (within rounding)."""
    out: list[Found] = []
    total = _number(value, "kgCO2e")
    legs = value.get("legs") if isinstance(value, dict) else None
    if total is None or not isinstance(legs, list) or not legs:
        return out
    amounts = [_number(leg, "kgCO2e") for leg in legs]
    if any(a is None for a in amounts):
        return out  # the schema reports the malformed leg
    leg_sum = sum(a for a in amounts if a is not None)
    slack = max(total * _LEG_SUM_RELATIVE_TOLERANCE, _LEG_SUM_ABSOLUTE_TOLERANCE)
    if abs(leg_sum - total) > slack:
        out.append(
            (
                (*path, "legs"),
                f"the legs add up to {_fmt(leg_sum)} kg CO2e, expected the total "
                f"kgCO2e {_fmt(total)} (within 1 %)",
            )
        )
    return out


def check_verifications(value: Any, path: Steps) -> list[Found]:
    """Timestamps are real instants and validUntil is after verifiedAt."""
    out: list[Found] = []
    for item, item_path in _objects(value, path):
        verified = _timestamp(item, "verifiedAt", item_path, out)
        until = _timestamp(item, "validUntil", item_path, out)
        if verified and until and until <= verified:
            out.append(
                (
                    (*item_path, "validUntil"),
                    f"expected validUntil after verifiedAt {item['verifiedAt']}, "
                    f"got {item['validUntil']}",
                )
            )
    return out


def check_battery_identifiers(value: Any, path: Steps) -> list[Found]:
    """The passport id is a real UUID URN; the GTIN check digit is right."""
    if not isinstance(value, dict):
        return []
    return _identifier(value, "passportId", path, ids.passport_id_problem) + _identifier(
        value, "gtin", path, ids.gtin_problem
    )


def check_shipment(value: Any, path: Steps) -> list[Found]:
    """SSCC check digit, consignee country and EORI, real delivery date."""
    out: list[Found] = []
    if not isinstance(value, dict):
        return out
    out += _identifier(value, "sscc", path, ids.sscc_problem)
    consignee = value.get("consignee")
    if isinstance(consignee, dict):
        consignee_path = (*path, "consignee")
        out += _identifier(consignee, "country", consignee_path, ids.country_problem)
        eori = _text(consignee, "eori")
        # Shape errors are the schema's; an unassigned country prefix is ours.
        if eori is not None and ids.EORI_PATTERN.match(eori):
            out += _identifier(consignee, "eori", consignee_path, ids.eori_problem)
    _date(value, "deliveryDate", path, out)
    return out


def check_facility_and_operator(value: Any, path: Steps) -> list[Found]:
    """GLN check digit, facility country, operator id matching its scheme, real month."""
    out: list[Found] = []
    if not isinstance(value, dict):
        return out
    out += _identifier(value, "facilityGln", path, ids.gln_problem)
    out += _identifier(value, "facilityCountry", path, ids.country_problem)
    operator = value.get("operator")
    if isinstance(operator, dict):
        scheme, op_id = _text(operator, "idScheme"), _text(operator, "id")
        check = {"EORI": ids.eori_problem, "BPNL": ids.bpnl_problem}.get(scheme or "")
        if check is not None and op_id is not None:
            message = check(op_id)
            if message:
                out.append(((*path, "operator", "id"), f"{message} (idScheme is {scheme})"))
    month = _text(value, "manufacturingDate")
    if month is not None and MONTH_SHAPE.match(month) and parse_month(month) is None:
        out.append(
            (
                (*path, "manufacturingDate"),
                f"expected a real manufacturing month YYYY-MM, got {month!r}",
            )
        )
    return out


_STAGES = (
    "rawMaterialAcquisitionAndPreProcessing",
    "mainProductProduction",
    "distribution",
    "endOfLifeAndRecycling",
)


def check_battery_carbon_footprint(value: Any, path: Steps) -> list[Found]:
    """Life-cycle stage shares add up to 100 % (within 0.5); the study URL has a host."""
    out: list[Found] = []
    if not isinstance(value, dict):
        return out
    shares = value.get("lifecycleStageShares")
    numbers = [_number(shares, stage) for stage in _STAGES]
    if all(n is not None for n in numbers):
        total = sum(n for n in numbers if n is not None)
        if abs(total - 100) > _STAGE_SUM_TOLERANCE:
            out.append(
                (
                    (*path, "lifecycleStageShares"),
                    f"life-cycle stage shares add up to {_fmt(total)} %, expected 100 % "
                    f"(within {_STAGE_SUM_TOLERANCE})",
                )
            )
    out += _https_url(value, "studyUrl", path)
    return out


def check_due_diligence_report(value: Any, path: Steps) -> list[Found]:
    """The report URL has a host."""
    return _https_url(value, "url", path) if isinstance(value, dict) else []


FIELD_CHECKS: dict[str, FieldCheck] = {
    "cathodeMaterialOrigin": check_cathode_material_origin,
    "refineryCarbonIntensity": check_refinery_carbon_intensity,
    "recycledContent": check_recycled_content,
    "smelterIds": check_smelter_ids,
    "mineLicences": check_mine_licences,
    "transportEmissions": check_transport_emissions,
    "verifications": check_verifications,
    "batteryIdentifiers": check_battery_identifiers,
    "shipment": check_shipment,
    "facilityAndOperator": check_facility_and_operator,
    "batteryCarbonFootprint": check_battery_carbon_footprint,
    "dueDiligenceReport": check_due_diligence_report,
}
"""Checks of one field's value; keys are exactly REPORT_FIELDS."""


# --- cross-field checks ---------------------------------------------------------------

# Cathode materials that are also smelterIds metals (the RMI lists cover them).
_SMELTER_METALS = frozenset({"cobalt", "lithium", "nickel", "manganese", "aluminium"})
_CID = re.compile(r"CID[0-9]{6}\Z")


def _listed_smelters(smelters: Any) -> dict[str, set[str]] | None:
    """CID -> metals listed in smelterIds; None if the list is missing or has a broken entry.

    A broken entry may be the one a reference points to: the schema reports it, and
    reporting every reference it breaks as well would bury that one mistake.
    """
    if not isinstance(smelters, list):
        return None
    listed: dict[str, set[str]] = defaultdict(set)
    for item in smelters:
        cid, metal = _text(item, "cid"), _text(item, "metal")
        if cid is None or metal is None or not _CID.match(cid):
            return None
        listed[cid].add(metal)
    return listed


def cross_field_problems(report: dict[str, Any]) -> list[Found]:
    """Checks that relate fields to each other; only possible on a whole report.

    - Every smelter id named in cathodeMaterialOrigin, and every CID refinery in
      refineryCarbonIntensity, is listed in smelterIds, for that metal when the
      material is one the RMI lists cover.
    - The manufacturing month is not after the delivery date.
    """
    out: list[Found] = []
    listed = _listed_smelters(report.get("smelterIds"))
    if listed is not None:
        references = (
            ("cathodeMaterialOrigin", "smelterId"),
            ("refineryCarbonIntensity", "facilityId"),
        )
        for field, key in references:
            for item, item_path in _objects(report.get(field), (field,)):
                cid, material = _text(item, key), _text(item, "material")
                if cid is None or not _CID.match(cid):
                    continue  # GLN refineries, or a malformed id the schema reports
                if cid not in listed:
                    message = f"smelter {cid} is not listed in $.smelterIds"
                elif material in _SMELTER_METALS and material not in listed[cid]:
                    message = f"smelter {cid} is not listed for {material} in $.smelterIds"
                else:
                    continue
                out.append(((*item_path, key), message))
    facility, shipment = report.get("facilityAndOperator"), report.get("shipment")
    month = parse_month(_text(facility, "manufacturingDate") or "")
    delivery = parse_date(_text(shipment, "deliveryDate") or "")
    if month and delivery and month > delivery:
        out.append(
            (
                ("facilityAndOperator", "manufacturingDate"),
                f"manufacturing month {month:%Y-%m} is after the delivery date {delivery} "
                "in $.shipment.deliveryDate",
            )
        )
    return out
