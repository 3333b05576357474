"""The verifier's status-list bookkeeping: which bit each DCC got, which are revoked.

A small JSON file per verifier (``bci-status-allocations/1``), kept by the export and
by ``bci-report status-sync``:

    {"schema": "bci-status-allocations/1", "verifier": "0x…", "listUrl": "https://…",
     "entries": [{"credential": "<DCC id>", "index": 81234, "organisation": "0x…",
                  "root": "0x…", "revoked": false}, …]}

An index is allocated once per credential id (re-exporting the same attestation
keeps its bit). Indexes are spread over the list, not handed out in order: index =
SHA-256 of the credential id modulo the list size, then the next free one, so that a
credential's bit says nothing about when it was issued and the allocation is the same
on every run. ``revoked`` mirrors the chain: ``status-sync`` reads each entry's
attestation and sets it; the published list has exactly the revoked entries' bits set.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from bci_registry.interop.statuslist import MIN_BITS, StatusEntry
from bci_registry.report.files import write_text

SCHEMA: Final = "bci-status-allocations/1"


class StatusStateError(ValueError):
    """The allocation file is malformed or belongs to another verifier or list."""


@dataclass
class Allocation:
    credential: str
    index: int
    organisation: str
    root: str
    revoked: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "credential": self.credential,
            "index": self.index,
            "organisation": self.organisation,
            "root": self.root,
            "revoked": self.revoked,
        }


@dataclass
class StatusState:
    verifier: str
    list_url: str
    entries: list[Allocation] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path, verifier: str, list_url: str) -> StatusState:
        """The state at ``path`` (a new one if the file does not exist)."""
        if not path.exists():
            return cls(verifier, list_url)
        try:
            obj = json.loads(path.read_text("utf-8"))
            if obj.get("schema") != SCHEMA:
                raise StatusStateError(f"{path}: expected schema {SCHEMA}")
            state = cls(
                obj["verifier"],
                obj["listUrl"],
                [
                    Allocation(**{**e, "revoked": bool(e.get("revoked", False))})
                    for e in obj["entries"]
                ],
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StatusStateError(f"{path}: not a status allocation file ({exc})") from None
        if state.verifier.lower() != verifier.lower():
            raise StatusStateError(
                f"{path} is the allocation file of {state.verifier}, not {verifier}"
            )
        if state.list_url != list_url:
            raise StatusStateError(f"{path} allocates bits of {state.list_url}, not {list_url}")
        return state

    def save(self, path: Path) -> None:
        obj = {
            "schema": SCHEMA,
            "verifier": self.verifier,
            "listUrl": self.list_url,
            "entries": [e.to_json() for e in sorted(self.entries, key=lambda e: e.index)],
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, json.dumps(obj, indent=2) + "\n")

    def allocate(self, credential: str, organisation: str, root: str) -> StatusEntry:
        """The credential's bit: the one it already has, else a new one."""
        for entry in self.entries:
            if entry.credential == credential:
                return StatusEntry(self.list_url, entry.index)
        taken = {e.index for e in self.entries}
        if len(taken) >= MIN_BITS:
            raise StatusStateError("the status list is full")
        index = int.from_bytes(hashlib.sha256(credential.encode()).digest(), "big") % MIN_BITS
        while index in taken:
            index = (index + 1) % MIN_BITS
        self.entries.append(Allocation(credential, index, organisation, root))
        return StatusEntry(self.list_url, index)

    @property
    def revoked_indexes(self) -> list[int]:
        return sorted(e.index for e in self.entries if e.revoked)
