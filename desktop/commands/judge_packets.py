"""Blind judging packets from suggestion sets files (`parley bench suggest --judge-packets`).

A packet gives a judge what the rubric needs and nothing that tells two systems apart: per
objection turn, the conversation up to the objection, the playbook to read, and the final
paths, each as `[label or strategy] text`. No confidence, stage, timing, detector output or
file name of a sets file appears in it. When two systems are paired, which one is "Set A" is
drawn per turn from a seeded random generator and written only to the separate key file.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from models.errors import ParleyError

NO_SET = "(no suggestion was shown for this turn)"


def load_sets(path: Path) -> list[dict[str, Any]]:
    """The rows of a sets file written by `--sets-out`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ParleyError(
            f"{path} is not a readable sets file ({e}); write one with "
            "`parley bench suggest --sets-out FILE.json`."
        ) from e
    rows = data.get("sets") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not all(
        isinstance(r, dict) and "call" in r and "turn" in r and "paths" in r for r in rows
    ):
        raise ParleyError(
            f'{path} has no "sets" list of {{call, turn, paths}}; write one with '
            "`parley bench suggest --sets-out FILE.json`."
        )
    return rows


def _key(row: dict[str, Any]) -> tuple[str, int]:
    return str(row["call"]), int(row["turn"])


def _conversation(row: dict[str, Any]) -> list[str]:
    lines = []
    for turn in row.get("conversation") or ():
        who = "Rep" if turn.get("speaker") == "rep" else "Customer"
        lines.append(f"> **{who}:** {turn.get('text', '')}")
    return lines


def _paths(row: dict[str, Any] | None) -> list[str]:
    if row is None or not row.get("paths"):
        return [NO_SET]
    return [
        f"{n}. [{p.get('label') or p.get('strategy') or '?'}] {p.get('text', '')}"
        for n, p in enumerate(row["paths"], 1)
    ]


def _header(n: int, row: dict[str, Any]) -> list[str]:
    return [
        f"## Turn {n}",
        "",
        f"Playbook: `{row.get('playbook') or 'none'}`",
        "",
        *_conversation(row),
        "",
    ]


def write_paired(
    mine: list[dict[str, Any]],
    other: list[dict[str, Any]],
    out: Path,
    key_out: Path,
    *,
    seed: int,
    names: tuple[str, str],
) -> int:
    """Write packets for the turns both sets files hold; returns how many turns."""
    theirs = {_key(r): r for r in other}
    pairs = [(r, theirs[_key(r)]) for r in mine if _key(r) in theirs]
    if not pairs:
        raise ParleyError(
            "the two sets files share no objection turn (matched by call id and turn index); "
            "run both systems over the same calls."
        )
    rng = random.Random(seed)
    lines = ["# Suggestion sets to judge", "", _INSTRUCTIONS, ""]
    key_rows = []
    for n, (a, b) in enumerate(pairs, 1):
        mine_first = rng.random() < 0.5
        first, second = (a, b) if mine_first else (b, a)
        lines += _header(n, a)
        lines += ["### Set A", "", *_paths(first), "", "### Set B", "", *_paths(second), ""]
        key_rows.append(
            {
                "turn_no": n,
                "call": a["call"],
                "turn": a["turn"],
                "A": names[0] if mine_first else names[1],
                "B": names[1] if mine_first else names[0],
            }
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")
    key = {"seed": seed, "packet": str(out), "systems": list(names), "turns": key_rows}
    key_out.parent.mkdir(parents=True, exist_ok=True)
    key_out.write_text(json.dumps(key, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return len(pairs)


def write_single(rows: list[dict[str, Any]], out: Path) -> int:
    """Write packets of one system's sets for absolute judging; returns how many turns."""
    lines = ["# Suggestion sets to judge", "", _INSTRUCTIONS_SINGLE, ""]
    for n, row in enumerate(rows, 1):
        lines += _header(n, row)
        lines += ["### Set", "", *_paths(row), ""]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")
    return len(rows)


_INSTRUCTIONS = (
    "For each turn, read the playbook named, the conversation up to the customer's objection, "
    "and the two sets of three paths the rep could be shown. Score each path and each set by "
    "the suggestion rubric; judge each set on its own, then say which set you would rather the "
    "rep had (A, B or tie)."
)
_INSTRUCTIONS_SINGLE = (
    "For each turn, read the playbook named, the conversation up to the customer's objection, "
    "and the three paths the rep could be shown. Score each path and the set by the suggestion "
    "rubric."
)
