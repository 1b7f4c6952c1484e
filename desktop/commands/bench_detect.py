"""`parley bench detect [--data FILE]`: accuracy and speed of the customer-signal detectors.

Prints JSON: per language, objection accuracy (none counted as a class), valence accuracy,
roles exact match and per-utterance milliseconds (median and p95, `inference.metrics`), plus
the confusions.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from inference.metrics import distribution

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "utterances_dev.jsonl"
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("detect", help="objection / valence / roles accuracy and speed (JSON)")
    p.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="labelled JSONL (id, lang, text, objection, valence, roles)",
    )
    p.add_argument(
        "--corpus",
        action="store_true",
        help="instead of --data, Parley's own labelled lines from industries the shipped "
        "models never trained on (inference/detectors/data/blind*.tsv)",
    )
    p.add_argument("--repeat", type=int, default=5, help="timing passes over the data")
    p.add_argument("--errors", action="store_true", help="list the lines that were wrong")
    p.set_defaults(func=run)


def _ms(values: list[float]) -> dict[str, float]:
    """Median and p95 milliseconds (`inference.metrics`: linear interpolation)."""
    dist = distribution(values)
    return {"median_ms": dist["p50"], "p95_ms": dist["p95"]}


def evaluate(
    rows: list[dict[str, Any]], *, repeat: int = 5, errors: bool = False
) -> dict[str, Any]:
    """Figures for labelled rows (one `SignalDetectors`, text only)."""
    from inference.detectors import SignalDetectors

    t0 = time.perf_counter()
    det = SignalDetectors()
    det.detect_text("warm up", "en")
    det.detect_text("预热一下", "zh")
    load_s = time.perf_counter() - t0
    by_lang: dict[str, dict[str, Any]] = {}
    wrong: list[dict[str, Any]] = []
    for row in rows:
        lang = row.get("lang", "auto")
        got = det.detect_text(row["text"], lang)
        ms = []
        for _ in range(max(1, repeat)):
            s = time.perf_counter()
            det.detect_text(row["text"], lang)
            ms.append((time.perf_counter() - s) * 1000.0)
        stats = by_lang.setdefault(
            got.lang, {"n": 0, "objection": 0, "valence": 0, "roles": 0, "ms": []}
        )
        stats["n"] += 1
        ok_obj = got.objection == row.get("objection")
        ok_val = got.valence == row.get("valence")
        ok_roles = set(got.roles) == set(row.get("roles") or [])
        stats["objection"] += ok_obj
        stats["valence"] += ok_val
        stats["roles"] += ok_roles
        stats["ms"].append(min(ms))
        if errors and not (ok_obj and ok_val and ok_roles):
            wrong.append(
                {
                    "id": row.get("id"),
                    "objection": [got.objection, row.get("objection")],
                    "valence": [got.valence, row.get("valence")],
                    "roles": [list(got.roles), row.get("roles")],
                }
            )
    out: dict[str, Any] = {"load_s": round(load_s, 3), "languages": {}}
    all_ms: list[float] = []
    for lang, agg in sorted(by_lang.items()):
        all_ms.extend(agg["ms"])
        out["languages"][lang] = {
            "n": agg["n"],
            "objection_accuracy": round(agg["objection"] / agg["n"], 3),
            "valence_accuracy": round(agg["valence"] / agg["n"], 3),
            "roles_exact": round(agg["roles"] / agg["n"], 3),
            **_ms(agg["ms"]),
        }
    if all_ms:
        out.update(_ms(all_ms))
    if errors:
        out["errors"] = wrong
    return out


def corpus_rows() -> list[dict[str, Any]]:
    """Parley's blind lines (industries the shipped models never trained on), in the --data
    JSONL shape; the corpus does not label roles."""
    from inference.detectors.corpus import load_blind

    return [
        {
            "id": f"{r.industry}-{i}",
            "lang": r.lang,
            "text": r.text,
            "objection": r.objection,
            "valence": r.valence,
            "roles": None,
        }
        for lang in ("en", "zh")
        for i, r in enumerate(load_blind(lang))
    ]


def run(args: argparse.Namespace) -> int:
    if args.corpus:
        result = evaluate(corpus_rows(), repeat=args.repeat, errors=args.errors)
        result["data"] = "inference/detectors/data/blind*.tsv"
        for figures in result["languages"].values():
            figures.pop("roles_exact", None)  # the corpus does not label roles
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    path: Path = args.data
    if not path.is_file():
        print(
            f"parley: no data file at {path}; pass --data FILE with labelled JSONL", file=sys.stderr
        )
        return 1
    rows = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            print(f"parley: line {i} of {path} is not JSON; skipped", file=sys.stderr)
    result = evaluate(rows, repeat=args.repeat, errors=args.errors)
    result["data"] = str(path)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0
