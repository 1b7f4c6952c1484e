"""Opening the SQLite file: pragmas, the corrupt-file rule, and per-session lock files."""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

DB_NAME = "sessions.db"
_SIDE_FILES = ("", "-wal", "-shm", "-journal")


def connect(target: str, *, uri: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode with Parley's pragmas (WAL, secure delete, no temp files)."""
    conn = sqlite3.connect(target, uri=uri, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    if not uri:
        conn.execute("PRAGMA journal_mode = WAL")
    # NORMAL in WAL mode: a committed transaction survives a killed process (not a power cut).
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    # Freed pages are overwritten with zeros, so deleted rows do not linger in the file.
    conn.execute("PRAGMA secure_delete = ON")
    # Sorts and VACUUM stay in memory: no temp files beside the data.
    conn.execute("PRAGMA temp_store = MEMORY")
    return conn


def check_integrity(conn: sqlite3.Connection) -> None:
    """Raise sqlite3.DatabaseError unless a quick check of the file passes."""
    rows = conn.execute("PRAGMA quick_check").fetchall()
    if rows != [("ok",)]:
        raise sqlite3.DatabaseError("; ".join(str(r[0]) for r in rows[:3]))


def is_corruption(error: BaseException) -> bool:
    """A damaged file, as opposed to a locked, unwritable or full one."""
    if isinstance(error, sqlite3.OperationalError):
        return False
    return isinstance(error, sqlite3.DatabaseError)


def is_disk_full(error: BaseException) -> bool:
    if isinstance(error, sqlite3.OperationalError):
        return "disk is full" in str(error).lower()
    return isinstance(error, OSError) and error.errno == errno.ENOSPC


def move_aside(path: Path) -> Path:
    """Rename a damaged database (and its WAL/SHM files) to `NAME.corrupt-TIMESTAMP`."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    for suffix in _SIDE_FILES:
        side = Path(str(path) + suffix)
        if side.exists():
            os.replace(side, Path(str(target) + suffix))
    return target


class SessionLock:
    """An exclusive lock file held while a process writes a session (released by the OS on a
    crash or `kill -9`, which is how an interrupted session is told from a running one)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        f = open(self.path, "a+b")  # noqa: SIM115 - held until release()
        try:
            import fcntl
        except ImportError:  # Windows: no advisory lock; an unended session reads as interrupted
            self._file = f
            return True
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()
            return False
        self._file = f
        return True

    def release(self, *, remove: bool = True) -> None:
        if self._file is None:
            return
        if remove:
            self.path.unlink(missing_ok=True)
        self._file.close()
        self._file = None


def is_locked(path: Path) -> bool:
    """Whether some process (this one included) holds the lock file at `path`."""
    if not path.exists():
        return False
    probe = SessionLock(path)
    if probe.acquire():
        probe.release(remove=False)
        return False
    return True
