"""Calls encoded and answers decoded from the ABI files shipped in the package.

``bci_registry/abi/<Contract>.json`` is written by ``python -m
bci_registry.abi_export`` from the compiled contracts (a test fails when it is
stale), so the customs console needs neither the Vyper compiler nor an Ape
project. Decoded structs become dicts keyed by component name, addresses are
checksummed.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from eth_abi.abi import decode, encode
from eth_utils import keccak, to_checksum_address

from bci_registry.customs.errors import ChainUnavailable


@functools.cache
def contract_abi(contract: str) -> tuple[Mapping[str, Any], ...]:
    """The shipped ABI of ``contract`` (e.g. ``"AttestationRegistry"``)."""
    text = (resources.files("bci_registry") / "abi" / f"{contract}.json").read_text()
    return tuple(json.loads(text))


def canonical_type(param: Mapping[str, Any]) -> str:
    """``(uint8,bytes32)[]`` for a ``tuple[]`` parameter; the type itself otherwise."""
    kind = str(param["type"])
    if not kind.startswith("tuple"):
        return kind
    inner = ",".join(canonical_type(c) for c in param["components"])
    return f"({inner}){kind[len('tuple') :]}"


def named(value: Any, param: Mapping[str, Any]) -> Any:
    """A decoded value with its structs as dicts keyed by component name."""
    kind = str(param["type"])
    if kind.endswith("]"):
        element = {**param, "type": kind[: kind.rindex("[")]}
        return [named(item, element) for item in value]
    if kind == "tuple":
        return {c["name"]: named(v, c) for v, c in zip(value, param["components"], strict=True)}
    if kind == "address":
        return to_checksum_address(value)
    return value


@dataclass(frozen=True)
class AbiFunction:
    """One function of a shipped ABI."""

    contract: str
    name: str
    inputs: tuple[Mapping[str, Any], ...]
    outputs: tuple[Mapping[str, Any], ...]

    @functools.cached_property
    def selector(self) -> bytes:
        types = ",".join(canonical_type(p) for p in self.inputs)
        return keccak(text=f"{self.name}({types})")[:4]

    def encode(self, *args: Any) -> bytes:
        return self.selector + encode([canonical_type(p) for p in self.inputs], list(args))

    def decode(self, data: bytes) -> list[Any]:
        """The outputs, structs as dicts; ChainUnavailable if ``data`` is not such an answer."""
        try:
            values = decode([canonical_type(p) for p in self.outputs], data)
        except Exception as exc:  # eth_abi raises several DecodingError kinds
            raise ChainUnavailable(
                f"{self.contract}.{self.name} answered {len(data)} bytes that do not decode "
                f"({exc}): the contract is not the one the shipped ABI describes"
            ) from None
        return [named(v, p) for v, p in zip(values, self.outputs, strict=True)]


def function(contract: str, name: str) -> AbiFunction:
    """The function ``name`` of ``contract``'s shipped ABI."""
    return _function(contract, name)


@functools.cache
def _function(contract: str, name: str) -> AbiFunction:
    for entry in contract_abi(contract):
        if entry.get("type") == "function" and entry.get("name") == name:
            return AbiFunction(
                contract=contract,
                name=name,
                inputs=tuple(entry.get("inputs", ())),
                outputs=tuple(entry.get("outputs", ())),
            )
    raise LookupError(f"the shipped ABI of {contract} has no function {name}")


def encode_call(contract: str, name: str, args: Sequence[Any]) -> bytes:
    return function(contract, name).encode(*args)
