"""The review report: one self-contained HTML file per session.

Everything is inline (CSS, SVG charts); the page loads nothing from anywhere and runs no script,
so it opens the same on any machine, offline, and can be mailed as is. A Content-Security-Policy
meta tag makes a browser refuse any external load should one slip in.

The page shows the customer's emotion (valence and arousal) and term density over time, every
objection with its three paths (instant and refined), guard events, the path the rep picked and
what the rep said next, the trainers' review notes, and the transcript. Emotion is shown as a
property of the conversation; nothing on the page scores the rep.

The page is rendered from `templates/report.html.j2` by Jinja2 with autoescape on: every value
from the session is escaped; only the CSS and the SVG charts (built and escaped by `plots.py`)
go in as markup.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from desktop.report.exports import write_text
from desktop.report.plots import Axis, Marker, Point, Series, chart, legend
from desktop.report.redaction import redact_timeline, redactor
from desktop.report.timeline import Timeline
from desktop.version import __version__

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


def _emotion_chart(tl: Timeline, markers: list[Marker]) -> Markup | None:
    """The emotion chart with its legend (SVG and HTML built by `plots`), None without any."""
    if not tl.emotion:
        return None
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
    return Markup(svg + legend(series) + scale)


def _terms_chart(tl: Timeline, markers: list[Marker]) -> Markup | None:
    """The term density chart with its legend, None without any term."""
    if not tl.terms:
        return None
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
    return Markup(svg + legend(series))


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.do"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = _clock
    return env.get_template("report.html.j2")


def render_report(timeline: Timeline, *, title: str, redact: bool = True) -> str:
    """The HTML text of the report (see `write_report`)."""
    tl = redact_timeline(timeline, redactor()) if redact else timeline
    markers = [
        Marker(o.start, str(i), f"Objection {i}: {o.category} at {_clock(o.start)}")
        for i, o in enumerate(tl.objections, 1)
    ]
    return _template().render(
        tl=tl,
        title=title,
        redact=redact,
        customer_count=sum(1 for u in tl.utterances if u.speaker == "customer"),
        emotion_chart=_emotion_chart(tl, markers),
        terms_chart=_terms_chart(tl, markers),
        speakers=_SPEAKERS,
        csp=_CSP,
        css=Markup(_CSS),
        version=__version__,
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
