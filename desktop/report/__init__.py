"""Review of a session: its timeline, transcript exports and the self-contained HTML report.

timeline = Timeline.from_events(events, choices={...}, review_notes=[...])
export(timeline, "srt", "call.srt")          # srt, vtt, txt, md, json; redacted by default
write_report(timeline, "call.html", title="Call with ...")
"""

from __future__ import annotations

from desktop.report.exports import FORMATS, ExportError, export, render
from desktop.report.html import render_report, write_report
from desktop.report.timeline import (
    EmotionPoint,
    ObjectionReview,
    PathSlot,
    ReviewNote,
    TermsPoint,
    Timeline,
    Utterance,
)

__all__ = [
    "FORMATS",
    "EmotionPoint",
    "ExportError",
    "ObjectionReview",
    "PathSlot",
    "ReviewNote",
    "TermsPoint",
    "Timeline",
    "Utterance",
    "export",
    "render",
    "render_report",
    "write_report",
]
