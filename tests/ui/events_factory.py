"""Small builders of pipeline events for the GUI tests (made-up, product-neutral text)."""

from __future__ import annotations

from inference.events import (
    ObjectionEvent,
    Source,
    SuggestionEvent,
    SuggestionPath,
    TranscriptEvent,
)


def said(
    uid: str,
    text: str,
    *,
    final: bool,
    speaker: str = "customer",
    t: float = 1.0,
    stable: bool = False,
) -> TranscriptEvent:
    return TranscriptEvent(
        t=t,
        speaker=speaker,
        utterance_id=uid,
        start=t - 1,
        end=t,
        text=text,
        final=final,
        lang="en",  # type: ignore[arg-type]
        stable=stable,
    )


def objection(uid: str, category: str = "price") -> ObjectionEvent:
    return ObjectionEvent(
        t=5.0, utterance_id=uid, start=3.0, end=5.0, category=category, confidence=0.8
    )


def suggestion(uid: str, stage: str, *, tag: str, complete: bool = True) -> SuggestionEvent:
    paths = tuple(
        SuggestionPath(
            strategy=f"{tag} strategy {i + 1}",
            text=f"{tag} answer number {i + 1}",
            confidence=(0.85, 0.55, 0.2)[i],
            sources=(Source(file="pricing.md", heading="Value"), Source(utterance_id=uid)),
            complete=complete,
        )
        for i in range(3)
    )
    return SuggestionEvent(
        t=6.0,
        objection_utterance_id=uid,
        stage=stage,
        paths=paths,
        latency_s=0.1,  # type: ignore[arg-type]
    )
