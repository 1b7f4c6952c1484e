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
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from glob import escape as glob_escape
from pathlib import Path
from typing import Any

from desktop.privacy.crypto import FieldCipher
from desktop.privacy.errors import DecryptionError, WrongPassphraseError
from desktop.privacy.keys import DataKey, ephemeral_key
from desktop.store import binding, db
from desktop.store.audit import AuditLog
from desktop.store.errors import StoreError
from desktop.store.records import Choice, ReviewNote, Segment, SessionInfo, SessionMeta
from desktop.store.schema import SESSION_TABLES, migrate
from desktop.store.settings import StoreSettings, load_settings
from desktop.store.shred import NoKeyCipher, SessionKeys
from desktop.store.writer import SessionWriter, WriterConfig
from inference.events import Event, from_dict

log = logging.getLogger(__name__)

RECORDINGS_DIR = "recordings"
LOCKS_DIR = "locks"
RECORDING_SUFFIX = ".pcm"  # 16 kHz stereo int16 PCM (rep left, customer right), encrypted
BINDING_VERSION = "2"  # meta `binding`: every row's metadata is bound into its seal
SHRED_VERSION = "1"  # meta `shred`: every session's rows are sealed with its own key
CHECKPOINT_TRIES = 5  # a checkpoint blocked by a reader is retried this often (backing off)


def _rebind(conn: sqlite3.Connection, cipher: FieldCipher, directory: Path | None) -> int:
    """Seal every pre-schema-3 row again with its metadata bound; returns the rows sealed."""
    count = 0

    def reseal(blob: bytes | None, old: str, new: str) -> bytes | None:
        if blob is None:
            return None
        try:
            return cipher.encrypt(cipher.decrypt(bytes(blob), old), new)
        except DecryptionError:
            return bytes(blob)  # damaged already: it stays damaged, and is reported

    for sid, kind, started, title, info in conn.execute(
        "SELECT id, kind, started_at, title, info FROM sessions"
    ).fetchall():
        conn.execute(
            "UPDATE sessions SET title = ?, info = ? WHERE id = ?",
            (
                reseal(
                    title,
                    binding.legacy_session_field("title", sid),
                    binding.session_field("title", sid, kind, started),
                ),
                reseal(
                    info,
                    binding.legacy_session_field("info", sid),
                    binding.session_field("info", sid, kind, started),
                ),
                sid,
            ),
        )
        count += 1
    for sid, seq, uid, speaker, start, end, t, lang, text, usable in conn.execute(
        "SELECT session_id, seq, utterance_id, speaker, start, end, t, lang, text, "
        "usable_for_learning FROM segments"
    ).fetchall():
        new = binding.segment(sid, seq, uid, speaker, start, end, t, lang, usable)
        conn.execute(
            "UPDATE segments SET text = ? WHERE session_id = ? AND seq = ?",
            (reseal(text, binding.legacy_segment(sid, seq), new), sid, seq),
        )
        count += 1
    for sid, seq, t, type_, body in conn.execute(
        "SELECT session_id, seq, t, type, body FROM events"
    ).fetchall():
        new = binding.event(sid, seq, t, type_)
        conn.execute(
            "UPDATE events SET body = ? WHERE session_id = ? AND seq = ?",
            (reseal(body, binding.legacy_event(sid, seq), new), sid, seq),
        )
        count += 1
    for sid, seq, t, oid, stage, latency, paths in conn.execute(
        "SELECT session_id, seq, t, objection_utterance_id, stage, latency_s, paths "
        "FROM suggestions"
    ).fetchall():
        new = binding.suggestion(sid, seq, t, oid, stage, latency)
        conn.execute(
            "UPDATE suggestions SET paths = ? WHERE session_id = ? AND seq = ?",
            (reseal(paths, binding.legacy_suggestion(sid, seq), new), sid, seq),
        )
        count += 1
    for nid, sid, oid, rating, text, created, preferred, why, author in conn.execute(
        "SELECT id, session_id, objection_utterance_id, rating, text, created_at, "
        "preferred_path, why, author FROM review_notes"
    ).fetchall():
        blobs = []
        for column, blob in (("text", text), ("why", why), ("author", author)):
            blobs.append(
                reseal(
                    blob,
                    binding.legacy_review_note(column, sid, nid),
                    binding.review_note(column, nid, sid, oid, rating, created, preferred),
                )
            )
        conn.execute(
            "UPDATE review_notes SET text = ?, why = ?, author = ? WHERE id = ?", (*blobs, nid)
        )
        count += 1
    for sid, seq, t, oid, path, stage, created in conn.execute(
        "SELECT session_id, seq, t, objection_utterance_id, path, stage, created_at "
        "FROM choices WHERE seal IS NULL"
    ).fetchall():
        seal = cipher.encrypt(b"", binding.choice(sid, seq, t, oid, path, stage, created))
        conn.execute(
            "UPDATE choices SET seal = ? WHERE session_id = ? AND seq = ?", (seal, sid, seq)
        )
        count += 1
    root = directory.resolve() if directory is not None else None
    for sid, path, kind in conn.execute(
        "SELECT session_id, path, kind FROM files WHERE seal IS NULL"
    ).fetchall():
        # Older stores kept absolute paths: one inside the data directory becomes relative and
        # is sealed; one outside it stays unsealed, so nothing ever deletes it.
        resolved = Path(path).resolve()
        if root is None or resolved == root or not resolved.is_relative_to(root):
            log.warning("session %s: a registered file outside the data directory: %s", sid, path)
            continue
        rel = resolved.relative_to(root).as_posix()
        conn.execute(
            "UPDATE OR IGNORE files SET path = ?, seal = ? WHERE session_id = ? AND path = ?",
            (rel, cipher.encrypt(b"", binding.file(sid, rel, kind)), sid, path),
        )
        count += 1
    return count


def _reseal_all(
    conn: sqlite3.Connection,
    old: Callable[[str], FieldCipher],
    new: Callable[[str], FieldCipher],
) -> int:
    """Seal every stored value again, decrypted with `old(session)` and encrypted with
    `new(session)` under the same binding; returns the values sealed. A value that does not
    open is left as it is (it reads as damaged)."""
    count = 0

    def reseal(sid: str, blob: bytes | None, context: str) -> bytes | None:
        nonlocal count
        if blob is None:
            return None
        try:
            plain = old(sid).decrypt(bytes(blob), context)
        except DecryptionError:
            return bytes(blob)
        count += 1
        return new(sid).encrypt(plain, context)

    for sid, kind, started, title, info in conn.execute(
        "SELECT id, kind, started_at, title, info FROM sessions"
    ).fetchall():
        conn.execute(
            "UPDATE sessions SET title = ?, info = ? WHERE id = ?",
            (
                reseal(sid, title, binding.session_field("title", sid, kind, started)),
                reseal(sid, info, binding.session_field("info", sid, kind, started)),
                sid,
            ),
        )
    for sid, seq, uid, speaker, start, end, t, lang, text, usable in conn.execute(
        "SELECT session_id, seq, utterance_id, speaker, start, end, t, lang, text, "
        "usable_for_learning FROM segments"
    ).fetchall():
        context = binding.segment(sid, seq, uid, speaker, start, end, t, lang, usable)
        conn.execute(
            "UPDATE segments SET text = ? WHERE session_id = ? AND seq = ?",
            (reseal(sid, text, context), sid, seq),
        )
    for sid, seq, t, type_, body in conn.execute(
        "SELECT session_id, seq, t, type, body FROM events"
    ).fetchall():
        conn.execute(
            "UPDATE events SET body = ? WHERE session_id = ? AND seq = ?",
            (reseal(sid, body, binding.event(sid, seq, t, type_)), sid, seq),
        )
    for sid, seq, t, oid, stage, latency, paths in conn.execute(
        "SELECT session_id, seq, t, objection_utterance_id, stage, latency_s, paths "
        "FROM suggestions"
    ).fetchall():
        context = binding.suggestion(sid, seq, t, oid, stage, latency)
        conn.execute(
            "UPDATE suggestions SET paths = ? WHERE session_id = ? AND seq = ?",
            (reseal(sid, paths, context), sid, seq),
        )
    for nid, sid, oid, rating, text, created, preferred, why, author in conn.execute(
        "SELECT id, session_id, objection_utterance_id, rating, text, created_at, "
        "preferred_path, why, author FROM review_notes"
    ).fetchall():
        blobs = [
            reseal(
                sid,
                blob,
                binding.review_note(column, nid, sid, oid, rating, created, preferred),
            )
            for column, blob in (("text", text), ("why", why), ("author", author))
        ]
        conn.execute(
            "UPDATE review_notes SET text = ?, why = ?, author = ? WHERE id = ?", (*blobs, nid)
        )
    for sid, seq, t, oid, path, stage, created, seal in conn.execute(
        "SELECT session_id, seq, t, objection_utterance_id, path, stage, created_at, seal "
        "FROM choices"
    ).fetchall():
        context = binding.choice(sid, seq, t, oid, path, stage, created)
        conn.execute(
            "UPDATE choices SET seal = ? WHERE session_id = ? AND seq = ?",
            (reseal(sid, seal, context), sid, seq),
        )
    for sid, path, kind, seal in conn.execute(
        "SELECT session_id, path, kind, seal FROM files"
    ).fetchall():
        conn.execute(
            "UPDATE files SET seal = ? WHERE session_id = ? AND path = ?",
            (reseal(sid, seal, binding.file(sid, path, kind)), sid, path),
        )
    return count


def new_session_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


class SessionStore:
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

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        key: DataKey,
        directory: Path | None,
        target: str,
        settings: StoreSettings,
        writer_config: WriterConfig | None = None,
    ) -> None:
        self._conn = conn
        self._target = target
        self._lock = threading.RLock()
        self.directory = directory
        self.key = key
        self.cipher = FieldCipher(key)  # the data key's: only rows from before crypto-shredding
        self.keys = SessionKeys(directory, key)
        self._ciphers: dict[str, FieldCipher] = {}
        from desktop.store.audit import keyring_anchor_backend

        self.audit = AuditLog(
            directory,
            key if directory is not None else None,
            keyring=keyring_anchor_backend(key) if directory is not None else None,
        )
        self.settings = settings
        self.writer_config = writer_config or WriterConfig()
        self.problems: list[str] = []
        self._writers: dict[str, SessionWriter] = {}

    # -- opening -------------------------------------------------------------------------------

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

    @property
    def persistent(self) -> bool:
        return self.directory is not None

    def _check_key(self) -> None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = 'key_id'").fetchone()
            if row is None:
                self._conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('key_id', ?)",
                    (self.key.key_id,),
                )
                row = self._conn.execute("SELECT value FROM meta WHERE key = 'key_id'").fetchone()
            if row[0] != self.key.key_id:
                raise WrongPassphraseError(
                    "The session database was encrypted with a different key than the one "
                    "given (another passphrase or keyring entry); nothing was changed. Use the "
                    "passphrase the sessions were saved with."
                )

    def _bind_rows(self) -> None:
        """Re-seal rows written before schema 3 with their metadata bound (once, with the key).

        A row whose old seal does not open is left as it is: it reads as damaged.
        """
        with self._transaction() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'binding'").fetchone()
            if row is not None and row[0] == BINDING_VERSION:
                return
            rebound = _rebind(conn, self.cipher, self.directory)
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('binding', ?)",
                (BINDING_VERSION,),
            )
        if rebound:
            log.info("sealed %d older rows with their metadata bound", rebound)

    def _shred_rows(self) -> None:
        """Give every session written before crypto-shredding its own key, and seal its rows
        again with it (once, when a store from an older Parley is first opened)."""
        with self._transaction() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'shred'").fetchone()
            if row is not None and row[0] == SHRED_VERSION:
                return
            sids = [r[0] for r in conn.execute("SELECT id FROM sessions").fetchall()]
            for sid in sids:
                if self.keys.get(sid) is None:
                    self.keys.create(sid)
            resealed = _reseal_all(conn, lambda _sid: self.cipher, self.cipher_for)
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('shred', ?)", (SHRED_VERSION,)
            )
        if sids:
            log.info(
                "gave %d sessions their own keys (%d values sealed again)", len(sids), resealed
            )

    # -- per-session keys ----------------------------------------------------------------------

    def cipher_for(self, session_id: str) -> FieldCipher:
        """The cipher of one session's values (its own key; a session whose key is gone reads
        as damaged and takes no new values)."""
        cipher = self._ciphers.get(session_id)
        if cipher is None:
            try:
                key = self.keys.get(session_id)
            except DecryptionError as e:
                log.warning("session %s: %s", session_id, e)
                key = None
            if key is None:
                return NoKeyCipher(session_id)
            cipher = self._ciphers[session_id] = FieldCipher(key)
        return cipher

    def session_key(self, session_id: str) -> DataKey:
        """The key of one session (its recording is encrypted with it).

        Raises:
            StoreError: the session's key is gone.
        """
        try:
            key = self.keys.get(session_id)
        except DecryptionError as e:
            raise StoreError(str(e)) from e
        if key is None:
            raise StoreError(
                f"Session {session_id} has no key in {self.keys.path or 'memory'}: its data "
                "cannot be read (it was deleted, or the key file was replaced)."
            )
        return key

    # -- damage --------------------------------------------------------------------------------

    def _open_blob(
        self, blob: bytes | None, context: str, session_id: str, item: str
    ) -> bytes | None:
        """The plaintext of one stored value, or None when it fails authentication (the row is
        then remembered as damaged; nothing is raised)."""
        if blob is None:
            self._note_damage(session_id, item)
            return None
        try:
            return self.cipher_for(session_id).decrypt(bytes(blob), context)
        except DecryptionError:
            log.warning("session %s: %s is damaged (it did not authenticate)", session_id, item)
            self._note_damage(session_id, item)
            return None

    def _note_damage(self, session_id: str, item: str) -> None:
        try:
            with self._lock:
                self._conn.execute(
                    "INSERT OR IGNORE INTO damage (session_id, item, found_at) VALUES (?, ?, ?)",
                    (session_id, item, time.time()),
                )
        except sqlite3.Error as e:  # a read-only or busy file: the damage is still reported
            log.debug("could not remember damage in %s: %s", session_id, e)

    def _all_damage(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        with self._lock:
            for sid, item in self._conn.execute(
                "SELECT session_id, item FROM damage ORDER BY found_at, item"
            ):
                out.setdefault(sid, []).append(item)
        return out

    def damaged_items(self, session_id: str) -> list[str]:
        """What of a session is known to be damaged (e.g. "title", "segment 3")."""
        with self._lock:
            return [
                r[0]
                for r in self._conn.execute(
                    "SELECT item FROM damage WHERE session_id = ? ORDER BY found_at, item",
                    (session_id,),
                )
            ]

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

    def _writer_connection(self) -> tuple[sqlite3.Connection, Any, bool]:
        """(connection, lock to hold while writing, whether the caller must close it)."""
        if self.persistent:
            return db.connect(self._target), threading.Lock(), True
        return self._conn, self._lock, False  # shared-cache memory: one connection for all

    def close(self) -> None:
        for writer in list(self._writers.values()):
            writer.close()
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # -- paths ---------------------------------------------------------------------------------

    def _lock_path(self, session_id: str) -> Path | None:
        return None if self.directory is None else self.directory / LOCKS_DIR / f"{session_id}.lock"

    def recording_path(self, session_id: str, suffix: str = RECORDING_SUFFIX) -> Path:
        """Where this session's encrypted recording is kept (`NAME.enc`)."""
        if self.directory is None:
            raise StoreError("A session kept in memory has no recording file.")
        return self.directory / RECORDINGS_DIR / f"{session_id}{suffix}.enc"

    # -- sessions ------------------------------------------------------------------------------

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
        writer = SessionWriter(self, sid, lock=lock, config=self.writer_config, notify=notify)
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

    # -- reading a session ---------------------------------------------------------------------

    def load_events(self, session_id: str) -> list[Event]:
        """The session's kept events in order (final transcripts, signals, suggestions, ...).
        A damaged event is left out (and named by `damaged_items`)."""
        self.get(session_id)
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, t, type, body FROM events WHERE session_id = ? ORDER BY seq",
                (session_id,),
            ).fetchall()
        out = []
        for seq, t, type_, body in rows:
            raw = self._open_blob(
                body, binding.event(session_id, seq, t, type_), session_id, f"event {seq}"
            )
            if raw is not None:
                out.append(from_dict(json.loads(raw)))
        return out

    def load_suggestion_rows(self, session_id: str) -> list[tuple[int, str, list[Any]]]:
        """(seq, stage, paths as stored) of the session's suggestions; damaged ones left out."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, t, objection_utterance_id, stage, latency_s, paths FROM suggestions "
                "WHERE session_id = ? ORDER BY seq",
                (session_id,),
            ).fetchall()
        out = []
        for seq, t, oid, stage, latency, paths in rows:
            context = binding.suggestion(session_id, seq, t, oid, stage, latency)
            raw = self._open_blob(paths, context, session_id, f"suggestion {seq}")
            if raw is not None:
                out.append((seq, stage, list(json.loads(raw))))
        return out

    def load_segments(self, session_id: str, *, learnable_only: bool = False) -> list[Segment]:
        """Final transcript segments in order; `learnable_only` keeps those flagged usable.
        A damaged segment (its text, or its speaker, times or consent flag altered) is left
        out and named by `damaged_items`."""
        self.get(session_id)
        sql = (
            "SELECT seq, utterance_id, speaker, start, end, t, lang, text, usable_for_learning "
            "FROM segments WHERE session_id = ?"
        )
        if learnable_only:
            sql += " AND usable_for_learning = 1"
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY seq", (session_id,)).fetchall()
        out = []
        for seq, uid, speaker, start, end, t, lang, text, usable in rows:
            context = binding.segment(session_id, seq, uid, speaker, start, end, t, lang, usable)
            raw = self._open_blob(text, context, session_id, f"segment {seq}")
            if raw is None:
                continue
            out.append(
                Segment(
                    session_id=session_id,
                    seq=seq,
                    utterance_id=uid,
                    speaker=speaker,
                    start=start,
                    end=end,
                    t=t,
                    lang=lang,
                    text=raw.decode("utf-8"),
                    usable_for_learning=bool(usable),
                )
            )
        return out

    def set_data_use(
        self, session_id: str, usable: bool, *, utterance_ids: list[str] | None = None
    ) -> int:
        """Allow (or forbid) using segments to improve playbooks or models; returns rows changed.

        The flag is bound into each segment's seal, so the text is sealed again with the new
        flag; a damaged segment is left unchanged."""
        self.get(session_id)
        flag = 1 if usable else 0
        sql = (
            "SELECT seq, utterance_id, speaker, start, end, t, lang, text, usable_for_learning "
            "FROM segments WHERE session_id = ?"
        )
        params: list[Any] = [session_id]
        if utterance_ids is not None:
            sql += f" AND utterance_id IN ({','.join('?' * len(utterance_ids))})"
            params.extend(utterance_ids)
        changed = 0
        with self._transaction() as conn:
            for seq, uid, speaker, start, end, t, lang, text, old in conn.execute(
                sql, params
            ).fetchall():
                context = binding.segment(session_id, seq, uid, speaker, start, end, t, lang, old)
                raw = self._open_blob(text, context, session_id, f"segment {seq}")
                if raw is None:
                    continue
                sealed = self.cipher_for(session_id).encrypt(
                    raw, binding.segment(session_id, seq, uid, speaker, start, end, t, lang, flag)
                )
                conn.execute(
                    "UPDATE segments SET usable_for_learning = ?, text = ? "
                    "WHERE session_id = ? AND seq = ?",
                    (flag, sealed, session_id, seq),
                )
                changed += 1
        return changed

    def load_choices(self, session_id: str) -> list[Choice]:
        """The rep's picks in order; a choice whose seal fails (altered) is left out."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, t, objection_utterance_id, path, stage, created_at, seal FROM choices "
                "WHERE session_id = ? ORDER BY seq",
                (session_id,),
            ).fetchall()
        out = []
        for seq, t, oid, path, stage, created, seal in rows:
            context = binding.choice(session_id, seq, t, oid, path, stage, created)
            if self._open_blob(seal, context, session_id, f"choice {seq}") is not None:
                out.append(Choice(session_id, seq, t, oid, path, stage, created))
        return out

    def add_review_note(
        self,
        session_id: str,
        objection_utterance_id: str,
        *,
        rating: int | None,
        text: str,
        preferred_path: int | None = None,
        why: str = "",
        author: str = "",
    ) -> str:
        """A reviewer's note on one objection; returns its id.

        The text, the why and the author are encrypted; the rating and the preferred path
        (0-2) are plain, like the other flags, and bound into the note's seals.

        Raises:
            StoreError: unknown session, a rating outside 1-5 or a path outside 0-2.
        """
        self.get(session_id)
        if rating is not None and not 1 <= int(rating) <= 5:
            raise StoreError(f"A rating is 1 to 5, not {rating}.")
        if preferred_path is not None and not 0 <= int(preferred_path) <= 2:
            raise StoreError(
                f"The preferred path is one of the three paths (0-2), not {preferred_path}."
            )
        note_id = secrets.token_hex(8)
        rating = None if rating is None else int(rating)
        preferred_path = None if preferred_path is None else int(preferred_path)
        created = time.time()

        def where(column: str) -> str:
            return binding.review_note(
                column, note_id, session_id, objection_utterance_id, rating, created, preferred_path
            )

        cipher = self.cipher_for(session_id)
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO review_notes (id, session_id, objection_utterance_id, rating, text, "
                "created_at, preferred_path, why, author) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    note_id,
                    session_id,
                    objection_utterance_id,
                    rating,
                    cipher.encrypt_text(text, where("text")),
                    created,
                    preferred_path,
                    cipher.encrypt_text(why, where("why")),
                    cipher.encrypt_text(author, where("author")),
                ),
            )
        return note_id

    def load_review_notes(self, session_id: str) -> list[ReviewNote]:
        """The session's review notes, oldest first (notes from before schema 2 have no
        preferred path, why or author). A note that fails authentication is left out."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, objection_utterance_id, rating, text, created_at, preferred_path, "
                "why, author FROM review_notes WHERE session_id = ? ORDER BY created_at, id",
                (session_id,),
            ).fetchall()
        out = []
        for nid, oid, rating, text, created, preferred, why, author in rows:
            values: dict[str, str] = {}
            for column, blob in (("text", text), ("why", why), ("author", author)):
                if blob is None and column != "text":
                    values[column] = ""
                    continue
                context = binding.review_note(
                    column, nid, session_id, oid, rating, created, preferred
                )
                raw = self._open_blob(blob, context, session_id, f"note {nid} {column}")
                if raw is None:
                    break
                values[column] = raw.decode("utf-8")
            else:
                out.append(
                    ReviewNote(
                        note_id=nid,
                        session_id=session_id,
                        objection_utterance_id=oid,
                        rating=rating,
                        text=values["text"],
                        created_at=created,
                        preferred_path=preferred,
                        why=values["why"],
                        author=values["author"],
                    )
                )
        return out

    def delete_review_note(self, session_id: str, note_id: str) -> bool:
        """Remove one review note; False when the session has no such note. The file is
        compacted (as after a session's deletion), so the note leaves the WAL and free pages."""
        with self._transaction() as conn:
            n = conn.execute(
                "DELETE FROM review_notes WHERE session_id = ? AND id = ?", (session_id, note_id)
            ).rowcount
        if n > 0:
            self.compact()
        return n > 0

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

    # -- deletion and retention ----------------------------------------------------------------

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

    def compact(self) -> bool:
        """VACUUM and truncate the WAL, so freed pages leave the files. True when the WAL was
        emptied; False when another connection's open read kept the checkpoint from finishing
        after `CHECKPOINT_TRIES` tries (the deleted values stay sealed with a destroyed key)."""
        with self._lock:
            if not self.persistent:
                return True
            self._checkpoint()
            self._conn.execute("VACUUM")
            return self._checkpoint()

    def _checkpoint(self) -> bool:
        wait = 0.05
        # Each try waits on readers briefly (not the 5 s busy timeout of ordinary writes).
        self._conn.execute("PRAGMA busy_timeout = 100")
        try:
            for attempt in range(CHECKPOINT_TRIES):
                busy, _log_frames, _done = self._conn.execute(
                    "PRAGMA wal_checkpoint(TRUNCATE)"
                ).fetchone()
                if not busy:
                    return True
                if attempt + 1 < CHECKPOINT_TRIES:
                    time.sleep(wait)
                    wait *= 2
        finally:
            self._conn.execute(f"PRAGMA busy_timeout = {db.BUSY_TIMEOUT_MS}")
        log.warning(
            "the session database's WAL could not be emptied: another program holds a read "
            "open on sessions.db. What was deleted stays there, sealed with destroyed keys, "
            "until the next compaction."
        )
        return False

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
