"""Customer-signal detectors: objections, emotion, roles, terms, arousal, trend (own sentences)."""

from __future__ import annotations

import numpy as np
import pytest

from inference.conversation import Detectors
from inference.detectors import DetectorConfig, SignalDetectors
from inference.detectors.prosody import ArousalTracker, measure
from inference.detectors.text import split_clauses
from inference.events import ClosedUtterance, EmotionEvent, ObjectionEvent
from inference.text import guess_lang as detect_lang


@pytest.fixture(scope="module")
def det() -> SignalDetectors:
    return SignalDetectors()


# --- objections -------------------------------------------------------------------------------

OBJECTIONS = [
    ("Wow, that's a lot pricier than I expected for a small shop like ours.", "price"),
    ("Is the monthly fee negotiable if we pay a year upfront?", "price"),
    ("We simply don't have the funds for new software this year.", "budget"),
    ("Now isn't a good time, we're closing the books this month.", "timing"),
    ("We signed with a competitor last spring and it does most of this.", "competitor"),
    ("I'll need to get sign-off from my director before we go further.", "authority"),
    ("Honestly a shared spreadsheet does the job for a team of four.", "need"),
    ("How can we be sure you won't go out of business next year?", "trust"),
    ("Migrating ten years of records sounds like months of work for us.", "implementation"),
    ("Is everything encrypted, and where are the servers located?", "security"),
    ("这个报价对我们这种小公司来说太贵了。", "price"),
    ("我们今年没有这块的预算。", "budget"),
    ("最近在搬办公室，等搬完了再说吧。", "timing"),
    ("我们用别家的产品好几年了，挺稳定的。", "competitor"),
    ("这个得跟领导请示一下，我定不了。", "authority"),
    ("我们现在用表格管理也够用了，不太需要。", "need"),
    ("你们公司规模这么小，以后还在不在都不好说。", "trust"),
    ("要把老系统的数据都迁移过来，工作量太大了。", "implementation"),
    ("我们的客户资料放在你们那边安全吗？会不会泄露？", "security"),
]


@pytest.mark.parametrize(("text", "category"), OBJECTIONS)
def test_objection_category(det: SignalDetectors, text: str, category: str) -> None:
    got = det.detect_text(text)
    assert got.objection == category
    assert 0.0 < got.objection_confidence <= 1.0


@pytest.mark.parametrize(
    "text",
    [
        "We have three shifts and about ninety people on the floor.",
        "Could you email me the recording of this demo?",
        "我们一共有三个门店，每个店十来个人。",
        "麻烦会后把资料发我邮箱。",
    ],
)
def test_plain_statements_raise_no_objection(det: SignalDetectors, text: str) -> None:
    got = det.detect_text(text)
    assert got.objection is None
    assert got.objection_confidence > 0.5  # confident there is none


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Your subscription is too expensive for what it does.", "price"),
        ("Our budget for this kind of thing is gone until next spring.", "budget"),
        ("Can you knock something off the per-user cost?", "price"),
        ("There's no money allocated for this, whatever it costs.", "budget"),
        ("这个价格有点高，能不能再便宜一点？", "price"),
        ("不管价格多少，今年的预算都已经用完了。", "budget"),
        ("太贵了，我们现在用的比这便宜一半。", "price"),
        ("公司今年削减开支，经费一分钱都没有。", "budget"),
    ],
)
def test_budget_is_not_price(det: SignalDetectors, text: str, category: str) -> None:
    assert det.detect_text(text).objection == category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("The cost isn't the problem, the timing is.", "timing"),
        ("Money is not the issue, I just don't trust a vendor this new.", "trust"),
        ("It's not about the price, our IT team can't support another system.", "implementation"),
        ("价格不是问题，关键是现在时机不对。", "timing"),
        ("钱倒无所谓，主要是数据安全我们不放心。", "security"),
        ("不是价格的问题，是我们老板还没点头。", "authority"),
    ],
)
def test_negated_concern_gives_way_to_the_real_one(
    det: SignalDetectors, text: str, category: str
) -> None:
    got = det.detect_text(text)
    assert got.objection == category


def test_a_negated_concern_alone_is_no_objection(det: SignalDetectors) -> None:
    assert det.detect_text("Price isn't an issue for us at all.").objection is None
    assert det.detect_text("价格方面没问题。").objection is None


@pytest.mark.parametrize(
    ("text", "category", "runner_up"),
    [
        (
            "It's a little pricey, but the real problem is we have no budget until spring.",
            "budget",
            "price",
        ),
        (
            "Sure, budget is approved, but we can't start anything until the audit wraps up.",
            "timing",
            None,
        ),
        (
            "虽然价格有点贵，但是最大的问题是我们的IT人手根本不够，没法上线。",
            "implementation",
            "price",
        ),
    ],
)
def test_what_blocks_now_wins(
    det: SignalDetectors, text: str, category: str, runner_up: str | None
) -> None:
    got = det.detect_text(text)
    assert got.objection == category
    if runner_up is not None:
        assert got.runner_up == runner_up


# --- emotion ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "valence", "label"),
    [
        ("This is fantastic, exactly what our dispatchers need.", "positive", None),
        ("Let's set up the pilot next week.", "positive", "interested"),
        ("I'm really fed up with surprise charges on every invoice.", "negative", "frustrated"),
        ("We were burned by the last vendor, so I'm skeptical.", "negative", "skeptical"),
        ("We have two warehouses in the north.", "neutral", "calm"),
        ("I need to check with my manager first.", "neutral", "hesitant"),
        ("这个功能太好了，正好解决我们的问题。", "positive", None),
        ("说了半天也没讲清楚怎么收费，我很不满意。", "negative", "frustrated"),
        ("我们有两个仓库。", "neutral", "calm"),
        ("这个东西不太好用。", "negative", None),
    ],
)
def test_valence_and_label(
    det: SignalDetectors, text: str, valence: str, label: str | None
) -> None:
    got = det.detect_text(text)
    assert got.valence == valence
    if label is not None:
        assert got.label == label


def test_negated_praise_is_not_positive(det: SignalDetectors) -> None:
    assert det.detect_text("Honestly the demo was not great.").valence != "positive"


# --- roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "roles"),
    [
        ("Our founder signs every contract himself.", {"ceo"}),
        ("The finance director and purchasing department need the quote.", {"cfo", "procurement"}),
        ("Our tech lead will join, plus someone from legal.", {"cto", "legal"}),
        ("The IT department and the board of directors want a security review.", {"it", "board"}),
        ("Our vice president of sales is on leave.", {"manager"}),
        ("The head of finance asked for references.", {"cfo"}),
        ("We need to cut our IT budget.", set()),
        ("Can you make it cheaper?", set()),
        ("院长和财务处都要看方案。", {"ceo", "cfo"}),
        ("设备科和招标办会一起评估。", {"procurement"}),
        ("信息科主任下周来参加演示。", {"it", "manager"}),
        ("这事要上院务会，还要法务审合同。", {"board", "legal"}),
        ("副院长分管这一块。", {"manager"}),
        ("我们总经理和技术总监都在。", {"ceo", "cto"}),
        ("董事会已经批了。", {"board"}),
    ],
)
def test_roles_synonyms(det: SignalDetectors, text: str, roles: set[str]) -> None:
    assert set(det.detect_text(text).roles) == roles


# --- terms ------------------------------------------------------------------------------------


def test_glossary_terms_both_languages_and_segmentation() -> None:
    det = SignalDetectors(
        DetectorConfig(builtin_terms=False), glossary=["route optimisation", "数据"]
    )
    det.add_terms(["冷链", "Telematics"])
    en = det.detect_text("Does route optimisation work with our telematics boxes?")
    assert en.terms == ("route optimisation", "Telematics")
    zh = det.detect_text("冷链运输的数据怎么看？")
    assert zh.terms == ("冷链", "数据")
    # A term is not found inside a longer word that jieba keeps whole.
    assert det.detect_text("我们的数据库很大。").terms == ()


def test_term_density_over_recent_window() -> None:
    det = SignalDetectors(
        DetectorConfig(builtin_terms=False, terms_window_s=60.0), glossary=["API", "webhook"]
    )
    u1 = ClosedUtterance("customer", "u1", 0.0, 2.0, "Do you have an API and a webhook", "en")
    s1 = det.analyze(u1, t=2.0)
    assert s1.terms is not None
    assert s1.terms.terms == ("API", "webhook")
    assert s1.terms.density == pytest.approx(100 * 2 / 8, abs=1e-3)
    u2 = ClosedUtterance("customer", "u2", 3.0, 5.0, "and what about the API limits", "en")
    s2 = det.analyze(u2, t=5.0)
    assert s2.terms is not None
    assert s2.terms.density == pytest.approx(100 * 3 / 14, abs=1e-3)
    # Once the window has moved past both, only the newest utterance counts.
    u3 = ClosedUtterance("customer", "u3", 200.0, 202.0, "one more API question", "en")
    s3 = det.analyze(u3, t=202.0)
    assert s3.terms is not None
    assert s3.terms.density == pytest.approx(100 * 1 / 4, abs=1e-3)


# --- analyze / protocol / trend ---------------------------------------------------------------


def test_analyze_customer_utterance_gives_all_signals() -> None:
    det: Detectors = SignalDetectors()
    u = ClosedUtterance("customer", "c7", 10.0, 13.5, "Our CFO says the price is too high.", "en")
    s = det.analyze(u, t=14.0)
    assert isinstance(s.objection, ObjectionEvent)
    assert s.objection.category == "price"
    assert (s.objection.start, s.objection.end, s.objection.t) == (10.0, 13.5, 14.0)
    assert isinstance(s.emotion, EmotionEvent)
    assert s.emotion.valence == "negative"
    assert s.emotion.arousal is None  # no audio
    assert s.roles is not None and s.roles.roles == ("cfo",)


def test_rep_utterance_gets_no_emotion_or_objection() -> None:
    det = SignalDetectors()
    u = ClosedUtterance(
        "rep", "r1", 0.0, 2.0, "Our price is too high for you? Let me ask my manager.", "en"
    )
    s = det.analyze(u, t=2.0)
    assert s.emotion is None and s.objection is None
    assert s.roles is not None and s.roles.roles == ("manager",)


def test_emotion_trend_follows_the_call() -> None:
    det = SignalDetectors()
    lines = [
        "This looks great, I love it.",
        "Good, that's helpful.",
        "Hmm, the setup fee is a surprise.",
        "Frankly this is getting frustrating.",
        "I'm fed up, this is a waste of time.",
    ]
    for i, text in enumerate(lines):
        det.analyze(
            ClosedUtterance("customer", f"u{i}", i * 5.0, i * 5.0 + 3, text, "en"), t=i * 5.0 + 3
        )
    trend = det.trend
    assert trend.direction == "worsening"
    assert trend.slope < 0
    assert trend.count == 5
    assert trend.fluctuation > 0


# --- language and clauses ---------------------------------------------------------------------


def test_language_guess() -> None:
    assert detect_lang("我们的CRM系统是自己开发的") == "zh"
    assert detect_lang("We use 微信 a lot for customer chats with suppliers") == "en"
    assert detect_lang("anything", "zh") == "zh"


def test_clauses_split_on_both_scripts() -> None:
    assert split_clauses("price is fine, timing is not. ok") == [
        "price is fine",
        "timing is not",
        "ok",
    ]
    assert split_clauses("价格可以，时间不行。") == ["价格可以", "时间不行"]


# --- arousal from audio -----------------------------------------------------------------------

SR = 16000


def _voice(f0: float, amp: float, seconds: float, *, seed: int) -> np.ndarray:
    """A voiced, syllable-like signal: harmonics of f0, amplitude-modulated at 4 Hz, with pauses."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    jitter = 1.0 + 0.01 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * f0 * np.cumsum(jitter) / SR
    x = sum(np.sin(k * phase) / k for k in range(1, 6))
    env = 0.5 * (1 - np.cos(2 * np.pi * 4 * t)).clip(0, None)
    x = amp * x * env / 1.6
    x[: SR // 4] = 0.0  # leading silence
    return (x + rng.normal(0, 0.002, t.size)).astype(np.float32)


def test_prosody_measures_pitch_and_energy() -> None:
    low = measure(_voice(110.0, 0.1, 2.0, seed=1), "one two three four five six")
    high = measure(_voice(220.0, 0.4, 2.0, seed=2), "one two three four five six")
    assert low is not None and high is not None
    assert low.pitch_st is not None and high.pitch_st is not None
    assert abs(low.pitch_st - 12 * np.log2(110 / 100)) < 1.0
    assert abs(high.pitch_st - low.pitch_st - 12.0) < 1.0  # one octave up
    assert high.energy_db - low.energy_db > 10.0
    assert low.rate is not None and low.rate > 0


def test_silence_has_no_prosody() -> None:
    assert measure(np.zeros(SR, dtype=np.float32)) is None
    assert ArousalTracker().update(None) is None


def test_louder_higher_span_is_aroused_against_own_baseline() -> None:
    det = SignalDetectors()
    calm_text = "we can look at it next week"
    arousals = []
    for i in range(4):
        audio = _voice(120.0 + 3 * i, 0.08 + 0.005 * i, 2.0, seed=10 + i)
        u = ClosedUtterance("customer", f"b{i}", i * 4.0, i * 4.0 + 2, calm_text, "en", audio=audio)
        s = det.analyze(u, t=i * 4.0 + 2)
        assert s.emotion is not None
        arousals.append(s.emotion.arousal)
    assert arousals[0] == 0.5  # first utterance only sets the baseline
    assert all(a is not None and 0.3 < a < 0.7 for a in arousals)
    loud = _voice(210.0, 0.45, 2.0, seed=99)
    u = ClosedUtterance("customer", "hot", 20.0, 22.0, calm_text, "en", audio=loud)
    s = det.analyze(u, t=22.0)
    assert s.emotion is not None and s.emotion.arousal is not None
    assert s.emotion.arousal > 0.85
    quiet = _voice(100.0, 0.03, 2.0, seed=7)
    u = ClosedUtterance("customer", "low", 30.0, 32.0, calm_text, "en", audio=quiet)
    s = det.analyze(u, t=32.0)
    assert s.emotion is not None and s.emotion.arousal is not None
    assert s.emotion.arousal < 0.35


# --- the detect command's line handling -------------------------------------------------------


def test_detect_command_keeps_order_and_reports_bad_lines(det: SignalDetectors) -> None:
    import io
    import json

    from desktop.commands.detect import process

    src = io.StringIO(
        '{"id": 1, "text": "Too pricey for us."}\n'
        "garbage\n"
        '{"id": 2, "text": 5}\n'
        "\n"
        '{"id": 3, "text": "我们老板说了算。"}\n'
    )
    out = io.StringIO()
    failed = process(det, src, out, "auto")
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert failed == 3
    assert [r.get("id") for r in rows] == [1, None, 2, None, 3]
    assert rows[0]["objection"] == "price"
    assert "error" in rows[1] and "error" in rows[2] and "error" in rows[3]
    assert rows[4]["roles"] == ["ceo"]


# --- warming up -------------------------------------------------------------------------------


def test_warm_loads_what_the_first_line_would_and_leaves_the_call_state_alone():
    from inference.detectors import lexicon as lex
    from inference.detectors import model, semantic

    lex.lexicon.cache_clear()
    model.load_models.cache_clear()
    semantic._encoder_at.cache_clear()
    det = SignalDetectors()
    det.warm(("en",))
    # The English lexicon, word models and sentence encoder are loaded; Chinese is not asked.
    assert lex.lexicon.cache_info().currsize == 1
    assert model.load_models.cache_info().currsize == 1
    assert semantic._encoder_at.cache_info().currsize == 1
    assert det.trend == SignalDetectors().trend  # nothing of a call was read
    det.warm(("zh",))
    assert lex.lexicon.cache_info().currsize == 2
    assert model.load_models.cache_info().currsize == 2


def test_a_model_that_fails_to_load_ahead_is_logged_and_left_to_the_first_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from inference.detectors import signals

    def broken(lang: str) -> None:
        raise ValueError(f"model_{lang}.json is damaged")

    monkeypatch.setattr(signals, "load_models", broken)
    det = SignalDetectors()
    det.warm(("zh",))  # does not raise: the session starts
    assert "the zh detectors could not be loaded ahead: model_zh.json is damaged" in caplog.text
    with pytest.raises(ValueError, match="damaged"):  # the first line reports it
        det.detect_text("太贵了", "zh")
