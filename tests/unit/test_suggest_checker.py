"""The path checker: each reason a path is refused, and paths that must pass.

The playbook is the project's own test playbook (RouteWise, a route planner); the lines are
written for these tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from inference.playbook import load_playbook
from inference.suggest.checker import (
    PathChecker,
    Verdict,
    ask_mark,
    borrows,
    near_copy,
    states_fact,
)
from inference.suggest.llm_prompt import examples

PLAYBOOK = Path(__file__).resolve().parent.parent / "data" / "playbook_routewise"
PILOT = "Pilot: 21 days free for up to 15 vehicles, no contract."
PILOT_DRAFT = (
    "To make the first step easy, our pilot is 21 days free for up to 15 vehicles, no contract."
)
PILOT_ZH = "试用：21天免费，最多15辆车。"
CUSTOMER = "Honestly the price is a lot more than we expected."


@pytest.fixture(scope="module")
def checker() -> PathChecker:
    return PathChecker(load_playbook([PLAYBOOK]))


def verdict(checker: PathChecker, text: str, **kw: object) -> Verdict:
    kw.setdefault("family", "acknowledge")
    kw.setdefault("lang", "en")
    return checker.check(text, **kw)  # type: ignore[arg-type]


# -- each reason: a path that fails for it, and a close one that passes -----------------------

CASES = [
    # (reason, bad text, good text, keyword arguments of both checks)
    (
        "not_a_question",
        "Your CFO will want to see the total cost first.",
        "What will your CFO want to see first: the total cost, or the fuel saved?",
        {"family": "question"},
    ),
    (
        "two_questions",
        "What matters most to you? And when do you decide?",
        "What matters most to you when you decide?",
        {"family": "question"},
    ),
    (
        "customer_voice",
        "Your price is a lot higher than our current tool.",
        "I hear you on the price; the pilot lets you test it first.",
        {},
    ),
    (
        "customer_voice",
        "你们的价格比我们现在用的贵很多。",
        "价格的顾虑我理解，可以先试用再决定。",
        {"lang": "zh"},
    ),
    (
        "third_person",
        "The customer is worried about the price, so offer the pilot.",
        "If the price worries you, the pilot lets you test it first.",
        {},
    ),
    (
        "third_person",
        "客户觉得价格太高，可以先提供试用。",
        "如果您担心价格，可以先试用再决定。",
        {"lang": "zh"},
    ),
    (
        "language",
        "我们可以先试用再决定。",
        "We can start with a pilot and decide after.",
        {},
    ),
    (
        "language",
        "We can start with a pilot and decide after.",
        "我们可以先试用再决定。",
        {"lang": "zh"},
    ),
    (
        "too_long",
        "I hear you. The pilot is free. You can decide after.",
        "I hear you. The pilot is free, so you can decide after.",
        {},
    ),
    (
        "too_long",
        "I hear you on the price and I understand that it matters a great deal to a team of "
        "your size, so what I would suggest is that we look at what the routes cost you today "
        "and then see together what would change for you.",
        "I hear you on the price; let's look at what the routes cost you today.",
        {},
    ),
    (
        "too_long",
        "价格的顾虑我完全理解，很多车队一开始也有同样的想法，所以我们建议先用自己的车辆和自己的路线做一次小范围的试用，"
        "等看到油耗和准点率的真实变化以后，再和你们的领导一起决定要不要全面上线，这样风险最小。",
        "价格的顾虑我理解，先用自己的车辆小范围试用，再决定也不迟。",
        {"lang": "zh"},
    ),
    (
        "invented_fact",
        "Fleets like yours cut fuel cost by 37% in a month.",
        "Harbor Foods cut fuel cost by 12% in the first 3 months.",
        {},
    ),
    (
        "invented_fact",
        "It also plugs into Salesforce, so nothing changes for your team.",
        "It also plugs into Shopify, so nothing changes for your team.",
        {},
    ),
    (
        "promotes_rival",
        "Honestly, FleetMax is a great choice if the entry price matters most.",
        "FleetMax re-plans once a day; we re-plan live as orders change.",
        {},
    ),
    (
        "no_fact",
        "We can make the first step very easy for your team.",
        "You could start with our pilot: 21 days free for up to 15 vehicles.",
        {"family": "evidence", "fact": PILOT},
    ),
    (
        "echoes_customer",
        "Honestly, the price is a lot more than you expected, I know.",
        "I hear you on the price; the fuel it saves is what pays it back.",
        {"customer": CUSTOMER},
    ),
    (
        "repeats_rep",
        "Let me explain what is included in the monthly price for you.",
        "Fair point; the question is what the routes cost you today.",
        {"rep_said": ("Let me explain what is included in the monthly price.",)},
    ),
    (
        "duplicate",
        "So what are you comparing the monthly price against today?",
        "Which part of the day costs your drivers the most time?",
        {"family": "question", "others": ("What are you comparing the monthly price against?",)},
    ),
    (
        "repeats_earlier",
        "A pilot lets you see the savings on your own vans first.",
        "Fair point; the question is what the routes cost you today.",
        {"earlier": ("A pilot lets you see the savings on your own vans.",)},
    ),
    (
        "copies_example",
        "I'd be wary too, so your first routes run next to your old planner.",
        "That makes sense; your first routes can run next to your old planner.",
        {"examples": examples("en")},
    ),
    (
        "drifted",
        "We can talk about what your fleet needs next week.",
        "Fair enough, to make the first step easy our pilot is 21 days free for 15 vehicles.",
        {"fact": PILOT, "draft": PILOT_DRAFT},
    ),
    (
        "leaks_prompt",
        "As the draft says, our pilot is 21 days free for up to 15 vehicles, no contract.",
        "As a first step, our pilot is 21 days free for up to 15 vehicles, no contract.",
        {"fact": PILOT, "draft": PILOT_DRAFT},
    ),
    (
        "customer_voice",
        "FleetMax quoted us half of that, so what else would you need?",
        "FleetMax quoted you half of that, so what else would you need?",
        {"family": "question"},
    ),
    (
        "new_number",
        "Our pilot is 21 days free for up to 15 vehicles, and rollout takes 10 working days.",
        "Our pilot is 21 days free for up to 15 vehicles, with no contract to sign.",
        {"family": "evidence", "fact": PILOT, "draft": PILOT_DRAFT},
    ),
    (
        "fact_changed",
        "To make the first step easy, our pilot is free for a few weeks, no contract.",
        "I hear you, and our pilot is 21 days free for up to 15 vehicles.",
        {"fact": PILOT, "draft": PILOT_DRAFT},
    ),
    (
        "lost_detail",
        "What does the other quote leave out that you would still need?",
        "What does the FleetMax offer leave out that your drivers would still need?",
        {
            "family": "question",
            "draft": "What does the FleetMax quote leave out that you would still need?",
            "keep": ("CFO", "FleetMax", ""),
        },
    ),
    (
        "addresses_absent",
        "Your CFO, would it help if we went through it together for twenty minutes?",
        "Would it help if we went through it together with your CFO for twenty minutes?",
        {
            "family": "acknowledge",
            "draft": "Would it help if we went through it with your CFO for twenty minutes?",
            "keep": ("CFO",),
        },
    ),
    (
        "less_specific",
        "What would the other offer have to do better for you?",
        "What does the FleetMax offer leave out that your drivers would still need?",
        {
            "family": "question",
            "customer": "FleetMax offered us a lower price for our drivers.",
            "draft": "What does the FleetMax offer leave out that you would still need?",
        },
    ),
    ("fragment", "The pilot is:", "The pilot is free.", {}),
    ("fragment", "Our pilot gives you three weeks to...", "Our pilot gives you three weeks.", {}),
    ("fragment", "就像您说的“先试试看。", "就像您说的“先试试看”。", {"lang": "zh"}),
    ("empty", "ok", "Okay.", {}),
]


@pytest.mark.parametrize(("reason", "bad", "good", "kw"), CASES, ids=[c[0] for c in CASES])
def test_each_reason_refuses_its_path_and_passes_a_close_one(
    checker: PathChecker, reason: str, bad: str, good: str, kw: dict[str, object]
) -> None:
    assert verdict(checker, bad, **kw) == Verdict(False, reason)
    assert verdict(checker, good, **kw).ok, verdict(checker, good, **kw)


# -- paths that must pass ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kw"),
    [
        ("What does the FleetMax quote leave out that you would still need?", {"family": "question"}),
        ("Fair point, FleetMax is cheaper to start; we re-plan live, all day.", {}),
        (PILOT_DRAFT, {"family": "evidence", "fact": PILOT}),
        ("For your 40 vans, our pilot covers 15 of them free for 21 days.", {
            "family": "evidence", "fact": PILOT, "conversation": ("We run 40 vans.",)}),
        ("Harbor Foods cut fuel cost by 12% in the first 3 months on 80 vans.",
         {"family": "evidence", "fact": "Harbor Foods cut fuel cost by 12% in the first 3 months on 80 vans."}),
        ("你们老板那边最看重什么：总投入，还是能给团队省下多少？", {"family": "question", "lang": "zh"}),
        ("第一步可以走得轻松一些：试用是21天免费，最多15辆车。",
         {"family": "evidence", "lang": "zh", "fact": PILOT_ZH}),
        ("快运通每天只规划一次，我们全天实时调整路线。", {"lang": "zh"}),
    ],
)  # fmt: skip
def test_good_paths_pass(checker: PathChecker, text: str, kw: dict[str, object]) -> None:
    assert verdict(checker, text, customer=CUSTOMER, **kw).ok, verdict(checker, text, **kw)


def test_a_refined_path_may_reword_its_draft_and_use_the_conversations_numbers(
    checker: PathChecker,
) -> None:
    ok = verdict(
        checker,
        "With 40 vans you can try it on 15 of them: our pilot is 21 days free, no contract.",
        family="evidence",
        fact=PILOT,
        draft=PILOT_DRAFT,
        conversation=("Rep: Shall we look at routes for your 40 vans?",),
        keep=("", "", ""),
    )
    assert ok.ok, ok


def test_a_number_said_in_the_call_is_no_invention(checker: PathChecker) -> None:
    text = "With a $25 quote on the table, what would the difference need to buy you?"
    assert verdict(checker, text, family="question") == Verdict(False, "invented_fact")
    said = verdict(checker, text, family="question", customer="They quoted us $25 per van.")
    assert said.ok
    assert checker.invented(text, "") == "25"
    assert checker.invented(text, "They quoted us $25 per van.") == ""


def test_a_sentences_first_word_is_not_taken_for_a_name(checker: PathChecker) -> None:
    assert checker.invented("Drivers like it. Routes update live.", "") == ""
    assert checker.invented("It also works with Oracle.", "") == "Oracle"


# -- the helpers -------------------------------------------------------------------------------


def test_near_copy_in_english_and_chinese() -> None:
    assert near_copy("What are you comparing it against?", "So what are you comparing it against?")
    assert not near_copy("What are you comparing it against?", "When would your CFO decide?")
    assert near_copy("价格的顾虑我理解，可以先试用。", "价格的顾虑我理解，可以先试用再说。")
    assert not near_copy("价格的顾虑我理解。", "数据存储在杭州机房。")
    assert not near_copy("", "anything")


def test_borrows_a_run_of_an_example_unless_the_call_holds_it() -> None:
    example = "After two missed pay runs I'd be wary too, so your first payroll runs in parallel."
    text = "I'd be wary too, so your first routes run next to your old planner."
    assert borrows(text, example, known="")
    assert not borrows(
        text, example, known="Customer: I'd be wary too, so your first step matters."
    )
    assert not borrows("Your first routes run next to your old planner.", example, known="")
    zh_example = "连着两个月出错确实让人后怕，所以第一次发薪我们和原系统并行跑。"
    assert borrows("确实让人后怕，所以先小范围试用。", zh_example, known="")


def test_states_fact_by_number_or_by_words() -> None:
    assert states_fact("You get 21 days free.", PILOT)
    assert not states_fact("You get a free trial.", PILOT)
    fact = "Driver app for Android and iOS; works offline and syncs when the signal returns."
    assert states_fact("The driver app works offline on Android and iOS.", fact)
    assert not states_fact("It is easy to use.", fact)


@pytest.mark.parametrize(
    ("text", "lang", "fixed"),
    [
        ("您最担心的是哪一块。", "zh", "您最担心的是哪一块？"),
        ("理解。您这边一般多久会遇到一次呢", "zh", "理解。您这边一般多久会遇到一次呢？"),
        ("我们可以先试用三十天。", "zh", "我们可以先试用三十天。"),
        (
            "What would your team need to see first.",
            "en",
            "What would your team need to see first?",
        ),
        (
            "Fair point. Which part worries you most.",
            "en",
            "Fair point. Which part worries you most?",
        ),
        ("We can start with a pilot.", "en", "We can start with a pilot."),
        ("What matters most to you?", "en", "What matters most to you?"),
    ],
)
def test_a_question_written_with_a_full_stop_gets_its_mark(
    text: str, lang: str, fixed: str
) -> None:
    assert ask_mark(text, lang) == fixed


def test_a_rewrite_makes_no_promise_its_draft_does_not(checker: PathChecker) -> None:
    draft = "To make the first step easy, our pilot is 21 days free for up to 15 vehicles."
    kw = {"family": "evidence", "fact": PILOT, "draft": draft}
    bad = "We guarantee it: our pilot is 21 days free for up to 15 vehicles."
    assert verdict(checker, bad, **kw) == Verdict(False, "new_claim")
    assert verdict(checker, draft, **kw).ok
    zh = verdict(
        checker,
        "我们保证试用是21天免费，最多15辆车。",
        lang="zh",
        family="evidence",
        fact="试用：21天免费，最多15辆车。",
        draft="第一步可以走得轻松一些：试用是21天免费，最多15辆车。",
    )
    assert zh == Verdict(False, "new_claim")


def test_a_sentence_of_the_customer_said_back_is_an_echo(checker: PathChecker) -> None:
    customer = "放到外面的云上，出了问题谁负责？"
    text = "放到外面的云上出了问题谁负责？我们得弄清楚这个。"
    assert verdict(checker, text, lang="zh", customer=customer) == Verdict(False, "echoes_customer")
