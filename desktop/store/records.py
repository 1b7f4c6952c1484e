"""What the session store hands out: frozen records of sessions, segments, choices and notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desktop.review_note import ReviewNote

__all__ = ["ReviewNote"]  # the store hands notes out as this record too


@dataclass(frozen=True, slots=True)
class SessionMeta:
    """What a new session is: given to `SessionStore.begin`.

    Attributes:
        kind: "live" or "replay" (or another short word).
        title: a human label (e.g. the replayed file's name); stored encrypted.
        info: any JSON-able details (input path, playbooks, account notes); stored encrypted.
        session_id: a chosen id, or "" for a new one.
    """

    kind: str = "live"
    title: str = ""
    info: dict[str, Any] = field(default_factory=dict)
    session_id: str = ""


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """One stored session as `list_sessions` shows it.

    Attributes:
        session_id: its id.
        kind: "live", "replay", ...
        started_at: wall-clock seconds since the epoch when it began.
        ended_at: when it ended (or was recovered), None while running or after a crash.
        last_write_at: wall-clock time of its last committed write.
        last_t: the session clock of its last stored event.
        segments: number of final transcript segments stored.
        events: number of events stored.
        recovered: it was interrupted and later recovered.
        running: a process is writing it now.
        title: the decrypted title ("" when the store has no key, or it is damaged).
        damaged: what of the session failed authentication when read ("title",
            "segment 3", ...); the rest reads normally, and the session can be deleted.
    """

    session_id: str
    kind: str
    started_at: float
    ended_at: float | None
    last_write_at: float | None
    last_t: float | None
    segments: int
    events: int
    recovered: bool
    running: bool
    title: str = ""
    damaged: tuple[str, ...] = ()

    @property
    def interrupted(self) -> bool:
        """Begun, never ended, and nobody is writing it: a crash or a kill."""
        return self.ended_at is None and not self.running


@dataclass(frozen=True, slots=True)
class Segment:
    """One final transcript segment: an utterance's whole final text (sessions stored before
    two-pass finals hold several segments per utterance, each with newly committed words).

    Attributes:
        usable_for_learning: whether it may ever be used to improve playbooks or models
            (default False; only an explicit `set_data_use` turns it on).
    """

    session_id: str
    seq: int
    utterance_id: str
    speaker: str
    start: float
    end: float
    t: float
    lang: str
    text: str
    usable_for_learning: bool


@dataclass(frozen=True, slots=True)
class Choice:
    """The rep picked path `path` (0-2) of the suggestion for one objection."""

    session_id: str
    seq: int
    t: float | None
    objection_utterance_id: str
    path: int
    stage: str
    created_at: float
