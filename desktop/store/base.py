"""The base of `SessionStore`: the connection, the keys, transactions, damage, compaction.

`SessionStore` (desktop/store/store.py) is split by concern, one layer a module, each building on
the one before: `StoreBase` (this) -> `SessionCatalog` (catalog.py: begin, list, recover) ->
`SessionContent` (content.py: events, segments, suggestions, choices, review notes) ->
`SessionFiles` (session_files.py: registered files, recordings) -> `Retention`
(retention.py: delete, purge) -> `SessionStore` (opening).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from desktop.privacy.crypto import FieldCipher
from desktop.privacy.errors import DecryptionError, WrongPassphraseError
from desktop.privacy.keys import DataKey
from desktop.store import db
from desktop.store.audit import AuditLog
from desktop.store.errors import StoreError
from desktop.store.resealing import _rebind, _reseal_all
from desktop.store.settings import StoreSettings
from desktop.store.shred import NoKeyCipher, SessionKeys
from desktop.store.writer import SessionWriter, WriterConfig

log = logging.getLogger("desktop.store.store")

RECORDINGS_DIR = "recordings"
LOCKS_DIR = "locks"
RECORDING_SUFFIX = ".pcm"  # 16 kHz stereo int16 PCM (rep left, customer right), encrypted
BINDING_VERSION = "2"  # meta `binding`: every row's metadata is bound into its seal
SHRED_VERSION = "1"  # meta `shred`: every session's rows are sealed with its own key
CHECKPOINT_TRIES = 5  # a checkpoint blocked by a reader is retried this often (backing off)


class StoreBase:
    """What every part of `SessionStore` shares: the connection, the keys, the audit log and
    the settings. The attributes and the store's public documentation are on `SessionStore`.
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

    def __enter__(self) -> Self:
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

    def _lock_path(self, session_id: str) -> Path | None:
        return None if self.directory is None else self.directory / LOCKS_DIR / f"{session_id}.lock"

    def recording_path(self, session_id: str, suffix: str = RECORDING_SUFFIX) -> Path:
        """Where this session's encrypted recording is kept (`NAME.enc`)."""
        if self.directory is None:
            raise StoreError("A session kept in memory has no recording file.")
        return self.directory / RECORDINGS_DIR / f"{session_id}{suffix}.enc"
