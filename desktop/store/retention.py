"""Deletion and retention (a layer of `SessionStore`)."""

from __future__ import annotations

import time
from glob import escape as glob_escape

from desktop.store import db
from desktop.store.base import RECORDINGS_DIR, log
from desktop.store.errors import StoreError
from desktop.store.schema import SESSION_TABLES
from desktop.store.session_files import SessionFiles


class Retention(SessionFiles):
    """Deleting a session (crypto-shredded), and purging what retention expires."""

    def delete(self, session_id: str, *, reason: str = "user request", compact: bool = True) -> int:
        """Remove a session's rows, recording and derived files; returns rows deleted.

        Only files inside the data directory are removed (see `resolve_file`). The file is
        then vacuumed and its WAL truncated, so the session's encrypted rows do not linger in
        free pages. The deletion is written to the audit log. A damaged session can be deleted.
        """
        info = self.get(session_id)
        if info.running:
            raise StoreError(f"Session {session_id} is running; stop it before deleting it.")
        removed_files = 0
        for path, _kind in self.files(session_id):
            p = self.resolve_file(path)
            if p is not None and p.is_file():
                p.unlink()
                removed_files += 1
        rows = 0
        with self._transaction() as conn:
            for table in SESSION_TABLES:
                rows += conn.execute(
                    f"DELETE FROM {table} WHERE session_id = ?", (session_id,)
                ).rowcount
            rows += conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount
        # Crypto-shredding: whatever of the session outlives the delete (free pages, the WAL,
        # a copy of the file) no longer decrypts once its key is gone.
        self.keys.destroy(session_id)
        self._ciphers.pop(session_id, None)
        lock_path = self._lock_path(session_id)
        if lock_path is not None:
            lock_path.unlink(missing_ok=True)
        if self.directory is not None:
            recordings = (self.directory / RECORDINGS_DIR).resolve()
            for leftover in recordings.glob(f"{glob_escape(session_id)}.*"):
                if leftover.parent == recordings and leftover.is_file():
                    leftover.unlink()
                    removed_files += 1
        self.audit.record_deletion(session_id, reason=reason, rows=rows, files=removed_files)
        if compact:
            self.compact()
        return rows

    def purge(self, older_than_days: float | None = None) -> list[str]:
        """Delete sessions that began more than `older_than_days` ago (default: the retention
        setting; nothing when it is off). Running sessions are kept. Returns the deleted ids."""
        if older_than_days is not None:
            days: float = older_than_days
        elif self.settings.retention_days:
            days = self.settings.retention_days
        else:
            return []  # retention is off
        cutoff = time.time() - float(days) * 86400.0
        with self._lock:
            ids = [
                r[0]
                for r in self._conn.execute(
                    "SELECT id FROM sessions WHERE started_at < ? ORDER BY started_at", (cutoff,)
                )
            ]
        deleted = []
        for sid in ids:
            if self._running(sid):
                continue
            self.delete(sid, reason=f"retention ({days:g} days)", compact=False)
            deleted.append(sid)
        if deleted:
            self.compact()
        self._purge_moved_aside(cutoff, days)
        return deleted

    def _purge_moved_aside(self, cutoff: float, days: float) -> None:
        """Retention covers what a damaged database left behind: `sessions.db.corrupt-*` files
        last written before the cutoff are removed, and the keys of sessions that are in no
        database any more (made before the cutoff) are destroyed."""
        if self.directory is None:
            return
        removed = []
        for path in self.directory.glob(glob_escape(db.DB_NAME) + ".corrupt-*"):
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed.append(path.name)
            except OSError as e:
                log.warning("could not remove %s under retention: %s", path.name, e)
        with self._lock:
            present = {r[0] for r in self._conn.execute("SELECT id FROM sessions")}
        orphans = self.keys.forget_orphans(present, cutoff)
        if removed or orphans:
            self.audit.append(
                "deletion",
                {
                    "reason": f"retention ({days:g} days)",
                    "moved_aside_files": removed,
                    "orphan_keys": len(orphans),
                },
            )
