"""A small scripted session for the review tests (made-up, product-neutral text).

The customer raises one price objection (c1) and one timing objection (c3); the assistant sends
instant and refined paths, the guard rewrites one path, the rep picks path 2 of the first.
"""

from __future__ import annotations

from pathlib import Path

from desktop.store import start_session
from inference.events import (
    EmotionEvent,
    Event,
    GuardEvent,
    ObjectionEvent,
    Source,
    SuggestionEvent,
    SuggestionPath,
    TermsEvent,
    TranscriptEvent,
)

PRICE_OBJECTION = "c1"
TIMING_OBJECTION = "c3"
CUSTOMER_PRICE = "Honestly the price is far above what we planned to spend."
REP_REPLY = "I hear you, can I ask what you compared it with?"


def said(uid: str, speaker: str, start: float, end: float, text: str) -> TranscriptEvent:
    return TranscriptEvent(
        t=end,
        speaker=speaker,  # type: ignore[arg-type]
        utterance_id=uid,
        start=start,
        end=end,
        text=text,
        final=True,
        lang="en",
    )


def paths(tag: str, uid: str, *, complete: bool = True) -> tuple[SuggestionPath, ...]:
    strategies = ("acknowledge_value", "ask_question", "offer_evidence")
    return tuple(
        SuggestionPath(
            strategy=strategies[i],
            text=f"{tag} answer {i + 1} for the customer",
            confidence=(0.8, 0.6, 0.4)[i],
            sources=(Source(file="pricing.md", heading="Value"), Source(utterance_id=uid)),
            complete=complete,
        )
        for i in range(3)
    )


def scripted_events() -> list[Event]:
    c1, c3 = PRICE_OBJECTION, TIMING_OBJECTION
    return [
        said("r0", "rep", 0.0, 2.0, "Thanks for taking the time today."),
        said(c1, "customer", 2.5, 5.0, CUSTOMER_PRICE),
        EmotionEvent(t=5.1, utterance_id=c1, start=2.5, end=5.0, valence="negative",
                     label="frustrated", confidence=0.7, arousal=0.6),
        TermsEvent(t=5.1, utterance_id=c1, terms=("annual plan",), density=4.0),
        ObjectionEvent(t=5.2, utterance_id=c1, start=2.5, end=5.0, category="price",
                       confidence=0.9),
        SuggestionEvent(t=5.3, objection_utterance_id=c1, stage="instant",
                        paths=paths("Instant", c1), latency_s=0.3),  # type: ignore[arg-type]
        GuardEvent(t=5.9, objection_utterance_id=c1, path=0, rule="no discount",
                   action="rewritten"),
        SuggestionEvent(t=6.5, objection_utterance_id=c1, stage="refined",
                        paths=paths("Refined", c1), latency_s=1.5),  # type: ignore[arg-type]
        said("r1", "rep", 6.0, 8.0, REP_REPLY),
        said(c3, "customer", 9.0, 11.0, "We cannot start before next quarter anyway."),
        EmotionEvent(t=11.1, utterance_id=c3, start=9.0, end=11.0, valence="neutral",
                     label="calm", confidence=0.6, arousal=0.3),
        ObjectionEvent(t=11.2, utterance_id=c3, start=9.0, end=11.0, category="timing",
                       confidence=0.7),
        SuggestionEvent(t=11.3, objection_utterance_id=c3, stage="instant",
                        paths=paths("Later", c3), latency_s=0.3),  # type: ignore[arg-type]
        said("r2", "rep", 11.5, 13.0, "That works, shall we plan the kickoff now?"),
    ]  # fmt: skip


def store_scripted_session(title: str = "scripted call") -> str:
    """Keep the scripted session through `start_session` (a key must be reachable, e.g.
    PARLEY_PASSPHRASE); the rep picks path 2 (index 1) of the price objection. Returns its id."""
    with start_session("replay", title=title, info={"input": "scripted"}) as session:
        assert session.persistent, session.warnings
        for event in scripted_events():
            for sink in session.sinks:
                sink(event)
        session.writer.record_choice(PRICE_OBJECTION, 1, t=7.0)
        sid = session.session_id
    return sid


def all_bytes(directory: Path) -> bytes:
    """Every byte of every file under `directory` (database, WAL, audit log, key file)."""
    return b"".join(p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file())
