"""Streaming sha256, verification stamps and crash-safe joining of part files.

Hashing a 1 GB model takes seconds, so a successful check is recorded in a small stamp file keyed
by the file's path, size and modification time; later uses trust the stamp until the file
changes. Joining writes to a temporary file in the destination folder, fsyncs it and renames it
into place, so a crash or a full disk never leaves a half-written model behind.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from models.errors import ModelCorruptError, ModelError

log = logging.getLogger(__name__)

CHUNK = 4 * 1024 * 1024
_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _write_chunk(out: BinaryIO, data: bytes) -> None:
    """Write one chunk (a seam: tests patch it to simulate a full disk)."""
    out.write(data)


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _mb(n: int) -> str:
    return f"{n / 1_000_000:,.0f} MB" if n >= 1_000_000 else f"{n / 1000:,.1f} kB"


@dataclass(frozen=True, slots=True)
class JoinResult:
    """What `join_parts` wrote: the final path and the sha256 of its contents."""

    path: Path
    sha256: str


def join_parts(
    parts: Iterable[Path], dest: Path, *, size: int, expected_sha256: str, pack: str
) -> JoinResult:
    """Concatenate `parts` into `dest` atomically, checking the result's sha256 before renaming.

    Args:
        parts: source files, joined in this order.
        dest: the file to create (its folder must exist).
        size: the expected size in bytes (used for the free-space check and the message).
        expected_sha256: the hash the joined file must have.
        pack: the pack name, for messages.

    Raises:
        ModelError: out of disk space (no partial file is left), a source unreadable, or the
            joined file does not match `expected_sha256` (nothing is written).
    """
    folder = dest.parent
    retry = f"run `parley models install {pack}` again"
    with contextlib.suppress(OSError):
        free = shutil.disk_usage(folder).free
        if free < size:
            raise ModelError(
                f"Not enough disk space to assemble {dest.name} of pack '{pack}': it needs "
                f"{_mb(size)} free in {folder} and {_mb(free)} are free. Free some space and "
                f"{retry}."
            )
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=folder)
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            for src in parts:
                with open(src, "rb") as f:
                    while chunk := f.read(CHUNK):
                        digest.update(chunk)
                        _write_chunk(out, chunk)
            out.flush()
            os.fsync(out.fileno())
    except OSError as e:
        _unlink_quietly(tmp)
        if e.errno in _NO_SPACE:
            raise ModelError(
                f"Ran out of disk space while assembling {dest.name} of pack '{pack}'; the "
                f"partial file was removed. It needs {_mb(size)} free in {folder}. Free some "
                f"space and {retry}."
            ) from e
        where = f" ({e.filename})" if e.filename else ""
        raise ModelError(
            f"Could not assemble {dest.name} of pack '{pack}': {e.strerror or e}{where}. "
            f"Check that the folder is writable and {retry}."
        ) from e
    except BaseException:
        _unlink_quietly(tmp)
        raise
    got = digest.hexdigest()
    if got != expected_sha256:
        _unlink_quietly(tmp)
        raise ModelCorruptError(
            f"The parts of {dest.name} (pack '{pack}') join to a file with the wrong sha256 "
            f"({got[:12]}…, expected {expected_sha256[:12]}…); nothing was written. "
            f"Reinstall them with `parley models install {pack}`.",
            pack=pack,
            path=str(dest),
        )
    os.replace(tmp, dest)
    return JoinResult(dest, got)


class StampBook:
    """Recorded sha256 checks for one pack: path -> (size, mtime_ns, sha256), in a JSON file."""

    def __init__(self, file: Path) -> None:
        self._file = file
        self._entries: dict[str, dict[str, object]] = {}
        with contextlib.suppress(OSError, ValueError, TypeError):
            data = json.loads(file.read_text(encoding="utf-8"))
            if isinstance(data, dict) and isinstance(data.get("files"), dict):
                self._entries = dict(data["files"])

    def is_verified(self, path: Path, expected_sha256: str) -> bool:
        """True when `path` was hashed to `expected_sha256` and has not changed since."""
        entry = self._entries.get(str(path))
        if not isinstance(entry, dict) or entry.get("sha256") != expected_sha256:
            return False
        try:
            st = path.stat()
        except OSError:
            return False
        return entry.get("size") == st.st_size and entry.get("mtime_ns") == st.st_mtime_ns

    def record(self, path: Path, sha256: str) -> None:
        st = path.stat()
        self._entries[str(path)] = {
            "size": st.st_size,
            "mtime_ns": st.st_mtime_ns,
            "sha256": sha256,
        }

    def forget(self, path: Path) -> None:
        self._entries.pop(str(path), None)

    def save(self) -> None:
        """Write the stamp file atomically; a failure only costs a re-hash later."""
        try:
            self._file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".stamp.", dir=self._file.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"files": self._entries}, f, indent=1, sort_keys=True)
            os.replace(tmp, self._file)
        except OSError as e:
            log.warning("could not record model verification in %s: %s", self._file, e)


def check_file(
    path: Path, *, expected_sha256: str, size: int | None, stamps: StampBook, force: bool
) -> str | None:
    """Check one file against its hash, trusting a stamp unless `force`.

    Returns:
        None when the file matches (the stamp is updated), else a short reason.
    """
    if not force and stamps.is_verified(path, expected_sha256):
        return None
    try:
        actual_size = path.stat().st_size
        if size is not None and actual_size != size:
            stamps.forget(path)
            return f"its size is {actual_size:,} bytes, expected {size:,}"
        got = sha256_file(path)
    except OSError as e:
        stamps.forget(path)
        return f"it cannot be read ({e.strerror or e})"
    if got != expected_sha256:
        stamps.forget(path)
        return f"its sha256 is {got[:12]}…, expected {expected_sha256[:12]}…"
    stamps.record(path, got)
    return None
