"""The verifier's signing key for the DCC exports: an Ape keystore or an owner-only key file.

The key is the verifier's accredited Ethereum account key (secp256k1): the DCC's
ES256K signature and the on-chain attestation come from the same key, which is what
ties the credential to the accredited account. The key is never printed; a key file
readable by anyone but its owner is refused.
"""

from __future__ import annotations

import getpass
import json
import os
import stat
from pathlib import Path

from bci_registry.interop.did import KeyError_, VerifierKey
from bci_registry.keys import PASSPHRASE_ENV, accounts_folder


class KeySourceError(ValueError):
    """The key cannot be loaded; the message never contains key material."""


def from_key_file(path: Path) -> VerifierKey:
    """A hex private key (``0x`` optional) in a file only its owner can read or write."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise KeySourceError(f"key file {path}: {exc.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeySourceError(
            f"key file {path} is accessible to others (mode {stat.S_IMODE(mode):o}): "
            f"chmod 600 {path}"
        )
    text = path.read_text("utf-8").strip()
    text = text[2:] if text.lower().startswith("0x") else text
    try:
        raw = bytes.fromhex(text)
        return VerifierKey(raw)
    except (ValueError, KeyError_):
        raise KeySourceError(f"key file {path} does not hold a 32-byte hex private key") from None


def from_keystore(alias: str, ape_data_folder: Path | None = None) -> VerifierKey:
    """An Ape keystore ``<APE_DATA_FOLDER>/accounts/<alias>.json``; the passphrase from
    ``$BCI_KEYSTORE_PASSPHRASE`` or asked for (not echoed)."""
    from eth_account import Account

    folder = ape_data_folder or Path(os.environ.get("APE_DATA_FOLDER") or Path.home() / ".ape")
    path = accounts_folder(folder) / f"{alias}.json"
    try:
        keystore = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise KeySourceError(f"no keystore {alias!r} at {path} ({exc.strerror})") from None
    except ValueError:
        raise KeySourceError(f"keystore {path} is not JSON") from None
    passphrase = os.environ.get(PASSPHRASE_ENV) or getpass.getpass(f"passphrase of {alias}: ")
    try:
        return VerifierKey(bytes(Account.decrypt(keystore, passphrase)))
    except (ValueError, KeyError_):
        raise KeySourceError(f"cannot unlock keystore {alias!r}: wrong passphrase?") from None
