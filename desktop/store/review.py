"""Reviewing a stored session: its timeline, its objections, and audited exports.

    timeline = session_timeline(store, session_id).timeline
    result = write_export(store, session_id, "html", "call.html")   # or srt, vtt, txt, md, json

Both the `parley sessions report|export` commands and the review window go through here, so an
export always honours the store's settings (redaction on unless turned off) and is written to
the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.store.errors import StoreError
from inference.events import Event, ObjectionEvent

if TYPE_CHECKING:
    from desktop.report import Timeline
    from desktop.store.store import SessionStore

REPORT_FORMAT = "html"


@dataclass(frozen=True, slots=True)
class SessionTimeline:
    """A stored session's timeline and what went into it.

    Attributes:
        timeline: the review timeline (events, choices and review notes).
        title: the session's title ("" if it has none).
        segments: final transcript segments the session has.
        withheld: segments left out because they are not marked usable (learnable_only).
    """

    timeline: Timeline
    title: str
    segments: int
    withheld: int = 0


@dataclass(frozen=True, slots=True)
class ExportResult:
    """An export that was written (and audited)."""

    path: Path
    fmt: str
    redacted: bool
    segments: int
    withheld: int


def objection_ids(events: list[Event]) -> list[str]:
    """The utterance ids of the session's objections, in the order they were detected
    (tentative ones that were never confirmed raised no suggestion and are left out)."""
    seen: dict[str, None] = {}
    for event in events:
        if isinstance(event, ObjectionEvent) and not event.tentative:
            seen.setdefault(event.utterance_id, None)
    return list(seen)


def check_objection(store: SessionStore, session_id: str, objection_utterance_id: str) -> None:
    """Raise StoreError (a sentence naming the session's objections) unless the session has an
    objection on that utterance."""
    ids = objection_ids(store.load_events(session_id))
    if objection_utterance_id in ids:
        return
    if not ids:
        raise StoreError(f"Session {session_id} has no objections to review.")
    shown = ", ".join(ids[:10]) + (" ..." if len(ids) > 10 else "")
    raise StoreError(
        f"Session {session_id} has no objection on utterance {objection_utterance_id!r}; "
        f"its objections are on: {shown}."
    )


def _event_utterance(event: Event) -> str | None:
    return getattr(event, "utterance_id", None) or getattr(event, "objection_utterance_id", None)


def session_timeline(
    store: SessionStore, session_id: str, *, learnable_only: bool = False
) -> SessionTimeline:
    """Build the session's timeline from its stored events, choices and review notes.

    Args:
        learnable_only: keep only utterances whose segments are all marked usable
            (`set_data_use`); everything tied to another utterance is left out.

    Raises:
        StoreError: unknown session.
    """
    from desktop.report import Timeline

    info = store.get(session_id)
    events = store.load_events(session_id)
    segments = store.load_segments(session_id)
    withheld = 0
    if learnable_only:
        blocked = {s.utterance_id for s in segments if not s.usable_for_learning}
        withheld = sum(1 for s in segments if s.utterance_id in blocked)
        events = [e for e in events if _event_utterance(e) not in blocked]
    timeline = Timeline.from_events(
        events,
        choices=store.load_choices(session_id),
        review_notes=store.load_review_notes(session_id),
    )
    return SessionTimeline(
        timeline=timeline, title=info.title, segments=len(segments), withheld=withheld
    )


def default_title(store: SessionStore, session_id: str, title: str = "") -> str:
    """The report title: the given one, else the session's, else its id."""
    return title or store.get(session_id).title or f"Session {session_id}"


def write_export(
    store: SessionStore,
    session_id: str,
    fmt: str,
    path: str | Path,
    *,
    redact: bool | None = None,
    learnable_only: bool = False,
    title: str = "",
) -> ExportResult:
    """Write the session as an HTML report ("html") or a transcript export (srt, vtt, txt,
    md, json) and record it in the audit log.

    Args:
        redact: None follows the store's setting (`redact_exports`, on by default).
        learnable_only: leave out utterances not marked usable (see `session_timeline`).
        title: the HTML report's title (default: the session's title).

    Raises:
        StoreError: unknown session.
        ExportError: unknown format or an unwritable path.
    """
    from desktop.report import export, write_report
    from desktop.report.exports import normalize_format

    name = fmt.lower().lstrip(".")
    if name != REPORT_FORMAT:
        name = normalize_format(name)
    if redact is None:
        redact = store.settings.redact_exports
    st = session_timeline(store, session_id, learnable_only=learnable_only)
    if name == REPORT_FORMAT:
        heading = title or st.title or f"Session {session_id}"
        out = write_report(st.timeline, path, title=heading, redact=redact)
    else:
        out = export(st.timeline, name, path, redact=redact)
    kept = st.segments - st.withheld
    store.audit.record_export(
        session_id,
        path=str(Path(out).resolve()),
        fmt=name,
        redacted=redact,
        segments=kept,
        withheld=st.withheld,
    )
    return ExportResult(
        path=Path(out), fmt=name, redacted=redact, segments=kept, withheld=st.withheld
    )
