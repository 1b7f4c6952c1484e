"""`parley bench e2e`: per objection turn of scripted calls, detected or missed and how fast
the suggestions came.

A scripted call (`--call SCRIPT.json`, repeatable; default: every evaluation call) is replayed
through the whole pipeline at `--speed` (default 1, real time):

- a call whose turns carry `start`/`end` is a timed transcript and is replayed as text;
- any other call is rendered to two-channel audio with `shared/tools/render_call.py` (espeak-ng),
  whose timeline gives each turn's true start and end; `--wav FILE --timeline T.json` replays a
  recording already rendered.

For each customer turn labelled with an objection it reports: detected or missed (an objection
event whose utterance overlaps the turn), the latency from the end of the turn (session clock,
so measure at speed 1) to the instant paths, to the first refined path and to all three, and
whether a newer objection superseded it. It also checks what was shown: three distinct
strategies, each path citing a playbook entry, instant paths in the customer's language, refined
paths stating a fact found in an entry they cite, and zero rule violations. Medians are over
objections that were detected and not superseded. Targets: instant <= 2 s, first refined <= 8 s,
all three <= 12 s (2-core CPU, speed 1); peak memory <= 3 GB. For recordings it also reports
how fast the customer's transcript kept up meanwhile: each customer turn's end to the `t` of the
last final transcript event overlapping it, the utterance's one final (p50 <= 1.5 s, p95 <= 2.5 s
with the LLM beside it, issue 19's targets; the one definition in
`inference.metrics`, as `parley bench asr`). JSON on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.commands.common import (
    SPEED_CHOICES,
    add_model_options,
    add_playbook_option,
    add_warmup_option,
    draft_value,
    speed_value,
)
from inference.events import Event, ObjectionEvent, StatusEvent, SuggestionEvent
from inference.metrics import TurnSpan, distribution, turn_final_latencies

_SHARED = Path(__file__).resolve().parents[2].parent / "shared"
TARGETS_S = {"instant": 2.0, "first_refined": 8.0, "all_refined": 12.0}
TARGET_PEAK_MB = 3072
ASR_TARGETS_S = {"p50": 1.5, "p95": 2.5}  # customer turn-final latency (issue 19's targets)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "e2e",
        help="objection detection and suggestion latency over scripted calls",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    p.add_argument("--call", type=Path, action="append", default=[], metavar="SCRIPT.json")
    p.add_argument("--speed", choices=SPEED_CHOICES, default="1")
    p.add_argument("--wav", type=Path, metavar="FILE", help="a rendered recording of --call")
    p.add_argument("--timeline", type=Path, metavar="T.json", help="the timeline of --wav")
    p.add_argument("--no-llm", action="store_true", help="instant paths only")
    p.add_argument("--timeout", type=float, default=540.0, metavar="S", help="per call")
    add_playbook_option(p)
    add_model_options(p)
    add_warmup_option(p)
    p.set_defaults(func=run)


@dataclass
class _Recorder:
    """Every event of a session, with the wall time (monotonic) it arrived."""

    events: list[Event] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    second_s: list[float] = field(default_factory=list)  # the second opinion's latencies
    second_tokens: list[int] = field(default_factory=list)  # what it read after the final

    def __call__(self, event: Event) -> None:
        with self.lock:
            self.events.append(event)
            self.walls.append(time.monotonic())


def _call_playbook(call: Path, script: dict[str, Any]) -> Path | None:
    product = script.get("product")
    if not isinstance(product, str) or not product or "/" in product or "\\" in product:
        return None
    folder = call.resolve().parent.parent / "products" / product
    return folder if folder.is_dir() else None


def _render(call: Path, workdir: Path) -> tuple[Path, list[dict[str, Any]]]:
    from models.errors import ParleyError

    tool = _SHARED / "tools" / "render_call.py"
    if not tool.is_file():
        raise ParleyError(f"{tool} is missing; give --wav and --timeline of a rendered call.")
    wav, timeline = workdir / f"{call.stem}.wav", workdir / f"{call.stem}.timeline.json"
    try:
        subprocess.run(
            [sys.executable, str(tool), str(call), str(wav), "--timeline", str(timeline)],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError) as e:
        raise ParleyError(
            f"Rendering {call.name} failed ({e}); install espeak-ng and sox, or give --wav."
        ) from e
    return wav, json.loads(timeline.read_text(encoding="utf-8"))["turns"]


def _replay(
    args: argparse.Namespace,
    path: Path,
    playbooks: tuple[Path, ...],
    recorder: _Recorder | None = None,
) -> tuple[list[Event], list[str]]:
    from desktop.commands.common import session_options_from_args
    from desktop.session_runner import RunningSession

    options = session_options_from_args(
        args, mode="replay", input=path, speed=speed_value(args.speed), playbooks=playbooks
    )
    recorder = recorder if recorder is not None else _Recorder()
    session = RunningSession(options, sinks=[recorder])
    session.start()
    errors: list[str] = []
    if not session.wait(args.timeout):
        session.stop()
        session.wait(30)
        errors.append(f"gave up after {args.timeout:g} s")
    if session.error is not None:
        errors.append(f"session: {session.error}")
    with recorder.lock:
        recorder.second_s.extend(session.second_opinion_latencies)
        recorder.second_tokens.extend(session.second_opinion_tokens)
        return list(recorder.events), errors


def _turn_report(
    turn: dict[str, Any], events: list[Event], call_lang: str, checker: Any
) -> dict[str, Any]:
    start, end = float(turn["start"]), float(turn["end"])
    objections = [
        e
        for e in events
        if isinstance(e, ObjectionEvent)
        and not e.tentative  # a hint without suggestions is not a detection
        and e.start < end + 0.5
        and e.end > start - 0.5
    ]
    row: dict[str, Any] = {
        "text": turn["text"],
        "label": turn["objection"],
        "detected": bool(objections),
        "category": objections[0].category if objections else None,
    }
    if not objections:
        return row
    uid = objections[0].utterance_id
    mine = [e for e in events if isinstance(e, SuggestionEvent) and e.objection_utterance_id == uid]
    instant = next((e for e in mine if e.stage == "instant"), None)
    # A path is final when it completes: a refined one, or a planned line the model does not
    # rewrite, final from the instant event on.
    refined = [e for e in mine if any(p.complete for p in e.paths)]
    complete = next((e for e in mine if all(p.complete for p in e.paths)), None)
    row["superseded"] = any(
        isinstance(e, StatusEvent) and e.state == "superseded" and uid in e.detail for e in events
    )
    row["instant_s"] = round(instant.t - end, 3) if instant else None
    row["first_refined_s"] = round(refined[0].t - end, 3) if refined else None
    row["all_refined_s"] = round(complete.t - end, 3) if complete else None
    row["checks"] = checker(mine, call_lang)
    return row


def _checker(playbook: Any) -> Any:
    from inference.guard import ComplianceGuard
    from inference.suggest.checker import states_fact
    from inference.suggest.moves import builtin_library
    from inference.text import guess_lang

    guard = ComplianceGuard(playbook.rules) if playbook is not None else None
    by_source = {(e.file, e.heading): e for e in playbook.entries} if playbook else {}

    def family(strategy: str, lang: str) -> str:
        move = builtin_library(lang).get(strategy)
        return move.family if move is not None else ""

    def check(shown: list[SuggestionEvent], lang: str) -> dict[str, Any]:
        paths = [p for e in shown for p in e.paths]
        refined = [p for e in shown if e.stage == "refined" for p in e.paths if p.complete]
        first = shown[0].paths if shown else ()
        cited = [
            (p, [by_source[k] for s in p.sources if (k := (s.file, s.heading)) in by_source])
            for p in refined
        ]
        return {
            "three_strategies": all(len({p.strategy for p in e.paths}) == 3 for e in shown),
            "questions_ask": all(
                "?" in p.text or "？" in p.text
                for p in paths
                if family(p.strategy, lang) == "question"
            ),
            "instant_in_customer_language": all(guess_lang(p.text) == lang for p in first),
            "refined_state_cited_fact": sum(
                any(states_fact(p.text, e.text) for e in entries) for p, entries in cited
            ),
            "refined_paths": len(refined),
            "violations": sum(bool(guard.violations(p.text)) for p in paths) if guard else 0,
        }

    return check


def _median(values: list[float]) -> float | None:
    return distribution(values)["p50"]


def _turn_final_latency(turns: list[dict[str, Any]], events: list[Event]) -> list[float]:
    """The customer's turn-final latencies (`inference.metrics`); missed turns left out."""
    spans = [TurnSpan.from_dict(t) for t in turns]
    return [x for x in turn_final_latencies(spans, events) if x is not None]


def run(args: argparse.Namespace) -> int:
    calls = list(args.call) or sorted((_SHARED / "eval" / "calls").glob("*.json"))
    if not calls:
        print("parley bench e2e: give --call SCRIPT.json", file=sys.stderr)
        return 2
    if args.wav is not None and (args.timeline is None or len(calls) != 1):
        print("parley bench e2e: --wav needs --timeline and exactly one --call", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="parley-e2e-") as tmp:
        reports = [_bench_call(args, call, Path(tmp)) for call in calls]
    result = {
        "bench": "e2e",
        "speed": args.speed,
        "llm": not args.no_llm,
        "llm_model": args.llm_model,
        "asr_model": args.asr_model,
        "asr_draft": draft_value(args.asr_draft),
        "targets_s": TARGETS_S,
        "summary": _summary(args, reports),
        "calls": reports,
        "machine": {
            "cpus": os.cpu_count(),
            "machine": platform.machine(),
            "python": platform.python_version(),
        },
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if not any(rep["errors"] for rep in reports) else 1


def _bench_call(args: argparse.Namespace, call: Path, tmp: Path) -> dict[str, Any]:
    """Replay one call (its timed transcript, the `--wav` recording, or its rendered audio)
    and report each objection turn, the false alarms and the ASR's turn-final latency."""
    from inference.playbook import load_playbook
    from inference.text import guess_lang
    from models.errors import ParleyError

    if not call.is_file():
        raise ParleyError(f"{call} does not exist; give a scripted call (.json).")
    script = json.loads(call.read_text(encoding="utf-8"))
    turns = script.get("turns") or []
    timed = bool(turns) and all("start" in t and "end" in t for t in turns)
    if args.wav is not None:
        path = args.wav
        turns = json.loads(args.timeline.read_text(encoding="utf-8"))["turns"]
    elif timed:
        path = call
    else:
        print(f"bench e2e: rendering {call.name} ...", file=sys.stderr, flush=True)
        path, turns = _render(call, tmp)
    named = _call_playbook(call, script)
    playbooks = tuple(args.playbook) or ((named,) if named else ())
    playbook = load_playbook(list(playbooks)) if playbooks else None
    lang = script.get("lang") or guess_lang(" ".join(t["text"] for t in turns))
    print(
        f"bench e2e: replaying {call.name} at speed {args.speed} ...", file=sys.stderr, flush=True
    )
    recorder = _Recorder()
    events, errors = _replay(args, path, playbooks, recorder)
    check = _checker(playbook)
    objections = [t for t in turns if t.get("speaker") == "customer" and t.get("objection")]
    asr = [] if timed else _turn_final_latency(turns, events)
    return {
        "call": str(call),
        "kind": "timed_transcript" if timed else "audio",
        "playbooks": [str(p) for p in playbooks],
        "turns": [_turn_report(t, events, lang, check) for t in objections],
        "false_alarms": _false_alarms(objections, events),
        "errors": errors,
        "asr_turn_final_s": [round(x, 3) for x in asr],
        # From each customer utterance's end to its second opinion, on the LLM's thread.
        "second_opinion_s": [round(x, 3) for x in recorder.second_s],
        # Tokens of each of those lines read after the final (the rest was read ahead).
        "second_opinion_tokens_after_final": list(recorder.second_tokens),
    }


def _false_alarms(objections: list[dict[str, Any]], events: list[Event]) -> int:
    """Confirmed objections that overlap no labelled objection turn (0.5 s slack)."""
    labelled = {(round(float(t["start"]), 2), round(float(t["end"]), 2)) for t in objections}
    return sum(
        isinstance(e, ObjectionEvent)
        and not e.tentative
        and not any(e.start < b + 0.5 and e.end > a - 0.5 for a, b in labelled)
        for e in events
    )


def _summary(args: argparse.Namespace, reports: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures over all calls, and which targets they meet."""
    rows = [r for rep in reports for r in rep["turns"]]
    counted = [r for r in rows if r["detected"] and not r.get("superseded")]
    summary: dict[str, Any] = {
        "objection_turns": len(rows),
        "false_alarms": sum(rep["false_alarms"] for rep in reports),
        "detected": sum(r["detected"] for r in rows),
        "superseded": sum(bool(r.get("superseded")) for r in rows),
        "median_instant_s": _median(
            [r["instant_s"] for r in counted if r["instant_s"] is not None]
        ),
        "median_first_refined_s": _median(
            [r["first_refined_s"] for r in counted if r.get("first_refined_s") is not None]
        ),
        "median_all_refined_s": _median(
            [r["all_refined_s"] for r in counted if r.get("all_refined_s") is not None]
        ),
        "violations": sum(r["checks"]["violations"] for r in rows if "checks" in r),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    asr = [x for rep in reports for x in rep["asr_turn_final_s"]]
    summary["asr_turn_final_s"] = distribution(asr)
    second = [x for rep in reports for x in rep.get("second_opinion_s", [])]
    summary["second_opinion_s"] = distribution(second) if second else None
    after = [x for rep in reports for x in rep.get("second_opinion_tokens_after_final", [])]
    summary["second_opinion_tokens_after_final"] = distribution(after) if after else None
    keys = {"instant": "median_instant_s", "first_refined": "median_first_refined_s",
            "all_refined": "median_all_refined_s"}  # fmt: skip
    summary["meets_targets"] = {
        name: (summary[keys[name]] is not None and summary[keys[name]] <= limit)
        for name, limit in TARGETS_S.items()
        if not (args.no_llm and name != "instant")
    }
    summary["meets_targets"]["peak_memory"] = summary["peak_rss_mb"] <= TARGET_PEAK_MB
    if second:
        summary["meets_targets"]["second_opinion"] = summary["second_opinion_s"]["p95"] <= 1.0
    if asr:
        summary["meets_targets"]["asr_turn_final"] = all(
            (v := summary["asr_turn_final_s"][k]) is not None and v <= limit
            for k, limit in ASR_TARGETS_S.items()
        )
    return summary
