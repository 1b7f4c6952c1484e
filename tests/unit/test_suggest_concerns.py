"""The customer's concern in their own terms, and what it does to the plan: the fact that
bears on it answers first, and moves use the sentences written for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from inference.guard import ComplianceGuard
from inference.playbook import Playbook, load_playbook
from inference.suggest.checker import PathChecker
from inference.suggest.concerns import concerns, concerns_in, fact_cues
from inference.suggest.facts import FactFinder
from inference.suggest.planner import MovePlanner, Plan
from inference.suggest.situation import read_situation

PLAYBOOK = Path(__file__).resolve().parent.parent / "data" / "playbook_routewise"


@pytest.mark.parametrize(
    ("text", "lang", "concern"),
    [
        ("Where would our delivery data be kept?", "en", "location"),
        ("Who else gets to see our customers' addresses?", "en", "access"),
        ("What happens if your servers go down on a Saturday?", "en", "outage"),
        ("We can't shut the depot for a day to switch.", "en", "disruption"),
        ("The drivers liked how simple the other app was.", "en", "ease"),
        ("We lost half our job history the last time we moved systems.", "en", "migration"),
        ("All capital spending is frozen until the new year.", "en", "upfront"),
        ("We're locked into a contract with them for another year.", "en", "contract"),
        ("Their support never called back when the tablets failed.", "en", "support"),
        ("Our owner will want to see the payback before anything else.", "en", "numbers"),
        ("Nobody gets write access to our dispatch system.", "en", "control"),
        ("轨迹数据存在哪里？", "zh", "location"),
        ("这些数据会不会拿去做别的用途？", "zh", "access"),
        ("系统要是宕机了怎么办？", "zh", "outage"),
        ("仓库不能停工，一停就耽误发货。", "zh", "disruption"),
        ("司机们都要重新学一套系统。", "zh", "ease"),
        ("历史订单能不能完整迁移过来？", "zh", "migration"),
        ("今年的预算已经用完了。", "zh", "upfront"),
        ("我们和现在那家的合同明年才到期。", "zh", "contract"),
        ("上一家的售后打电话三天都没人来。", "zh", "support"),
        ("老板要看到回本的时间。", "zh", "numbers"),
        ("Sixty vans at $49 a month adds up fast.", "en", "volume"),
        ("That's a monthly fee on every single van.", "en", "volume"),
        ("三十辆车都要装，算下来一年好几万。", "zh", "volume"),
    ],
)
def test_a_concern_is_read_in_the_customers_words(text: str, lang: str, concern: str) -> None:
    assert concern in concerns_in(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("We run forty vans out of two depots.", "en"),
        ("That sounds good, send me the details.", "en"),
        ("我们有四十辆车，两个仓库。", "zh"),
        ("Another vendor quoted us $25 per vehicle.", "en"),
    ],
)
def test_plain_talk_names_no_concern(text: str, lang: str) -> None:
    assert concerns_in(text, lang) == ()


def test_every_concern_is_written_for_both_languages() -> None:
    ids = [c.id for c in concerns()]
    assert len(ids) == len(set(ids)) >= 10
    for c in concerns():
        assert set(c.said) == {"en", "zh"}
    assert fact_cues(["location"], "en")[0].search("hosted in Dublin")
    assert not fact_cues(["location"], "en")[0].search("SOC 2 Type I report available under NDA")


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return load_playbook([PLAYBOOK])


@pytest.fixture(scope="module")
def planner(playbook: Playbook) -> MovePlanner:
    return MovePlanner(
        playbook, guard=ComplianceGuard(playbook.rules), checker=PathChecker(playbook)
    )


def plan(planner: MovePlanner, text: str, category: str, lang: str = "en") -> Plan:
    situation = read_situation(
        text=text,
        lang=lang,
        category=category,
        confidence=0.9,
        competitors=planner.playbook.competitors,
        roles_here=("legal",) if "legal" in text else (),
    )
    return planner.plan(situation, context=[text])


SHEET = """# Tallyboard product sheet

## Security
- Customer data is encrypted at rest and audited every year.
- Servers in Frankfurt, Germany; nothing leaves the EU.

## Pricing
- Pilot: 30 days free for one team.
"""


def test_where_it_is_kept_is_answered_with_where_it_is_kept(tmp_path: Path) -> None:
    (tmp_path / "product_en.md").write_text(SHEET, encoding="utf-8")
    book = load_playbook([tmp_path])
    guard = ComplianceGuard(book.rules)
    finder = FactFinder(book, guard=guard)
    text = "Where is our customer data?"
    ask = {"customer": text, "query": "data servers encrypted", "kind": "any", "lang": "en"}
    # By words alone the encryption line wins ("customer data"); they asked where.
    assert "encrypted" in finder.rank(**ask)[0].fact.sentence  # type: ignore[arg-type]
    cues = fact_cues(concerns_in(text, "en"), "en")
    assert "Frankfurt" in finder.rank(**ask, cues=cues)[0].fact.sentence  # type: ignore[arg-type]
    p = plan(MovePlanner(book, guard=guard, checker=PathChecker(book)), text, "security")
    answer = p.moves[0]
    assert answer.fact is not None and "Frankfurt" in answer.fact.fact.sentence, answer.text
    assert "our servers are in Frankfurt" in answer.text
    assert len({m.text for m in p.moves}) == 3


def test_zh_where_it_is_kept(planner: MovePlanner) -> None:
    p = plan(planner, "法务肯定会问，轨迹数据存在哪里？", "security", lang="zh")
    assert p.moves[0].fact is not None and "杭州" in p.moves[0].fact.fact.sentence


def test_a_contract_gets_a_question_about_the_contract(planner: MovePlanner) -> None:
    p = plan(
        planner, "We're with FleetMax and locked into a contract until next summer.", "competitor"
    )
    question = next(m for m in p.moves if m.move.family == "question")
    assert "contract" in question.text and question.text.endswith("?")
    assert question.specific


def test_an_outside_party_is_named_as_the_customer_named_it() -> None:
    s = read_situation(
        text="这个得业主方点头才行。", lang="zh", category="authority", confidence=0.9
    )
    assert s.person == "业主方"
    s = read_situation(
        text="这个得我们老板点头才行。", lang="zh", category="authority", confidence=0.9
    )
    assert s.person == "你们老板"
