"""Playbook facts as a path carries them: which lines are facts, and how they read in a
sentence (own playbook lines only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from inference.guard import ComplianceGuard
from inference.playbook import load_playbook
from inference.suggest.facts import FactFinder, as_clause, classify, fact_sentences
from inference.suggest.planner import same_fact

ROUTEWISE = Path(__file__).resolve().parent.parent / "data" / "playbook_routewise"


@pytest.mark.parametrize(
    ("line", "lang", "clause"),
    [
        (
            "Pilot: 21 days free for up to 15 vehicles, no contract.",
            "en",
            "our pilot is 21 days free for up to 15 vehicles, no contract",
        ),
        ("Connectors: Shopify and a REST API.", "en", "our connectors are Shopify and a REST API"),
        ("ISO 27001 certified.", "en", "we are ISO 27001 certified"),
        (
            "SOC 2 Type I report available under NDA.",
            "en",
            "SOC 2 Type I report is available under NDA",
        ),
        (
            "99.9% uptime SLA with service credits.",
            "en",
            "we offer 99.9% uptime SLA with service credits",
        ),
        ("Timing: the setup can start on any Monday.", "en", "the setup can start on any Monday"),
        ("The driver app works offline.", "en", "the driver app works offline"),
        ("试用：21天免费，最多15辆车。", "zh", "试用是21天免费，最多15辆车"),
        ("经费紧张：可以先免费用一个学期。", "zh", "可以先免费用一个学期"),
    ],
)
def test_a_playbook_line_reads_inside_a_sentence(line: str, lang: str, clause: str) -> None:
    assert as_clause(line, lang) == clause


def test_a_semicolon_does_not_cut_a_fact() -> None:
    assert fact_sentences("GPS data is kept for 90 days; hosted in Dublin. Next one.") == [
        "GPS data is kept for 90 days; hosted in Dublin.",
        "Next one.",
    ]


def test_kinds_of_fact() -> None:
    assert classify("Pilot: 21 days free, no contract.", "Pricing") == "offer"
    assert classify("Harbor Foods cut fuel cost by 12% in 3 months.", "Results") == "proof"
    assert classify("Typical rollout takes 10 working days.", "Rollout") == "spec"
    assert classify("The driver app works offline.", "Rollout") == "plain"


def test_rules_instructions_and_rival_notes_are_never_facts() -> None:
    playbook = load_playbook([ROUTEWISE])
    finder = FactFinder(playbook, guard=ComplianceGuard(playbook.rules))
    sentences = [f.sentence for f in finder.facts]
    assert not any("FleetMax" in s or "Routeo" in s for s in sentences)  # competitor notes
    assert not any(s.startswith(("Do not", "Never", "Offer the")) for s in sentences)
    assert not any("at most 8%" in s for s in sentences)  # a rule sentence
    assert finder.rival_note("FleetMax")  # the note still helps find where we differ


def test_facts_for_a_move_match_the_customer_first() -> None:
    playbook = load_playbook([ROUTEWISE])
    finder = FactFinder(playbook, guard=ComplianceGuard(playbook.rules))
    ranked = finder.rank(
        customer="How long does the rollout take?",
        query="rollout onboarding days weeks engineer",
        kind="spec",
        lang="en",
    )
    assert "10 working days" in ranked[0].fact.sentence
    offers = finder.rank(
        customer="too expensive", query="pilot trial free", kind="offer", lang="en"
    )
    assert offers and all(s.fact.kind == "offer" for s in offers)
    used = offers[0].fact.sentence
    again = finder.rank(
        customer="too expensive", query="pilot trial free", kind="offer", lang="en", exclude=(used,)
    )
    assert all(s.fact.sentence != used for s in again)


def test_the_same_fact_in_two_files_is_one_fact() -> None:
    assert same_fact(
        "Harbor Foods cut fuel cost by 12% in the first 3 months on 80 vans.",
        "Most fleets recover the cost in fuel alone: Harbor Foods saved 12% on fuel in 3 months.",
    )
    assert not same_fact("Pilot: 21 days free.", "Typical rollout takes 10 working days.")


def test_confidence_is_the_judged_share_of_usable_paths() -> None:
    from inference.suggest.confidence import CALIBRATION, calibrate, path_confidence

    for low, share in CALIBRATION[1:]:
        assert calibrate(low) == pytest.approx(share)
    scores = [i / 10 - 1.5 for i in range(31)]
    mapped = [calibrate(s) for s in scores]
    assert mapped == sorted(mapped)  # the order of the evidence is kept
    # A question that takes up what the customer named, for a move that fits: the band whose
    # judged paths were usable at least 80% of the time.
    best = path_confidence(fit=1.8, specific=True, family="question", refined=False)
    assert best >= 0.8
    generic = path_confidence(fit=1.0, specific=False, family="acknowledge", refined=False)
    assert generic < 0.5
    # The low bands stay under 0.8: "high" is shown only where it was earned.
    assert all(share < 0.8 for _, share in CALIBRATION[:2])


@pytest.mark.parametrize(
    ("line", "clause"),
    [
        (
            "Data hosted in Dublin or Ohio, chosen by the customer.",
            "your data is hosted in Dublin or Ohio, chosen by you",
        ),
        (
            "Readings are stored in Oslo, as the customer chooses.",
            "readings are stored in Oslo, as you choose",
        ),
        (
            "Servers in Frankfurt; nothing leaves the EU.",
            "our servers are in Frankfurt; nothing leaves the EU",
        ),
    ],
)
def test_a_fact_is_said_to_the_customer(line: str, clause: str) -> None:
    assert as_clause(line, "en") == clause


def test_a_wrapped_bullet_is_one_fact() -> None:
    text = (
        "- Fernhill Foods put 12 chargers in its depot; its 9 vans now\n"
        "  start every shift full.\n"
        "- Pilot: 30 days free.\n"
        "质保三年，\n故障48小时内上门。"
    )
    assert fact_sentences(text) == [
        "- Fernhill Foods put 12 chargers in its depot; its 9 vans now start every shift full.",
        "- Pilot: 30 days free.",
        "质保三年，故障48小时内上门。",
    ]


def test_a_long_fact_loses_its_brackets_before_it_is_given_up(tmp_path: Path) -> None:
    (tmp_path / "sheet_zh.md").write_text(
        "# 资料\n\n## 服务\n"
        "- 7×24小时服务热线，营业高峰（工作日早上七点到十点，下午四点到晚上八点半，周末全天）10分钟内远程响应。\n",
        encoding="utf-8",
    )
    playbook = load_playbook([tmp_path])
    finder = FactFinder(playbook, guard=ComplianceGuard(playbook.rules))
    (fact,) = [f for f in finder.facts if "响应" in f.sentence]
    assert "（" in fact.sentence  # the playbook's line, as written, is the source
    assert "早上" not in fact.clause and "10分钟内远程响应" in fact.clause
