"""Transcript exports: SRT and VTT parse with standard parsers; redaction on by default."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import srt
import webvtt

from desktop.report.exports import FORMATS, ExportError, export, render
from desktop.report.timeline import ReviewNote, Timeline
from inference.events import TranscriptEvent
from tests.unit.test_report_scripted import objection_ids, scripted_events

PERSONAL = (
    "cfo@example.com",
    "415 555 0132",
    "4111 1111 1111 1111",
    "13812345678",
    "110101199003071233",
)


def _timeline(lang: str) -> Timeline:
    first, _ = objection_ids(lang)
    note = ReviewNote(
        first,
        rating=4,
        text="Write to coach@example.org for the drill.",
        preferred_path=1,
        why="It asks before it argues.",
    )
    return Timeline.from_events(scripted_events(lang), choices={first: 2}, review_notes=[note])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_srt_parses_with_the_srt_library(tmp_path: Path, lang: str) -> None:
    tl = _timeline(lang)
    path = export(tl, "srt", tmp_path / "call.srt")
    text = path.read_text(encoding="utf-8")
    subs = list(srt.parse(text, ignore_errors=False))
    assert len(subs) == len(tl.utterances)
    for sub, u in zip(subs, tl.utterances, strict=True):
        assert sub.start == timedelta(seconds=u.start) and sub.end == timedelta(seconds=u.end)
        label = "Rep" if u.speaker == "rep" else "Customer"
        assert sub.content.startswith(f"{label}: ")
    # The file is already in the library's canonical form.
    assert srt.compose(subs, reindex=False) == text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_vtt_parses_with_webvtt_py(tmp_path: Path, lang: str) -> None:
    tl = _timeline(lang)
    path = export(tl, "vtt", tmp_path / "call.vtt")
    captions = webvtt.read(str(path)).captions
    assert [c.identifier for c in captions] == [u.utterance_id for u in tl.utterances]
    for c, u in zip(captions, tl.utterances, strict=True):
        assert c.start_in_seconds == int(u.start) and abs(c.end_in_seconds - u.end) < 1
        assert c.voice == ("Rep" if u.speaker == "rep" else "Customer")
    # Redacted by default, so the cue text is the redacted utterance.
    assert "[PHONE]" in "".join(c.text for c in captions)


def test_cue_text_is_escaped_and_kept_on_one_line(tmp_path: Path) -> None:
    tricky = "R&D <team> --> now\n\nsee"
    tl = Timeline.from_events(
        [TranscriptEvent(1.0, "customer", "u1", 1.0, 1.0, tricky, True, "en")]
    )
    (cue,) = webvtt.read(str(export(tl, "vtt", tmp_path / "a.vtt"))).captions
    assert cue.raw_text == "<v Customer>R&amp;D &lt;team&gt; -&gt; now see"
    assert cue.end_in_seconds > cue.start_in_seconds or cue.end > cue.start  # not zero-length
    (sub,) = srt.parse(export(tl, "srt", tmp_path / "a.srt").read_text(), ignore_errors=False)
    assert sub.content == "Customer: R&D <team> -> now see" and sub.end > sub.start


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_is_redacted_by_default(tmp_path: Path, fmt: str) -> None:
    for lang in ("en", "zh"):
        text = export(_timeline(lang), fmt, tmp_path / f"{lang}.{fmt}").read_text("utf-8")
        for secret in PERSONAL:
            assert secret not in text, (fmt, secret)
        assert "[PHONE]" in text
    assert "coach@example.org" not in render(_timeline("en"), "md")
    assert "[EMAIL]" in render(_timeline("en"), "json")


@pytest.mark.parametrize("fmt", FORMATS)
def test_redaction_can_be_turned_off(tmp_path: Path, fmt: str) -> None:
    en = export(_timeline("en"), fmt, tmp_path / f"en.{fmt}", redact=False).read_text("utf-8")
    zh = export(_timeline("zh"), fmt, tmp_path / f"zh.{fmt}", redact=False).read_text("utf-8")
    assert "cfo@example.com" in en and "4111 1111 1111 1111" in en
    assert "13812345678" in zh and "110101199003071233" in zh


def test_txt_and_markdown_hold_both_parties_in_order() -> None:
    tl = _timeline("en")
    lines = render(tl, "txt").splitlines()
    assert len(lines) == len(tl.utterances)
    assert lines[0].startswith("[00:00] Rep: Hi, thanks")
    assert lines[1].startswith("[00:04] Customer: Sure.")
    md = render(tl, "markdown")
    assert md.startswith("# Call transcript\n")
    assert "## Objections and suggestions" in md
    assert "(rep's choice)" in md and "Review (4/5, prefers path 2)" in md
    assert "guard: path 2 rewritten by rule discount-cap" in md


def test_json_holds_the_timeline() -> None:
    tl = _timeline("zh")
    data = json.loads(render(tl, "json"))
    assert data["schema"] == "parley.timeline/1" and data["redacted"] is True
    assert [u["utterance_id"] for u in data["transcript"]] == [
        u.utterance_id for u in tl.utterances
    ]
    assert data["transcript"][0]["text"] == tl.utterances[0].text
    assert len(data["objections"]) == 2
    for o in data["objections"]:
        assert len(o["paths"]) == 3 and all(p["shown"]["text"] for p in o["paths"])
        assert all(p["instant"] and p["refined"]["complete"] for p in o["paths"])
    first = data["objections"][0]
    assert first["chosen_path"] == 2 and first["rep_reply"]["speaker"] == "rep"
    assert first["notes"][0]["rating"] == 4 and first["guards"][0]["rule"] == "discount-cap"
    assert data["lang"] == "zh" and data["emotion"] and data["terms"]


def test_unknown_format_and_unwritable_path_raise_export_errors(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="use one of"):
        export(_timeline("en"), "docx", tmp_path / "a.docx")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="Could not write"):
        export(_timeline("en"), "txt", blocker / "sub" / "a.txt")
