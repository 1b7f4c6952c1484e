"""Sessions as a whole: begin, list, look up, recover (a layer of `SessionStore`)."""

from __future__ import annotations

import json
import sqlite3
import time
from typing import TYPE_CHECKING, Any, cast

from desktop.privacy.crypto import FieldCipher
from desktop.store import binding, db
from desktop.store.base import StoreBase, log
from desktop.store.errors import StoreError
from desktop.store.records import SessionInfo, SessionMeta
from desktop.store.writer import SessionWriter

if TYPE_CHECKING:
    from desktop.store.store import SessionStore


def new_session_id() -> str:
    import secrets

    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


class SessionCatalog(StoreBase):
    """Begin, list, look up and recover sessions."""

    def begin(self, meta: SessionMeta, *, notify: Any = None) -> SessionWriter:
        """Start a session; returns its writer (an event sink). Close the writer to end it.

        Args:
            meta: kind, title, info (title and info are encrypted).
            notify: called with an ErrorEvent/StatusEvent when saving fails or recovers
                (e.g. `bus.emit`).
        """
        sid = meta.session_id or new_session_id()
        lock = None
        lock_path = self._lock_path(sid)
        if lock_path is not None:
            lock = db.SessionLock(lock_path)
            if not lock.acquire():
                raise StoreError(f"Session {sid} is already being written by another process.")
        started = time.time()
        cipher = FieldCipher(self.keys.create(sid))
        self._ciphers[sid] = cipher
        try:
            with self._transaction() as conn:
                conn.execute(
                    "INSERT INTO sessions (id, kind, started_at, last_write_at, title, info) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        sid,
                        meta.kind,
                        started,
                        started,
                        cipher.encrypt_text(
                            meta.title, binding.session_field("title", sid, meta.kind, started)
                        ),
                        cipher.encrypt_json(
                            meta.info, binding.session_field("info", sid, meta.kind, started)
                        ),
                    ),
                )
        except sqlite3.IntegrityError as e:
            if lock is not None:
                lock.release(remove=False)
            raise StoreError(f"A session with id {sid} already exists.") from e
        # The writer uses every layer (files too): it is only made for a whole SessionStore.
        writer = SessionWriter(
            cast("SessionStore", self), sid, lock=lock, config=self.writer_config, notify=notify
        )
        self._writers[sid] = writer
        return writer

    def _mark_ended(self, session_id: str) -> bool:
        self._writers.pop(session_id, None)
        try:
            with self._transaction() as conn:
                conn.execute(
                    "UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
                    (time.time(), session_id),
                )
        except sqlite3.Error as e:
            log.warning("session %s could not be marked ended: %s", session_id, e)
            return False
        return True

    def _running(self, session_id: str) -> bool:
        if session_id in self._writers:
            return True
        path = self._lock_path(session_id)
        return path is not None and db.is_locked(path)

    def list_sessions(self) -> list[SessionInfo]:
        """Every stored session, oldest first. Never raises for a damaged title: the session is
        listed with `damaged` naming what did not authenticate."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT s.id, s.kind, s.started_at, s.ended_at, s.last_write_at, s.last_t, "
                "s.recovered, s.title, "
                "(SELECT COUNT(*) FROM segments g WHERE g.session_id = s.id), "
                "(SELECT COUNT(*) FROM events e WHERE e.session_id = s.id) "
                "FROM sessions s ORDER BY s.started_at, s.id"
            ).fetchall()
        out = []
        known = self._all_damage()
        for sid, kind, started, ended, last_write, last_t, recovered, title, nseg, nev in rows:
            text = ""
            damaged = list(known.get(sid, []))
            if title is not None:
                raw = self._open_blob(
                    title, binding.session_field("title", sid, kind, started), sid, "title"
                )
                text = raw.decode("utf-8", "replace") if raw is not None else ""
                if raw is None and "title" not in damaged:
                    damaged.append("title")
            out.append(
                SessionInfo(
                    session_id=sid,
                    kind=kind,
                    started_at=started,
                    ended_at=ended,
                    last_write_at=last_write,
                    last_t=last_t,
                    segments=nseg,
                    events=nev,
                    recovered=bool(recovered),
                    running=ended is None and self._running(sid),
                    title=text,
                    damaged=tuple(damaged),
                )
            )
        return out

    def get(self, session_id: str) -> SessionInfo:
        """One session. Raises StoreError for an unknown id."""
        for info in self.list_sessions():
            if info.session_id == session_id:
                return info
        raise StoreError(
            f"There is no stored session {session_id!r}: `parley sessions list` shows the ids."
        )

    def session_info(self, session_id: str) -> dict[str, Any]:
        """The decrypted `info` given at `begin` ({} when it is damaged)."""
        self.get(session_id)
        with self._lock:
            row = self._conn.execute(
                "SELECT info, kind, started_at FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
        if row[0] is None:
            return {}
        raw = self._open_blob(
            row[0], binding.session_field("info", session_id, row[1], row[2]), session_id, "info"
        )
        return dict(json.loads(raw)) if raw is not None else {}

    def interrupted_sessions(self) -> list[SessionInfo]:
        """Sessions begun but never ended, that no process is writing: offer to recover them."""
        return [s for s in self.list_sessions() if s.interrupted]

    def recover(self, session_id: str) -> SessionInfo:
        """Mark an interrupted session ended (at its last write), keeping all its data."""
        info = self.get(session_id)
        if info.running:
            raise StoreError(f"Session {session_id} is still running; it cannot be recovered.")
        if info.ended_at is not None:
            raise StoreError(f"Session {session_id} already ended; there is nothing to recover.")
        with self._transaction() as conn:
            conn.execute(
                "UPDATE sessions SET ended_at = COALESCE(last_write_at, started_at), recovered = 1 "
                "WHERE id = ?",
                (session_id,),
            )
        path = self._lock_path(session_id)
        if path is not None:
            path.unlink(missing_ok=True)
        return self.get(session_id)
