"""GS1 check digits, ISO 3166-1 codes, EORI/BPNL, passport ids, dates and times."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bci_registry.report import identifiers as ids
from bci_registry.report.countries import COUNTRY_CODES, COUNTRY_NAMES, is_country_code
from bci_registry.report.dates import parse_date, parse_month, parse_timestamp


@pytest.mark.parametrize(
    "key",
    [
        "4006381333931",  # GTIN-13 from GS1's check digit calculator examples
        "036000291452",  # GTIN-12 (UPC-A)
        "96385074",  # GTIN-8
        "106141411234567897",  # SSCC from the GS1 General Specifications
        "00012345600012",  # GTIN-14
    ],
)
def test_known_gs1_keys_have_valid_check_digits(key: str) -> None:
    assert ids.gs1_check_digit(key[:-1]) == int(key[-1])


@given(st.text(alphabet="0123456789", min_size=7, max_size=17), st.integers(1, 9))
def test_changing_one_digit_breaks_the_check_digit(body: str, delta: int) -> None:
    key = ids.with_gs1_check_digit(body)
    assert ids.gs1_problem(key, "a key", (len(key),)) is None
    wrong = key[:-1] + str((int(key[-1]) + delta) % 10)
    assert "check digit" in (ids.gs1_problem(wrong, "a key", (len(key),)) or "")


def test_gs1_body_must_be_digits() -> None:
    with pytest.raises(ValueError):
        ids.gs1_check_digit("12a4")


def test_country_list_is_the_full_official_list() -> None:
    assert len(COUNTRY_CODES) == 249
    for code in ("CD", "CN", "KR", "AU", "ID", "DE", "JP", "CL", "AQ", "SS", "BQ", "GB"):
        assert is_country_code(code)
    for code in ("XX", "UK", "EL", "EU", "XK", "AN", "cd"):
        assert not is_country_code(code)
    assert COUNTRY_NAMES["CD"].startswith("Congo")


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("DE4567891234567", True),
        ("EL123456789", True),  # Greece issues EORI numbers with its EU code
        ("XI123456789000", True),  # Northern Ireland
        ("QQ123456789", False),
        ("DE", False),
        ("de123", False),
    ],
)
def test_eori(value: str, ok: bool) -> None:
    assert (ids.eori_problem(value) is None) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [("BPNL00000003AYRE", True), ("BPNL0000KRNM", False), ("BPNS00000003AYRE", False)],
)
def test_bpnl(value: str, ok: bool) -> None:
    assert (ids.bpnl_problem(value) is None) is ok


@given(st.uuids(version=4))
def test_any_version_4_uuid_is_a_passport_id(value: object) -> None:
    assert ids.passport_id_problem(f"urn:uuid:{value}") is None


@pytest.mark.parametrize(
    "value",
    [
        "urn:uuid:00000000-0000-0000-0000-000000000000",
        "urn:uuid:ffffffff-ffff-ffff-ffff-ffffffffffff",
        "urn:uuid:6c243187-c2a0-442c-c94d-646a4dd61481",  # variant 110
        "urn:uuid:6c243187-c2a0-042c-a94d-646a4dd61481",  # version 0
    ],
)
def test_passport_ids_refused(value: str) -> None:
    assert ids.passport_id_problem(value) is not None


def test_dates_months_and_timestamps_are_parsed_for_real() -> None:
    assert parse_date("2024-02-29") == date(2024, 2, 29)
    assert parse_date("2025-02-29") is None
    assert parse_date("20250101") is None  # fromisoformat would accept it; the shape does not
    assert parse_month("2025-04") == date(2025, 4, 1)
    assert parse_month("0000-04") is None
    assert parse_timestamp("2025-06-02T13:45:30.250Z") == datetime(
        2025, 6, 2, 13, 45, 30, 250000, tzinfo=UTC
    )
    assert parse_timestamp("2025-06-02T13:45:30.123456789Z") is not None
    assert parse_timestamp("2025-06-02T24:00:00Z") is None
    assert parse_timestamp("2025-06-30T23:59:60Z") is None
    assert parse_timestamp("2025-06-02T13:45:30+00:00") is None
    assert parse_timestamp("2025-06-02t13:45:30z") is None
