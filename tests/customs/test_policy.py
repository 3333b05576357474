"""The policy file: defaults, YAML and JSON, and a clear error for every mistake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bci_registry.customs.errors import CustomsInputError
from bci_registry.customs.policy import REGULATORY_FIELDS, Policy, load_policy, policy_from_dict
from bci_registry.report import REPORT_FIELDS


def test_defaults() -> None:
    policy = load_policy(None)
    assert policy == Policy()
    assert policy.required_fields == REGULATORY_FIELDS == REPORT_FIELDS[:7]
    assert policy.required_mask == 0x7F
    assert policy.to_json() == {
        "required_fields": list(REPORT_FIELDS[:7]),
        "minimum_approvals": 2,
        "accept_qualified": False,
        "anchoring_tolerance_seconds": 0,
        "require_disclosed_fields": False,
        "accepted_verifiers": [],
        "fail_when_paused": True,
        "require_attestation": True,
    }
    assert policy_from_dict({"fail_when_paused": False}).fail_when_paused is False
    with pytest.raises(CustomsInputError, match="fail_when_paused: expected true or false"):
        policy_from_dict({"fail_when_paused": "no"})


def test_yaml_policy(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "# the EU office's policy\n"
        "required_fields: all\n"
        "minimum_approvals: 3\n"
        "accept_qualified: true\n"
        "anchoring_tolerance_seconds: 300\n"
        "require_disclosed_fields: true\n"
        "accepted_verifiers:\n"
        f"  - '0x{'AB' * 32}'\n"
        f"  - '0x{'cd' * 20}'\n"
    )
    assert load_policy(path) == Policy(
        required_fields=REPORT_FIELDS,
        minimum_approvals=3,
        accept_qualified=True,
        anchoring_tolerance_seconds=300,
        require_disclosed_fields=True,
        accepted_verifiers=("0x" + "ab" * 32, "0x" + "cd" * 20),
    )


def test_json_policy_with_a_field_list_in_any_order(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"required_fields": ["shipment", "cathodeMaterialOrigin"]}))
    assert load_policy(path).required_fields == ("cathodeMaterialOrigin", "shipment")


def test_an_empty_yaml_file_is_the_default_policy(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text("# nothing to change\n")
    assert load_policy(path) == Policy()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "policy: expected a mapping of policy keys"),
        ({"minimum_aprovals": 2}, "policy: unknown key minimum_aprovals; the keys are"),
        ({"required_fields": []}, 'required_fields: expected "regulatory", "all" or a non-empty'),
        ({"required_fields": "some"}, "required_fields: expected"),
        ({"required_fields": ["shipment", "colour"]}, "required_fields: unknown field colour"),
        ({"minimum_approvals": 0}, "minimum_approvals: expected a whole number from 1 to 16"),
        ({"minimum_approvals": True}, "minimum_approvals: expected a whole number"),
        ({"minimum_approvals": 2.5}, "minimum_approvals: expected a whole number"),
        ({"accept_qualified": "yes"}, "accept_qualified: expected true or false"),
        ({"require_disclosed_fields": 1}, "require_disclosed_fields: expected true or false"),
        ({"anchoring_tolerance_seconds": -1}, "anchoring_tolerance_seconds: expected a whole"),
        ({"accepted_verifiers": "0x" + "ab" * 32}, "accepted_verifiers: expected a list"),
        ({"accepted_verifiers": ["0x1234"]}, "accepted_verifiers[0]: expected a verifier id"),
        ({"accepted_verifiers": [0xAB]}, "accepted_verifiers[0]: a number; quote the 0x value"),
    ],
)
def test_every_mistake_is_named(data: object, message: str) -> None:
    with pytest.raises(CustomsInputError) as caught:
        policy_from_dict(data)
    assert message in str(caught.value)


def test_unreadable_or_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(CustomsInputError, match="cannot read the policy"):
        load_policy(tmp_path / "missing.yaml")
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("required_fields: [shipment\n")
    with pytest.raises(CustomsInputError, match=r"policy .*bad.yaml is not valid YAML"):
        load_policy(bad_yaml)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{'single': 'quotes'}")
    with pytest.raises(CustomsInputError, match=r"policy .*bad.json is not valid JSON"):
        load_policy(bad_json)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("minimum_approvals: many\n")
    with pytest.raises(CustomsInputError, match=r"policy .*wrong.yaml: minimum_approvals"):
        load_policy(wrong)
