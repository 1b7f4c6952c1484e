"""The one review note: what the store keeps and the report shows of a trainer's note.

It sits outside `desktop.store` and `desktop.report` so that each can import it without
loading the other (the store and the report once had a class each, with the same name).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

N_PATHS = 3


@dataclass(frozen=True, slots=True)
class ReviewNote:
    """A trainer's note on one objection's suggestion.

    Attributes:
        objection_utterance_id: the objection the note is about.
        rating: how good the suggestion was, 1 to 5 (None if not rated). It rates the
            assistant's suggestion, not the rep.
        text: the note itself.
        preferred_path: the path (0-2) the trainer thinks fits best, if any.
        why: why that path fits better than the other two.
        author: who wrote it, if known.
        note_id: the store's id of the note ("" for a note not stored).
        session_id: the session it belongs to ("" for a note not stored).
        created_at: when it was stored (Unix seconds; 0 for a note not stored).
    """

    objection_utterance_id: str
    rating: int | None = None
    text: str = ""
    preferred_path: int | None = None
    why: str = ""
    author: str = ""
    note_id: str = ""
    session_id: str = ""
    created_at: float = 0.0

    def __post_init__(self) -> None:
        if self.rating is not None and not 1 <= self.rating <= 5:
            raise ValueError(f"rating must be 1 to 5, not {self.rating}")
        if self.preferred_path is not None and not 0 <= self.preferred_path < N_PATHS:
            raise ValueError(f"preferred_path must be 0 to 2, not {self.preferred_path}")

    @classmethod
    def coerce(cls, note: Any) -> ReviewNote:
        """A `ReviewNote` from itself, a mapping, or any object with the same attribute names;
        `objection_id` is accepted for the id."""
        if isinstance(note, ReviewNote):
            return note

        def get(name: str, default: Any = None) -> Any:
            if isinstance(note, Mapping):
                return note.get(name, default)
            return getattr(note, name, default)

        oid = get("objection_utterance_id") or get("objection_id")
        if not oid:
            raise ValueError(f"review note {note!r} names no objection")
        rating, preferred = get("rating"), get("preferred_path")
        return cls(
            objection_utterance_id=str(oid),
            rating=None if rating is None else int(rating),
            text=str(get("text", "") or ""),
            preferred_path=None if preferred is None else int(preferred),
            why=str(get("why", "") or ""),
            author=str(get("author", "") or ""),
        )
