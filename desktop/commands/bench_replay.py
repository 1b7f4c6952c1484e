"""`parley bench replay`: how much faster than real time a replay at max speed runs.

It replays one input (a timed transcript with `--call`, or a recording with `--audio`) through
the whole pipeline as fast as possible, once without the LLM and, unless `--no-llm`, once with
it, and prints JSON on stdout. For each run:

- `wall_s`: seconds from start to the end of the session, model loading included;
- `load_s`: seconds until the pipeline was ready (the ASR model loaded, or the first event of a
  timed transcript);
- `speed_x`: session seconds replayed per wall second once ready (duration / (wall - load));
  `speed_x_with_load` counts loading too; `rtf` is the real-time factor, wall / duration, the
  inverse of `speed_x` (lower is faster).

The target is `speed_x >= 6` without the LLM. Progress and problems go to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.commands.common import add_model_options, add_playbook_option, draft_value
from inference.events import (
    ErrorEvent,
    Event,
    ObjectionEvent,
    StatusEvent,
    SuggestionEvent,
    TranscriptEvent,
)

TARGET_NO_LLM_X = 6.0
_EVAL_CALLS = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "calls"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "replay",
        help="real-time factor of a max-speed replay, with and without the LLM",
        description=(
            "Replay a timed transcript (--call) or a recording (--audio) at max speed, without "
            "the LLM and (unless --no-llm) with it, and print how much faster than real time "
            f"it ran (target without the LLM: {TARGET_NO_LLM_X:g}x). Without an input, the first "
            "timed transcript of the evaluation calls is used."
        ),
    )
    source = p.add_mutually_exclusive_group()
    source.add_argument("--call", type=Path, metavar="SCRIPT.json", help="a timed transcript")
    source.add_argument("--audio", type=Path, metavar="FILE", help="a recording")
    p.add_argument("--no-llm", action="store_true", help="only the run without the LLM")
    add_playbook_option(p)
    p.add_argument("--mono-party", choices=("customer", "rep"), default="customer")
    p.add_argument(
        "--timeout", type=float, default=540.0, metavar="S", help="give up a run after S seconds"
    )
    add_model_options(p)
    p.set_defaults(func=run)


@dataclass
class _Recorder:
    """A sink that counts what a run produced and when the pipeline became ready."""

    began: float
    ready_at: float | None = None
    last_t: float = 0.0
    utterances: set[str] = field(default_factory=set)
    objection_ids: set[str] = field(default_factory=set)
    instant: int = 0
    refined_complete: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, event: Event) -> None:
        now = time.monotonic()
        with self.lock:
            self.last_t = max(self.last_t, event.t)
            match event:
                case StatusEvent(component="asr", state="ready"):
                    self.ready_at = now
                case TranscriptEvent(final=True):
                    if self.ready_at is None:
                        self.ready_at = now  # a timed transcript has no ASR to load
                    self.utterances.add(event.utterance_id)
                case ObjectionEvent(tentative=False):
                    # Tentative ones are hints, not objections; a second opinion's event
                    # replaces its utterance's first one.
                    self.objection_ids.add(event.utterance_id)
                case SuggestionEvent(stage="instant"):
                    self.instant += 1
                case SuggestionEvent():
                    if all(p.complete for p in event.paths):
                        self.refined_complete += 1
                case ErrorEvent():
                    self.errors.append(f"{event.component}: {event.message}")
                case _:
                    pass


def _default_call() -> Path | None:
    """The first evaluation call whose turns all carry start and end (a timed transcript)."""
    if not _EVAL_CALLS.is_dir():
        return None
    for path in sorted(_EVAL_CALLS.glob("*.json")):
        try:
            turns = json.loads(path.read_text(encoding="utf-8")).get("turns") or []
        except (OSError, ValueError, AttributeError):
            continue
        if turns and all("start" in t and "end" in t for t in turns):
            return path
    return None


def _call_playbook(call: Path) -> Path | None:
    """The playbook a scripted call names (`product`), when a `products/` folder sits beside
    the calls folder, as in the evaluation data."""
    try:
        product = json.loads(call.read_text(encoding="utf-8")).get("product")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(product, str) or not product or "/" in product or "\\" in product:
        return None
    folder = call.resolve().parent.parent / "products" / product
    return folder if folder.is_dir() else None


def _duration(path: Path, *, is_call: bool, mono_party: str) -> float:
    """Seconds of session time the input holds."""
    if is_call:
        from inference.timed_transcript import load_timed_transcript

        turns, _ = load_timed_transcript(path)
        return max((t.end for t in turns), default=0.0)
    from audio.file_source import read_channels
    from audio.source import SAMPLE_RATE

    channels = read_channels(path, mono_party=mono_party)  # type: ignore[arg-type]
    return max((len(a) for a in channels.values()), default=0) / SAMPLE_RATE


def _sig(value: float) -> float:
    """Four significant figures: enough for a speed, readable in JSON."""
    return float(f"{value:.4g}")


def _one_run(
    args: argparse.Namespace, path: Path, playbooks: tuple[Path, ...], *, llm: bool, duration: float
) -> dict[str, Any]:
    from desktop.commands.common import session_options_from_args
    from desktop.session_runner import RunningSession

    options = session_options_from_args(
        args, mode="replay", input=path, speed=None, use_llm=llm, playbooks=playbooks
    )
    began = time.monotonic()
    recorder = _Recorder(began=began)
    session = RunningSession(options, sinks=[recorder])
    session.start()
    finished = session.wait(args.timeout)
    wall = time.monotonic() - began
    if not finished:
        session.stop()
        session.wait(30)
        recorder.errors.append(f"bench: gave up after {args.timeout:g} s")
    error = session.error
    if error is not None and str(error) not in " ".join(recorder.errors):
        recorder.errors.append(f"session: {error}")
    load = (recorder.ready_at - began) if recorder.ready_at is not None else 0.0
    processing = max(wall - load, 1e-6)
    ok = finished and error is None
    return {
        "llm": llm,
        "ok": ok,
        "wall_s": round(wall, 3),
        "load_s": round(load, 3),
        "processing_s": round(processing, 3),
        "speed_x": _sig(duration / processing) if ok else None,
        "speed_x_with_load": _sig(duration / wall) if ok else None,
        "rtf": _sig(processing / duration) if ok else None,
        "utterances": len(recorder.utterances),
        "objections": len(recorder.objection_ids),
        "instant_suggestions": recorder.instant,
        "refined_suggestions_complete": recorder.refined_complete,
        "errors": recorder.errors,
    }


def run(args: argparse.Namespace) -> int:
    from models.errors import ParleyError

    is_call = args.audio is None
    path = args.call or args.audio or _default_call()
    if path is None:
        print("parley bench replay: give --call SCRIPT.json or --audio FILE", file=sys.stderr)
        return 2
    if not path.is_file():
        raise ParleyError(f"{path} does not exist; give a timed transcript or a recording.")
    try:
        import desktop.session_runner  # noqa: F401
    except ImportError as e:
        raise ParleyError(
            "This build has no session runner (desktop/session_runner.py), so replay cannot "
            "be measured; update Parley."
        ) from e
    playbooks = tuple(args.playbook)
    if not playbooks and is_call:
        named = _call_playbook(path)
        playbooks = (named,) if named else ()
    duration = _duration(path, is_call=is_call, mono_party=args.mono_party)
    if duration <= 0:
        raise ParleyError(f"{path} holds no speech to replay; give a longer input.")

    runs = []
    for llm in (False,) if args.no_llm else (False, True):
        print(
            f"bench replay: {path.name} at max speed {'with' if llm else 'without'} the LLM ...",
            file=sys.stderr,
            flush=True,
        )
        runs.append(_one_run(args, path, playbooks, llm=llm, duration=duration))
        last = runs[-1]
        summary = (
            f"{last['speed_x']}x real time once ready ({last['wall_s']} s wall, "
            f"{last['load_s']} s loading)"
            if last["ok"]
            else f"failed after {last['wall_s']} s"
        )
        problems = f"; errors: {'; '.join(last['errors'])}" if last["errors"] else ""
        print(f"  {summary}{problems}", file=sys.stderr, flush=True)
    no_llm = runs[0]
    result = {
        "bench": "replay",
        "input": str(path),
        "kind": "timed_transcript" if is_call else "audio",
        "duration_s": round(duration, 3),
        "playbooks": [str(p) for p in playbooks],
        "asr_model": args.asr_model,
        "asr_draft": draft_value(args.asr_draft),
        "llm_model": args.llm_model,
        "runs": runs,
        "target_no_llm_speed_x": TARGET_NO_LLM_X,
        "meets_target": bool(no_llm["ok"] and no_llm["speed_x"] >= TARGET_NO_LLM_X),
        "machine": {
            "cpus": os.cpu_count(),
            "machine": platform.machine(),
            "python": platform.python_version(),
        },
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if all(r["ok"] for r in runs) else 1
