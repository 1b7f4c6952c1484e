"""Crypto-shredding: one key per session, kept outside `sessions.db`, destroyed with the session.

Every value of a session (title, info, segments, events, suggestions, choices, review notes,
file seals, the recording) is sealed with that session's own 256-bit key. The keys live in
`session-keys.json` beside the database, each wrapped (AES-256-GCM, the session id as associated
data) with a subkey of the data key:

    {"format": 1, "keys": {"<session id>": {"wrapped": "<b64 nonce|ciphertext>", "created": T}}}

Deleting a session removes its entry (the file is rewritten and replaced), so whatever of the
session is left in the database's free pages, its WAL, an old copy of `sessions.db` or a
`sessions.db.corrupt-*` file no longer decrypts with any key Parley holds. The file is changed
only under `session-keys.json.lock`, so several processes can add and remove keys.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from desktop.privacy.crypto import FieldCipher
from desktop.privacy.errors import DecryptionError, PrivacyError
from desktop.privacy.keys import DataKey, file_lock, key_id_of

log = logging.getLogger(__name__)

KEYS_NAME = "session-keys.json"
_WRAP_LABEL = "parley session key wrap v1"
_FORMAT = 1


class SessionKeys:
    """The per-session keys of one store.

    Args:
        directory: where `session-keys.json` lives; None keeps keys in memory only.
        master: the data key that wraps them.
    """

    def __init__(self, directory: Path | None, master: DataKey) -> None:
        self.path = directory / KEYS_NAME if directory is not None else None
        self._master = master
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._wrap = AESGCM(master.subkey(_WRAP_LABEL))
        self._cache: dict[str, DataKey] = {}
        self._memory: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    # -- the file ------------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        if self.path is None:
            yield
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with file_lock(self.path.with_name(KEYS_NAME + ".lock")):  # Windows: one process
            yield

    def _read(self) -> dict[str, dict[str, Any]]:
        if self.path is None:
            return dict(self._memory)
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return dict(data["keys"])
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise PrivacyError(
                f"The session key file {self.path} is unreadable ({e}); restore it from a "
                "backup. Without it the stored sessions cannot be opened."
            ) from e

    def _write(self, entries: dict[str, dict[str, Any]]) -> None:
        if self.path is None:
            self._memory = dict(entries)
            return
        tmp = self.path.with_name(f"{KEYS_NAME}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"format": _FORMAT, "keys": entries}, f, indent=1, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)

    # -- keys ----------------------------------------------------------------------------------

    def _unwrap(self, session_id: str, entry: dict[str, Any]) -> DataKey:
        from cryptography.exceptions import InvalidTag

        try:
            blob = base64.b64decode(str(entry["wrapped"]))
            secret = self._wrap.decrypt(blob[:12], blob[12:], session_id.encode())
        except (KeyError, TypeError, ValueError, InvalidTag) as e:
            raise DecryptionError(
                f"The key of session {session_id} did not unwrap: it was altered or belongs "
                "to another data key."
            ) from e
        return DataKey(secret=bytes(secret), key_id=key_id_of(secret), source=self._master.source)

    def create(self, session_id: str) -> DataKey:
        """A new key for a new session (kept before any of its rows are written)."""
        secret = os.urandom(32)
        nonce = os.urandom(12)
        wrapped = nonce + self._wrap.encrypt(nonce, secret, session_id.encode())
        entry = {"wrapped": base64.b64encode(wrapped).decode("ascii"), "created": time.time()}
        with self._lock, self._locked():
            entries = self._read()
            if session_id in entries:
                return self._unwrap(session_id, entries[session_id])
            entries[session_id] = entry
            self._write(entries)
        key = DataKey(secret=secret, key_id=key_id_of(secret), source=self._master.source)
        self._cache[session_id] = key
        return key

    def get(self, session_id: str) -> DataKey | None:
        """The session's key, or None when it has none (destroyed, or never made)."""
        with self._lock:
            if session_id in self._cache:
                return self._cache[session_id]
            entry = self._read().get(session_id)
            if entry is None:
                return None
            key = self._unwrap(session_id, entry)
            self._cache[session_id] = key
            return key

    def destroy(self, session_id: str) -> bool:
        """Forget the session's key for good; True when there was one."""
        with self._lock, self._locked():
            self._cache.pop(session_id, None)
            entries = self._read()
            if entries.pop(session_id, None) is None:
                return False
            self._write(entries)
        return True

    def session_ids(self) -> list[str]:
        with self._lock:
            return sorted(self._read())

    def forget_orphans(self, keep: set[str], older_than: float) -> list[str]:
        """Destroy the keys of sessions not in `keep` made before `older_than` (epoch seconds):
        sessions of a database moved aside that retention has expired."""
        with self._lock, self._locked():
            entries = self._read()
            gone = [
                sid
                for sid, entry in entries.items()
                if sid not in keep and float(entry.get("created", 0.0)) < older_than
            ]
            for sid in gone:
                entries.pop(sid)
                self._cache.pop(sid, None)
            if gone:
                self._write(entries)
        return gone


class NoKeyCipher(FieldCipher):
    """The cipher of a session whose key is gone: every value reads as damaged."""

    def __init__(self, session_id: str) -> None:  # no key to derive from
        self._session_id = session_id

    def encrypt(self, data: bytes | str, context: str) -> bytes:
        raise PrivacyError(
            f"Session {self._session_id} has no key (it was deleted): nothing can be added to it."
        )

    def decrypt(self, blob: bytes, context: str) -> bytes:
        raise DecryptionError(
            f"A stored value ({context}) cannot be read: the key of session "
            f"{self._session_id} is missing from {KEYS_NAME}."
        )
