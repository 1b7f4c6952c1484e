"""`SessionWriter`: the event sink that keeps a session in the store, from its own thread.

Calling the writer only appends to an in-memory queue, so the pipeline never waits on the
disk. A background thread seals each queued item (its row's metadata bound into the seal, see
`desktop.store.binding`), writes what is queued in one transaction and commits, at least every
`commit_interval_s` (0.5 s): after a `kill -9` at most that much (plus what was still being
processed) is lost.

Errors are told apart, so one cause never stalls the rest:

- the database cannot be written (a full disk, a database locked by another program, an
  unwritable folder): the rows stay in memory, the session goes on, one warning names the
  cause, and the write is retried with backoff (`retry_interval_s` doubling up to
  `retry_max_s`, and at once on `flush`/`close`) until it succeeds, when a "recovered" status
  follows;
- one item cannot be encoded (text that is not valid Unicode, such as a playbook file name in
  another encoding) or is refused by the database: that item alone is set aside. An event is
  replaced by a `StatusEvent(component="store", state="lost")` that says what was lost and why;
  the rest of the batch commits and the warning names the cause.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.store import binding
from desktop.store.db import SessionLock, is_disk_full, is_locked_db, is_unwritable
from inference.events import (
    ErrorEvent,
    Event,
    StatusEvent,
    SuggestionEvent,
    TranscriptEvent,
    event_type,
    to_dict,
)

if TYPE_CHECKING:
    from desktop.privacy.crypto import EncryptedFileWriter
    from desktop.store.store import SessionStore

log = logging.getLogger(__name__)

DISK_FULL_MESSAGE = (
    "The disk is full: this session goes on in memory and is saved as soon as space is freed. "
    "Free some disk space."
)
LOCKED_MESSAGE = (
    "The session database is locked by another program: this session goes on in memory and "
    "saving is retried. Close other programs that have Parley's sessions.db open."
)
UNWRITABLE_MESSAGE = (
    "Parley may not write to its data folder ({error}): this session goes on in memory and "
    "saving is retried. Check the data folder's permissions."
)
WRITE_FAILED_MESSAGE = (
    "The session could not be saved ({error}): it goes on in memory and saving is retried."
)
ITEM_LOST_MESSAGE = (
    "Part of this session could not be saved: {what} ({why}). A note saying so is kept in its "
    "place; the rest of the session is saved."
)

# Errors of one row (the rest of the batch still commits); anything else from SQLite or the
# OS is about the database as a whole and is retried.
_ROW_ERRORS = (
    sqlite3.IntegrityError,
    sqlite3.InterfaceError,
    sqlite3.ProgrammingError,
    sqlite3.DataError,
)


@dataclass(frozen=True, slots=True)
class WriterConfig:
    """Attributes:
    commit_interval_s: the longest time queued rows wait before a commit.
    retry_interval_s: the first wait before a failed write is retried.
    retry_max_s: the longest wait between retries (the wait doubles up to it).
    """

    commit_interval_s: float = 0.5
    retry_interval_s: float = 2.0
    retry_max_s: float = 30.0


@dataclass(frozen=True, slots=True)
class _Choice:
    objection_utterance_id: str
    path: int
    stage: str
    t: float | None
    created_at: float


@dataclass(frozen=True, slots=True)
class _File:
    path: str  # relative to the data directory
    kind: str


@dataclass(frozen=True, slots=True)
class _Rows:
    """One queued item, sealed: the statements that store it, and what it is (for messages)."""

    statements: tuple[tuple[str, tuple[Any, ...]], ...]
    what: str


class _Flush:
    __slots__ = ("done", "stop")

    def __init__(self, *, stop: bool = False) -> None:
        self.done = threading.Event()
        self.stop = stop


def _kept(event: Event) -> bool:
    """Tentative tails and level meters are redrawn many times a second; they are not kept."""
    if isinstance(event, TranscriptEvent):
        return event.final and bool(event.text.strip())
    return not (isinstance(event, StatusEvent) and event.state == "level")


def _describe(event: Event) -> str:
    if isinstance(event, SuggestionEvent):
        return f"a suggestion ({event.stage}) for objection {event.objection_utterance_id}"
    if isinstance(event, TranscriptEvent):
        return f"the {event.speaker}'s words of utterance {event.utterance_id}"
    return f"a {event_type(event)} event at {float(event.t):.1f} s"


def _why(error: BaseException) -> str:
    if isinstance(error, UnicodeError):
        return (
            "it holds text that is not valid Unicode, such as a file name in another encoding: "
            f"{error}"
        )
    return f"{type(error).__name__}: {error}"


def _cause(error: BaseException) -> tuple[str, str]:
    """(kind, sentence for the user) of a failure to write the database."""
    if is_disk_full(error):
        return "disk_full", DISK_FULL_MESSAGE
    if is_locked_db(error):
        return "locked", LOCKED_MESSAGE
    if is_unwritable(error):
        return "unwritable", UNWRITABLE_MESSAGE.format(error=error)
    return "other", WRITE_FAILED_MESSAGE.format(error=error)


class SessionWriter:
    """A sink (`writer(event)`) that stores one session; close it to mark the session ended.

    Attributes:
        session_id: the session it writes.
        warnings: the sentences it has warned with (disk full, write failures).
    """

    def __init__(
        self,
        store: SessionStore,
        session_id: str,
        *,
        lock: SessionLock | None,
        config: WriterConfig | None = None,
        notify: Callable[[Event], Any] | None = None,
    ) -> None:
        self.session_id = session_id
        self.warnings: list[str] = []
        self.lost: list[str] = []  # what was set aside (one sentence each)
        self._store = store
        self._cipher = store.cipher_for(session_id)
        self._lock = lock
        self._config = config or WriterConfig()
        self._notify = notify
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._pending: list[_Rows] = []
        self._closed = False
        self._degraded = False
        self._cause = ""
        self._failures = 0
        self._last_t = 0.0
        self._event_seq = 0
        self._segment_seq = 0
        self._choice_seq = 0
        self._thread = threading.Thread(
            target=self._run, name=f"parley-store-{session_id}", daemon=True
        )
        self._thread.start()

    # -- called by the pipeline ------------------------------------------------------------------

    def __call__(self, event: Event) -> None:
        if self._closed or not _kept(event):
            return
        self._last_t = max(self._last_t, float(event.t))
        self._queue.put(event)

    def record_choice(
        self,
        objection_utterance_id: str,
        path: int,
        *,
        stage: str = "refined",
        t: float | None = None,
    ) -> None:
        """The rep picked path `path` (0-2) of the suggestion for this objection."""
        if not 0 <= path <= 2:
            raise ValueError(f"path must be 0, 1 or 2, not {path}")
        self._queue.put(_Choice(objection_utterance_id, path, stage, t, time.time()))

    def register_file(self, path: Path | str, kind: str = "derived") -> None:
        """A file that belongs to this session: `delete` removes it with the rows.

        Raises:
            StoreError: the file is not inside the data directory (or the store is in memory).
        """
        self._queue.put(_File(self._store.relative_file(path), kind))

    def open_recording(
        self, suffix: str | None = None, *, chunk_size: int = 64 * 1024
    ) -> EncryptedFileWriter:
        """An encrypted stream for this session's recording, removed when the session is."""
        from desktop.privacy.crypto import EncryptedFileWriter
        from desktop.store.store import RECORDING_SUFFIX

        path = self._store.recording_path(self.session_id, suffix or RECORDING_SUFFIX)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.register_file(path, "audio")
        key = self._store.session_key(self.session_id)
        return EncryptedFileWriter(path, key, chunk_size=chunk_size)

    # -- state ---------------------------------------------------------------------------------

    @property
    def degraded(self) -> bool:
        """Rows are waiting in memory because the last write failed."""
        return self._degraded

    @property
    def pending(self) -> int:
        return len(self._pending) + self._queue.qsize()

    def flush(self, timeout: float = 10.0) -> bool:
        """Write everything queued so far now; True when it is all committed."""
        if not self._thread.is_alive():
            return not self._pending
        marker = _Flush()
        self._queue.put(marker)
        marker.done.wait(timeout)
        return marker.done.is_set() and not self._pending

    def close(self, *, timeout: float = 10.0) -> bool:
        """Write what is left, mark the session ended, stop the thread; True if all was saved.

        Rows that still cannot be written (the disk is still full) are lost with a warning and
        the session stays unended, so it is offered for recovery next time.
        """
        if self._closed:
            return not self._pending
        self._closed = True
        marker = _Flush(stop=True)
        self._queue.put(marker)
        marker.done.wait(timeout)
        self._thread.join(timeout)
        saved = not self._pending
        if saved:
            saved = self._store._mark_ended(self.session_id)
        else:
            log.warning(
                "session %s: %d rows could not be saved", self.session_id, len(self._pending)
            )
        if self._lock is not None:
            self._lock.release()
        return saved

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the writer thread ---------------------------------------------------------------------

    def _run(self) -> None:
        conn, conn_lock, owned = self._store._writer_connection()
        markers: list[_Flush] = []
        stop = False
        next_try = 0.0
        try:
            while True:
                if self._degraded:
                    wait = max(0.05, next_try - time.monotonic())
                else:
                    wait = self._config.commit_interval_s
                try:
                    item = self._queue.get(timeout=wait)
                    self._take(item, markers)
                    while True:
                        self._take(self._queue.get_nowait(), markers)
                except queue.Empty:
                    pass
                stop = stop or any(m.stop for m in markers)
                due = not self._degraded or markers or time.monotonic() >= next_try
                if self._pending and due:
                    with conn_lock:
                        ok = self._write(conn)
                    if not ok:
                        backoff = self._config.retry_interval_s * 2 ** min(self._failures - 1, 16)
                        next_try = time.monotonic() + min(backoff, self._config.retry_max_s)
                for marker in markers:
                    marker.done.set()
                markers.clear()
                if stop:
                    return
        finally:
            for marker in markers:
                marker.done.set()
            if owned:
                conn.close()

    def _take(self, item: Any, markers: list[_Flush]) -> None:
        if isinstance(item, _Flush):
            markers.append(item)
        else:
            self._pending.append(self._seal(item))

    def _write(self, conn: sqlite3.Connection) -> bool:
        batch = list(self._pending)
        set_aside: list[tuple[_Rows, BaseException]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for rows in batch:
                    conn.execute("SAVEPOINT item")
                    try:
                        self._insert(conn, rows)
                    except (sqlite3.OperationalError, OSError):
                        raise  # the database as a whole: the batch is retried
                    except Exception as e:
                        if isinstance(e, sqlite3.DatabaseError) and not isinstance(e, _ROW_ERRORS):
                            raise  # a damaged file, not a bad row
                        conn.execute("ROLLBACK TO item")
                        set_aside.append((rows, e))
                    conn.execute("RELEASE item")
                conn.execute(
                    "UPDATE sessions SET last_write_at = ?, last_t = ? WHERE id = ?",
                    (time.time(), self._last_t, self.session_id),
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except Exception as e:  # the rows stay in memory; retried with backoff
            if not isinstance(e, sqlite3.Error | OSError):
                log.exception("session %s: unexpected write failure", self.session_id)
            self._fail(e)
            return False
        del self._pending[: len(batch)]
        for rows, error in set_aside:
            log.error("session %s: %s was refused by the database", self.session_id, rows.what)
            self._lose(rows.what, error)
        self._failures = 0
        if self._degraded:
            self._degraded = False
            self._cause = ""
            log.warning("session %s is being saved again", self.session_id)
            self._send(
                StatusEvent(
                    t=self._last_t,
                    component="store",
                    state="recovered",
                    detail="the session is being saved again",
                )
            )
        return True

    def _fail(self, error: BaseException) -> None:
        self._failures += 1
        cause, message = _cause(error)
        if self._degraded and cause == self._cause:
            return  # warned once for this cause, not on every retry
        self._degraded = True
        self._cause = cause
        self.warnings.append(message)
        log.warning("session %s: %s", self.session_id, message)
        self._send(ErrorEvent(t=self._last_t, component="store", message=message))

    def _lose(self, what: str, error: BaseException) -> str:
        """Say that one item was set aside; returns the sentence."""
        message = ITEM_LOST_MESSAGE.format(what=what, why=_why(error))
        self.lost.append(message)
        self.warnings.append(message)
        log.warning("session %s: %s", self.session_id, message)
        self._send(ErrorEvent(t=self._last_t, component="store", message=message))
        return message

    def _send(self, event: Event) -> None:
        if self._notify is None:
            return
        try:
            self._notify(event)
        except Exception:
            log.exception("store notification failed")

    def _insert(self, conn: sqlite3.Connection, item: _Rows) -> None:
        for sql, params in item.statements:
            conn.execute(sql, params)

    # -- sealing one item ----------------------------------------------------------------------

    def _seal(self, item: Any) -> _Rows:
        """The statements that store `item`, its values sealed now (a seq is used once)."""
        sid, cipher = self.session_id, self._cipher
        if isinstance(item, _Choice):
            seq = self._choice_seq
            self._choice_seq += 1
            row = (
                sid,
                seq,
                item.t,
                item.objection_utterance_id,
                item.path,
                item.stage,
                item.created_at,
            )
            sql = (
                "INSERT INTO choices (session_id, seq, t, objection_utterance_id, path, stage, "
                "created_at, seal) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            )
            params = (*row, cipher.encrypt(b"", binding.choice(*row)))
            return _Rows(((sql, params),), f"choice {seq}")
        if isinstance(item, _File):
            seal = cipher.encrypt(b"", binding.file(sid, item.path, item.kind))
            sql = "INSERT OR IGNORE INTO files (session_id, path, kind, seal) VALUES (?, ?, ?, ?)"
            return _Rows(((sql, (sid, item.path, item.kind, seal)),), f"file {item.path}")
        event: Event = item
        seq = self._event_seq
        self._event_seq += 1
        try:
            statements = self._event_rows(event, seq)
        except (UnicodeError, ValueError, TypeError, OverflowError, RecursionError) as e:
            what = _describe(event).encode("utf-8", "replace").decode("utf-8")
            message = self._lose(what, e)
            placeholder = StatusEvent(
                t=float(event.t), component="store", state="lost", detail=message
            )
            statements = self._event_rows(placeholder, seq)
            return _Rows(statements, f"a note that {what} was lost")
        return _Rows(statements, _describe(event))

    def _event_rows(self, event: Event, seq: int) -> tuple[tuple[str, tuple[Any, ...]], ...]:
        sid, cipher = self.session_id, self._cipher
        t, type_ = float(event.t), event_type(event)
        body = cipher.encrypt_json(to_dict(event), binding.event(sid, seq, t, type_))
        rows: list[tuple[str, tuple[Any, ...]]] = [
            (
                "INSERT INTO events (session_id, seq, t, type, body) VALUES (?, ?, ?, ?, ?)",
                (sid, seq, t, type_, body),
            )
        ]
        if isinstance(event, TranscriptEvent):
            n = self._segment_seq
            context = binding.segment(
                sid,
                n,
                event.utterance_id,
                event.speaker,
                event.start,
                event.end,
                t,
                event.lang,
                0,
            )
            rows.append(
                (
                    "INSERT INTO segments (session_id, seq, utterance_id, speaker, start, end, "
                    "t, lang, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        sid,
                        n,
                        event.utterance_id,
                        event.speaker,
                        float(event.start),
                        float(event.end),
                        t,
                        event.lang,
                        cipher.encrypt_text(event.text, context),
                    ),
                )
            )
            self._segment_seq += 1  # only once everything of the event is sealed
        elif isinstance(event, SuggestionEvent):
            paths = to_dict(event)["paths"]
            context = binding.suggestion(
                sid, seq, t, event.objection_utterance_id, event.stage, event.latency_s
            )
            rows.append(
                (
                    "INSERT INTO suggestions (session_id, seq, t, objection_utterance_id, stage, "
                    "latency_s, paths) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        sid,
                        seq,
                        t,
                        event.objection_utterance_id,
                        event.stage,
                        float(event.latency_s),
                        cipher.encrypt_json(paths, context),
                    ),
                )
            )
        return tuple(rows)
