"""Report files: what they prove, what is bad input (exit 2) and what is a failing file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bci_registry.customs.errors import CustomsInputError
from bci_registry.customs.evidence import DISCLOSURE, SEALED, expand, load_evidence
from bci_registry.report import REPORT_FIELDS

from .helpers import DISCLOSED, ORG, write_sample


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, Path, Path]:
    return write_sample(tmp_path_factory.mktemp("evidence"))


def test_sealed_report_proves_its_root(sample: tuple[bytes, Path, Path]) -> None:
    root, sealed, _ = sample
    evidence = load_evidence(sealed)
    assert (evidence.kind, evidence.root, evidence.fields) == (SEALED, root, REPORT_FIELDS)
    assert evidence.proves_root and evidence.problems == ()
    assert evidence.delivery_date == "2025-06-30"
    assert evidence.organisation == ORG  # proven by the root


def test_disclosure_proves_its_fields(sample: tuple[bytes, Path, Path]) -> None:
    root, _, disclosure = sample
    evidence = load_evidence(disclosure)
    assert (evidence.kind, evidence.root) == (DISCLOSURE, root)
    assert set(evidence.fields) == set(DISCLOSED)
    assert evidence.proves_root
    assert evidence.delivery_date == "2025-06-30"
    assert evidence.organisation == ORG  # every disclosure carries the organisation leaf


def _edit(source: Path, target: Path, edit: object) -> Path:
    data = json.loads(source.read_text())
    edit(data)  # type: ignore[operator]
    target.write_text(json.dumps(data))
    return target


def test_tampered_sealed_value_is_a_failing_file(
    sample: tuple[bytes, Path, Path], tmp_path: Path
) -> None:
    root, sealed, _ = sample

    def change(data: dict) -> None:  # type: ignore[type-arg]
        leaf = data["fields"][8]  # shipment
        value = json.loads(leaf["value"])
        value["consignee"]["name"] = "Someone Else GmbH"
        leaf["value"] = json.dumps(value, separators=(",", ":"), sort_keys=True)

    evidence = load_evidence(_edit(sealed, tmp_path / "t.json", change))
    assert evidence.root == root and not evidence.proves_root
    assert len(evidence.problems) == 1
    assert evidence.problems[0].startswith("$.root: does not match the fields")
    assert evidence.organisation == ORG  # named by the file, though not proven


def test_tampered_disclosure_salt_is_a_failing_file(
    sample: tuple[bytes, Path, Path], tmp_path: Path
) -> None:
    _, _, disclosure = sample

    def change(data: dict) -> None:  # type: ignore[type-arg]
        data["leaves"][0]["salt"] = "0x" + "00" * 32

    evidence = load_evidence(_edit(disclosure, tmp_path / "t.json", change))
    assert not evidence.proves_root
    assert any(p.startswith("$.proof: the leaves and proof lead to") for p in evidence.problems)


def test_a_broken_leaf_is_a_failing_file_not_bad_input(
    sample: tuple[bytes, Path, Path], tmp_path: Path
) -> None:
    _, sealed, _ = sample

    def change(data: dict) -> None:  # type: ignore[type-arg]
        data["fields"][2]["salt"] = "0x12"

    evidence = load_evidence(_edit(sealed, tmp_path / "t.json", change))
    assert not evidence.proves_root
    assert any(p.startswith("$.fields[2].salt") for p in evidence.problems)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"fields": [', "is not valid JSON"),
        ("[1, 2]", "expected a sealed report or a disclosure"),
        ('{"schema": "bci-report/1"}', "is neither a sealed report (no 'fields') nor a disclosure"),
        ('{"fields": [], "root": "0x12"}', "$.root: expected 0x followed by 64 hex digits"),
        ('{"leaves": []}', "$.root: expected 0x followed by 64 hex digits"),
    ],
)
def test_malformed_files_are_bad_input(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(CustomsInputError) as caught:
        load_evidence(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_unreadable_files_are_bad_input(tmp_path: Path) -> None:
    with pytest.raises(CustomsInputError, match="cannot read"):
        load_evidence(tmp_path / "missing.json")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(CustomsInputError, match="not UTF-8"):
        load_evidence(binary)


def test_directories_expand_to_their_json_files(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text("{}")
    (tmp_path / "a.json").write_text("{}")
    (tmp_path / "notes.txt").write_text("")
    single = tmp_path / "x.json"
    assert expand([tmp_path, single]) == [tmp_path / "a.json", tmp_path / "b.json", single]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CustomsInputError, match="holds no"):
        expand([empty])
