"""Typed events that cross component boundaries, and their JSON form.

Every event is a frozen, slotted dataclass with `t`, the session clock in seconds when it was
emitted. `to_dict` gives the JSON object of the events contract (`type` first); `from_dict`
reads it back, so sinks, stores and reports share one schema.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Literal

Speaker = Literal["rep", "customer"]
Valence = Literal["negative", "neutral", "positive"]
Stage = Literal["instant", "refined"]
GuardAction = Literal["blocked", "rewritten", "flagged"]

OBJECTION_CATEGORIES: tuple[str, ...] = (
    "price",
    "budget",
    "timing",
    "competitor",
    "authority",
    "need",
    "trust",
    "implementation",
    "security",
)
ROLES: tuple[str, ...] = ("ceo", "cfo", "cto", "procurement", "legal", "it", "board", "manager")
STATUS_STATES: tuple[str, ...] = (
    "loading",
    "ready",
    "lagging",
    "recovered",
    "level",
    "no_customer_audio",
    "clipping",
    "device_lost",
    "device_restored",
    "superseded",
)


@dataclass(frozen=True, slots=True)
class TranscriptEvent:
    """Text of one utterance, in one of three kinds (docs/architecture.md, "The events
    contract"):

    - tentative (`final=False`, `stable=False`): the utterance's current uncommitted tail; it
      replaces the previous tentative text of the utterance;
    - stable partial (`final=False`, `stable=True`): words committed while the speaker talks,
      appended to the utterance's earlier stable words (never repeated);
    - final (`final=True`): the utterance's whole text from the second pass, exactly one per
      utterance; it replaces everything shown for the utterance so far.
    """

    t: float
    speaker: Speaker
    utterance_id: str
    start: float
    end: float
    text: str
    final: bool
    lang: str
    stable: bool = False


@dataclass(frozen=True, slots=True)
class EmotionEvent:
    """The customer's emotion over one closed utterance; `arousal` from the audio, if any."""

    t: float
    utterance_id: str
    start: float
    end: float
    valence: Valence
    label: str
    confidence: float
    arousal: float | None = None


@dataclass(frozen=True, slots=True)
class TermsEvent:
    """Industry terms heard in one utterance and the density over the recent window."""

    t: float
    utterance_id: str
    terms: tuple[str, ...]
    density: float


@dataclass(frozen=True, slots=True)
class RolesEvent:
    """Decision-makers mentioned in one utterance."""

    t: float
    utterance_id: str
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ObjectionEvent:
    """A customer objection of one category, with the detector's confidence in [0, 1].

    `tentative` marks one below the confirmation threshold: shown as a hint, no suggestion
    follows, and it counts as an objection only once a later event confirms it (the
    customer's next utterance raises the same concern: a new event with `tentative` false).
    `second_opinion` marks the LLM reader's read of an utterance that already had one (or had
    none): it replaces any earlier objection event of the same utterance for every reader.
    In JSON both fields appear only when true.
    """

    t: float
    utterance_id: str
    start: float
    end: float
    category: str
    confidence: float
    tentative: bool = False
    second_opinion: bool = False


@dataclass(frozen=True, slots=True)
class Source:
    """What a path rests on: a customer utterance, or a playbook entry (file + heading)."""

    utterance_id: str | None = None
    file: str | None = None
    heading: str | None = None

    def to_dict(self) -> dict[str, str]:
        if self.utterance_id is not None:
            return {"utterance_id": self.utterance_id}
        return {"file": self.file or "", "heading": self.heading or ""}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        if "utterance_id" in data:
            return cls(utterance_id=str(data["utterance_id"]))
        return cls(file=str(data.get("file", "")), heading=str(data.get("heading", "")))


@dataclass(frozen=True, slots=True)
class SuggestionPath:
    """One way to answer an objection.

    Attributes:
        strategy: the id of the move it makes (from the move library, e.g. "price.ask_gap").
        text: what the rep can say.
        confidence: how likely the path is usable as it stands, in [0, 1].
        sources: the playbook entries and the utterance it rests on.
        complete: False while a refined event still shows the instant text in this slot.
        label: the move's name in the call's language, for the card and the report.
    """

    strategy: str
    text: str
    confidence: float
    sources: tuple[Source, ...]
    complete: bool = True
    label: str = ""


@dataclass(frozen=True, slots=True)
class SuggestionEvent:
    """Exactly three paths for one objection, at the instant or refined stage."""

    t: float
    objection_utterance_id: str
    stage: Stage
    paths: tuple[SuggestionPath, SuggestionPath, SuggestionPath]
    latency_s: float


@dataclass(frozen=True, slots=True)
class GuardEvent:
    """A compliance rule fired on one path of a suggestion."""

    t: float
    objection_utterance_id: str
    path: int
    rule: str
    action: GuardAction


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """Health of a component (loading, lagging, device_lost, level, ...)."""

    t: float
    component: str
    state: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ErrorEvent:
    """A failure the user must hear about, as a sentence that says what to do."""

    t: float
    component: str
    message: str


Event = (
    TranscriptEvent
    | EmotionEvent
    | TermsEvent
    | RolesEvent
    | ObjectionEvent
    | SuggestionEvent
    | GuardEvent
    | StatusEvent
    | ErrorEvent
)

_TYPE_NAMES: dict[type, str] = {
    TranscriptEvent: "transcript",
    EmotionEvent: "emotion",
    TermsEvent: "terms",
    RolesEvent: "roles",
    ObjectionEvent: "objection",
    SuggestionEvent: "suggestion",
    GuardEvent: "guard",
    StatusEvent: "status",
    ErrorEvent: "error",
}
_TYPES_BY_NAME: dict[str, type] = {name: cls for cls, name in _TYPE_NAMES.items()}


def event_type(event: Event) -> str:
    """The contract's `type` name of an event."""
    return _TYPE_NAMES[type(event)]


def _round(value: float) -> float:
    return round(float(value), 3)


def to_dict(event: Event) -> dict[str, Any]:
    """The JSON object of the events contract for one event."""
    out: dict[str, Any] = {"type": event_type(event)}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        if isinstance(event, EmotionEvent) and f.name == "arousal" and value is None:
            continue
        optional = ("tentative", "second_opinion")
        if isinstance(event, ObjectionEvent) and f.name in optional and not value:
            continue
        if isinstance(event, TranscriptEvent) and f.name == "stable" and not value:
            continue
        if isinstance(value, float):
            value = _round(value)
        elif f.name == "paths":
            value = [
                {
                    "strategy": p.strategy,
                    "text": p.text,
                    "confidence": _round(p.confidence),
                    "sources": [s.to_dict() for s in p.sources],
                    "complete": p.complete,
                    "label": p.label,
                }
                for p in value
            ]
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def to_json(event: Event) -> str:
    """One line of the events JSONL file."""
    return json.dumps(to_dict(event), ensure_ascii=False)


def from_dict(data: dict[str, Any]) -> Event:
    """Read an event back from its JSON object.

    Raises:
        ValueError: the object has no known `type` or lacks a field.
    """
    name = data.get("type")
    cls = _TYPES_BY_NAME.get(str(name))
    if cls is None:
        raise ValueError(f"unknown event type {name!r}")
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            if f.default is not dataclasses.MISSING:
                continue
            raise ValueError(f"{name} event lacks field {f.name!r}")
        value = data[f.name]
        if f.name == "paths":
            value = tuple(
                SuggestionPath(
                    strategy=str(p["strategy"]),
                    text=str(p["text"]),
                    confidence=float(p["confidence"]),
                    sources=tuple(Source.from_dict(s) for s in p.get("sources", [])),
                    complete=bool(p.get("complete", True)),
                    label=str(p.get("label", "")),
                )
                for p in value
            )
        elif isinstance(value, list):
            value = tuple(value)
        kwargs[f.name] = value
    return cls(**kwargs)  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class ClosedUtterance:
    """One party's utterance as the VAD closed it: the input of the detectors.

    Attributes:
        speaker: "rep" or "customer".
        utterance_id: stable id, the one its transcript events carry.
        start: session-clock seconds where speech began.
        end: session-clock seconds where speech ended.
        text: the whole final text of the utterance.
        lang: language code ("en", "zh").
        audio: 16 kHz mono float32 samples of the span, when there is audio (replay of a timed
            transcript has none).
    """

    speaker: Speaker
    utterance_id: str
    start: float
    end: float
    text: str
    lang: str
    audio: Any = field(default=None, compare=False, repr=False)
