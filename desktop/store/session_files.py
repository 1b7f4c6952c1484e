"""The files registered to a session, and its recording (a layer of `SessionStore`)."""

from __future__ import annotations

from pathlib import Path

from desktop.store import binding
from desktop.store.base import log
from desktop.store.content import SessionContent
from desktop.store.errors import StoreError


class SessionFiles(SessionContent):
    """Registered files (paths inside the data directory only) and recordings."""

    def files(self, session_id: str) -> list[tuple[str, str]]:
        """(path, kind) of the files registered to a session, paths relative to the data
        directory; a row whose seal fails (altered or inserted by hand) is left out."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT path, kind, seal FROM files WHERE session_id = ? ORDER BY path",
                (session_id,),
            ).fetchall()
        out = []
        for path, kind, seal in rows:
            context = binding.file(session_id, path, kind)
            if self._open_blob(seal, context, session_id, f"file {path}") is not None:
                out.append((path, kind))
        return out

    def resolve_file(self, path: str) -> Path | None:
        """Where a registered file is, or None unless it resolves (links followed) to a place
        inside the data directory: a stored path can never reach a file outside it."""
        if self.directory is None:
            return None
        root = self.directory.resolve()
        candidate = Path(path)
        if not candidate.is_absolute():
            candidate = root / candidate
        resolved = candidate.resolve()
        if resolved == root or not resolved.is_relative_to(root):
            log.warning("a registered file outside the data directory was left alone: %s", path)
            return None
        return resolved

    def relative_file(self, path: Path | str) -> str:
        """A path inside the data directory as the `files` table stores it (relative, with /).

        Raises:
            StoreError: the path is outside the data directory (or the store is in memory).
        """
        if self.directory is None:
            raise StoreError("A session kept in memory cannot have files.")
        root = self.directory.resolve()
        resolved = Path(path).resolve()
        if resolved == root or not resolved.is_relative_to(root):
            raise StoreError(
                f"{path} is outside the data directory {root}; only files inside it can "
                "belong to a session (they are deleted with it)."
            )
        return resolved.relative_to(root).as_posix()

    def recording(self, session_id: str) -> Path | None:
        """The session's encrypted recording, or None when it has none."""
        for path, kind in self.files(session_id):
            if kind == "audio":
                found = self.resolve_file(path)
                if found is not None and found.exists():
                    return found
        return None
