"""Opening the SQLite file: pragmas, the corrupt-file rule, and per-session lock files."""

from __future__ import annotations

import contextlib
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
BUSY_TIMEOUT_MS = 5000


def connect(target: str, *, uri: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode with Parley's pragmas (WAL, secure delete, no temp files)."""
    conn = sqlite3.connect(target, uri=uri, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
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


def make_private(directory: Path) -> None:
    """The data directory 0700 and everything in it 0600 (folders 0700), so other local users
    read nothing: not the database, the audit trail, the key file nor the recordings. Also
    tightens a store made by an older Parley (0644 files in a 0755 folder). No-op on Windows,
    whose per-user profile folders are private already."""
    if os.name != "posix":
        return
    directory.mkdir(parents=True, exist_ok=True)
    _chmod(directory, 0o700)
    for path in directory.rglob("*"):
        if path.is_symlink():
            continue
        _chmod(path, 0o700 if path.is_dir() else 0o600)


def create_private(path: Path) -> None:
    """Create `path` empty with mode 0600 unless it exists (SQLite gives its WAL and SHM files
    the database file's mode)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))


def _chmod(path: Path, mode: int) -> None:
    try:
        if (path.stat().st_mode & 0o777) != mode:
            os.chmod(path, mode)
    except OSError as e:  # not ours (another user's file): leave it, say so in the log
        log.warning("cannot make %s private: %s", path, e)


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


def is_locked_db(error: BaseException) -> bool:
    """Another connection holds the database (SQLITE_BUSY / SQLITE_LOCKED past busy_timeout)."""
    text = str(error).lower()
    return isinstance(error, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def is_unwritable(error: BaseException) -> bool:
    """The file or folder cannot be written (permissions, a read-only mount)."""
    if isinstance(error, sqlite3.OperationalError):
        text = str(error).lower()
        return "readonly" in text or "read-only" in text or "unable to open" in text
    return isinstance(error, OSError) and error.errno in (errno.EACCES, errno.EPERM, errno.EROFS)


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
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        f = os.fdopen(fd, "a+b")  # held until release()
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
