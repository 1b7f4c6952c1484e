"""`parley bench detect --data FILE.tsv`: Parley's own corpus files, counted like eval data."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from desktop.commands.bench_detect import evaluate, run, tsv_rows


def _tsv(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("# a comment line\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_tsv_file_is_read_with_its_language_and_counted(tmp_path: Path) -> None:
    path = _tsv(
        tmp_path,
        "mine_en.tsv",
        [
            "bakery\tnone\tneu\twe bake about two thousand loaves a day",
            "bakery\tprice\tneg\tHonestly that is far too expensive for us.",
        ],
    )
    rows = tsv_rows(path)
    assert [r["lang"] for r in rows] == ["en", "en"] and rows[0]["objection"] is None
    figures = evaluate(rows, repeat=1, errors=True)["languages"]["en"]
    assert figures["n"] == 2 and figures["null_rows"] == 1
    assert figures["confirmed_right"] == 1  # the price line, sure enough to stand alone
    assert figures["confirmed_on_null"] == 0
    # Expected valence -> detected, as for the objection: every line counted once.
    valence = figures["valence_confusion"]
    assert set(valence) == {"neutral", "negative"}
    assert sum(sum(row.values()) for row in valence.values()) == 2
    assert sum(v.get(k, 0) for k, v in valence.items()) == round(2 * figures["valence_accuracy"])
    assert tsv_rows(_tsv(tmp_path, "zh_7.tsv", ["x\tnone\tneu\t你好"]))[0]["lang"] == "zh"


def test_a_tsv_file_without_a_language_in_its_name_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _tsv(tmp_path, "lines.tsv", ["bakery\tnone\tneu\thello"])
    args = argparse.Namespace(data=path, corpus=False, calls=None, repeat=1, errors=False)
    assert run(args) == 1
    assert "_en.tsv" in capsys.readouterr().err
    good = _tsv(tmp_path, "ok_en.tsv", ["bakery\tnone\tneu\thello there"])
    assert run(argparse.Namespace(data=good, corpus=False, calls=None, repeat=1, errors=True)) == 0
    out = json.loads(capsys.readouterr().out)
    assert "roles_exact" not in out["languages"]["en"]  # the corpus labels no roles
