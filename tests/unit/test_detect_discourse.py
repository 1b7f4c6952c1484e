"""A next step stated with confidence, and a pain told in answer to the rep's question, raise no
suggestion on their own (`inference.text.discourse`); objections said beside them still do.

Every line here is written for these tests (no evaluation data).
"""

from __future__ import annotations

import pytest

from inference.bus import EventBus
from inference.clock import SessionClock
from inference.conversation import ConversationHub
from inference.detectors import DetectorConfig, SignalDetectors
from inference.events import ClosedUtterance, ObjectionEvent
from inference.text.discourse import describes_pain, is_question, states_next_step

NEXT_STEPS = [
    ("en", "Great, I'll show the proposal to our partners at Thursday's review."),
    ("en", "Sounds good, I'll book a call with our operations manager for next week."),
    ("en", "I'll forward your deck to the board and set up a session in March."),
    ("zh", "我回头把方案转给我们财务总监看看。"),
    ("zh", "好的，我下周一在例会上提一下这个方案。"),
    ("zh", "行，我回去安排个时间让采购部一起看演示。"),
]
# Someone else must approve first, a condition, or a vague "later": objections, not next steps.
NOT_NEXT_STEPS = [
    ("en", "I have to bring it up with the finance director before we go any further."),
    ("en", "Send me something and I'll look at it when I can."),
    ("en", "I'll share it with the board, but they won't sign anything this year."),
    ("zh", "我得先跟老板商量一下，他同意才行。"),
    ("zh", "你发点资料过来，我有空再看。"),
    ("zh", "我把方案转给财务，不过今年肯定批不下来。"),
]
PAINS = [
    ("en", "Our support staff lose track of which customer was promised a callback."),
    ("en", "The warehouse team spends hours every Friday matching invoices by hand."),
    ("en", "Nobody knows which technician took the spare parts, it's a mess."),
    ("zh", "客服老是抱怨查不到订单的物流信息。"),
    ("zh", "我们现在排班全靠手写，经常搞错，护士长天天头疼。"),
    ("zh", "财务每个月都要花好几天一个个核对发票，经常漏掉。"),
]
# The pain is about the offer, a change, a worry or an earlier vendor: it may be the objection.
NOT_PAINS = [
    ("en", "I'm worried your system would lose track of our orders too."),
    ("en", "The last vendor's system kept losing track of our orders."),
    ("en", "Moving everything over would be a nightmare for the team."),
    ("zh", "我担心你们的系统也会对不上数。"),
    ("zh", "之前买的那套软件老是对不上数，我们吃过亏。"),
    ("zh", "把数据都搬到新系统里想想就头疼。"),
]


@pytest.mark.parametrize(("lang", "line"), NEXT_STEPS)
def test_a_confident_next_step_is_read(lang: str, line: str) -> None:
    assert states_next_step(line, lang)


@pytest.mark.parametrize(("lang", "line"), NOT_NEXT_STEPS)
def test_an_obligation_condition_or_brush_off_is_no_next_step(lang: str, line: str) -> None:
    assert not states_next_step(line, lang)


@pytest.mark.parametrize(("lang", "line"), PAINS)
def test_a_pain_of_today_is_read(lang: str, line: str) -> None:
    assert describes_pain(line, lang)


@pytest.mark.parametrize(("lang", "line"), NOT_PAINS)
def test_a_pain_about_the_offer_or_an_earlier_vendor_is_not(lang: str, line: str) -> None:
    assert not describes_pain(line, lang)


def test_rep_questions_with_and_without_a_mark() -> None:
    assert is_question("So how do you handle bookings today", "en")
    assert is_question("Tell me about your month-end close.", "en")
    assert is_question("你们现在怎么安排排班", "zh")
    assert not is_question("We send the summary every Monday.", "en")
    assert not is_question("We do the setup for you, it takes a day.", "en")
    assert is_question("okay so do you keep the records on paper", "en")
    assert not is_question("仓库每个月盘点要花好几天。", "zh")


# Only the next-step read can make these tentative: both thresholds sit at 0.5.
_LOW_BARS = DetectorConfig(confirm_threshold=0.5, plain_confirm_threshold=0.5)


@pytest.mark.parametrize(
    ("lang", "step", "objection"),
    [
        (
            "en",
            "I'll bring it up with the finance director at our budget meeting on Tuesday.",
            "I have to bring it up with the finance director before we go any further.",
        ),
        ("zh", "我会把方案带到下周的预算会上。", "我得先把方案带到下周的预算会上，批了才能定。"),
    ],
)
def test_an_objection_read_into_a_next_step_is_tentative(
    lang: str, step: str, objection: str
) -> None:
    det = SignalDetectors(_LOW_BARS)
    got = det.detect_text(step, lang)
    assert got.objection is not None and got.objection_confidence >= 0.5
    assert got.tentative
    sure = det.detect_text(objection, lang)
    assert sure.objection is not None and not sure.tentative


def _replay(turns: list[tuple[str, str]], lang: str) -> list[ObjectionEvent]:
    """Real detectors through the real hub; the customer's objection events."""
    events: list = []
    bus = EventBus([events.append])
    hub = ConversationHub(
        bus=bus, clock=SessionClock(), detectors=SignalDetectors(), synchronous=True
    )
    for i, (speaker, text) in enumerate(turns):
        hub.on_utterance(ClosedUtterance(speaker, f"u{i}", float(i), i + 0.8, text, lang))
    hub.close()
    bus.close()
    return [e for e in events if isinstance(e, ObjectionEvent)]


@pytest.mark.parametrize(
    ("lang", "question", "pain"),
    [
        (
            "en",
            "How do you follow up on callbacks today?",
            "Our support staff lose track of which customer was promised a callback.",
        ),
        ("zh", "你们现在订单查询是怎么做的？", "客服老是抱怨查不到订单的物流信息。"),
        ("zh", "排班现在是怎么安排的？", "我们现在排班全靠手写，经常搞错，护士长天天头疼。"),
    ],
)
def test_a_pain_told_in_answer_to_a_question_raises_no_suggestion(
    lang: str, question: str, pain: str
) -> None:
    # Said unprompted, the line reads as a confirmed objection...
    alone = _replay([("customer", pain)], lang)
    assert [e.tentative for e in alone] == [False]
    # ...in answer to the rep's question it is a hint, and the next line lets it drop.
    answered = _replay([("rep", question), ("customer", pain)], lang)
    assert [(e.utterance_id, e.tentative) for e in answered] == [("u1", True)]
    # Said again, unprompted, the objection stands.
    again = _replay([("rep", question), ("customer", pain), ("customer", pain)], lang)
    assert [(e.utterance_id, e.tentative) for e in again] == [("u1", True), ("u2", False)]
