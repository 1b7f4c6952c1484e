"""Rules extracted from prose in both languages, and the structured block that overrides them."""

from __future__ import annotations

from pathlib import Path

import pytest

from inference.errors import PlaybookError
from inference.playbook import load_playbook
from inference.playbook.numbers import find_discounts, find_money, zh_to_number


def _rules(tmp_path: Path, text: str):
    (tmp_path / "sheet.md").write_text("# Sheet\n\n## Terms\n" + text + "\n", encoding="utf-8")
    return {r.id: r for r in load_playbook([tmp_path]).rules}


@pytest.mark.parametrize(
    ("sentence", "cap"),
    [
        ("A rep may offer at most 10% off.", 10),
        ("Discounts are capped at 12 percent.", 12),
        ("Never give more than fifteen percent off the list price.", 15),
        ("折扣不超过九折。", 10),
        ("最多优惠15%。", 15),
        ("销售最低只能打到八折。", 20),
        ("在年付基础上最多再让5%。", 5),
        ("价格最低七五折，不能再低。", 25),
    ],
)
def test_max_discount_from_prose(tmp_path: Path, sentence: str, cap: float) -> None:
    rule = _rules(tmp_path, sentence)["max_discount"]
    assert rule.value == cap
    assert rule.sentence == sentence
    assert rule.file == "sheet.md"


def test_an_offered_discount_is_not_a_cap(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "- Annual plan: 20% off list price.\n- Uptime 99.9%.")
    assert "max_discount" not in rules


@pytest.mark.parametrize(
    ("sentence", "value", "currency"),
    [
        ("任何情况下不得低于每坐席每月220元。", 220, "元"),
        ("Never quote below $30 per seat per month.", 30, "$"),
        ("The minimum price is €18 per user.", 18, "€"),
        ("底价为每台每年二百元。", 200, "元"),
    ],
)
def test_price_floor_from_prose(tmp_path: Path, sentence: str, value: float, currency: str) -> None:
    rule = _rules(tmp_path, sentence)["price_floor"]
    assert (rule.value, rule.currency, rule.sentence) == (value, currency, sentence)


def test_list_price_is_not_a_floor(tmp_path: Path) -> None:
    assert "price_floor" not in _rules(tmp_path, "List price: $49 per agent per month.")


def test_certifications_not_held_in_both_languages(tmp_path: Path) -> None:
    rules = _rules(
        tmp_path,
        "We are ISO 27001 certified.\nWe are not HIPAA certified.\n我们尚未通过等保三级。",
    )
    assert rules["forbidden_claim:cert:hipaa"].terms == ("HIPAA",)
    assert rules["forbidden_claim:cert:hipaa"].sentence == "We are not HIPAA certified."
    assert rules["forbidden_claim:cert:等保三级"].sentence == "我们尚未通过等保三级。"
    assert "forbidden_claim:cert:iso27001" not in rules


def test_general_certification_rule_knows_what_is_held(tmp_path: Path) -> None:
    rules = _rules(
        tmp_path,
        "- SOC 2 Type II report available.\n- ISO 27001 certified.\n"
        "- Do not claim certifications the company does not hold.",
    )
    rule = rules["forbidden_claim:certification"]
    assert set(rule.allowed) == {"SOC 2 Type II", "ISO 27001"}


@pytest.mark.parametrize(
    "sentence",
    [
        "Do not promise roadmap features or dates.",
        "Never commit to release dates.",
        "不得承诺尚未发布的功能或上线日期。",
    ],
)
def test_roadmap_rule(tmp_path: Path, sentence: str) -> None:
    assert _rules(tmp_path, sentence)["forbidden_claim:roadmap"].sentence == sentence


def test_forbidden_comparison_names_the_competitors(tmp_path: Path) -> None:
    (tmp_path / "sheet.md").write_text(
        "## Competitors\n- Acme: cheaper, fewer reports.\n- Globex: slower setup.\n"
        "## Rules\n- 不得点名贬低竞品。\n",
        encoding="utf-8",
    )
    rule = {r.id: r for r in load_playbook([tmp_path]).rules}["forbidden_comparison"]
    assert rule.terms == ("Acme", "Globex")
    assert rule.sentence == "不得点名贬低竞品。"


def test_rules_block_overrides_prose(tmp_path: Path) -> None:
    (tmp_path / "sheet.md").write_text(
        "---\nmax_discount: 5%\ncertifications_not_held: [SOC 2]\n---\n"
        "# Sheet\n## Pricing\nA rep may offer at most 10% off.\n"
        "```parley-rules\nprice_floor: 220元\ncompetitors:\n  - Acme\n```\n",
        encoding="utf-8",
    )
    pb = load_playbook([tmp_path])
    rules = {r.id: r for r in pb.rules}
    assert rules["max_discount"].value == 5
    assert "rules block" in rules["max_discount"].sentence
    assert (rules["price_floor"].value, rules["price_floor"].currency) == (220, "元")
    assert rules["forbidden_claim:cert:soc2"].terms == ("SOC 2",)
    assert rules["forbidden_comparison"].terms == ("Acme",)
    assert not any("parley-rules" in e.text or "max_discount" in e.text for e in pb.entries)


def test_rules_block_can_drop_a_rule(tmp_path: Path) -> None:
    (tmp_path / "sheet.md").write_text(
        "## Pricing\nA rep may offer at most 10% off.\n```parley-rules\nmax_discount: none\n```\n",
        encoding="utf-8",
    )
    assert not any(r.kind == "max_discount" for r in load_playbook([tmp_path]).rules)


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("max_discount 10", "not 'key: value'"),
        ("discount_max: 10", "Unknown rule"),
        ("price_floor: 35", "currency"),
    ],
)
def test_malformed_rules_block(tmp_path: Path, block: str, message: str) -> None:
    (tmp_path / "sheet.md").write_text(
        f"## A\ntext\n```parley-rules\n{block}\n```\n", encoding="utf-8"
    )
    with pytest.raises(PlaybookError, match=message):
        load_playbook([tmp_path])


def test_numbers() -> None:
    assert [d.percent_off for d in find_discounts("八折 八五折 8.5折 七五折 九折")] == [
        20,
        15,
        15,
        25,
        10,
    ]
    assert [d.percent_off for d in find_discounts("a 25% discount, 99.9% uptime")] == [25]
    assert [(m.value, m.currency) for m in find_money("$1,200 a year or 2.2万元 or 二百元")] == [
        (1200, "$"), (22000, "元"), (200, "元"),
    ]  # fmt: skip
    assert zh_to_number("二百二十") == 220


def test_eval_product_sheets(eval_dir: Path) -> None:
    """The rules a user wrote in the evaluation sheets are found (measurement, not tuning)."""
    en = {r.id: r for r in load_playbook([eval_dir / "products" / "clouddesk"]).rules}
    assert en["max_discount"].value == 10
    assert (en["price_floor"].value, en["price_floor"].currency) == (35, "$")
    assert "forbidden_claim:roadmap" in en and "forbidden_comparison" in en
    assert "forbidden_claim:cert:hipaa" in en
    zh = {r.id: r for r in load_playbook([eval_dir / "products" / "yikeyun"]).rules}
    assert zh["max_discount"].value == 5
    assert (zh["price_floor"].value, zh["price_floor"].currency) == (220, "元")
    assert "forbidden_claim:roadmap" in zh and "forbidden_comparison" in zh


@pytest.mark.parametrize(
    ("sentence", "rule_id"),
    [
        ("The lowest price we can quote is $500 per unit.", "price_floor"),
        ("Discounts above 10% require VP approval.", "max_discount"),
        ("We do not have FDA clearance yet.", "forbidden_claim:cert:fda"),
        ("我们没有取得医疗器械注册证。", "forbidden_claim:cert:医疗器械注册证"),
        ("Never bash competitors.", "forbidden_comparison"),
        ("Don't make promises about upcoming releases.", "forbidden_claim:roadmap"),
        ("不得擅自承诺新版本的交付日期。", "forbidden_claim:roadmap"),
    ],
)
def test_other_industries_phrasings(tmp_path: Path, sentence: str, rule_id: str) -> None:
    assert _rules(tmp_path, sentence)[rule_id].sentence == sentence
