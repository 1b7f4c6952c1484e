"""Crypto-shredding: after a delete, nothing left on disk decrypts to the deleted session.

Three sessions, each with its own marker word; a second connection holds a read open (so the
WAL cannot be emptied); session 1 is deleted. Every value sealed for session 1 is looked for,
byte by byte, in `sessions.db*` and a `sessions.db.corrupt-*` copy, and tried with every key
Parley still holds; an old copy of the database opened with those keys does not yield it either.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from desktop.privacy import crypto
from desktop.privacy.crypto import FieldCipher
from desktop.privacy.errors import DecryptionError
from desktop.privacy.keys import DataKey, ephemeral_key
from desktop.store import binding
from desktop.store.records import SessionMeta
from desktop.store.store import SessionStore
from inference.events import TranscriptEvent

MARKERS = ("quillfeather", "marrowbanks", "tindlestone")


def master_key() -> DataKey:
    key = ephemeral_key()
    return DataKey(secret=key.secret, key_id=key.key_id, source="passphrase")


def fill(store: SessionStore, marker: str) -> str:
    writer = store.begin(SessionMeta(kind="replay", title=f"call about {marker}"))
    for i in range(3):
        writer(
            TranscriptEvent(
                t=float(i),
                speaker="customer",
                utterance_id=f"u{i}",
                start=float(i),
                end=i + 0.9,
                text=f"the {marker} plan number {i} sounds fine",
                final=True,
                lang="en",
            )
        )
    writer.close()
    store.add_review_note(writer.session_id, "u1", rating=4, text=f"{marker} note", why=marker)
    return writer.session_id


def sealed_values(
    monkeypatch: pytest.MonkeyPatch, store: SessionStore, marker: str
) -> tuple[str, list[tuple[str, bytes]]]:
    """Write a session and return (id, every (context, sealed value) written for it)."""
    seen: list[tuple[str, bytes]] = []
    real = crypto.FieldCipher.encrypt

    def recording(self: FieldCipher, data: bytes | str, context: str) -> bytes:
        blob = real(self, data, context)
        seen.append((context, blob))
        return blob

    monkeypatch.setattr(crypto.FieldCipher, "encrypt", recording)
    sid = fill(store, marker)
    monkeypatch.setattr(crypto.FieldCipher, "encrypt", real)
    return sid, [(c, b) for c, b in seen if sid in c]


def ciphers_left(store: SessionStore) -> list[FieldCipher]:
    out = [FieldCipher(store.key)]
    for sid in store.keys.session_ids():
        key = store.keys.get(sid)
        assert key is not None
        out.append(FieldCipher(key))
    return out


def decryptable(directory: Path, values: list[tuple[str, bytes]], ciphers: list[FieldCipher]):
    """(copies found on disk, how many of them decrypt with `ciphers`)."""
    found = opened = 0
    files = [p for p in directory.iterdir() if p.name.startswith("sessions.db") and p.is_file()]
    for path in files:
        data = path.read_bytes()
        for context, blob in values:
            start = data.find(blob[1:13])  # its nonce, then its ciphertext
            while start >= 0:
                candidate = b"\x01" + data[start : start + len(blob) - 1]
                found += 1
                for cipher in ciphers:
                    try:
                        cipher.decrypt(candidate, context)
                        opened += 1
                    except DecryptionError:
                        pass
                start = data.find(blob[1:13], start + 1)
    return found, opened


def test_deleted_session_does_not_decrypt_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "data"
    store = SessionStore.open(key=master_key(), directory=directory, purge=False)
    first, values = sealed_values(monkeypatch, store, MARKERS[0])
    others = [fill(store, m) for m in MARKERS[1:]]
    assert len(values) >= 8  # title, info, 3 segments, events, note text/why/author

    # Before the delete, the values are on disk and open with the keys held: the check bites.
    found, opened = decryptable(directory, values, ciphers_left(store))
    assert found >= len(values) and opened >= len(values)

    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("sessions.db", "sessions.db-wal"):
        if (directory / name).exists():
            shutil.copy2(directory / name, copy / name)
    shutil.copy2(directory / "sessions.db", directory / "sessions.db.corrupt-20260101T000000")

    reader = sqlite3.connect(directory / "sessions.db")
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM segments").fetchone()  # a read held open
    try:
        store.delete(first)
        assert store.compact() is False  # the reader keeps the WAL: retried, then reported
        found, opened = decryptable(directory, values, ciphers_left(store))
        assert found > 0  # the ciphertexts are still on disk ...
        assert opened == 0  # ... and no key Parley holds opens them
    finally:
        reader.close()
    assert store.keys.get(first) is None
    assert {s.session_id for s in store.list_sessions()} == set(others)
    for sid, marker in zip(others, MARKERS[1:], strict=True):
        assert all(marker in s.text for s in store.load_segments(sid))

    # An old copy of the database, read with the keys left, does not yield session 1.
    shutil.copy2(directory / "session-keys.json", copy / "session-keys.json")
    with SessionStore.open(key=store.key, directory=copy, purge=False) as old:
        assert first in {s.session_id for s in old.list_sessions()}
        assert old.load_segments(first) == []
        assert old.load_review_notes(first) == []
        assert old.get(first).title == ""
        assert all(MARKERS[0] not in s.text for sid in others for s in old.load_segments(sid))
    store.close()


def test_review_note_deletion_compacts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "data"
    with SessionStore.open(key=master_key(), directory=directory, purge=False) as store:
        sid = fill(store, MARKERS[0])
        seen: list[tuple[str, bytes]] = []
        real = crypto.FieldCipher.encrypt

        def recording(self: FieldCipher, data: bytes | str, context: str) -> bytes:
            blob = real(self, data, context)
            seen.append((context, blob))
            return blob

        monkeypatch.setattr(crypto.FieldCipher, "encrypt", recording)
        note = store.add_review_note(sid, "u2", rating=2, text="withdrawn remark", why="w")
        monkeypatch.setattr(crypto.FieldCipher, "encrypt", real)
        assert decryptable(directory, seen, ciphers_left(store))[0] > 0
        assert store.delete_review_note(sid, note)
        assert decryptable(directory, seen, ciphers_left(store)) == (0, 0)


def test_corrupt_copies_and_orphan_keys_fall_under_retention(tmp_path: Path) -> None:
    import json
    import os
    import time

    directory = tmp_path / "data"
    with SessionStore.open(key=master_key(), directory=directory, purge=False) as store:
        sid = fill(store, MARKERS[0])
    aside = directory / "sessions.db.corrupt-20250101T000000"
    os.replace(directory / "sessions.db", aside)
    for side in ("-wal", "-shm"):
        (directory / f"sessions.db{side}").unlink(missing_ok=True)
    old = time.time() - 40 * 86400
    os.utime(aside, (old, old))
    keys = json.loads((directory / "session-keys.json").read_text())
    keys["keys"][sid]["created"] = old
    (directory / "session-keys.json").write_text(json.dumps(keys))
    (directory / "privacy.json").write_text(json.dumps({"retention_days": 30}))
    with SessionStore.open(key=store.key, directory=directory) as fresh:
        assert not aside.exists()
        assert fresh.keys.get(sid) is None
        kinds = [e.kind for e in fresh.audit.entries()]
        assert kinds[-1] == "deletion"


def test_a_store_from_before_shredding_migrates(tmp_path: Path) -> None:
    """Rows sealed with the data key (an older Parley) get their session's own key on open."""
    from desktop.store.resealing import _reseal_all

    directory = tmp_path / "data"
    store = SessionStore.open(key=master_key(), directory=directory, purge=False)
    sid = fill(store, MARKERS[0])
    with store._transaction() as conn:  # make it look like an older store
        _reseal_all(conn, store.cipher_for, lambda _sid: store.cipher)
        conn.execute("DELETE FROM meta WHERE key = 'shred'")
    store.close()
    (directory / "session-keys.json").unlink()
    with SessionStore.open(key=store.key, directory=directory, purge=False) as again:
        assert again.keys.get(sid) is not None
        assert [MARKERS[0] in s.text for s in again.load_segments(sid)] == [True] * 3
        assert again.load_review_notes(sid)[0].why == MARKERS[0]
        assert again.damaged_items(sid) == []
        raw = sqlite3.connect(directory / "sessions.db")
        row = raw.execute(
            "SELECT seq, utterance_id, speaker, start, end, t, lang, usable_for_learning, text "
            "FROM segments WHERE session_id = ? ORDER BY seq",
            (sid,),
        ).fetchone()
        raw.close()
        context = binding.segment(sid, *row[:8])
        assert MARKERS[0] in again.cipher_for(sid).decrypt_text(bytes(row[8]), context)
        with pytest.raises(DecryptionError):  # no longer sealed with the data key
            FieldCipher(again.key).decrypt(bytes(row[8]), context)
