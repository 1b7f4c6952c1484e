"""The HTML report: self-contained, well-formed, complete, redacted, and no rep scoring."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from desktop.report.html import render_report, write_report
from desktop.report.timeline import ReviewNote, Timeline
from inference.events import Event, ObjectionEvent, SuggestionEvent, TranscriptEvent
from tests.unit.test_report_scripted import objection_ids, scripted_events

VOID = {"meta", "br", "img", "input", "hr", "link", "col", "wbr"}


class _Checker(HTMLParser):
    """Collects tags, attributes and text; fails on a closing tag that closes nothing."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] not in ("style", "title"):
            self.text.append(data)


def _parse(html: str) -> _Checker:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert checker.errors == [] and checker.stack == [], (checker.errors, checker.stack)
    return checker


def _timeline(lang: str) -> Timeline:
    first, _ = objection_ids(lang)
    note = ReviewNote(first, 4, "Mail coach@example.org: path 2 fits.", 1, "It asks first.")
    return Timeline.from_events(scripted_events(lang), choices={first: 2}, review_notes=[note])


def test_report_is_one_self_contained_file(tmp_path: Path) -> None:
    path = write_report(_timeline("en"), tmp_path / "sub" / "r.html", title="Review")
    html = path.read_text(encoding="utf-8")
    page = _parse(html)
    tags = {t for t, _ in page.tags}
    assert not tags & {"script", "link", "iframe", "img", "object", "embed"}
    for tag, attrs in page.tags:
        for name in ("src", "href", "xlink:href", "action"):
            assert not attrs.get(name), (tag, attrs)
    assert not re.search(r"https?:|url\(|@import", html)
    assert '<meta charset="utf-8">' in html and "Content-Security-Policy" in html
    assert html.count("<svg") == 2  # the emotion and term density charts


def test_every_objection_shows_its_three_paths_reply_guard_and_notes() -> None:
    for lang in ("en", "zh"):
        tl = _timeline(lang)
        html = render_report(tl, title="Review")
        page = _parse(html)
        text = " ".join(page.text)
        assert html.count('<section class="objection"') == len(tl.objections) == 2
        for o in tl.objections:
            for slot in o.slots:
                assert slot.instant and slot.instant.text in text
                assert slot.refined and slot.refined.text in text
                assert slot.instant.strategy in text
            assert o.rep_reply and o.rep_reply.text in text
        assert text.count("rep's choice") == 1 and "path 3" in text
        assert "trainer's preference" in text and "It asks first." in text
        assert "Suggestion rated 4/5" in text
        assert "discount-cap" in text and "rewritten" in text
        assert "playbook.md › price 1" in text
        # Both plots have a point per emotion and per term event.
        assert html.count("<circle") >= len(tl.emotion) * 2 + len(tl.terms)


def test_chinese_text_is_marked_and_has_a_cjk_font() -> None:
    html = render_report(_timeline("zh"), title="通话复盘")
    assert "<title>通话复盘</title>" in html
    assert '<span lang="zh">这个价格太高了，超出了我们今年的预算。</span>' in html
    assert '"Noto Sans CJK SC"' in html


def test_redaction_is_on_by_default_and_off_when_asked() -> None:
    for lang, secrets in (
        ("en", ("cfo@example.com", "4111 1111 1111 1111", "coach@example.org")),
        ("zh", ("13812345678", "110101199003071233")),
    ):
        redacted = render_report(_timeline(lang), title="r")
        plain = render_report(_timeline(lang), title="r", redact=False)
        for secret in secrets:
            assert secret not in redacted and secret in plain
        assert "are redacted" in redacted and "Not redacted" in plain


def test_emotion_belongs_to_the_conversation_and_the_rep_is_never_scored() -> None:
    html = render_report(_timeline("en"), title="Review")
    text = " ".join(_parse(html).text).lower()
    assert "not a measure of the rep" in text
    assert "<h2>Customer emotion</h2>" in html
    assert not re.search(r"\bscores?\b|\bgrade\b|rep (rating|performance)", text)


def test_text_is_escaped() -> None:
    events: list[Event] = [
        TranscriptEvent(
            1.0, "customer", "c1", 0.0, 1.0, "<script>alert(1)</script> & more", True, "en"
        ),
        ObjectionEvent(1.0, "c1", 0.0, 1.0, "price", 0.7),
    ]
    html = render_report(Timeline.from_events(events), title="<b>t</b>")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert "<title>&lt;b&gt;t&lt;/b&gt;</title>" in html
    page = _parse(html)
    # Attributes and every other field are escaped too (Jinja2's autoescape, not by hand).
    odd = [
        TranscriptEvent(1.0, "customer", "c1", 0.0, 1.0, "fine", True, 'en"><b x="'),
        ObjectionEvent(1.0, "c1", 0.0, 1.0, "<i>price</i>", 0.7),
    ]
    escaped = render_report(Timeline.from_events(odd), title="t")
    assert "<b x=" not in escaped and "<i>" not in escaped
    assert "&lt;i&gt;price&lt;/i&gt;" in escaped and 'lang="en&#34;&gt;&lt;b x=&#34;"' in escaped
    # An objection with no suggestion still shows three (empty) slots.
    assert " ".join(page.text).count("Path ") >= 3


def test_an_empty_session_still_renders() -> None:
    html = render_report(Timeline.from_events([]), title="Empty")
    text = " ".join(_parse(html).text)
    assert "No emotion was detected" in text and "No objections were detected" in text
    assert "The session has no transcript." in text


def test_without_refined_paths_there_is_no_empty_refined_column() -> None:
    no_llm = [
        e
        for e in scripted_events("en")
        if not (isinstance(e, SuggestionEvent) and e.stage == "refined")
    ]
    tl = Timeline.from_events(no_llm)
    html = render_report(tl, title="r")
    assert "Refined (local LLM)" not in html and "no refined paths" in html
    text = " ".join(_parse(html).text)
    assert all(s.instant and s.instant.text in text for o in tl.objections for s in o.slots)
    assert "Refined (local LLM)" in render_report(_timeline("en"), title="r")
