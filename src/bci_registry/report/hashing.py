"""keccak256 as used by the report trees (eth_hash, with its fastest installed back end).

Sealing one report takes 35 keccak256 calls (12 leaves hashed twice, 11 inner nodes),
which makes the hash back end a large share of the throughput. eth_hash picks
pycryptodome by default, whose Python wrapper costs about 10 µs a call here; its
``pysha3`` back end (the C extension ``safe-pysha3``, already in the lock file through
eth-hash) costs about 2 µs. Both compute the same Keccak-256; eth_hash checks the back
end against a known digest on first use. If safe-pysha3 is missing we fall back to
eth_hash's automatic choice.
"""

from __future__ import annotations

from collections.abc import Callable

from eth_hash.main import Keccak256


def _choose_keccak() -> Callable[[bytes], bytes]:
    try:
        from eth_hash.backends.pysha3 import backend
    except ImportError:  # pragma: no cover - depends on the environment
        from eth_hash.auto import keccak as auto_keccak

        return auto_keccak
    return Keccak256(backend)


keccak: Callable[[bytes], bytes] = _choose_keccak()
"""keccak256 of bytes, 32-byte digest."""
