"""`parley bench suggest`: what the suggestion sets of scripted calls look like, and how fast.

Each call (`--call SCRIPT.json`, repeatable; default: the evaluation dev calls plus the
project's own `tests/data/suggest_calls/*.json`) is replayed as a timed transcript through the
whole pipeline, as `parley replay` does (detectors, suggestion engine, compliance guard, the
LLM writer unless `--no-llm`). A call without turn times gets them from its word count (2.6
words/s, 0.6 s gaps). Its playbook is `--playbook DIR`, else the folder named by the call's
`product` among the evaluation products and `tests/data/playbooks`.

`--speed max` (default) lets every objection finish its refined paths before the next turn:
the quality run. `--speed 1` replays in real time: the latency run.

JSON on stdout, per call and overall: objection turns, turns served, false alarms, duplicate
sets, question paths that do not ask, paths the checker rejected, sets citing one playbook fact
twice, wrong-language paths, latencies (p50/p95). `--sets-out FILE` keeps the final sets for
judging; `--judge-packets OUT.md` writes blind packets (`--against OTHER.json --key-out K.json`
pairs two systems); `--sets-in FILE` reuses a sets file instead of replaying.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from desktop.commands.common import (
    SPEED_CHOICES,
    add_model_options,
    add_playbook_option,
    add_warmup_option,
)

_ROOT = Path(__file__).resolve().parents[2]
_EVAL = _ROOT.parent / "shared" / "eval"
OWN_CALLS = _ROOT / "tests" / "data" / "suggest_calls"
OWN_PLAYBOOKS = _ROOT / "tests" / "data" / "playbooks"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "suggest",
        help="suggestion sets over scripted calls: served, duplicates, checks, latency",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    p.add_argument("--call", type=Path, action="append", default=[], metavar="SCRIPT.json")
    p.add_argument("--speed", choices=SPEED_CHOICES, default="max")
    p.add_argument("--no-llm", action="store_true", help="instant paths only")
    p.add_argument("--timeout", type=float, default=900.0, metavar="S", help="per call")
    p.add_argument("--sets-out", type=Path, metavar="FILE.json", help="write the final sets")
    p.add_argument(
        "--sets-in",
        type=Path,
        metavar="FILE.json",
        help="use a sets file instead of replaying (set figures and packets only)",
    )
    p.add_argument("--system", default="this", help="this run's name in the sets and key files")
    p.add_argument("--judge-packets", type=Path, metavar="OUT.md", help="write blind packets")
    p.add_argument("--against", type=Path, metavar="OTHER.json", help="the other system's sets")
    p.add_argument("--key-out", type=Path, metavar="KEY.json", help="which system is Set A")
    p.add_argument("--seed", type=int, default=17, help="seed of the A/B order")
    add_playbook_option(p)
    add_model_options(p)
    add_warmup_option(p)
    p.set_defaults(func=run)


def default_calls() -> list[Path]:
    return sorted((_EVAL / "calls").glob("dev_call_*.json")) + sorted(OWN_CALLS.glob("*.json"))


def call_playbook(call: Path, script: dict[str, Any]) -> Path | None:
    """The folder named by the call's `product`, next to the call or in the known places."""
    product = script.get("product")
    if not isinstance(product, str) or not product or "/" in product or "\\" in product:
        return None
    here = call.resolve().parent.parent
    for base in (here / "products", here / "playbooks", _EVAL / "products", OWN_PLAYBOOKS):
        if (base / product).is_dir():
            return base / product
    return None


def _load_call(call: Path) -> dict[str, Any]:
    from models.errors import ParleyError

    try:
        script = json.loads(call.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ParleyError(
            f"{call} is not a readable scripted call ({e}); give a call .json."
        ) from e
    turns = script.get("turns") if isinstance(script, dict) else None
    if not isinstance(turns, list) or not turns:
        raise ParleyError(
            f'{call} has no "turns"; a scripted call needs turns with speaker and text '
            "(customer turns labelled with objection)."
        )
    return script


def _replay_call(args: argparse.Namespace, call: Path, tmp: Path) -> tuple[Any, list[str]]:
    from desktop.commands.bench_e2e import _Recorder, _replay
    from desktop.commands.suggest_sets import CallRun, timed_turns
    from inference.text import guess_lang

    script = _load_call(call)
    turns = timed_turns(script["turns"])
    lang = script.get("lang") or guess_lang(" ".join(str(t.get("text", "")) for t in turns))
    transcript = tmp / f"{call.stem}.timed.json"
    transcript.write_text(
        json.dumps({"lang": lang, "turns": turns}, ensure_ascii=False), encoding="utf-8"
    )
    named = call_playbook(call, script)
    playbooks = tuple(args.playbook) or ((named,) if named else ())
    print(f"bench suggest: replaying {call.name} ...", file=sys.stderr, flush=True)
    recorder = _Recorder()
    events, errors = _replay(args, transcript, playbooks, recorder)
    with recorder.lock:
        walls = list(recorder.walls)
    call_id = str(script.get("id") or call.stem)
    book = str(playbooks[0]) if len(playbooks) == 1 else ";".join(map(str, playbooks)) or None
    return CallRun(call_id, lang, book, turns, events, walls), errors


def _packets(args: argparse.Namespace, rows: list[dict[str, Any]]) -> dict[str, Any]:
    from desktop.commands.judge_packets import load_sets, write_paired, write_single

    if args.against is None:
        n = write_single(rows, args.judge_packets)
        return {"packets": str(args.judge_packets), "turns": n}
    other = load_sets(args.against)
    other_name = str(args.against)
    names = (args.system, other_name if other_name != args.system else f"{other_name} (other)")
    n = write_paired(rows, other, args.judge_packets, args.key_out, seed=args.seed, names=names)
    return {"packets": str(args.judge_packets), "key": str(args.key_out), "turns": n}


def _check_args(args: argparse.Namespace) -> str | None:
    if args.against is not None and args.judge_packets is None:
        return "--against needs --judge-packets OUT.md"
    if args.against is not None and args.key_out is None:
        return "--against needs --key-out KEY.json (the key is kept apart from the packets)"
    if args.key_out is not None and args.against is None:
        return "--key-out needs --against OTHER.json (a single-system packet has no key)"
    if args.sets_in is not None and args.call:
        return "give either --sets-in or --call, not both"
    return None


def run(args: argparse.Namespace) -> int:
    from desktop.commands.judge_packets import load_sets
    from desktop.commands.suggest_metrics import summarise_sets
    from desktop.commands.suggest_sets import analyse_call, summarise_calls
    from models.errors import ParleyError

    problem = _check_args(args)
    if problem:
        print(f"parley bench suggest: {problem}", file=sys.stderr)
        return 2
    result: dict[str, Any] = {"bench": "suggest"}
    errors: dict[str, list[str]] = {}
    if args.sets_in is not None:
        rows = load_sets(args.sets_in)
        result.update(sets_in=str(args.sets_in), summary=summarise_sets(rows))
    else:
        calls = list(args.call) or default_calls()
        missing = [str(c) for c in calls if not c.is_file()]
        if missing:
            raise ParleyError(f"{', '.join(missing)} does not exist; give scripted calls (.json).")
        reports, rows = [], []
        with tempfile.TemporaryDirectory(prefix="parley-suggest-") as tmp:
            for call in calls:
                call_run, errs = _replay_call(args, call, Path(tmp))
                report, call_rows = analyse_call(call_run)
                report["errors"] = errs
                if errs:
                    errors[call_run.call_id] = errs
                reports.append(report)
                rows += call_rows
        result.update(
            speed=args.speed,
            llm=not args.no_llm,
            llm_model=None if args.no_llm else args.llm_model,
            summary=summarise_calls(reports),
            calls=reports,
        )
        if args.sets_out is not None:
            sets = {
                "bench": "suggest_sets",
                "system": args.system,
                "speed": args.speed,
                "llm": not args.no_llm,
                "sets": rows,
            }
            args.sets_out.parent.mkdir(parents=True, exist_ok=True)
            args.sets_out.write_text(
                json.dumps(sets, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
            )
            result["sets_out"] = str(args.sets_out)
    if args.judge_packets is not None:
        result["judge_packets"] = _packets(args, rows)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 1 if errors else 0
