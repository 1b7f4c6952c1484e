"""What a session holds: events, segments, suggestions, choices and review notes (a layer of
`SessionStore`)."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from desktop.store import binding
from desktop.store.catalog import SessionCatalog
from desktop.store.errors import StoreError
from desktop.store.records import Choice, ReviewNote, Segment
from inference.events import Event, from_dict


class SessionContent(SessionCatalog):
    """Reading a session's rows, its data-use flags and its review notes."""

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
