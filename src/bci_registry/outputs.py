"""Safe output files: only ever a regular file, written whole, cleaned up when interrupted.

``-o FILE`` and every other file the project writes go through ``write_text``:

- the target must be a regular file or nothing: a symlink is never followed
  nor replaced, a device (``/dev/full``), a pipe or a folder is refused, even
  as root with ``--force``;
- the text goes to a temporary file in the target's own folder (created 0600,
  so a private file is never readable by others, even for a moment), then is
  moved into place atomically: a crash leaves the old file or the new one;
- without ``overwrite`` the move is a hard link, which fails if the name was
  taken meanwhile (no check-then-replace race);
- a missing output folder is named as such (not an internal temp file name);
- SIGTERM and Ctrl-C during the write remove the temporary file.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from bci_registry.cli_errors import sigterm_unwinds

PathLike = str | os.PathLike[str]


class OutputError(OSError):
    """The output cannot be written where asked; the message says why."""


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_target(path: PathLike) -> bool:
    """True if ``path`` is an existing regular file, False if nothing is there.

    OutputError if it is anything else, or its folder is missing.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        if not folder.is_dir():
            raise OutputError(
                f"cannot write {target}: the output folder {folder} does not exist"
            ) from None
        return False
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {(exc.strerror or str(exc)).lower()}") from None
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(
            f"{target} is {_kind(info.st_mode)}, not a regular file; refusing to write over it"
        )
    return True


def write_text(path: PathLike, text: str, *, private: bool = False, overwrite: bool = True) -> None:
    """Write ``text`` to ``path`` atomically and safely (see the module docstring).

    ``private``: readable by its owner only. ``overwrite=False``: FileExistsError
    rather than replace a file.
    """
    target = Path(path)
    exists = check_target(target)
    if exists and not overwrite:
        raise FileExistsError(f"{target} already exists")
    folder = target.parent if str(target.parent) else Path(".")
    with sigterm_unwinds():
        try:
            fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            raise OutputError(f"cannot write {target} in {folder}: {reason}") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            if not private:
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(temp_name, 0o666 & ~umask)
            if overwrite:
                check_target(target)  # still a regular file or nothing
                os.replace(temp_name, target)
            else:
                _link_new(temp_name, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
            raise


def _link_new(temp_name: str, target: Path) -> None:
    """Give the temporary file the name ``target`` only if nothing has that name."""
    try:
        os.link(temp_name, target)  # atomic: fails if the name exists, whatever it is
    except FileExistsError:
        raise FileExistsError(f"{target} already exists") from None
    except OSError:  # a file system without hard links: check, then move
        if check_target(target):
            raise FileExistsError(f"{target} already exists") from None
        os.replace(temp_name, target)
        return
    os.unlink(temp_name)
