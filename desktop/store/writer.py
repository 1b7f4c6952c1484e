"""`SessionWriter`: the event sink that keeps a session in the store, from its own thread.

Calling the writer only appends to an in-memory queue, so the pipeline never waits on the
disk. A background thread takes what is queued, writes it in one transaction and commits, at
least every `commit_interval_s` (0.5 s): after a `kill -9` at most that much (plus what was still
being processed) is lost. When a write fails (a full disk, an unwritable file) the rows stay in
memory, the session goes on, a warning is sent once, and the write is retried every
`retry_interval_s` until it succeeds, when a "recovered" status follows.
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

from desktop.store.db import SessionLock, is_disk_full
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
WRITE_FAILED_MESSAGE = (
    "The session could not be saved ({error}): it goes on in memory and saving is retried. "
    "Check the data folder's permissions and free space."
)


@dataclass(frozen=True, slots=True)
class WriterConfig:
    """Attributes:
    commit_interval_s: the longest time queued rows wait before a commit.
    retry_interval_s: how often a failed write is retried.
    """

    commit_interval_s: float = 0.5
    retry_interval_s: float = 2.0


@dataclass(frozen=True, slots=True)
class _Choice:
    objection_utterance_id: str
    path: int
    stage: str
    t: float | None
    created_at: float


@dataclass(frozen=True, slots=True)
class _File:
    path: str
    kind: str


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
        self._store = store
        self._cipher = store.cipher
        self._lock = lock
        self._config = config or WriterConfig()
        self._notify = notify
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._pending: list[Any] = []
        self._closed = False
        self._degraded = False
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
        """A file that belongs to this session: `delete` removes it with the rows."""
        self._queue.put(_File(str(Path(path).resolve()), kind))

    def open_recording(
        self, suffix: str = ".wav", *, chunk_size: int = 64 * 1024
    ) -> EncryptedFileWriter:
        """An encrypted stream for this session's recording, removed when the session is."""
        from desktop.privacy.crypto import EncryptedFileWriter

        path = self._store.recording_path(self.session_id, suffix)
        self.register_file(path, "audio")
        return EncryptedFileWriter(path, self._store.key, chunk_size=chunk_size)

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
                wait = (
                    self._config.retry_interval_s
                    if self._degraded
                    else self._config.commit_interval_s
                )
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
                        next_try = time.monotonic() + self._config.retry_interval_s
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
            self._pending.append(item)

    def _write(self, conn: sqlite3.Connection) -> bool:
        batch = list(self._pending)
        seqs = (self._event_seq, self._segment_seq, self._choice_seq)
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for item in batch:
                    self._insert(conn, item)
                conn.execute(
                    "UPDATE sessions SET last_write_at = ?, last_t = ? WHERE id = ?",
                    (time.time(), self._last_t, self.session_id),
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except Exception as e:  # the rows stay in memory whatever the cause; retried later
            if not isinstance(e, sqlite3.Error | OSError):
                log.exception("session %s: unexpected write failure", self.session_id)
            self._event_seq, self._segment_seq, self._choice_seq = seqs
            self._fail(e)
            return False
        del self._pending[: len(batch)]
        if self._degraded:
            self._degraded = False
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
        if self._degraded:
            return
        self._degraded = True
        message = (
            DISK_FULL_MESSAGE if is_disk_full(error) else WRITE_FAILED_MESSAGE.format(error=error)
        )
        self.warnings.append(message)
        log.warning("session %s: %s", self.session_id, message)
        self._send(ErrorEvent(t=self._last_t, component="store", message=message))

    def _send(self, event: Event) -> None:
        if self._notify is None:
            return
        try:
            self._notify(event)
        except Exception:
            log.exception("store notification failed")

    def _insert(self, conn: sqlite3.Connection, item: Any) -> None:
        sid, cipher = self.session_id, self._cipher
        if isinstance(item, _Choice):
            seq = self._choice_seq
            self._choice_seq += 1
            conn.execute(
                "INSERT INTO choices (session_id, seq, t, objection_utterance_id, path, stage, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    sid,
                    seq,
                    item.t,
                    item.objection_utterance_id,
                    item.path,
                    item.stage,
                    item.created_at,
                ),
            )
            return
        if isinstance(item, _File):
            conn.execute(
                "INSERT OR IGNORE INTO files (session_id, path, kind) VALUES (?, ?, ?)",
                (sid, item.path, item.kind),
            )
            return
        event: Event = item
        seq = self._event_seq
        self._event_seq += 1
        body = cipher.encrypt_json(to_dict(event), f"events/{sid}/{seq}")
        conn.execute(
            "INSERT INTO events (session_id, seq, t, type, body) VALUES (?, ?, ?, ?, ?)",
            (sid, seq, float(event.t), event_type(event), body),
        )
        if isinstance(event, TranscriptEvent):
            n = self._segment_seq
            self._segment_seq += 1
            conn.execute(
                "INSERT INTO segments (session_id, seq, utterance_id, speaker, start, end, t, "
                "lang, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    sid,
                    n,
                    event.utterance_id,
                    event.speaker,
                    event.start,
                    event.end,
                    event.t,
                    event.lang,
                    cipher.encrypt_text(event.text, f"segments/{sid}/{n}"),
                ),
            )
        elif isinstance(event, SuggestionEvent):
            paths = to_dict(event)["paths"]
            conn.execute(
                "INSERT INTO suggestions (session_id, seq, t, objection_utterance_id, stage, "
                "latency_s, paths) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    sid,
                    seq,
                    event.t,
                    event.objection_utterance_id,
                    event.stage,
                    event.latency_s,
                    cipher.encrypt_json(paths, f"suggestions/{sid}/{seq}"),
                ),
            )
