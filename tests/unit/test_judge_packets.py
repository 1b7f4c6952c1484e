"""Blind judging packets: the pairing, the seeded order, and that nothing gives a system away."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.commands.judge_packets import load_sets, write_paired, write_single
from models.errors import ParleyError


def _row(call: str, turn: int, texts: list[str], *, conf: float, label: str | None = None) -> dict:
    paths = []
    for n, text in enumerate(texts):
        path = {
            "strategy": f"move_{n}",
            "text": text,
            "confidence": conf,
            "sources": [{"file": "/secret/sheet.md", "heading": "Pricing"}],
        }
        if label:
            path["label"] = f"{label} {n}"
        paths.append(path)
    return {
        "call": call,
        "turn": turn,
        "lang": "en",
        "playbook": "tests/data/playbooks/gearpulse",
        "conversation": [
            {"speaker": "rep", "text": "Hi."},
            {"speaker": "customer", "text": "Too dear."},
        ],
        "detected": {"category": "price", "confidence": 0.93},
        "served": True,
        "paths": paths,
    }


def _systems(n: int) -> tuple[list[dict], list[dict]]:
    mine = [
        _row("call_a", i, [f"mine {i} path {k}" for k in range(3)], conf=0.8765, label="Reframe")
        for i in range(n)
    ]
    other = [
        _row("call_a", i, [f"other {i} path {k}" for k in range(3)], conf=0.4321) for i in range(n)
    ]
    return mine, other


def _sections(text: str) -> list[tuple[str, str]]:
    """(Set A body, Set B body) per turn."""
    out = []
    for part in text.split("## Turn ")[1:]:
        a = part.split("### Set A")[1].split("### Set B")[0]
        b = part.split("### Set B")[1]
        out.append((a, b))
    return out


def test_paired_packet_never_contains_the_key(tmp_path: Path) -> None:
    mine, other = _systems(12)
    out, key_out = tmp_path / "packets.md", tmp_path / "key.json"
    n = write_paired(mine, other, out, key_out, seed=3, names=("engine-v2", "sets_baseline.json"))
    assert n == 12
    text = out.read_text(encoding="utf-8")
    key = json.loads(key_out.read_text(encoding="utf-8"))
    for secret in (
        "engine-v2",
        "sets_baseline",
        "key.json",
        "0.8765",
        "0.4321",
        "0.93",
        "confidence",
        "instant",
        "refined",
        "/secret/",
        "price",
    ):
        assert secret not in text, secret
    assert "tests/data/playbooks/gearpulse" in text and "> **Customer:** Too dear." in text
    # each turn's Set A is the system the key names, and both orders occur
    sections = _sections(text)
    for (a, b), row in zip(sections, key["turns"], strict=True):
        assert ("mine" in a) == (row["A"] == "engine-v2")
        assert ("mine" in b) == (row["B"] == "engine-v2")
        assert f"mine {row['turn']} path 0" in a + b and f"other {row['turn']} path 0" in a + b
    assert {row["A"] for row in key["turns"]} == {"engine-v2", "sets_baseline.json"}
    assert "[Reframe 0] mine" in text and "[move_0] other" in text


def test_paired_order_is_seeded(tmp_path: Path) -> None:
    mine, other = _systems(10)
    orders = []
    for run, seed in enumerate((5, 5, 6)):
        key = tmp_path / f"k{run}.json"
        write_paired(mine, other, tmp_path / f"p{run}.md", key, seed=seed, names=("x", "y"))
        orders.append([r["A"] for r in json.loads(key.read_text())["turns"]])
    assert orders[0] == orders[1] and orders[0] != orders[2]


def test_paired_matches_by_call_and_turn_and_shows_missing_sets(tmp_path: Path) -> None:
    mine, other = _systems(3)
    other = [other[2], other[0]]  # another order, one turn missing
    mine[0]["paths"] = []
    n = write_paired(mine, other, tmp_path / "p.md", tmp_path / "k.json", seed=1, names=("x", "y"))
    assert n == 2
    text = (tmp_path / "p.md").read_text()
    assert "(no suggestion was shown for this turn)" in text and "other 2 path 1" in text
    with pytest.raises(ParleyError, match="share no objection turn"):
        write_paired(
            mine,
            [_row("call_b", 0, ["z"], conf=0.1)],
            tmp_path / "q.md",
            tmp_path / "k2.json",
            seed=1,
            names=("x", "y"),
        )


def test_single_packet_has_no_scores_and_no_ab(tmp_path: Path) -> None:
    mine, _ = _systems(2)
    assert write_single(mine, tmp_path / "s.md") == 2
    text = (tmp_path / "s.md").read_text()
    assert "Set A" not in text and "0.8765" not in text and "[Reframe 2] mine 1 path 2" in text


def test_load_sets_says_what_to_do(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"calls": []}')
    with pytest.raises(ParleyError, match="--sets-out"):
        load_sets(bad)
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"sets": _systems(1)[0]}))
    assert load_sets(good)[0]["call"] == "call_a"
