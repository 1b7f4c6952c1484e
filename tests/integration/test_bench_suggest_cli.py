"""`parley bench suggest --no-llm` as a user runs it: a real process, the real detectors,
suggestion engine and guard, on one of the project's scripted calls and its playbook."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PARLEY = [sys.executable, "-m", "desktop.cli"]
ROOT = Path(__file__).resolve().parents[2]
CALL = ROOT / "tests" / "data" / "suggest_calls" / "suggest_call_gearpulse_en.json"


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PARLEY, "bench", "suggest", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=300,
    )


def test_bench_suggest_no_llm_serves_the_objection_turns(tmp_path: Path) -> None:
    sets_out, packets = tmp_path / "sets.json", tmp_path / "packets.md"
    proc = _run(
        [
            "--no-llm",
            "--call",
            str(CALL),
            "--sets-out",
            str(sets_out),
            "--judge-packets",
            str(packets),
        ]
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    summary = result["summary"]
    labelled = [t for t in json.loads(CALL.read_text())["turns"] if t.get("objection")]
    assert summary["objection_turns"] == len(labelled) == 6
    assert summary["turns_served"] >= len(labelled) - 1
    for key in (
        "false_alarms",
        "duplicate_sets",
        "question_paths_not_asking",
        "checker_rejected_paths",
        "same_fact_sets",
        "wrong_language_paths",
    ):
        assert isinstance(summary[key], int), key
    assert summary["wrong_language_paths"] == 0
    assert set(summary["latency_s"]) == {"instant", "first_refined", "all_refined"}
    assert summary["latency_s"]["instant"]["n"] == summary["turns_served"]
    (call,) = result["calls"]
    assert call["call"] == "suggest_call_gearpulse_en"
    assert call["playbook"].endswith("tests/data/playbooks/gearpulse")
    sets = json.loads(sets_out.read_text(encoding="utf-8"))["sets"]
    assert [s["turn"] for s in sets] == [
        i for i, t in enumerate(json.loads(CALL.read_text())["turns"]) if t.get("objection")
    ]
    for row in sets:
        assert row["conversation"][-1]["speaker"] == "customer"
        assert len(row["conversation"]) == row["turn"] + 1
        if row["served"]:
            assert len(row["paths"]) == 3 and all(p["text"] and p["strategy"] for p in row["paths"])
    text = packets.read_text(encoding="utf-8")
    assert text.count("## Turn ") == 6 and "confidence" not in text


def test_bench_suggest_bad_input_says_what_to_do(tmp_path: Path) -> None:
    proc = _run(["--no-llm", "--call", str(tmp_path / "missing.json")])
    assert proc.returncode != 0 and "give scripted calls" in proc.stderr
    proc = _run(["--sets-in", str(CALL), "--against", str(CALL)])
    assert proc.returncode == 2 and "--against needs --judge-packets" in proc.stderr
