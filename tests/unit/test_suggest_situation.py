"""Reading the situation of an objection: the person, rival, amount, deadline and question the
customer named, in English and Chinese (lines written for these tests)."""

from __future__ import annotations

import pytest

from inference.suggest.situation import Situation, find_competitor, read_situation, term_density

RIVALS = ("FleetMax", "Routeo", "快运通")


def read(text: str, lang: str = "en", category: str = "price", **kw: object) -> Situation:
    kw.setdefault("competitors", RIVALS)
    return read_situation(text=text, lang=lang, category=category, confidence=0.8, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("I need to check with our head of operations.", "your head of operations"),
        ("Our finance director signs these off.", "your finance director"),
        ("I'd have to talk to our IT team before anything.", "your IT team"),
        ("Let me ask my boss.", "your boss"),
        ("Our CFO will say no to this.", "your CFO"),
        ("The board decides on anything this size.", "the board"),
        ("Dr. Patel signs off on new vendors.", "Dr. Patel"),
    ],
)
def test_the_decider_in_the_customers_own_words_en(text: str, person: str) -> None:
    assert read(text, category="authority").person == person


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("这得我们财务总监批。", "你们财务总监"),
        ("我要问一下领导。", "你们领导"),
        ("采购部那边说了算。", "你们采购部"),
        ("这事得王总拍板。", "王总"),
    ],
)
def test_the_decider_in_the_customers_own_words_zh(text: str, person: str) -> None:
    assert read(text, lang="zh", category="authority").person == person


def test_a_word_after_the_title_is_not_part_of_it() -> None:
    assert read("I need to check with our head of operations first.").person == (
        "your head of operations"
    )


def test_a_decider_of_an_earlier_turn_frames_only_an_authority_objection() -> None:
    assert read("It is too expensive.", roles=("cfo",)).person == ""
    assert read("Let me think about it.", category="authority", roles=("cfo",)).person == (
        "your CFO"
    )
    assert read("太贵了。", lang="zh", roles=("cfo",)).person == ""
    assert read("我再想想。", lang="zh", category="authority", roles=("cfo",)).person == (
        "你们财务负责人"
    )
    # named in this utterance: it frames any objection
    assert read("It is too expensive.", roles=("cfo",), roles_here=("cfo",)).person == "your CFO"
    assert read("Nobody else decides this.", category="authority").person == ""


@pytest.mark.parametrize(
    ("text", "rival"),
    [
        ("We use FleetMax already.", "FleetMax"),
        ("We're using Trackly right now.", "Trackly"),
        ("Trackly quoted us less.", "Trackly"),
        ("We signed with Acme Logistics last year.", "Acme Logistics"),
        ("Honestly we are fine with what we have.", ""),
        ("So I would need to think.", ""),
    ],
)
def test_the_rival_named_en(text: str, rival: str) -> None:
    assert read(text, category="competitor").competitor == rival


def test_the_rival_named_zh() -> None:
    assert read("快运通那边便宜多了。", lang="zh").competitor == "快运通"
    assert find_competitor("Trackly那边报价更低。", (), zh=True) == "Trackly"
    assert read("我们再考虑一下。", lang="zh").competitor == ""


def test_a_rival_named_a_moment_ago_still_frames_the_objection() -> None:
    context = [("customer", "We looked at FleetMax last month."), ("rep", "Okay.")]
    assert read("They are cheaper.", context=context).competitor == "FleetMax"
    # only one the playbook lists: a capitalised word of an earlier line is no rival
    other = [("customer", "We looked at Trackly last month."), ("rep", "Okay.")]
    assert read("They are cheaper.", context=other).competitor == ""


@pytest.mark.parametrize(
    ("text", "lang", "number"),
    [
        ("They quoted us $25 per vehicle.", "en", "$25"),
        ("That's twenty thousand dollars a year.", "en", "twenty thousand dollars a year"),
        ("We pay 1,200 euros a month.", "en", "1,200 euros"),
        ("It's half the price of yours.", "en", "half the price"),
        ("It is too expensive.", "en", ""),
        ("每月150元太贵了。", "zh", "150元"),
        ("一年要两万元。", "zh", "两万元"),
        ("别家便宜一半。", "zh", "便宜一半"),
        ("太贵了。", "zh", ""),
    ],
)
def test_the_amount_named(text: str, lang: str, number: str) -> None:
    assert read(text, lang=lang).number == number


@pytest.mark.parametrize(
    ("text", "lang", "deadline"),
    [
        ("No budget until next quarter.", "en", "next quarter"),
        ("Let us revisit in March.", "en", "March"),
        ("We are busy.", "en", ""),
        ("下个季度再说吧。", "zh", "下个季度"),
        ("年底之前不行。", "zh", "年底"),
        ("3月以后再谈。", "zh", "3月以后"),
        ("我们很忙。", "zh", ""),
    ],
)
def test_the_deadline_named_without_its_preposition(text: str, lang: str, deadline: str) -> None:
    assert read(text, lang=lang, category="timing").deadline == deadline


@pytest.mark.parametrize(
    ("text", "lang", "asked"),
    [
        ("Where is the data hosted?", "en", True),
        ("Is there a free trial", "en", True),
        ("I'd like to know how long the rollout takes.", "en", True),
        ("We like what we have.", "en", False),
        ("The price is too high.", "en", False),
        ("数据存在哪里？", "zh", True),
        ("有没有试用", "zh", True),
        ("这个多少钱", "zh", True),
        ("我们再考虑一下。", "zh", False),
    ],
)
def test_a_question_is_recognised(text: str, lang: str, asked: bool) -> None:
    assert read(text, lang=lang, category="security").is_question is asked


def test_what_the_rep_said_and_how_technical_the_call_is() -> None:
    context = [("rep", "a"), ("customer", "b"), ("rep", "c"), ("rep", "d")]
    s = read("Too expensive.", context=context, terms=("driver app",))
    assert s.rep_said == ("c", "d")  # the rep's two most recent lines, newest last
    assert s.technical == 0.0
    assert (
        term_density(["The driver app syncs with Shopify offline."], ["driver app", "Shopify"]) > 20
    )
    assert term_density([""], ["Shopify"]) == 0.0


def test_slots_hold_only_what_is_known() -> None:
    s = read("FleetMax quoted us $25 per vehicle until next quarter.", roles_here=("cfo",))
    assert s.slots() == {
        "person": "your CFO",
        "competitor": "FleetMax",
        "number": "$25",
        "deadline": "next quarter",
        "quoted": "yes",  # FleetMax's quote, not ours read back
        "money": "yes",  # an amount and the CFO: a cost question suits
        "rival_offer": "yes",  # the rival named in this line made them an offer
        "on_price": "yes",  # a price objection
    }
    assert "quoted" not in read("So $29 a vehicle is more than we thought.").slots()
    assert read("It is too expensive.").slots() == {"money": "yes", "on_price": "yes"}


def test_a_bad_experience_is_flagged() -> None:
    assert read("We got burned by our last vendor.", category="trust").bad_experience
    assert read("上一家供应商把我们坑惨了。", lang="zh", category="trust").bad_experience
    assert not read("We want to be careful.", category="trust").bad_experience


def test_what_they_already_said_is_not_asked_again() -> None:
    s = read("We're two years into a three-year contract with FleetMax.", category="competitor")
    assert s.timeframe and "timeframe" in s.slots()
    s = read("Our CFO signs off, and she cares most about fuel savings.", category="authority")
    assert s.criteria
    assert read("合同还有八个月才到期。", lang="zh", category="competitor").timeframe
    assert not read("The price is too high.").timeframe


def test_the_date_something_waits_for_is_the_deadline() -> None:
    s = read(
        "The budget for this year is spent; nothing gets approved before April.", category="budget"
    )
    assert s.deadline == "April"
    zh = read("今年的经费已经用完了，只能等明年的预算批下来。", lang="zh", category="budget")
    assert zh.deadline == "明年"


def test_who_weighs_money_and_a_rival_offer_on_the_table() -> None:
    assert not read("Our IT manager will not give write access.", category="authority").money
    assert read("Our finance director signs anything above that.", category="authority").money
    offer = read("Routeo came by and offered to run it for us as a service.", category="need")
    assert offer.competitor == "Routeo" and offer.rival_offer
    assert not read("We use Routeo today.", category="competitor").rival_offer
    assert (
        read("别家上个月来演示过，还给我们报价了。", lang="zh", category="need").rival_offer
        is False
    )
    assert read("快运通上个月来演示过。", lang="zh", category="need").rival_offer


def test_burned_by_promises_is_stricter_than_an_old_system() -> None:
    assert read("A vendor promised us big savings and never delivered.", category="trust").burned
    assert read("上次那家说得好听，结果根本没兑现。", lang="zh", category="trust").burned
    old = read("Moving histories out of our old system without losing anything worries me.",
               category="implementation")  # fmt: skip
    assert old.bad_experience and not old.burned
