"""`parley detect` and `parley bench detect` as a user runs them (real process, real jieba)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PARLEY = [sys.executable, "-m", "desktop.cli"]
ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PARLEY, *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=120,
    )


def test_detect_one_line_out_per_line_in_order_with_errors() -> None:
    lines = [
        json.dumps({"id": "a", "text": "Your annual fee is far too expensive for us."}),
        "{not json",
        json.dumps({"id": "b", "text": "我们今年的预算已经冻结了。"}),
        json.dumps({"id": "c"}),
        json.dumps(["a", "list"]),
        json.dumps(
            {"id": 7, "text": "Our owner and the head of finance both sign off on purchases."}
        ),
        json.dumps({"id": "d", "text": "Thanks, this was a great walkthrough!"}),
    ]
    proc = _run(["detect"], "\n".join(lines) + "\n")
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert len(out) == len(lines)
    assert [o.get("id") for o in out] == ["a", None, "b", "c", None, 7, "d"]
    assert out[0]["objection"] == "price"
    assert set(out[0]) == {
        "id",
        "objection",
        "objection_confidence",
        "valence",
        "label",
        "roles",
        "terms",
    }
    assert "error" in out[1] and "error" in out[3] and "error" in out[4]
    assert out[2]["objection"] == "budget"
    assert out[5]["objection"] == "authority"
    assert set(out[5]["roles"]) == {"ceo", "cfo"}
    assert out[6]["objection"] is None
    assert out[6]["valence"] == "positive"


def test_detect_lang_option_forces_language() -> None:
    proc = _run(["detect", "--lang", "zh"], json.dumps({"id": 1, "text": "太贵了"}) + "\n")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["objection"] == "price"


def test_bench_detect_reports_per_language_figures(tmp_path: Path) -> None:
    data = tmp_path / "lines.jsonl"
    rows = [
        {
            "id": "1",
            "lang": "en",
            "text": "We can't afford this right now.",
            "objection": "budget",
            "valence": "negative",
            "roles": [],
        },
        {
            "id": "2",
            "lang": "zh",
            "text": "这个价格太高了。",
            "objection": "price",
            "valence": "negative",
            "roles": [],
        },
        {
            "id": "3",
            "lang": "zh",
            "text": "董事会下周开会。",
            "objection": None,
            "valence": "neutral",
            "roles": ["board"],
        },
    ]
    data.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
    )
    proc = _run(["bench", "detect", "--data", str(data), "--repeat", "1"], "")
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    assert set(figures["languages"]) == {"en", "zh"}
    zh = figures["languages"]["zh"]
    assert zh["n"] == 2
    for key in ("objection_accuracy", "valence_accuracy", "roles_exact", "median_ms", "p95_ms"):
        assert key in zh
    assert figures["languages"]["en"]["objection_accuracy"] == 1.0


def test_bench_detect_on_the_dev_set_meets_targets(eval_dir: Path) -> None:
    proc = _run(
        ["bench", "detect", "--data", str(eval_dir / "utterances_dev.jsonl"), "--repeat", "1"], ""
    )
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    for lang in ("en", "zh"):
        f = figures["languages"][lang]
        assert f["objection_accuracy"] >= 0.85
        assert f["valence_accuracy"] >= 0.80
        assert f["roles_exact"] >= 0.90


@pytest.mark.parametrize("missing", ["nope.jsonl"])
def test_bench_detect_without_data_fails_with_a_sentence(tmp_path: Path, missing: str) -> None:
    proc = _run(["bench", "detect", "--data", str(tmp_path / missing)], "")
    assert proc.returncode == 1
    assert "--data" in proc.stderr


def test_bench_detect_corpus_reports_unseen_industries() -> None:
    proc = _run(["bench", "detect", "--corpus", "--repeat", "1"], "")
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    for lang in ("en", "zh"):
        f = figures["languages"][lang]
        assert f["n"] >= 150
        assert f["objection_accuracy"] >= 0.85
        assert "roles_exact" not in f  # the corpus does not label roles
