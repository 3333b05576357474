"""The customs policy: what a report must show to pass, read from a small YAML or JSON file.

Every key is optional; a missing key takes its default (see ``Policy`` and
docs/customs-verify.md)::

    required_fields: regulatory      # or "all", or a list of field names
    minimum_approvals: 2
    accept_qualified: false
    anchoring_tolerance_seconds: 0
    require_disclosed_fields: false
    accepted_verifiers: []           # verifier ids (0x + 64 hex) or addresses (0x + 40 hex)
    fail_when_paused: true           # a paused registry fails every report
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bci_registry import inputs
from bci_registry.customs.errors import CustomsInputError
from bci_registry.report.fields import REPORT_FIELDS, field_mask

#: The seven fields the regulation text names (DESIGN.md fields 1-7); the other
#: five are auditable attributes the project added from the passport standards.
REGULATORY_FIELDS: Final = REPORT_FIELDS[:7]

_FIELD_SETS: Final = {"regulatory": REGULATORY_FIELDS, "all": REPORT_FIELDS}
_HEX_ID = re.compile(r"0x(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})\Z")
#: An organisation has at most 16 signers, so no report has more approvals.
MAX_APPROVALS: Final = 16


@dataclass(frozen=True)
class Policy:
    """What customs requires of a report; the defaults are the documented policy."""

    #: Fields a valid attestation must cover (and, with ``require_disclosed_fields``,
    #: a disclosure must disclose). Default: the seven regulatory fields.
    required_fields: tuple[str, ...] = REGULATORY_FIELDS
    #: Approvals the report must have been anchored with: "approved by several
    #: people", so two, whatever the organisation's own threshold.
    minimum_approvals: int = 2
    #: Whether a "qualified" verdict counts like a "pass".
    accept_qualified: bool = False
    #: How long after the delivery time the anchoring may be and still count.
    anchoring_tolerance_seconds: int = 0
    #: Whether a disclosure must disclose every required field itself.
    require_disclosed_fields: bool = False
    #: Verifiers whose attestations count (ids or addresses, lower-case 0x-hex);
    #: empty: any verifier the registry's governance accredited.
    accepted_verifiers: tuple[str, ...] = ()
    #: Whether a paused registry fails the check. Governance pauses in an
    #: emergency (a compromised key, a contract bug): while paused, revocations
    #: and suspensions still work but the record may be in flux.
    fail_when_paused: bool = True
    #: Whether a valid attestation is required (default true), for a report anchored
    #: alone and a batch member alike: a member's attestations are its own plus its
    #: batch's not revoked for it (``member_customs_view``). A policy may set false
    #: to clear on the exporter's anchored, approved record alone; the verdict says so.
    require_attestation: bool = True

    @property
    def required_mask(self) -> int:
        return field_mask(self.required_fields)

    def accepts_verifier(self, verifier: str, verifier_id: bytes) -> bool:
        if not self.accepted_verifiers:
            return True
        return (
            verifier.lower() in self.accepted_verifiers
            or "0x" + verifier_id.hex() in self.accepted_verifiers
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "required_fields": list(self.required_fields),
            "minimum_approvals": self.minimum_approvals,
            "accept_qualified": self.accept_qualified,
            "anchoring_tolerance_seconds": self.anchoring_tolerance_seconds,
            "require_disclosed_fields": self.require_disclosed_fields,
            "accepted_verifiers": list(self.accepted_verifiers),
            "fail_when_paused": self.fail_when_paused,
            "require_attestation": self.require_attestation,
        }


_KEYS: Final = tuple(Policy().to_json())


def load_policy(path: Path | None) -> Policy:
    """The policy in ``path`` (``.json``: JSON, otherwise YAML); None: the defaults."""
    if path is None:
        return Policy()
    try:
        text = inputs.read_text(path, "policy", inputs.MAX_POLICY_BYTES)
    except inputs.BoundedInputError as exc:
        raise CustomsInputError(str(exc).replace("read policy", "read the policy")) from None
    where = f"policy {path}"
    try:
        if path.suffix.lower() == ".json":
            data = inputs.parse_json(text, where)
        else:  # only a YAML policy pays for the import
            inputs.check_json_depth(text, where)
            data = inputs.parse_yaml(text, where)
    except inputs.BoundedInputError as exc:
        raise CustomsInputError(str(exc)) from None
    return policy_from_dict(data, f"policy {path}")


def policy_from_dict(data: Any, source: str = "policy") -> Policy:
    """Check every key and value; CustomsInputError names the source and the key."""
    if data is None:
        return Policy()
    if not isinstance(data, dict):
        raise CustomsInputError(f"{source}: expected a mapping of policy keys")
    unknown = sorted(str(key) for key in data if key not in _KEYS)
    if unknown:
        raise CustomsInputError(
            f"{source}: unknown key {', '.join(unknown)}; the keys are {', '.join(_KEYS)}"
        )
    values: dict[str, Any] = {}
    if "required_fields" in data:
        values["required_fields"] = _fields(data["required_fields"], f"{source}: required_fields")
    if "minimum_approvals" in data:
        values["minimum_approvals"] = _integer(
            data["minimum_approvals"], 1, MAX_APPROVALS, f"{source}: minimum_approvals"
        )
    for key in (
        "accept_qualified",
        "require_disclosed_fields",
        "fail_when_paused",
        "require_attestation",
    ):
        if key in data:
            if not isinstance(data[key], bool):
                raise CustomsInputError(f"{source}: {key}: expected true or false")
            values[key] = data[key]
    if "anchoring_tolerance_seconds" in data:
        values["anchoring_tolerance_seconds"] = _integer(
            data["anchoring_tolerance_seconds"], 0, 2**40, f"{source}: anchoring_tolerance_seconds"
        )
    if "accepted_verifiers" in data:
        values["accepted_verifiers"] = _verifiers(
            data["accepted_verifiers"], f"{source}: accepted_verifiers"
        )
    return Policy(**values)


def _fields(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str) and value in _FIELD_SETS:
        return _FIELD_SETS[value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise CustomsInputError(
            f'{where}: expected "regulatory", "all" or a non-empty list of field names'
        )
    unknown = [name for name in value if name not in REPORT_FIELDS]
    if unknown:
        raise CustomsInputError(
            f"{where}: unknown field {', '.join(unknown)}; "
            f"the fields are {', '.join(REPORT_FIELDS)}"
        )
    return tuple(name for name in REPORT_FIELDS if name in value)


def _integer(value: Any, low: int, high: int, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CustomsInputError(f"{where}: expected a whole number from {low} to {high}")
    return value


def _verifiers(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise CustomsInputError(f"{where}: expected a list of verifier ids or addresses")
    out = []
    for i, item in enumerate(value):
        if isinstance(item, int):
            raise CustomsInputError(
                f"{where}[{i}]: a number; quote the 0x value (YAML reads unquoted 0x… as a number)"
            )
        if not isinstance(item, str) or not _HEX_ID.match(item):
            raise CustomsInputError(
                f"{where}[{i}]: expected a verifier id (0x + 64 hex) or address (0x + 40 hex)"
            )
        out.append(item.lower())
    return tuple(out)
