"""The associated data each encrypted value is sealed with: its row's plain columns.

A blob is authenticated together with the row's identity (table, session, seq) and the plain
metadata beside it (speaker, times, event type, the consent flag, ratings, ...), so changing any
of those columns in the file makes the blob fail to decrypt: the row reads as damaged instead of
as something it was not. Rows without call content (choices, files) carry a `seal`: an empty
value encrypted with the same kind of associated data.

`legacy_*` are the contexts rows were sealed with before schema 3 (identity only); the store
re-seals such rows once, when it first opens them with the key (`SessionStore._bind_rows`).
"""

from __future__ import annotations

import json
from typing import Any


def _real(x: Any) -> float | None:
    return None if x is None else float(x)


def _int(x: Any) -> int | None:
    return None if x is None else int(x)


def _ctx(kind: str, *parts: Any) -> str:
    return "v2|" + kind + "|" + json.dumps(parts, separators=(",", ":"), ensure_ascii=True)


def session_field(column: str, sid: str, kind: str, started_at: float) -> str:
    """`title` or `info` of a session (bound to its kind and start time)."""
    return _ctx(f"sessions.{column}", sid, kind, _real(started_at))


def segment(
    sid: str,
    seq: int,
    utterance_id: str,
    speaker: str,
    start: float,
    end: float,
    t: float,
    lang: str,
    usable: Any,
) -> str:
    return _ctx(
        "segments.text",
        sid,
        int(seq),
        utterance_id,
        speaker,
        _real(start),
        _real(end),
        _real(t),
        lang,
        1 if usable else 0,
    )


def event(sid: str, seq: int, t: float, type_: str) -> str:
    return _ctx("events.body", sid, int(seq), _real(t), type_)


def suggestion(
    sid: str, seq: int, t: float, objection_utterance_id: str, stage: str, latency_s: float
) -> str:
    return _ctx(
        "suggestions.paths",
        sid,
        int(seq),
        _real(t),
        objection_utterance_id,
        stage,
        _real(latency_s),
    )


def choice(
    sid: str,
    seq: int,
    t: float | None,
    objection_utterance_id: str,
    path: int,
    stage: str,
    created_at: float,
) -> str:
    return _ctx(
        "choices.seal",
        sid,
        int(seq),
        _real(t),
        objection_utterance_id,
        int(path),
        stage,
        _real(created_at),
    )


def review_note(
    column: str,
    note_id: str,
    sid: str,
    objection_utterance_id: str,
    rating: int | None,
    created_at: float,
    preferred_path: int | None,
) -> str:
    """`text`, `why` or `author` of a review note."""
    return _ctx(
        f"review_notes.{column}",
        note_id,
        sid,
        objection_utterance_id,
        _int(rating),
        _real(created_at),
        _int(preferred_path),
    )


def file(sid: str, path: str, kind: str) -> str:
    return _ctx("files.seal", sid, path, kind)


# -- before schema 3 ---------------------------------------------------------------------------


def legacy_session_field(column: str, sid: str) -> str:
    return f"sessions/{sid}/{column}"


def legacy_segment(sid: str, seq: int) -> str:
    return f"segments/{sid}/{seq}"


def legacy_event(sid: str, seq: int) -> str:
    return f"events/{sid}/{seq}"


def legacy_suggestion(sid: str, seq: int) -> str:
    return f"suggestions/{sid}/{seq}"


def legacy_review_note(column: str, sid: str, note_id: str) -> str:
    base = f"review_notes/{sid}/{note_id}"
    return base if column == "text" else f"{base}/{column}"
