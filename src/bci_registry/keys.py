"""Actors' keys: Ape encrypted keystores, unlocked from an environment passphrase.

No key or passphrase is ever printed. The demo and the tests create
throwaway keystores in the ignored `.devnet/` folder; on a testnet the user
imports a key with `ape accounts import` and exports the passphrase in the
environment of the process that signs.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

from eth_account import Account

#: The environment variable a signing process reads its keystore passphrase from.
PASSPHRASE_ENV = "BCI_KEYSTORE_PASSPHRASE"


class KeystoreError(RuntimeError):
    """A keystore is missing or cannot be unlocked."""


def accounts_folder(ape_data_folder: Path) -> Path:
    """Where Ape looks for `<alias>.json` keystores."""
    return ape_data_folder / "accounts"


def create_throwaway_keystore(ape_data_folder: Path, alias: str) -> tuple[str, str]:
    """Generate a fresh key, store it encrypted under `alias`; return (address, passphrase).

    Uses a light scrypt setting: these keys guard nothing but a local devnet.
    """
    folder = accounts_folder(ape_data_folder)
    folder.mkdir(parents=True, exist_ok=True)
    account = Account.create()
    passphrase = secrets.token_urlsafe(24)
    keystore = Account.encrypt(account.key, passphrase, kdf="scrypt", iterations=2**12)
    path = folder / f"{alias}.json"
    # Created owner-only (never readable by others, even for a moment); an existing
    # file of that name is replaced by a new one, not written through.
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(keystore))
    return account.address, passphrase


def unlock(account: Any) -> Any:
    """Let an Ape keystore account sign without prompting, from `$BCI_KEYSTORE_PASSPHRASE`."""
    if not hasattr(account, "set_autosign"):
        return account  # test and dev accounts sign without a passphrase
    passphrase = os.environ.get(PASSPHRASE_ENV)
    if not passphrase:
        raise KeystoreError(
            f"set {PASSPHRASE_ENV} to unlock the keystore of account '{account.alias}'"
        )
    from bci_registry.script_guard import autosign_quietly

    try:
        with autosign_quietly():  # the scripts autosign on purpose, for this one command
            account.set_autosign(True, passphrase=passphrase)
    except Exception as exc:  # Ape raises its own error types for a wrong passphrase
        raise KeystoreError(f"cannot unlock account '{account.alias}': {exc}") from exc
    return account
