"""The review timeline of one session, assembled from its events.

A `Timeline` is what a trainer looks at after a call: both parties' utterances (the final
transcript), the customer's emotion curve, term density, and each objection with the paths the
assistant offered (instant and refined, slot by slot), the guard events on them, the path the
rep picked (for sessions recorded live), what the rep said next, and the trainer's review notes.

It is built once from the events of a session (`Timeline.from_events`) and is read-only; the
exports and the HTML report render it. Emotion is a property of the conversation (what the
customer felt), never a measure of the rep.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from desktop.review_note import N_PATHS, ReviewNote
from inference.events import (
    EmotionEvent,
    ErrorEvent,
    Event,
    GuardEvent,
    ObjectionEvent,
    RolesEvent,
    SuggestionEvent,
    SuggestionPath,
    TermsEvent,
    TranscriptEvent,
)
from inference.text import is_cjk

# A rep utterance that starts this close before the objection ends still counts as the reply
# (people answer a beat before the other side has quite finished).
_REPLY_OVERLAP_S = 0.25
_VALENCE_SIGN = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}


@dataclass(frozen=True, slots=True)
class Utterance:
    """One party's utterance as the final transcript committed it.

    Attributes:
        utterance_id: the id its events carry.
        speaker: "rep" or "customer".
        start: session-clock seconds where speech began.
        end: session-clock seconds where speech ended.
        text: the concatenated final text.
        lang: language code of its first final event ("en", "zh").
    """

    utterance_id: str
    speaker: str
    start: float
    end: float
    text: str
    lang: str


@dataclass(frozen=True, slots=True)
class EmotionPoint:
    """The customer's emotion over one utterance, a point of the conversation's emotion curve.

    Attributes:
        t: where the point sits on the time axis (middle of the utterance).
        valence_score: valence as a number in [-1, 1]: its sign times the detector's confidence.
        arousal: activation in [0, 1] from the audio, when there was audio.
    """

    t: float
    utterance_id: str
    start: float
    end: float
    valence: str
    label: str
    confidence: float
    arousal: float | None

    @property
    def valence_score(self) -> float:
        return _VALENCE_SIGN.get(self.valence, 0.0) * max(0.0, min(1.0, self.confidence))


@dataclass(frozen=True, slots=True)
class TermsPoint:
    """Industry terms heard in one utterance and the density (terms per 100 words) then."""

    t: float
    utterance_id: str
    terms: tuple[str, ...]
    density: float


@dataclass(frozen=True, slots=True)
class RolesPoint:
    """Decision-makers mentioned in one utterance."""

    t: float
    utterance_id: str
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PathSlot:
    """One of the three slots of an objection's suggestion.

    Attributes:
        index: 0, 1 or 2.
        instant: the path retrieved from the playbook (stage "instant"), if one came.
        refined: the latest refined path of this slot; `refined.complete` says whether the LLM
            finished it (an incomplete one still shows the instant path's text).
    """

    index: int
    instant: SuggestionPath | None
    refined: SuggestionPath | None

    @property
    def shown(self) -> SuggestionPath | None:
        """What the overlay ended up showing in this slot: the finished refined path, else the
        instant one (else an unfinished refined one)."""
        if self.refined is not None and self.refined.complete:
            return self.refined
        return self.instant or self.refined


@dataclass(frozen=True, slots=True)
class ObjectionReview:
    """One objection and everything a trainer reviews about it.

    Attributes:
        utterance_id: the customer utterance that carried the objection.
        category: price, budget, timing, ...
        confidence: the detector's confidence.
        start, end: the objection utterance's span.
        t: session time when the objection was detected.
        customer_text: what the customer said (the utterance's final text).
        slots: exactly three `PathSlot`s.
        instant_latency_s, refined_latency_s: latency of the first instant and the latest
            refined suggestion event, if any.
        guards: guard events on this objection's paths.
        chosen_path: the path the rep picked (0-2), for sessions recorded live.
        rep_reply: the next rep utterance after the objection.
        notes: the trainers' review notes.
    """

    utterance_id: str
    category: str
    confidence: float
    start: float
    end: float
    t: float
    customer_text: str
    slots: tuple[PathSlot, PathSlot, PathSlot]
    instant_latency_s: float | None = None
    refined_latency_s: float | None = None
    guards: tuple[GuardEvent, ...] = ()
    chosen_path: int | None = None
    rep_reply: Utterance | None = None
    notes: tuple[ReviewNote, ...] = ()

    @property
    def has_paths(self) -> bool:
        return all(slot.shown is not None for slot in self.slots)


@dataclass(frozen=True, slots=True)
class Timeline:
    """Everything a review shows about one session, in time order.

    Attributes:
        utterances: both parties' final utterances, by start time.
        emotion: the customer's emotion curve, by time.
        terms: term density points, by time.
        roles: decision-maker mentions, by time.
        objections: objections by time, each with its paths, guards, choice, reply and notes.
        guards: every guard event of the session.
        errors: error events of the session.
        duration: the session's length in seconds (last speech end or event time).
    """

    utterances: tuple[Utterance, ...] = ()
    emotion: tuple[EmotionPoint, ...] = ()
    terms: tuple[TermsPoint, ...] = ()
    roles: tuple[RolesPoint, ...] = ()
    objections: tuple[ObjectionReview, ...] = ()
    guards: tuple[GuardEvent, ...] = ()
    errors: tuple[ErrorEvent, ...] = ()
    duration: float = 0.0

    @property
    def lang(self) -> str:
        """The language most of the words were in ("en" when there are none)."""
        counts: Counter[str] = Counter()
        for u in self.utterances:
            counts[u.lang] += len(u.text)
        return counts.most_common(1)[0][0] if counts else "en"

    def utterance(self, utterance_id: str) -> Utterance | None:
        """The utterance with this id, if the transcript has it."""
        return next((u for u in self.utterances if u.utterance_id == utterance_id), None)

    @classmethod
    def from_events(
        cls,
        events: Iterable[Event],
        *,
        choices: Mapping[str, int] | Iterable[Any] = (),
        review_notes: Iterable[Any] = (),
    ) -> Timeline:
        """Assemble the timeline of a session.

        Args:
            events: the session's events in emission order (as the bus or the JSONL gave them).
            choices: objection utterance id -> index (0-2) of the path the rep picked: a
                mapping, (id, index) pairs, or records with `objection_utterance_id` and `path`
                (the session store's); when an objection has several, the last one wins.
            review_notes: `ReviewNote`s, mappings or objects with the same attribute names.

        Raises:
            ValueError: a choice or a note is out of range.
        """
        builder = _Builder()
        for event in events:
            builder.add(event)
        pairs: Iterable[Any] = choices.items() if isinstance(choices, Mapping) else choices
        chosen: dict[str, int] = {}
        for item in pairs:
            if isinstance(item, tuple):
                oid, index = item
            else:  # the session store's choice records
                oid, index = item.objection_utterance_id, item.path
            if not 0 <= int(index) < N_PATHS:
                raise ValueError(f"chosen path of {oid} must be 0 to 2, not {index}")
            chosen[str(oid)] = int(index)
        notes = [ReviewNote.coerce(n) for n in review_notes]
        return builder.build(chosen, notes)


class _Builder:
    """Accumulates events; `build` resolves utterances, slots, replies and notes."""

    def __init__(self) -> None:
        self.pieces: dict[str, list[TranscriptEvent]] = {}
        self.emotion: list[EmotionEvent] = []
        self.terms: list[TermsEvent] = []
        self.roles: list[RolesEvent] = []
        self.objections: dict[str, ObjectionEvent] = {}
        self.instant: dict[str, SuggestionEvent] = {}
        self.refined: dict[str, list[SuggestionEvent]] = {}
        self.guards: list[GuardEvent] = []
        self.errors: list[ErrorEvent] = []
        self.last_t = 0.0

    def add(self, event: Event) -> None:
        self.last_t = max(self.last_t, event.t)
        match event:
            case TranscriptEvent(final=True):
                self.pieces.setdefault(event.utterance_id, []).append(event)
            case EmotionEvent():
                self.emotion.append(event)
            case TermsEvent():
                self.terms.append(event)
            case RolesEvent():
                self.roles.append(event)
            case ObjectionEvent(tentative=True):
                pass  # a hint that raised no suggestion; its confirmation is its own event
            case ObjectionEvent():
                # A second objection event on one utterance (re-detection) replaces the first.
                self.objections[event.utterance_id] = event
            case SuggestionEvent(stage="instant"):
                self.instant.setdefault(event.objection_utterance_id, event)
            case SuggestionEvent():
                self.refined.setdefault(event.objection_utterance_id, []).append(event)
            case GuardEvent():
                self.guards.append(event)
            case ErrorEvent():
                self.errors.append(event)
            case _:
                pass

    def build(self, chosen: dict[str, int], notes: list[ReviewNote]) -> Timeline:
        utterances = sorted(
            (_assemble(uid, pieces) for uid, pieces in self.pieces.items()),
            key=lambda u: (u.start, u.end),
        )
        by_id = {u.utterance_id: u for u in utterances}

        def when(uid: str, fallback: float) -> float:
            u = by_id.get(uid)
            return (u.start + u.end) / 2 if u else fallback

        emotion = sorted(
            (
                EmotionPoint(
                    t=(e.start + e.end) / 2,
                    utterance_id=e.utterance_id,
                    start=e.start,
                    end=e.end,
                    valence=e.valence,
                    label=e.label,
                    confidence=e.confidence,
                    arousal=e.arousal,
                )
                for e in self.emotion
            ),
            key=lambda p: p.t,
        )
        terms = sorted(
            (
                TermsPoint(when(e.utterance_id, e.t), e.utterance_id, tuple(e.terms), e.density)
                for e in self.terms
            ),
            key=lambda p: p.t,
        )
        roles = sorted(
            (
                RolesPoint(when(e.utterance_id, e.t), e.utterance_id, tuple(e.roles))
                for e in self.roles
            ),
            key=lambda p: p.t,
        )
        rep_utterances = [u for u in utterances if u.speaker == "rep"]
        notes_by_id: dict[str, list[ReviewNote]] = {}
        for note in notes:
            notes_by_id.setdefault(note.objection_utterance_id, []).append(note)

        objections = []
        for oid, obj in sorted(self.objections.items(), key=lambda kv: (kv[1].start, kv[1].t)):
            utterance = by_id.get(oid)
            instant = self.instant.get(oid)
            refined = self.refined.get(oid, [])
            objections.append(
                ObjectionReview(
                    utterance_id=oid,
                    category=obj.category,
                    confidence=obj.confidence,
                    start=obj.start,
                    end=obj.end,
                    t=obj.t,
                    customer_text=utterance.text if utterance else "",
                    slots=_slots(instant, refined),
                    instant_latency_s=instant.latency_s if instant else None,
                    refined_latency_s=refined[-1].latency_s if refined else None,
                    guards=tuple(g for g in self.guards if g.objection_utterance_id == oid),
                    chosen_path=chosen.get(oid),
                    rep_reply=_reply_to(obj, rep_utterances),
                    notes=tuple(notes_by_id.get(oid, ())),
                )
            )
        ends = [u.end for u in utterances] + [self.last_t]
        return Timeline(
            utterances=tuple(utterances),
            emotion=tuple(emotion),
            terms=tuple(terms),
            roles=tuple(roles),
            objections=tuple(objections),
            guards=tuple(self.guards),
            errors=tuple(self.errors),
            duration=max(ends),
        )


def _join(left: str, right: str) -> str:
    """Join two committed pieces: no space between CJK characters or where one is present."""
    if not left:
        return right
    if not right or left[-1].isspace() or right[0].isspace():
        return left + right
    if is_cjk(left[-1]) or is_cjk(right[0]):
        return left + right
    if right[0] in ",.;:!?%)]}，。；：！？、）":
        return left + right
    return left + " " + right


def _assemble(uid: str, pieces: list[TranscriptEvent]) -> Utterance:
    text = ""
    for piece in pieces:
        text = _join(text, piece.text)
    return Utterance(
        utterance_id=uid,
        speaker=pieces[0].speaker,
        start=min(p.start for p in pieces),
        end=max(p.end for p in pieces),
        text=" ".join(text.split()),
        lang=pieces[0].lang,
    )


def _slots(
    instant: SuggestionEvent | None, refined: list[SuggestionEvent]
) -> tuple[PathSlot, PathSlot, PathSlot]:
    """Per slot: the instant path, and the latest refined one (a finished path is never
    replaced by a later unfinished one, should a cancelled generation send one)."""
    slots = []
    for i in range(N_PATHS):
        inst = instant.paths[i] if instant and i < len(instant.paths) else None
        latest: SuggestionPath | None = None
        for event in refined:
            if i >= len(event.paths):
                continue
            path = event.paths[i]
            if latest is None or path.complete or not latest.complete:
                latest = path
        slots.append(PathSlot(index=i, instant=inst, refined=latest))
    return slots[0], slots[1], slots[2]


def _reply_to(obj: ObjectionEvent, rep_utterances: list[Utterance]) -> Utterance | None:
    """The first rep utterance that starts after the objection (or just before it ends)."""
    for u in rep_utterances:
        if u.start >= obj.end - _REPLY_OVERLAP_S and u.text:
            return u
    return None
