"""The review report: one self-contained HTML file per session.

Everything is inline (CSS, SVG charts); the page loads nothing from anywhere and runs no script,
so it opens the same on any machine, offline, and can be mailed as is. A Content-Security-Policy
meta tag makes a browser refuse any external load should one slip in.

The page shows the customer's emotion (valence and arousal) and term density over time, every
objection with its three paths (instant and refined), guard events, the path the rep picked and
what the rep said next, the trainers' review notes, and the transcript. Emotion is shown as a
property of the conversation; nothing on the page scores the rep.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from desktop.report.exports import write_text
from desktop.report.plots import Axis, Marker, Point, Series, chart, legend
from desktop.report.redaction import redact_timeline, redactor
from desktop.report.timeline import ObjectionReview, PathSlot, Timeline, Utterance
from desktop.version import __version__
from inference.events import GuardEvent, SuggestionPath

_VALENCE_COLORS = {"negative": "#c0392b", "neutral": "#7f8c8d", "positive": "#27ae60"}
_SPEAKERS = {"rep": "Rep", "customer": "Customer"}
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

_CSS = """
:root { color-scheme: light; }
body { margin: 0 auto; max-width: 960px; padding: 24px; color: #1f2328; background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC",
  "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei",
  "WenQuanYi Micro Hei", sans-serif; }
h1 { font-size: 1.6em; margin: 0 0 4px; } h2 { font-size: 1.25em; margin-top: 32px;
  border-bottom: 1px solid #d0d7de; padding-bottom: 4px; } h3 { font-size: 1.05em; margin: 0; }
.meta, .note, .muted { color: #57606a; font-size: 0.9em; }
.note { background: #f6f8fa; border-left: 3px solid #8c959f; padding: 6px 10px; }
.chart { display: block; margin: 6px 0; }
.chart .plot-bg { fill: #fafbfc; stroke: #d0d7de; } .chart .grid { stroke: #eaeef2; }
.chart .axis { stroke: #8c959f; } .chart .tick { font-size: 11px; fill: #57606a; }
.chart .marker line { stroke: #e67e22; stroke-dasharray: 3 3; }
.chart .marker text { font-size: 10px; fill: #e67e22; font-weight: 600; }
.legend { font-size: 0.85em; color: #57606a; } .key { margin-right: 16px; }
.swatch { display: inline-block; width: 18px; margin-right: 6px; vertical-align: middle;
  border-top: 3px solid; } .swatch.dashed { border-top-style: dashed; }
.objection { border: 1px solid #d0d7de; border-radius: 8px; padding: 12px 16px; margin: 16px 0; }
.objection header { display: flex; gap: 12px; align-items: baseline; flex-wrap: wrap; }
.cat { background: #fff1e5; color: #953800; border-radius: 10px; padding: 0 8px; font-size: .85em; }
blockquote { margin: 8px 0; padding: 4px 12px; border-left: 3px solid #d0d7de; }
blockquote.customer { border-color: #e67e22; } blockquote.rep { border-color: #0969da; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-top: 1px solid #eaeef2; }
th { font-size: .85em; color: #57606a; font-weight: 600; }
.objection table { table-layout: fixed; } .objection th:first-child { width: 156px; }
td.slot { font-weight: 600; }
.path .strategy { font-weight: 600; } .path .sources { font-size: .8em; color: #57606a; }
.badge { display: inline-block; font-size: .75em; border-radius: 8px; padding: 0 6px;
  margin-left: 4px; font-weight: 600; white-space: nowrap; }
.badge.chosen { background: #ddf4ff; color: #0969da; }
.badge.preferred { background: #dafbe1; color: #1a7f37; }
.badge.unfinished { background: #fff8c5; color: #9a6700; }
.badge.guard { background: #ffebe9; color: #cf222e; }
.review { background: #f6f8fa; border-radius: 6px; padding: 8px 12px; margin-top: 8px; }
.transcript td.time { white-space: nowrap; color: #57606a; font-variant-numeric: tabular-nums; }
.transcript tr.customer td.who { color: #953800; } .transcript tr.rep td.who { color: #0969da; }
"""


def _clock(seconds: float) -> str:
    s = max(0, int(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _lang_attr(lang: str) -> str:
    return f' lang="{escape(lang)}"' if lang else ""


def _text(text: str, lang: str = "") -> str:
    return f"<span{_lang_attr(lang)}>{escape(text)}</span>"


def _emotion_section(tl: Timeline, markers: list[Marker]) -> str:
    if not tl.emotion:
        return '<p class="muted">No emotion was detected in this session.</p>'
    valence = Series(
        "valence (−1 negative … +1 positive, scaled by confidence)",
        tuple(
            Point(
                p.t,
                p.valence_score,
                f"{_clock(p.t)} {p.valence} ({p.label}), confidence {p.confidence:.2f}",
                _VALENCE_COLORS.get(p.valence, ""),
            )
            for p in tl.emotion
        ),
        "#6e7781",
    )
    series = [valence]
    arousal_points = tuple(
        Point(p.t, p.arousal * 2 - 1, f"{_clock(p.t)} arousal {p.arousal:.2f}")
        for p in tl.emotion
        if p.arousal is not None
    )
    if arousal_points:
        series.append(Series("arousal (0 calm … 1 aroused)", arousal_points, "#8250df", True))
    axis = Axis(-1.0, 1.0, ((-1.0, "−1"), (0.0, "0"), (1.0, "+1")))
    svg = chart(
        series,
        duration=tl.duration,
        axis=axis,
        title="The customer's emotion over the conversation",
        markers=markers,
    )
    scale = (
        '<p class="muted">Arousal is drawn on the same band: its 0 at the bottom, its 1 at the top.</p>'
        if arousal_points
        else ""
    )
    return svg + legend(series) + scale


def _terms_section(tl: Timeline, markers: list[Marker]) -> str:
    if not tl.terms:
        return '<p class="muted">No industry terms were detected in this session.</p>'
    top = max(max(p.density for p in tl.terms), 1.0)
    high = float(int(top) + 1) if top != int(top) else top
    points = tuple(
        Point(
            p.t,
            p.density,
            f"{_clock(p.t)} density {p.density:.1f} per 100 words: {', '.join(p.terms) or '—'}",
        )
        for p in tl.terms
    )
    series = [Series("industry terms per 100 words (recent window)", points, "#0969da")]
    axis = Axis(0.0, high, ((0.0, "0"), (high / 2, f"{high / 2:g}"), (high, f"{high:g}")))
    svg = chart(
        series, duration=tl.duration, axis=axis, title="Term density over time", markers=markers
    )
    return svg + legend(series)


def _sources(path: SuggestionPath, tl: Timeline) -> str:
    items = []
    for s in path.sources:
        if s.utterance_id is not None:
            u = tl.utterance(s.utterance_id)
            when = f" at {_clock(u.start)}" if u else ""
            items.append(f"customer said{when} ({escape(s.utterance_id)})")
        else:
            heading = f" › {escape(s.heading)}" if s.heading else ""
            items.append(f"{escape(s.file or 'playbook')}{heading}")
    return "; ".join(items) if items else "no sources"


def _path_cell(path: SuggestionPath | None, tl: Timeline, lang: str) -> str:
    if path is None:
        return '<td class="muted">—</td>'
    unfinished = "" if path.complete else '<span class="badge unfinished">unfinished</span>'
    return (
        f'<td class="path"><div><span class="strategy">{escape(path.label or path.strategy)}</span> '
        f'<span class="muted">confidence {path.confidence:.2f}</span>{unfinished}</div>'
        f"<div>{_text(path.text, lang)}</div>"
        f'<div class="sources">Sources: {_sources(path, tl)}</div></td>'
    )


def _guard_line(g: GuardEvent) -> str:
    return (
        f'<li><span class="badge guard">{escape(g.action)}</span> path {g.path + 1} '
        f"by rule <code>{escape(g.rule)}</code> at {_clock(g.t)}</li>"
    )


def _slot_row(o: ObjectionReview, slot: PathSlot, tl: Timeline, lang: str, *, refined: bool) -> str:
    badges = ""
    if o.chosen_path == slot.index:
        badges += '<span class="badge chosen">rep\'s choice</span>'
    if any(n.preferred_path == slot.index for n in o.notes):
        badges += '<span class="badge preferred">trainer\'s preference</span>'
    if any(g.path == slot.index for g in o.guards):
        badges += '<span class="badge guard">guard</span>'
    return (
        f'<tr><td class="slot">Path {slot.index + 1}{badges}</td>'
        f"{_path_cell(slot.instant, tl, lang)}"
        f"{_path_cell(slot.refined, tl, lang) if refined else ''}</tr>"
    )


def _reply(reply: Utterance | None) -> str:
    if reply is None:
        return '<p class="muted">The rep said nothing after this objection.</p>'
    return (
        f"<p><strong>What the rep said next</strong> ({_clock(reply.start)}):</p>"
        f'<blockquote class="rep">{_text(reply.text, reply.lang)}</blockquote>'
    )


def _notes(o: ObjectionReview, lang: str) -> str:
    if not o.notes:
        return '<p class="muted">No review notes yet.</p>'
    parts = []
    for n in o.notes:
        rating = f"Suggestion rated {n.rating}/5" if n.rating else "Suggestion not rated"
        author = f" by {escape(n.author)}" if n.author else ""
        pref = (
            f"<div><strong>Better path: {n.preferred_path + 1}</strong>"
            + (f" — {_text(n.why, lang)}" if n.why else "")
            + "</div>"
            if n.preferred_path is not None
            else (f"<div>{_text(n.why, lang)}</div>" if n.why else "")
        )
        body = f"<div>{_text(n.text, lang)}</div>" if n.text else ""
        parts.append(
            f'<div class="review"><div class="muted">Review note{author} · {rating}</div>'
            f"{body}{pref}</div>"
        )
    return "".join(parts)


def _objection(n: int, o: ObjectionReview, tl: Timeline) -> str:
    u = tl.utterance(o.utterance_id)
    lang = u.lang if u else tl.lang
    latency = []
    if o.instant_latency_s is not None:
        latency.append(f"instant after {o.instant_latency_s:.2f} s")
    if o.refined_latency_s is not None:
        latency.append(f"refined after {o.refined_latency_s:.2f} s")
    said = _text(o.customer_text, lang) if o.customer_text else "(no transcript)"
    # Without any refined path (LLM off, or it never finished) the column would be empty.
    refined = any(s.refined is not None for s in o.slots)
    rows = "".join(_slot_row(o, s, tl, lang, refined=refined) for s in o.slots)
    head = (
        "<th>Instant (playbook)</th><th>Refined (local LLM)</th>"
        if refined
        else '<th>Instant (playbook) <span class="muted">· no refined paths</span></th>'
    )
    guards = (
        f"<p><strong>Guard events</strong></p><ul>{''.join(_guard_line(g) for g in o.guards)}</ul>"
        if o.guards
        else ""
    )
    choice = (
        f"<p>The rep picked <strong>path {o.chosen_path + 1}</strong>.</p>"
        if o.chosen_path is not None
        else ""
    )
    return (
        f'<section class="objection" id="objection-{n}"><header>'
        f"<h3>Objection {n} · {_clock(o.start)}</h3>"
        f'<span class="cat">{escape(o.category)}</span>'
        f'<span class="muted">detector confidence {o.confidence:.2f}'
        f"{' · ' + ', '.join(latency) if latency else ''}</span></header>"
        f'<blockquote class="customer">{said}</blockquote>'
        f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{rows}</tbody></table>"
        f"{guards}{choice}{_reply(o.rep_reply)}"
        f"<p><strong>Review</strong></p>{_notes(o, lang)}</section>"
    )


def _transcript(tl: Timeline) -> str:
    if not tl.utterances:
        return '<p class="muted">The session has no transcript.</p>'
    rows = "".join(
        f'<tr class="{escape(u.speaker)}"><td class="time">{_clock(u.start)}</td>'
        f'<td class="who">{escape(_SPEAKERS.get(u.speaker, u.speaker))}</td>'
        f"<td>{_text(u.text, u.lang)}</td></tr>"
        for u in tl.utterances
    )
    return f'<table class="transcript"><tbody>{rows}</tbody></table>'


def render_report(timeline: Timeline, *, title: str, redact: bool = True) -> str:
    """The HTML text of the report (see `write_report`)."""
    tl = redact_timeline(timeline, redactor()) if redact else timeline
    markers = [
        Marker(o.start, str(i), f"Objection {i}: {o.category} at {_clock(o.start)}")
        for i, o in enumerate(tl.objections, 1)
    ]
    customer = sum(1 for u in tl.utterances if u.speaker == "customer")
    meta = (
        f"{_clock(tl.duration)} · {len(tl.utterances)} utterances ({customer} by the customer) · "
        f"{len(tl.objections)} objections · {len(tl.guards)} guard events"
    )
    redaction = (
        "Phone numbers, e-mail addresses, card and ID numbers are redacted."
        if redact
        else "Not redacted: this report may contain personal data."
    )
    objections = (
        "".join(_objection(i, o, tl) for i, o in enumerate(tl.objections, 1))
        or '<p class="muted">No objections were detected in this session.</p>'
    )
    errors = ""
    if tl.errors:
        items = "".join(
            f"<li>{_clock(e.t)} {escape(e.component)}: {escape(e.message)}</li>" for e in tl.errors
        )
        errors = f"<h2>Problems during the session</h2><ul>{items}</ul>"
    guards = ""
    if tl.guards:
        guards = f"<h2>Guard events</h2><ul>{''.join(_guard_line(g) for g in tl.guards)}</ul>"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="Parley {escape(__version__)}">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f'<header><h1>{escape(title)}</h1><p class="meta">{meta}</p>'
        f'<p class="meta">{redaction}</p></header>'
        '<p class="note">Emotion describes how the customer felt during the conversation. '
        "It is a property of the call, not a measure of the rep.</p>"
        f"<h2>Customer emotion</h2>{_emotion_section(tl, markers)}"
        f"<h2>Term density</h2>{_terms_section(tl, markers)}"
        f"<h2>Objections and suggestions</h2>{objections}"
        f"{guards}{errors}"
        f"<h2>Transcript</h2>{_transcript(tl)}"
        "</body></html>\n"
    )


def write_report(timeline: Timeline, path: str | Path, *, title: str, redact: bool = True) -> Path:
    """Write the session's review report as one self-contained HTML file (UTF-8).

    Args:
        timeline: the session's timeline.
        path: the .html file to write; missing parent folders are created.
        title: the page's title and heading.
        redact: remove phone numbers, e-mails, card and ID numbers from all free text.

    Returns:
        The path written.

    Raises:
        ExportError: the file cannot be written.
    """
    return write_text(path, render_report(timeline, title=title, redact=redact))
