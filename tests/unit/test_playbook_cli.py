"""`parley playbook check` prints entries and rules with their sentences."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli import main

DEMO = Path(__file__).resolve().parent.parent / "data" / "playbook_routewise"


def test_check_prints_rules_with_sentences(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["playbook", "check", str(DEMO)]) == 0
    out = capsys.readouterr().out
    assert "product_en.md > Pricing" in out
    assert "[max_discount] maximum discount 8%" in out
    assert '"Reps may offer at most 8% off on top of the annual plan;"' in out
    assert "[price_floor:元] price floor 150 元" in out
    assert "我们尚未通过等保三级" in out


def test_check_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["playbook", "check", "--json", str(DEMO)]) == 0
    data = json.loads(capsys.readouterr().out)
    rules = {r["id"]: r for r in data["rules"]}
    assert rules["price_floor:$"]["value"] == 22
    assert (
        rules["price_floor:$"]["sentence"] == "Never quote a price below $22 per vehicle per month."
    )
    assert {"file": "approved_answers.md", "heading": '"It\'s too expensive"'}.items() <= {
        **next(e for e in data["entries"] if e["file"] == "approved_answers.md")
    }.items()
    assert "Harbor Foods" in data["terms"]


def test_check_missing_folder_fails_with_a_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["playbook", "check", str(tmp_path / "missing")]) == 1
    assert "does not exist" in capsys.readouterr().err
