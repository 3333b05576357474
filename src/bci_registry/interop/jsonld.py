"""JSON-LD expansion with the offline loader, and the terms expansion drops.

Expansion silently drops every key its contexts do not define; for credentials and
events that would be data a JSON-LD consumer never sees. pyld reports each dropped
key to a handler; ``dropped_terms`` collects them.
"""

from __future__ import annotations

from typing import Any

from pyld import jsonld

from bci_registry.interop.reference import document_loader


def expand(document: Any) -> list[Any]:
    """The JSON-LD expansion of ``document``, every context loaded from the local copies."""
    result = jsonld.expand(document, {"documentLoader": document_loader})
    assert isinstance(result, list)
    return result


def dropped_terms(document: Any) -> list[str]:
    """The keys of ``document`` that JSON-LD expansion drops, in order met (empty: none)."""
    dropped: list[str] = []

    def record(term: str | None) -> None:
        dropped.append(str(term))

    jsonld.expand(document, {"documentLoader": document_loader}, on_property_dropped=record)
    return dropped
