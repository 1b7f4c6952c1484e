"""Sealing stored values again: with their metadata bound (schema 3), and with each
session's own key (crypto-shredding). Used once when an older store is first opened."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

from desktop.privacy.crypto import FieldCipher
from desktop.privacy.errors import DecryptionError
from desktop.store import binding

log = logging.getLogger("desktop.store.store")


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
