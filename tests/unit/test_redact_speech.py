"""Redaction fitted to speech: spoken digits (English and Chinese), spoken e-mail addresses,
long digit runs whatever their checksum, national ID formats; and a corpus of what a trainer
needs (prices, percentages, seat counts, dates) that must come through untouched."""

from __future__ import annotations

import json

import pytest

from desktop.privacy.redact import redact, redact_with_counts, spoken_digits
from desktop.report.exports import render
from desktop.report.timeline import Timeline
from desktop.review_note import ReviewNote
from inference.events import ErrorEvent, Event, ObjectionEvent, TranscriptEvent


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("you can reach me on four one five, two two two, nine eight seven six", "[PHONE]"),
        ("it's oh seven seven double nine, three one two four eight", "[PHONE]"),
        ("my cell is six oh four 555 0192", "[PHONE]"),
        ("the number is 4155550192 thanks", "[NUMBER]"),
        ("我的手机是一三九零零零一二三四五", "[PHONE]"),
        ("电话 幺三八 幺二三四 五六七八", "[PHONE]"),
        ("card number four one one one one one one one one one one one one one one two", "[CARD]"),
        ("send it to priya at northwind dot io", "[EMAIL]"),
        ("it's sam dot lee at hollow dash works dot co dot uk", "[EMAIL]"),
        ("邮箱是 wang点lei 艾特 example 点 cn", "[EMAIL]"),
        ("the card is 5500 0000 0000 0005 I think", "[NUMBER]"),  # one digit off Luhn
        ("social is 078-05-1120", "[ID]"),
        ("my NI number is JT 48 21 93 A", "[ID]"),
        ("account 3300 1234 5678", "[NUMBER]"),
    ],
)
def test_speech_forms_are_redacted(text: str, token: str) -> None:
    out = redact(text)
    assert token in out, out
    assert not any(ch.isdigit() for ch in out.replace("078", ""))  # no digit run left behind


def test_spoken_digits_reads_doubles_and_chinese() -> None:
    assert spoken_digits("oh seven double nine") == "0799"
    assert spoken_digits("triple five 12") == "55512"
    assert spoken_digits("幺三八零") == "1380"


# Written for this test: what a sales trainer needs to keep in a transcript.
KEEP = [
    "The license is $12,000 a year for 40 seats.",
    "We can do 15% off if you sign for three years.",
    "It's 99 dollars per user per month, billed annually.",
    "Our budget is about 250,000 euros for the whole rollout.",
    "Renewal is due on 2025-03-14, so we have until then.",
    "The contract started 20240101 and runs for two years.",
    "We have 1,250 employees across 12 offices.",
    "Can you do 2 or 3 seats for the pilot, maybe 5?",
    "Version 4.2.1 fixed the export bug.",
    "That's a 37.5 percent increase over last year.",
    "We went from 120 to 180 seats in 2024.",
    "Call volume is up 8% quarter over quarter.",
    "In 2023 and 2024 we renewed at the same price.",
    "The quote says 1 200 000 yen for the enterprise tier.",
    "Oh, one more thing: we need two or three admin seats.",
    "I have one, two, three, four, five reasons to wait.",
    "We looked at one or two vendors and nine of ten said no.",
    "Two hundred seats at forty-five dollars each is nine thousand a month.",
    "The meeting is at 10:30 on March 3rd.",
    "Payment terms are net 30, or net 60 for orders over $50,000.",
    "We saw a 2.5x return in six months.",
    "Order 4471 shipped on 12/05/2025.",
    "Let's meet at the office at nine.",
    "He said it was at least five to six weeks of work.",
    "合同明年三月到期，一年大概十一万五。",
    "我们有两百个座席，每个月每人九十九元。",
    "去年涨了百分之十五，今年预算是三十万。",
    "二零二五年三月十四日签约，试用期三十天。",
    "第一二三季度的数据都在报告里。",
    "价格是 12000 元一年，打八五折。",
    "我们公司有 1500 人，分布在 8 个城市。",
    "一天一次，一起看一下这个方案。",
    "报价单上写的是 ¥115,000，含税。",
    "增长了 25%，比去年好。",
    "版本 3.1.4 已经上线了。",
    "The pilot covers 25 seats and costs $4,800 in total.",
    "At 7 a.m. the team starts; that's 35 people.",
    "Shipping takes 3-5 business days.",
    "We need 500 licenses by Q3 2026.",
    "The discount is 12.5% on 300 seats, so about $36,000 saved.",
]


def test_trainer_corpus_survives() -> None:
    changed = [(t, redact(t)) for t in KEEP if redact(t) != t]
    # Measured false redactions on this corpus: 0 of len(KEEP) sentences.
    assert changed == []


def test_counts_name_what_was_taken() -> None:
    result = redact_with_counts("mail ana at corvid dot net or ring five five five one two one two")
    assert result.counts == {"[EMAIL]": 1, "[PHONE]": 1}


def test_json_export_redacts_author_and_error_messages() -> None:
    phone = "five five five one two three four five six seven"
    events: list[Event] = [
        TranscriptEvent(
            t=1.0,
            speaker="customer",
            utterance_id="u1",
            start=0.0,
            end=1.0,
            text="That price is too high for us.",
            final=True,
            lang="en",
        ),
        ObjectionEvent(
            t=1.1, utterance_id="u1", start=0.0, end=1.0, category="price", confidence=0.9
        ),
        ErrorEvent(t=2.0, component="pipeline", message=f"failed on 'call me at {phone}'"),
    ]
    note = ReviewNote("u1", rating=3, text="ok", author="mia at northwind dot io")
    timeline = Timeline.from_events(events, review_notes=(note,))
    data = json.loads(render(timeline, "json", redact=True))
    text = json.dumps(data)
    assert "northwind" not in text and "five five five" not in text
    assert "[EMAIL]" in text and "[PHONE]" in text
    assert json.loads(render(timeline, "json", redact=False))["errors"][0]["message"].endswith(
        f"{phone}'"
    )
