"""Transcript exports of a reviewed session: SRT, WebVTT, plain text, Markdown and JSON.

Each format is rendered from a `Timeline`. Redaction (phone numbers, e-mail addresses, card
numbers, ID numbers) is on unless the caller turns it off: an export is a file that leaves the
app, so it must not carry personal data by accident.

SRT, VTT, TXT and Markdown hold the transcript of both parties (Markdown adds the objections
and what was suggested); JSON holds the whole timeline, for other tools.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from desktop.report.redaction import redact_timeline, redactor
from desktop.report.timeline import ObjectionReview, Timeline, Utterance
from inference.events import GuardEvent, SuggestionPath
from models.errors import ParleyError

FORMATS: tuple[str, ...] = ("srt", "vtt", "txt", "md", "json")
_ALIASES = {"markdown": "md", "webvtt": "vtt", "text": "txt"}
SPEAKER_LABELS = {"rep": "Rep", "customer": "Customer"}
_MIN_CUE_S = 0.1
JSON_SCHEMA = "parley.timeline/1"


class ExportError(ParleyError):
    """An export could not be written (unknown format or unwritable path)."""


def normalize_format(fmt: str) -> str:
    """The canonical name of an export format (`markdown` -> `md`, a leading dot dropped).

    Raises:
        ExportError: the format is not one of SRT, VTT, TXT, Markdown or JSON.
    """
    name = fmt.lower().lstrip(".")
    name = _ALIASES.get(name, name)
    if name not in FORMATS:
        raise ExportError(f"Unknown export format {fmt!r}; use one of {', '.join(FORMATS)}.")
    return name


def render(timeline: Timeline, fmt: str, *, redact: bool = True) -> str:
    """The text of the export in format `fmt` (see `FORMATS`)."""
    name = normalize_format(fmt)
    tl = redact_timeline(timeline, redactor()) if redact else timeline
    renderers = {"srt": _srt, "vtt": _vtt, "txt": _txt, "md": _markdown}
    if name == "json":
        return json.dumps(timeline_to_dict(tl, redacted=redact), ensure_ascii=False, indent=2)
    return renderers[name](tl)


def export(timeline: Timeline, fmt: str, path: str | Path, *, redact: bool = True) -> Path:
    """Write the export in format `fmt` to `path` (UTF-8); returns the path.

    Args:
        timeline: the session's timeline.
        fmt: "srt", "vtt", "txt", "md" (or "markdown") or "json".
        path: the file to write; missing parent folders are created.
        redact: remove phone numbers, e-mails, card and ID numbers from all free text.

    Raises:
        ExportError: unknown format, or the file cannot be written.
    """
    return write_text(path, render(timeline, fmt, redact=redact))


def write_text(path: str | Path, text: str) -> Path:
    """Write an export as UTF-8, creating folders; a failure says what to do.

    Raises:
        ExportError: the file cannot be written.
    """
    out = Path(path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8", newline="\n")
    except OSError as e:
        raise ExportError(
            f"Could not write {out}: {e.strerror or e}. Choose another folder."
        ) from e
    return out


# --- time stamps ------------------------------------------------------------------------------


def _clock(seconds: float, sep: str) -> str:
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _short_clock(seconds: float) -> str:
    s = max(0, int(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h:d}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def _cue_span(u: Utterance) -> tuple[float, float]:
    return u.start, max(u.end, u.start + _MIN_CUE_S)


def _one_line(text: str) -> str:
    """Cue text on one line with no cue-timing arrow (a blank line or `-->` ends a cue)."""
    return " ".join(text.split()).replace("-->", "->")


def _label(speaker: str) -> str:
    return SPEAKER_LABELS.get(speaker, speaker.title())


# --- formats ----------------------------------------------------------------------------------


def _spoken(timeline: Timeline) -> list[Utterance]:
    return [u for u in timeline.utterances if u.text.strip()]


def _srt(timeline: Timeline) -> str:
    blocks = []
    for i, u in enumerate(_spoken(timeline), 1):
        start, end = _cue_span(u)
        blocks.append(
            f"{i}\n{_clock(start, ',')} --> {_clock(end, ',')}\n"
            f"{_label(u.speaker)}: {_one_line(u.text)}\n"
        )
    return "".join(block + "\n" for block in blocks)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _vtt(timeline: Timeline) -> str:
    blocks = ["WEBVTT\n"]
    for u in _spoken(timeline):
        start, end = _cue_span(u)
        ident = _one_line(u.utterance_id)
        blocks.append(
            (f"{ident}\n" if ident else "")
            + f"{_clock(start, '.')} --> {_clock(end, '.')}\n"
            + f"<v {_label(u.speaker)}>{_vtt_escape(_one_line(u.text))}\n"
        )
    return "\n".join(blocks)


def _txt(timeline: Timeline) -> str:
    return "".join(
        f"[{_short_clock(u.start)}] {_label(u.speaker)}: {_one_line(u.text)}\n"
        for u in _spoken(timeline)
    )


# Brackets stay readable ("[PHONE]"); only "](" could start a link, so that pair is escaped.
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_<>#|"})


def _md(text: str) -> str:
    return _one_line(text).translate(_MD_SPECIAL).replace("](", "]\\(")


def _md_path(p: SuggestionPath) -> str:
    state = "" if p.complete else " (unfinished)"
    return f"**{_md(p.label or p.strategy)}** ({p.confidence:.2f}){state}: {_md(p.text)}"


def _md_objection(o: ObjectionReview) -> list[str]:
    out = [
        f"### {_short_clock(o.start)} {o.category} ({o.confidence:.2f})",
        "",
        f"> {_md(o.customer_text) or '(no transcript)'}",
        "",
    ]
    for slot in o.slots:
        shown = slot.shown
        mark = " (rep's choice)" if o.chosen_path == slot.index else ""
        out.append(f"{slot.index + 1}. {_md_path(shown) if shown else '(none)'}{mark}")
    for g in o.guards:
        out.append(f"- guard: path {g.path + 1} {g.action} by rule {_md(g.rule)}")
    if o.rep_reply:
        out += ["", f"Rep replied: {_md(o.rep_reply.text)}"]
    for n in o.notes:
        rating = f"{n.rating}/5" if n.rating else "not rated"
        pref = f", prefers path {n.preferred_path + 1}" if n.preferred_path is not None else ""
        why = f" Why: {_md(n.why)}" if n.why else ""
        out += ["", f"Review ({rating}{pref}): {_md(n.text)}{why}"]
    return [*out, ""]


def _markdown(timeline: Timeline) -> str:
    out = ["# Call transcript", ""]
    for u in _spoken(timeline):
        out.append(f"- **{_short_clock(u.start)} {_label(u.speaker)}:** {_md(u.text)}")
    if timeline.objections:
        out += ["", "## Objections and suggestions", ""]
        for o in timeline.objections:
            out += _md_objection(o)
    return "\n".join(out).rstrip("\n") + "\n"


# --- JSON ------------------------------------------------------------------------------------


def _path_dict(p: SuggestionPath | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {
        "strategy": p.strategy,
        "label": p.label,
        "text": p.text,
        "confidence": round(p.confidence, 3),
        "sources": [s.to_dict() for s in p.sources],
        "complete": p.complete,
    }


def _utterance_dict(u: Utterance) -> dict[str, Any]:
    return {
        "utterance_id": u.utterance_id,
        "speaker": u.speaker,
        "start": round(u.start, 3),
        "end": round(u.end, 3),
        "text": u.text,
        "lang": u.lang,
    }


def _guard_dict(g: GuardEvent) -> dict[str, Any]:
    return {
        "t": round(g.t, 3),
        "objection_utterance_id": g.objection_utterance_id,
        "path": g.path,
        "rule": g.rule,
        "action": g.action,
    }


def timeline_to_dict(timeline: Timeline, *, redacted: bool) -> dict[str, Any]:
    """The JSON export's object: the transcript, signals and objections of the timeline."""
    return {
        "schema": JSON_SCHEMA,
        "redacted": redacted,
        "duration": round(timeline.duration, 3),
        "lang": timeline.lang,
        "transcript": [_utterance_dict(u) for u in timeline.utterances],
        "emotion": [
            {
                "utterance_id": p.utterance_id,
                "start": round(p.start, 3),
                "end": round(p.end, 3),
                "valence": p.valence,
                "label": p.label,
                "confidence": round(p.confidence, 3),
                "arousal": None if p.arousal is None else round(p.arousal, 3),
            }
            for p in timeline.emotion
        ],
        "terms": [
            {
                "utterance_id": p.utterance_id,
                "t": round(p.t, 3),
                "terms": list(p.terms),
                "density": round(p.density, 3),
            }
            for p in timeline.terms
        ],
        "roles": [
            {"utterance_id": p.utterance_id, "t": round(p.t, 3), "roles": list(p.roles)}
            for p in timeline.roles
        ],
        "objections": [
            {
                "utterance_id": o.utterance_id,
                "category": o.category,
                "confidence": round(o.confidence, 3),
                "start": round(o.start, 3),
                "end": round(o.end, 3),
                "t": round(o.t, 3),
                "customer_text": o.customer_text,
                "paths": [
                    {
                        "index": s.index,
                        "instant": _path_dict(s.instant),
                        "refined": _path_dict(s.refined),
                        "shown": _path_dict(s.shown),
                    }
                    for s in o.slots
                ],
                "instant_latency_s": o.instant_latency_s,
                "refined_latency_s": o.refined_latency_s,
                "guards": [_guard_dict(g) for g in o.guards],
                "chosen_path": o.chosen_path,
                "rep_reply": _utterance_dict(o.rep_reply) if o.rep_reply else None,
                "notes": [
                    {
                        "rating": n.rating,
                        "text": n.text,
                        "preferred_path": n.preferred_path,
                        "why": n.why,
                        "author": n.author,
                    }
                    for n in o.notes
                ],
            }
            for o in timeline.objections
        ],
        "guards": [_guard_dict(g) for g in timeline.guards],
        "errors": [
            {"t": round(e.t, 3), "component": e.component, "message": e.message}
            for e in timeline.errors
        ],
    }


__all__ = ["FORMATS", "ExportError", "export", "normalize_format", "render", "timeline_to_dict"]
