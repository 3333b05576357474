"""Disclosed field values as readable HTML: units, country names, identifiers.

Values come from an uploaded file: every string is escaped; nothing is
interpreted as markup, and links are shown as text.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

#: ISO 3166-1 alpha-2 names for the countries battery supply chains name most.
COUNTRIES = {
    "AR": "Argentina", "AT": "Austria", "AU": "Australia", "BE": "Belgium", "BG": "Bulgaria",
    "BO": "Bolivia", "BR": "Brazil", "CA": "Canada", "CD": "Congo (Dem. Rep.)",
    "CH": "Switzerland", "CL": "Chile", "CN": "China", "CY": "Cyprus", "CZ": "Czechia",
    "DE": "Germany", "DK": "Denmark", "EE": "Estonia", "ES": "Spain", "FI": "Finland",
    "FR": "France", "GA": "Gabon", "GB": "United Kingdom", "GR": "Greece", "HR": "Croatia",
    "HU": "Hungary", "ID": "Indonesia", "IE": "Ireland", "IN": "India", "IT": "Italy",
    "JP": "Japan", "KR": "South Korea", "LT": "Lithuania", "LU": "Luxembourg", "LV": "Latvia",
    "MA": "Morocco", "MG": "Madagascar", "MT": "Malta", "MX": "Mexico", "MY": "Malaysia",
    "MZ": "Mozambique", "NC": "New Caledonia", "NL": "Netherlands", "NO": "Norway",
    "PE": "Peru", "PH": "Philippines", "PL": "Poland", "PT": "Portugal", "RO": "Romania",
    "RU": "Russia", "SE": "Sweden", "SI": "Slovenia", "SK": "Slovakia", "TH": "Thailand",
    "TR": "Türkiye", "TW": "Taiwan", "TZ": "Tanzania", "US": "United States",
    "VN": "Viet Nam", "ZA": "South Africa", "ZM": "Zambia", "ZW": "Zimbabwe",
}  # fmt: skip

FIELD_TITLES = {
    "cathodeMaterialOrigin": "Cathode material origin",
    "refineryCarbonIntensity": "Refinery carbon intensity",
    "recycledContent": "Recycled content",
    "smelterIds": "Smelters (RMI)",
    "mineLicences": "Mine licences",
    "transportEmissions": "Transport emissions",
    "verifications": "Third-party verifications",
    "batteryIdentifiers": "Battery identifiers",
    "shipment": "Shipment",
    "facilityAndOperator": "Facility and operator",
    "batteryCarbonFootprint": "Battery carbon footprint",
    "dueDiligenceReport": "Due-diligence report",
}

_LABELS = {
    "sscc": "SSCC", "gtin": "GTIN", "gln": "GLN", "eori": "EORI", "bpnl": "BPNL",
    "cid": "Smelter CID", "hsCode": "HS code", "taricCode": "TARIC code", "url": "URL",
    "sha256": "SHA-256", "rmapStatus": "RMAP status", "studyUrl": "Study URL",
    "studySha256": "Study SHA-256", "passportId": "Passport id",
}  # fmt: skip


def label(key: str) -> str:
    if key in _LABELS:
        return _LABELS[key]
    if re.match(r"kgCO2e", key, flags=re.I):
        return "CO₂e"  # the unit goes with the value
    stem = re.sub(r"(Percent|Km|KWh)$", "", key) or key
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", stem).replace("_", " ").strip()
    return words[:1].upper() + words[1:].lower().replace("co2e", "CO₂e")


def unit(key: str) -> str:
    lowered = key.lower()
    if lowered.endswith("percent") or lowered.endswith("share"):
        return " %"
    if "kgco2eperkwh" in lowered:
        return " kg CO₂e/kWh"
    if "kgco2eperkg" in lowered:
        return " kg CO₂e/kg"
    if "kgco2e" in lowered:
        return " kg CO₂e"
    if lowered.endswith("kwh"):
        return " kWh"
    if lowered.endswith("km"):
        return " km"
    return ""


def scalar(key: str, value: Any) -> str:
    if value is None:
        return "<span class=muted>—</span>"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        text = (
            f"{value:,}".replace(",", " ")
            if isinstance(value, int) and abs(value) >= 10_000
            else str(value)
        )
        return escape(text + unit(key))
    text = str(value)
    if key.lower() in ("country", "countrycode", "origincountry", "destinationcountry") or (
        key.lower().endswith("country") and len(text) == 2
    ):
        name = COUNTRIES.get(text.upper())
        return f"<abbr title='ISO 3166-1 {escape(text)}'>{escape(text)}</abbr>" + (
            f" {escape(name)}" if name else ""
        )
    if len(text) > 40 and " " not in text:
        return f"<code class=wrap>{escape(text)}</code>"
    if re.fullmatch(r"\d{4}-\d{2}(-\d{2})?([T ][0-9:.]+Z?)?", text):
        return f"<span class=nw>{escape(text)}</span>"
    if re.fullmatch(r"(urn:|CID|\d{8,})[^\s]*", text):
        return f"<code>{escape(text)}</code>"
    return escape(text)


def render(value: Any, key: str = "", depth: int = 0) -> str:
    """HTML for a JSON value; a list of objects becomes a table."""
    if depth > 8:
        return "<span class=muted>…</span>"
    if isinstance(value, dict):
        rows = "".join(
            f"<tr><th>{escape(label(k))}</th><td>{render(v, k, depth + 1)}</td></tr>"
            for k, v in value.items()
        )
        return f"<table class=kv>{rows}</table>"
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            keys: list[str] = []
            for item in value:
                keys += [k for k in item if k not in keys]
            head = "".join(f"<th>{escape(label(k))}</th>" for k in keys)
            body = "".join(
                "<tr>"
                + "".join(f"<td>{render(item.get(k), k, depth + 1)}</td>" for k in keys)
                + "</tr>"
                for item in value
            )
            return f"<table class=grid><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        return (
            ", ".join(render(v, key, depth + 1) for v in value) or "<span class=muted>none</span>"
        )
    return scalar(key, value)


def field_block(name: str, value: Any) -> str:
    title = FIELD_TITLES.get(name, name)
    return (
        f"<section class=field><h4>{escape(title)} <code class=muted>{escape(name)}</code></h4>"
        f"{render(value, name)}</section>"
    )
