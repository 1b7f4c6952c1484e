"""The compliance guard reads numbers and claims and never lets a violating path through."""

from __future__ import annotations

import pytest

from inference.events import Source, SuggestionPath
from inference.guard import ComplianceGuard
from inference.playbook.model import Rule

RULES = (
    Rule("max_discount", "max_discount", "A rep may offer at most 10% off.", "s.md", 10.0, allowed=("20",)),
    Rule("price_floor:$", "price_floor", "Never below $35 per seat.", "s.md", 35.0, "$"),
    Rule("price_floor:元", "price_floor", "不得低于每坐席每月220元。", "s.md", 220.0, "元"),
    Rule("forbidden_claim:cert:hipaa", "forbidden_claim", "We are not HIPAA certified.", "s.md",
         terms=("HIPAA",), topic="certification"),
    Rule("forbidden_claim:certification", "forbidden_claim", "Do not claim certifications we do not hold.",
         "s.md", topic="certification", allowed=("ISO 27001", "等保三级")),
    Rule("forbidden_claim:roadmap", "forbidden_claim", "Do not promise roadmap dates.", "s.md", topic="roadmap"),
    Rule("forbidden_comparison", "forbidden_comparison", "Do not disparage competitors.", "s.md",
         terms=("Acme", "快送")),
)  # fmt: skip


@pytest.fixture()
def guard() -> ComplianceGuard:
    return ComplianceGuard(RULES)


def _ids(guard: ComplianceGuard, text: str) -> set[str]:
    return {v.rule.id for v in guard.violations(text)}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("I can give you 30% off if you sign today.", "max_discount"),
        ("How about a 25% discount?", "max_discount"),
        ("We could take thirty percent off the list price.", "max_discount"),
        ("可以给您打七五折。", "max_discount"),
        ("我们可以优惠15%。", "max_discount"),
        ("We can do $30 per seat.", "price_floor:$"),
        ("最低可以做到每坐席每月200元。", "price_floor:元"),
        ("Yes, we are HIPAA compliant.", "forbidden_claim:cert:hipaa"),
        ("We also hold PCI DSS certification.", "forbidden_claim:certification"),
        ("我们已经通过了等保四级认证。", "forbidden_claim:certification"),
        ("That feature will be released next quarter.", "forbidden_claim:roadmap"),
        ("这个功能下个版本就会上线。", "forbidden_claim:roadmap"),
        ("Acme is outdated and clunky.", "forbidden_comparison"),
        ("快送的系统很垃圾。", "forbidden_comparison"),
    ],
)
def test_violations_are_found(guard: ComplianceGuard, text: str, rule: str) -> None:
    assert rule in _ids(guard, text)


@pytest.mark.parametrize(
    "text",
    [
        "The annual plan already gives 20% off list price.",  # stated in the playbook
        "We can offer 10% off on the annual plan.",
        "可以给您打九折。",
        "We cannot go to 30% off, but the annual plan helps.",
        "You would save $10 per seat on the annual plan.",
        "The list price is $49 per seat, or 299元 per month.",
        "We are not HIPAA certified, but we are ISO 27001 certified.",
        "Are you asking about HIPAA?",
        "我们通过了ISO 27001认证和等保三级。",
        "Acme is cheaper at entry level but has weaker reporting.",
        "99.9% uptime with service credits.",
        "Onboarding takes two weeks.",
    ],
)
def test_compliant_texts_pass(guard: ComplianceGuard, text: str) -> None:
    assert _ids(guard, text) == set()


def _path(text: str) -> SuggestionPath:
    return SuggestionPath("offer_evidence", text, 0.8, (Source(file="s.md", heading="Pricing"),))


def test_violating_sentence_is_dropped(guard: ComplianceGuard) -> None:
    result = guard.check(
        _path("Onboarding takes two weeks with a named manager. I can give you 30% off.")
    )
    assert result.path.text == "Onboarding takes two weeks with a named manager."
    assert result.fired == (("max_discount", "rewritten"),)
    assert guard.violations(result.path.text) == []


def test_path_with_nothing_compliant_left_is_replaced_by_fallback(guard: ComplianceGuard) -> None:
    fallback = _path("The annual plan is 20% off list price.")
    result = guard.check(_path("Sure, 30% off is fine."), fallback=fallback)
    assert result.path.text == fallback.text
    assert result.fired == (("max_discount", "blocked"),)


def test_without_fallback_a_safe_line_keeps_the_sources(guard: ComplianceGuard) -> None:
    path = _path("是的，我们通过了HIPAA认证。")
    result = guard.check(path, fallback=_path("We give 50% off."))
    assert ("forbidden_claim:cert:hipaa", "blocked") in result.fired
    assert guard.violations(result.path.text) == []
    assert result.path.sources == path.sources
    assert "书面" in result.path.text  # the safe line is in the path's language


def test_compliant_path_is_untouched(guard: ComplianceGuard) -> None:
    path = _path("We are ISO 27001 certified.")
    assert guard.check(path) == type(guard.check(path))(path, ())


def test_a_claim_stated_before_a_question_is_still_a_claim() -> None:
    from inference.playbook.model import Rule

    rule = Rule(
        "forbidden_claim:certification",
        "forbidden_claim",
        "(rules block)",
        topic="certification",
        allowed=("ISO 27001",),
    )
    guard = ComplianceGuard([rule])
    assert guard.violations("We are PCI DSS certified, so which documents will your CFO check?")
    assert not guard.violations("Are you asking whether we are PCI DSS certified?")


def test_an_offered_discount_on_top_of_another_is_over_the_cap() -> None:
    from inference.playbook.model import Rule

    cap = Rule("max_discount", "max_discount", "at most 8% on top", value=8.0, allowed=("15",))
    guard = ComplianceGuard([cap])
    assert not guard.violations("Our annual plan is 15% off list price.")
    assert guard.violations("If you sign today I add 15% off on top of the annual plan.")
