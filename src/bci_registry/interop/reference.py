"""The official schemas and JSON-LD contexts this package checks against, loaded offline.

Every file is a byte-for-byte copy (see ``reference/SOURCES.md``). ``document_loader``
serves the contexts to pyld by their public URLs and refuses every other URL, so no
JSON-LD processing here ever touches the network.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from typing import Any, Final

VC_V2_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
UNTP_DCC_CONTEXT: Final = "https://test.uncefact.org/vocabulary/untp/dcc/0.6.1/"
EPCIS_CONTEXT: Final = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# The GS1 development repository's own URL for the same context file.
EPCIS_CONTEXT_DEV: Final = "https://gs1.github.io/EPCIS/epcis-context.jsonld"

CONTEXT_FILES: Final[dict[str, str]] = {
    VC_V2_CONTEXT: "credentials-v2.jsonld",
    UNTP_DCC_CONTEXT: "untp-dcc-0.6.1-context.jsonld",
    EPCIS_CONTEXT: "epcis-2.0.0-context.jsonld",
    EPCIS_CONTEXT_DEV: "epcis-2.0.0-context.jsonld",
}
"""Public context URL -> local copy under ``reference/``."""

UNTP_DCC_SCHEMA: Final = "untp-dcc-0.6.1-schema.json"
EPCIS_SCHEMA: Final = "EPCIS-JSON-Schema.json"
CATENAX_BATTERY_PASS_SCHEMA: Final = "catenax-battery-pass-6.1.0-schema.json"

DocumentLoader = Callable[..., dict[str, Any]]


class OfflineLoadError(LookupError):
    """A JSON-LD document was asked for that is not held locally."""


def reference_text(name: str) -> str:
    """The text of one reference file."""
    return (resources.files("bci_registry.interop") / "reference" / name).read_text("utf-8")


@cache
def _reference_json_text(name: str) -> str:
    return reference_text(name)


def reference_json(name: str) -> Any:
    """A fresh parsed copy of one JSON reference file (callers may change it)."""
    return json.loads(_reference_json_text(name))


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader serving the local copies; any other URL is refused."""
    name = CONTEXT_FILES.get(url)
    if name is None:
        from pyld.jsonld import JsonLdError

        raise JsonLdError(
            f"offline: no local copy of {url!r}",
            "jsonld.LoadDocumentError",
            code="loading document failed",
        )
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": reference_json(name),
    }


@contextmanager
def offline_default_loader() -> Iterator[None]:
    """Make ``document_loader`` pyld's default loader for the duration of the block.

    For libraries that call pyld without passing a loader (the GS1 event-hash
    implementation does, and falls back to the network for unknown URLs).
    """
    from pyld import jsonld

    previous = jsonld.get_document_loader()
    jsonld.set_document_loader(document_loader)
    try:
        yield
    finally:
        jsonld.set_document_loader(previous)
