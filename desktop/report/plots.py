"""Inline SVG charts for the HTML report: plain markup, no script, no external resources.

Each chart is a time axis (session seconds) with one or more series; points carry a `<title>`
so a browser shows what they are on hover. Objections are drawn as numbered vertical markers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 900
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 16, 14, 26
_NICE_STEPS = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)


@dataclass(frozen=True, slots=True)
class Point:
    """One value at session time `t`; `tip` is the hover text, `color` a CSS color (optional)."""

    t: float
    value: float
    tip: str = ""
    color: str = ""


@dataclass(frozen=True, slots=True)
class Series:
    """A named line (or bars) of points, drawn in `color`; `dashed` for a secondary line."""

    name: str
    points: tuple[Point, ...]
    color: str
    dashed: bool = False
    bars: bool = False


@dataclass(frozen=True, slots=True)
class Marker:
    """A vertical marker at `t`, labelled (an objection)."""

    t: float
    label: str
    tip: str = ""


@dataclass(frozen=True, slots=True)
class Axis:
    """The value axis: range and the ticks to label."""

    low: float
    high: float
    ticks: tuple[tuple[float, str], ...]


def _clock(seconds: float) -> str:
    s = max(0, round(seconds))
    m, s = divmod(s, 60)
    return f"{m}:{s:02d}"


def _time_step(duration: float) -> int:
    for step in _NICE_STEPS:
        if duration / step <= 10:
            return step
    return 7200


def _fmt(v: float) -> str:
    return f"{v:.1f}"


def chart(
    series: Sequence[Series],
    *,
    duration: float,
    axis: Axis,
    title: str,
    markers: Sequence[Marker] = (),
    height: int = 200,
) -> str:
    """An SVG chart of `series` over [0, duration] with the value axis `axis`.

    Returns:
        The `<svg>` element as a string (role="img", with `title` as its accessible name).
    """
    duration = max(duration, 1.0)
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = height - _TOP - _BOTTOM
    span = (axis.high - axis.low) or 1.0

    def x(t: float) -> float:
        return _LEFT + plot_w * min(max(t, 0.0), duration) / duration

    def y(v: float) -> float:
        v = min(max(v, axis.low), axis.high)
        return _TOP + plot_h * (axis.high - v) / span

    out = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{_LEFT}" y="{_TOP}" width="{plot_w}" height="{plot_h}" class="plot-bg"/>',
    ]
    for value, label in axis.ticks:
        yy = _fmt(y(value))
        out.append(f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{yy}" y2="{yy}" class="grid"/>')
        out.append(
            f'<text x="{_LEFT - 6}" y="{yy}" class="tick" text-anchor="end" '
            f'dominant-baseline="middle">{escape(label)}</text>'
        )
    step = _time_step(duration)
    t = 0
    while t <= duration + 1e-9:
        xx = _fmt(x(t))
        out.append(
            f'<line x1="{xx}" x2="{xx}" y1="{_TOP + plot_h}" y2="{_TOP + plot_h + 4}" class="axis"/>'
        )
        out.append(
            f'<text x="{xx}" y="{height - 8}" class="tick" text-anchor="middle">{_clock(t)}</text>'
        )
        t += step
    for m in markers:
        xx = _fmt(x(m.t))
        tip = f"<title>{escape(m.tip)}</title>" if m.tip else ""
        out.append(
            f'<g class="marker"><line x1="{xx}" x2="{xx}" y1="{_TOP}" y2="{_TOP + plot_h}"/>'
            f'<text x="{xx}" y="{_TOP + 10}" text-anchor="middle">{escape(m.label)}</text>'
            f"{tip}</g>"
        )
    baseline = y(max(axis.low, min(0.0, axis.high)))
    for s in series:
        pts = sorted(s.points, key=lambda p: p.t)
        if not pts:
            continue
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        if s.bars:
            for p in pts:
                top = y(p.value)
                out.append(
                    f'<rect x="{_fmt(x(p.t) - 3)}" y="{_fmt(min(top, baseline))}" width="6" '
                    f'height="{_fmt(abs(baseline - top))}" fill="{p.color or s.color}">'
                    f"<title>{escape(p.tip)}</title></rect>"
                )
            continue
        if len(pts) > 1:
            coords = " ".join(f"{_fmt(x(p.t))},{_fmt(y(p.value))}" for p in pts)
            out.append(
                f'<polyline points="{coords}" fill="none" stroke="{s.color}" '
                f'stroke-width="2"{dash}/>'
            )
        for p in pts:
            out.append(
                f'<circle cx="{_fmt(x(p.t))}" cy="{_fmt(y(p.value))}" r="4" '
                f'fill="{p.color or s.color}"><title>{escape(p.tip)}</title></circle>'
            )
    out.append("</svg>")
    return "".join(out)


def legend(series: Sequence[Series]) -> str:
    """A small HTML legend for the series of a chart."""
    items = []
    for s in series:
        style = "dashed" if s.dashed else "solid"
        items.append(
            f'<span class="key"><span class="swatch {style}" style="border-color:{s.color}">'
            f"</span>{escape(s.name)}</span>"
        )
    return f'<div class="legend">{"".join(items)}</div>'
