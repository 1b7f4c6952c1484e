"""`parley bench detect [--data FILE | --corpus | --calls DIR]`: how well the detectors hear.

Prints JSON on stdout: per language, objection accuracy (none counted as a class), valence
accuracy, roles exact match, per-utterance milliseconds (median and p95, `inference.metrics`),
the share of
objections that would be tentative, and the confusion matrices (expected category -> detected
counts, drawn as a table per language on stderr; expected valence -> detected, JSON only).

`--calls DIR` replays the customer turns of scripted calls (`*.json`, text only) through the
real hub and detectors (with the call's playbook from `../products/<product>` when there is
one) and counts false alarms: customer turns labelled with no objection that get a
non-tentative objection event (those are the ones that would raise suggestions).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from inference.metrics import distribution

EVAL_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "eval"
DEFAULT_DATA = EVAL_DIR / "utterances_dev.jsonl"
NONE = "none"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("detect", help="objection / valence / roles accuracy and speed (JSON)")
    p.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="labelled JSONL (id, lang, text, objection, valence, roles), or one of Parley's "
        "corpus files (*_en.tsv / *_zh.tsv: industry, objection, valence, text)",
    )
    p.add_argument(
        "--corpus",
        action="store_true",
        help="instead of --data, Parley's own labelled lines from industries the shipped "
        "models never trained on (inference/detectors/data/blind*.tsv)",
    )
    p.add_argument(
        "--calls",
        type=Path,
        nargs="?",
        const=EVAL_DIR / "calls",
        default=None,
        metavar="DIR",
        help="instead of --data, false alarms per scripted call (folder of call JSON files; "
        "default ../shared/eval/calls)",
    )
    p.add_argument(
        "--second-opinion",
        action="store_true",
        help="also read each line with the LLM reader (llm-default, the languages it has a "
        "head for), as a session with the LLM does after the instant stage",
    )
    p.add_argument("--repeat", type=int, default=5, help="timing passes over the data")
    p.add_argument("--errors", action="store_true", help="list the lines that were wrong")
    p.set_defaults(func=run)


def _ms(values: list[float]) -> dict[str, float]:
    """Median and p95 milliseconds (`inference.metrics`: linear interpolation)."""
    dist = distribution(values)
    return {"median_ms": dist["p50"], "p95_ms": dist["p95"]}


def second_reader() -> Any:
    """The LLM reader of the second opinion on `llm-default` (loaded on first use)."""
    from inference.detectors.llm_reader import LlmEncoder, SecondReader

    return SecondReader(LlmEncoder())


def evaluate(
    rows: list[dict[str, Any]], *, repeat: int = 5, errors: bool = False, second: Any = None
) -> dict[str, Any]:
    """Figures for labelled rows (one `SignalDetectors`, text only); with `second` (a
    `SecondReader`) each line is read again with its say, and its time is `second_ms`."""
    from inference.detectors import SignalDetectors
    from inference.detectors.text import normalize

    t0 = time.perf_counter()
    det = SignalDetectors()
    det.detect_text("warm up", "en")
    det.detect_text("预热一下", "zh")
    load_s = time.perf_counter() - t0
    by_lang: dict[str, dict[str, Any]] = {}
    wrong: list[dict[str, Any]] = []
    second_ms: list[float] = []
    for row in rows:
        lang = row.get("lang", "auto")
        got = det.detect_text(row["text"], lang)
        if second is not None and second.has_head(got.lang):
            s0 = time.perf_counter()
            shift = second.shift(normalize(row["text"]).lower(), got.lang)
            second_ms.append((time.perf_counter() - s0) * 1000.0)
            got = det.detect_text(row["text"], lang, second=shift)
        ms = []
        for _ in range(max(1, repeat)):
            s = time.perf_counter()
            det.detect_text(row["text"], lang)
            ms.append((time.perf_counter() - s) * 1000.0)
        stats = by_lang.setdefault(
            got.lang,
            {"n": 0, "objection": 0, "valence": 0, "roles": 0, "ms": [], "tentative": 0,
             "confusion": {}, "valence_confusion": {}, "null_rows": 0, "confirmed_on_null": 0,
             "confirmed_right": 0},
        )  # fmt: skip
        stats["n"] += 1
        want_cat, got_cat = row.get("objection") or NONE, got.objection or NONE
        cell = stats["confusion"].setdefault(want_cat, {})
        cell[got_cat] = cell.get(got_cat, 0) + 1
        vcell = stats["valence_confusion"].setdefault(row.get("valence") or "unlabelled", {})
        vcell[got.valence] = vcell.get(got.valence, 0) + 1
        confirmed = got.objection is not None and not got.tentative
        stats["tentative"] += got.objection is not None and not confirmed
        if want_cat == NONE:
            stats["null_rows"] += 1
            stats["confirmed_on_null"] += confirmed
        else:
            stats["confirmed_right"] += confirmed and got_cat == want_cat
        ok_obj = got.objection == row.get("objection")
        ok_val = got.valence == row.get("valence")
        ok_roles = row.get("roles") is None or set(got.roles) == set(row["roles"])
        stats["objection"] += ok_obj
        stats["valence"] += ok_val
        stats["roles"] += ok_roles
        stats["ms"].append(min(ms))
        if errors and not (ok_obj and ok_val and ok_roles):
            wrong.append(
                {
                    "id": row.get("id"),
                    # Parley's own lines are shown; evaluation lines stay unread (id only).
                    **({"text": row["text"]} if row.get("own") else {}),
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
            "tentative": agg["tentative"],
            # Lines labelled with no objection that get a confirmed one: each would be a false
            # alarm (a suggestion) in a call.
            "null_rows": agg["null_rows"],
            "confirmed_on_null": agg["confirmed_on_null"],
            # Objection lines read right and sure enough to stand alone (a suggestion at once).
            "confirmed_right": agg["confirmed_right"],
            "confusion": agg["confusion"],
            # Expected valence -> detected counts.
            "valence_confusion": agg["valence_confusion"],
        }
    if all_ms:
        out.update(_ms(all_ms))
    if second_ms:
        out["second_opinion_ms"] = _ms(second_ms)
    if errors:
        out["errors"] = wrong
    return out


def _own_rows(rows: list[Any]) -> list[dict[str, Any]]:
    """Parley's corpus rows in the --data JSONL shape; the corpus does not label roles."""
    return [
        {
            "id": f"{r.industry}-{i}",
            "lang": r.lang,
            "text": r.text,
            "objection": r.objection,
            "valence": r.valence,
            "roles": None,
            "own": True,
        }
        for i, r in enumerate(rows)
    ]


def corpus_rows() -> list[dict[str, Any]]:
    """Parley's blind lines (industries the shipped models never trained on), in the --data
    JSONL shape."""
    from inference.detectors.corpus import load_blind

    return [row for lang in ("en", "zh") for row in _own_rows(load_blind(lang))]


def tsv_rows(path: Path) -> list[dict[str, Any]]:
    """The lines of one Parley corpus file (`<name>_en.tsv`, `en_<n>.tsv` and the same in zh)."""
    from inference.detectors.corpus import load_file

    parts = path.stem.split("_")
    lang = next((p for p in (parts[-1], parts[0]) if p in ("en", "zh")), None)
    if lang is None:
        raise ValueError(f"{path.name}: a corpus file is named <name>_en.tsv or <name>_zh.tsv")
    return _own_rows(load_file(path, lang))


def confusion_table(lang: str, confusion: dict[str, dict[str, int]]) -> str:
    """A confusion matrix as text: one row per expected label, one column per detected one."""
    from inference.events import OBJECTION_CATEGORIES

    labels = [NONE, *OBJECTION_CATEGORIES]
    short = {c: c[:5] for c in labels}
    lines = [f"{lang}: expected (rows) x detected (columns)"]
    lines.append(" " * 15 + " ".join(f"{short[c]:>5}" for c in labels))
    for want in labels:
        row = confusion.get(want, {})
        if not row:
            continue
        cells = " ".join(f"{row.get(c, 0) or '.':>5}" for c in labels)
        lines.append(f"{want:>14} {cells}")
    return "\n".join(lines)


def _print_tables(result: dict[str, Any]) -> None:
    for lang, figures in result["languages"].items():
        print(confusion_table(lang, figures["confusion"]), file=sys.stderr)


def call_false_alarms(calls_dir: Path, *, second: Any = None) -> dict[str, Any]:
    """Replay the customer turns of each scripted call through the hub; count false alarms.
    With `second` (a `SecondReader`) the hub asks the second opinion on each line."""
    from desktop.components import build_detectors
    from inference.bus import EventBus
    from inference.clock import SessionClock
    from inference.conversation import ConversationHub
    from inference.events import ClosedUtterance, Event, ObjectionEvent

    calls = sorted(calls_dir.glob("*.json"))
    if not calls:
        raise FileNotFoundError(f"no call files (*.json) in {calls_dir}; pass --calls DIR")
    out: dict[str, Any] = {"calls": []}
    totals: dict[str, int] = {"null_turns": 0, "false_alarms": 0, "tentative_on_null": 0,
              "objection_turns": 0, "confirmed_right": 0}  # fmt: skip
    for path in calls:
        call = json.loads(path.read_text(encoding="utf-8"))
        book = None
        product = EVAL_DIR / "products" / str(call.get("product", ""))
        if call.get("product") and product.is_dir():
            from inference.playbook import load_playbook

            book = load_playbook([str(product)])
        events: list[Event] = []
        bus = EventBus([events.append])
        hub = ConversationHub(
            bus=bus,
            clock=SessionClock(),
            detectors=build_detectors(None, book),  # type: ignore[arg-type]
            synchronous=True,
            second=second,
        )
        labels: dict[str, str | None] = {}
        for i, turn in enumerate(call.get("turns", [])):
            uid = f"t{i}"
            if turn.get("speaker") == "customer":
                labels[uid] = turn.get("objection")
            hub.on_utterance(
                ClosedUtterance(
                    speaker="customer" if turn.get("speaker") == "customer" else "rep",
                    utterance_id=uid,
                    start=float(turn.get("start", 10.0 * i)),
                    end=float(turn.get("end", 10.0 * i + 5.0)),
                    text=str(turn.get("text", "")),
                    lang=str(call.get("lang", "en")),
                )
            )
        hub.drain()
        hub.close()
        bus.close()  # every event handed to the list before it is read
        objections = [e for e in events if isinstance(e, ObjectionEvent)]
        stand = {e.utterance_id: e.category for e in objections if not e.tentative}
        hints = {e.utterance_id for e in objections if e.tentative}
        null_turns = [u for u, lab in labels.items() if lab is None]
        row: dict[str, Any] = {
            "call": path.name,
            "customer_turns": len(labels),
            "null_turns": len(null_turns),
            "false_alarms": sum(u in stand for u in null_turns),
            "tentative_on_null": sum(u in hints and u not in stand for u in null_turns),
            "objection_turns": len(labels) - len(null_turns),
            "confirmed_right": sum(
                stand.get(u) == lab for u, lab in labels.items() if lab is not None
            ),
        }
        for k in totals:
            totals[k] += int(row[k])
        out["calls"].append(row)
    out.update(totals)
    out["false_alarms_per_10_null_turns"] = round(
        10 * totals["false_alarms"] / max(1, totals["null_turns"]), 2
    )
    return out


def run(args: argparse.Namespace) -> int:
    if args.calls is not None:
        try:
            second = second_reader() if getattr(args, "second_opinion", False) else None
            try:
                result = call_false_alarms(args.calls, second=second)
            finally:
                if second is not None:
                    second.close()
        except FileNotFoundError as e:
            print(f"parley: {e}", file=sys.stderr)
            return 1
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    second = second_reader() if getattr(args, "second_opinion", False) else None
    if args.corpus:
        result = evaluate(corpus_rows(), repeat=args.repeat, errors=args.errors, second=second)
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
    rows: list[dict[str, Any]] = []
    if path.suffix == ".tsv":
        try:
            rows = tsv_rows(path)
        except ValueError as e:
            print(f"parley: {e}", file=sys.stderr)
            return 1
    else:
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                print(f"parley: line {i} of {path} is not JSON; skipped", file=sys.stderr)
    if not rows:
        print(f"parley: no labelled lines in {path}", file=sys.stderr)
        return 1
    result = evaluate(rows, repeat=args.repeat, errors=args.errors, second=second)
    result["data"] = str(path)
    if path.suffix == ".tsv":
        for figures in result["languages"].values():
            figures.pop("roles_exact", None)  # the corpus does not label roles
    print(json.dumps(result, ensure_ascii=False, indent=2))
    _print_tables(result)
    return 0
