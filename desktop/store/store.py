"""`SessionStore`: the encrypted SQLite store of sessions, under the data directory.

    store = SessionStore.open()                 # key from keyring / PARLEY_PASSPHRASE
    writer = store.begin(SessionMeta(kind="replay", title="call.wav"))
    bus.add_sink(writer); bus.add_sink(store.audit.sink_for(writer.session_id))
    ...
    writer.close()                               # marks the session ended

The file is `sessions.db` (WAL). A damaged file is moved aside as `sessions.db.corrupt-TIME`
and a new one started (`store.problems` says so). The key id is kept in the file, so a store
opened with another key fails before anything is read or written.

Damage stays local: values are decrypted lazily, one row at a time, and a row whose value
fails authentication (a flipped byte, an altered speaker, time or consent flag) is skipped,
remembered in the `damage` table and named by `SessionInfo.damaged`; the rest of the session
and every other session stay readable, and a damaged session can be deleted.

The class is split by concern into layers (`desktop/store/base.py`, `catalog.py`, `content.py`,
`session_files.py`, `retention.py`); this module opens the store.
"""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path

from desktop.privacy.keys import DataKey, ephemeral_key
from desktop.store import db
from desktop.store.base import (
    BINDING_VERSION,
    CHECKPOINT_TRIES,
    LOCKS_DIR,
    RECORDING_SUFFIX,
    RECORDINGS_DIR,
    SHRED_VERSION,
    log,
)
from desktop.store.catalog import new_session_id
from desktop.store.errors import StoreError
from desktop.store.resealing import _rebind, _reseal_all
from desktop.store.retention import Retention
from desktop.store.schema import migrate
from desktop.store.settings import StoreSettings, load_settings
from desktop.store.writer import WriterConfig

__all__ = [
    "BINDING_VERSION",
    "CHECKPOINT_TRIES",
    "LOCKS_DIR",
    "RECORDINGS_DIR",
    "RECORDING_SUFFIX",
    "SHRED_VERSION",
    "SessionStore",
    "_rebind",
    "_reseal_all",
    "new_session_id",
]


class SessionStore(Retention):
    """Sessions, segments, events, suggestions, choices and review notes, encrypted at rest.

    Use `SessionStore.open()` (a file under the data directory) or `SessionStore.in_memory()`
    (nothing touches the disk). Methods are thread-safe.

    Attributes:
        directory: the data directory (None in memory).
        key: the data key.
        audit: the audit log beside the database.
        settings: retention and export settings (`privacy.json`).
        problems: sentences about what opening found (a corrupt file moved aside, interrupted
            sessions); show them to the user.
    """

    @classmethod
    def open(
        cls,
        *,
        key: DataKey | None = None,
        directory: Path | None = None,
        purge: bool = True,
        writer_config: WriterConfig | None = None,
    ) -> SessionStore:
        """Open (or create) `sessions.db` in `directory` (default: the data directory).

        Args:
            key: the data key (default: `load_or_create_key()`, which may raise
                `KeyUnavailableError` or `WrongPassphraseError`).
            purge: delete sessions older than the retention setting now.

        Raises:
            WrongPassphraseError: the database was encrypted with another key (nothing changed).
            StoreError: the database is from a newer Parley.
        """
        if directory is None:
            from models.paths import data_dir

            directory = data_dir()
        directory.mkdir(parents=True, exist_ok=True)
        db.make_private(directory)
        if key is None:
            from desktop.privacy.keys import load_or_create_key

            key = load_or_create_key(directory=directory)
        path = directory / db.DB_NAME
        db.create_private(path)
        problems: list[str] = []
        try:
            conn = cls._open_checked(path)
        except sqlite3.DatabaseError as e:
            if not db.is_corruption(e):
                raise StoreError(f"The session database {path} cannot be opened ({e}).") from e
            aside = db.move_aside(path)
            message = (
                f"The session database was damaged ({e}); it was kept as {aside.name} and a new "
                "one was started."
            )
            log.warning(message)
            problems.append(message)
            db.create_private(path)
            conn = cls._open_checked(path)
        store = cls(
            conn,
            key=key,
            directory=directory,
            target=str(path),
            settings=load_settings(directory),
            writer_config=writer_config,
        )
        store.problems.extend(problems)
        try:
            store._check_key()
            store._bind_rows()
            store._shred_rows()
        except BaseException:
            conn.close()
            raise
        db.make_private(directory)
        if purge:
            store.purge()
        sessions = store.list_sessions()
        interrupted = [s for s in sessions if s.interrupted]
        if interrupted:
            ids = ", ".join(s.session_id for s in interrupted[:3])
            store.problems.append(
                f"{len(interrupted)} session(s) were interrupted ({ids}): keep one with "
                "`parley sessions recover ID` or remove it with `parley sessions delete ID`."
            )
        damaged = [s for s in sessions if s.damaged]
        if damaged:
            ids = ", ".join(s.session_id for s in damaged[:3])
            store.problems.append(
                f"{len(damaged)} session(s) have damaged parts that cannot be read ({ids}); "
                "the rest is readable. `parley sessions list` names them; remove one with "
                "`parley sessions delete ID`."
            )
        return store

    @staticmethod
    def _open_checked(path: Path) -> sqlite3.Connection:
        conn = db.connect(str(path))
        try:
            db.check_integrity(conn)
            migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    @classmethod
    def in_memory(cls, *, key: DataKey | None = None) -> SessionStore:
        """A store that keeps everything in memory, for a session run without a key."""
        target = f"file:parley-{secrets.token_hex(8)}?mode=memory&cache=shared"
        conn = db.connect(target, uri=True)
        migrate(conn)
        store = cls(
            conn,
            key=key or ephemeral_key(),
            directory=None,
            target=target,
            settings=StoreSettings(),
        )
        store._check_key()
        store._bind_rows()
        store._shred_rows()
        return store

    def check(self, session_id: str) -> list[str]:
        """Authenticate every stored value of a session now; returns what is damaged."""
        self.session_info(session_id)
        self.load_events(session_id)
        self.load_segments(session_id)
        self.load_suggestion_rows(session_id)
        self.load_choices(session_id)
        self.load_review_notes(session_id)
        self.files(session_id)
        return self.damaged_items(session_id)
