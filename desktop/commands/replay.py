"""`parley replay INPUT`: a recording, timed transcript or folder through the whole pipeline;
`parley replay --session ID`: a stored live session's encrypted recording."""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from desktop.commands.common import (
    SPEED_CHOICES,
    add_model_options,
    add_playbook_option,
    add_warmup_option,
    open_events_output,
    speed_value,
)
from inference.events import Event, SuggestionEvent
from inference.sinks import ConsoleSink, JsonlSink

AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".m4a", ".ogg", ".opus", ".aac", ".webm"}
TRANSCRIPT_FORMATS = ("srt", "vtt", "txt", "md", "json")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "replay",
        help="replay a recording, timed transcript or folder through the pipeline",
        description=(
            "Replay INPUT headless: an audio file (two channels = rep left, customer right; one "
            "channel = --mono-party), a timed transcript (.json with turns carrying start/end), "
            "or a folder (each file in turn)."
        ),
    )
    p.add_argument(
        "input", type=Path, nargs="?", help="audio file, timed transcript .json, or folder"
    )
    p.add_argument(
        "--session",
        metavar="ID",
        help="replay the encrypted recording of a stored live session (`parley live --record`) "
        "instead of a file; it is decrypted in memory only",
    )
    add_playbook_option(p)
    p.add_argument(
        "--speed",
        choices=SPEED_CHOICES,
        default=None,
        help="1, 2 or max (default: 1 for a file, max for a folder)",
    )
    p.add_argument(
        "--start",
        type=float,
        default=0.0,
        metavar="S",
        help="start S seconds into the recording or transcript (seek)",
    )
    p.add_argument("--events", metavar="OUT.jsonl", help="write events as JSONL ('-' = stdout)")
    p.add_argument("--report", type=Path, metavar="OUT.html", help="write an HTML report")
    p.add_argument("--report-dir", type=Path, metavar="DIR", help="a report per replayed file")
    p.add_argument(
        "--transcript",
        type=Path,
        action="append",
        default=[],
        metavar="OUT.{srt,vtt,txt,md,json}",
        help="export the transcript (format from the suffix); may be repeated",
    )
    p.add_argument("--no-redact", action="store_true", help="keep contact data in exports")
    p.add_argument("--hotwords", default="", help='extra ASR hotwords, "A,B"')
    p.add_argument("--mono-party", choices=("customer", "rep"), default="customer")
    p.add_argument("--no-llm", action="store_true", help="instant paths only, no local LLM")
    p.add_argument("--quiet", action="store_true", help="no live view on stderr")
    add_model_options(p)
    add_warmup_option(p)
    from desktop.batch.runner import add_options as add_batch_options

    add_batch_options(p)
    p.set_defaults(func=run)


@dataclass(frozen=True, slots=True)
class ReplayOutcome:
    path: Path
    ok: bool
    message: str
    objections: int = 0
    seconds: float = 0.0


def _inputs(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(
            p
            for p in path.iterdir()
            if p.is_file() and (p.suffix.lower() in AUDIO_SUFFIXES or p.suffix.lower() == ".json")
        )
    return [path]


def run(args: argparse.Namespace) -> int:
    from inference.errors import ParleyError

    if (args.input is None) == (args.session is None):
        print("parley replay: give INPUT or --session ID (one of them)", file=sys.stderr)
        return 2
    if args.session is not None:
        return _replay_session(args)
    if not args.input.exists():
        raise ParleyError(f"{args.input} does not exist; give an audio file, a .json or a folder")
    if not _transcript_formats_ok(args.transcript):
        return 2
    batch = args.input.is_dir()
    files = _inputs(args.input)
    if batch and not files:
        raise ParleyError(f"{args.input} holds no recordings or timed transcripts to replay")
    from desktop.batch import runner as ray_batch

    if ray_batch.wanted(args):
        if not batch:
            raise ParleyError("--workers and --cluster replay a folder: give a folder as INPUT")
        return ray_batch.run(args, files)
    speed = speed_value(args.speed or ("max" if batch else "1"))
    outcomes: list[ReplayOutcome] = []
    with ExitStack() as stack:
        events_stream = open_events_output(args.events, stack)
        for i, path in enumerate(files, 1):
            if batch:
                print(f"[{i}/{len(files)}] {path.name}", file=sys.stderr, flush=True)
            outcome = _replay_one(path, args, speed=speed, events_stream=events_stream, batch=batch)
            outcomes.append(outcome)
            if batch:
                mark = "ok" if outcome.ok else "FAILED"
                print(f"    {mark}: {outcome.message}", file=sys.stderr, flush=True)
    if batch:
        ok = sum(o.ok for o in outcomes)
        print(
            f"replayed {ok} of {len(outcomes)} files; "
            f"{len(outcomes) - ok} failed"
            + "".join(f"\n  - {o.path.name}: {o.message}" for o in outcomes if not o.ok),
            file=sys.stderr,
        )
        return 0 if ok else 1
    return 0 if outcomes[0].ok else 1


def _transcript_formats_ok(outs: list[Path]) -> bool:
    """Every --transcript file has a format Parley writes; says which on stderr otherwise."""
    for out in outs:
        if out.suffix.lower().lstrip(".") not in TRANSCRIPT_FORMATS:
            print(
                f"parley replay: --transcript {out}: use one of .{', .'.join(TRANSCRIPT_FORMATS)}",
                file=sys.stderr,
            )
            return False
    return True


def _replay_session(args: argparse.Namespace) -> int:
    """`--session ID`: the stored recording, decrypted into memory, through the pipeline."""
    from desktop.commands.sessions import _open_store
    from desktop.store import StoreError
    from desktop.store.recording import recording_wav

    store = _open_store()
    if store is None:
        raise StoreError(f"There is no stored session {args.session!r}: none are stored yet.")
    with store:
        audio, truncated = recording_wav(store, args.session)
    if truncated:
        print(
            f"parley replay: the recording of {args.session} was cut short (the session did not "
            "end cleanly); replaying what was saved",
            file=sys.stderr,
        )
    if not _transcript_formats_ok(args.transcript):
        return 2
    with ExitStack() as stack:
        events_stream = open_events_output(args.events, stack)
        outcome = _replay_one(
            Path(f"session-{args.session}.wav"),
            args,
            speed=speed_value(args.speed or "1"),
            events_stream=events_stream,
            batch=False,
            audio=audio,
        )
    return 0 if outcome.ok else 1


def _replay_one(
    path: Path,
    args: argparse.Namespace,
    *,
    speed: float | None,
    events_stream,
    batch: bool,
    audio: bytes | None = None,
) -> ReplayOutcome:
    from desktop.commands.common import session_options_from_args
    from desktop.session_runner import RunningSession

    options = session_options_from_args(
        args,
        mode="replay",
        input=path,
        input_audio=audio,
        speed=speed,
        start_at=max(0.0, args.start),
    )
    collected: list[Event] = []
    sinks = [collected.append]
    if events_stream is not None:
        sinks.append(JsonlSink(events_stream))
    if not args.quiet and not batch:
        sinks.append(ConsoleSink(sys.stderr))
    began = time.monotonic()
    session = RunningSession(options, sinks=sinks)
    from desktop.commands.common import run_until_done
    from desktop.session_runner import attach_store

    attach_store(session, enabled=not args.no_store)
    session.start()
    run_until_done(session, "replay")
    elapsed = time.monotonic() - began
    objections = sum(
        1 for e in collected if isinstance(e, SuggestionEvent) and e.stage == "instant"
    )
    if session.error is not None:
        return ReplayOutcome(path, False, str(session.error), objections, elapsed)
    report = args.report
    if batch and args.report_dir is not None:
        report = args.report_dir / f"{path.stem}.html"
    _write_outputs(path, collected, session, args, report=report, batch=batch)
    return ReplayOutcome(
        path, True, f"{objections} objections, {elapsed:.1f} s", objections, elapsed
    )


def _write_outputs(
    path: Path,
    events: list[Event],
    session,
    args: argparse.Namespace,
    *,
    report: Path | None,
    batch: bool,
) -> None:
    if report is None and not args.transcript:
        return
    from desktop.report.exports import export
    from desktop.report.html import write_report
    from desktop.report.timeline import Timeline

    timeline = Timeline.from_events(events, choices=tuple(session.choices))
    redact = not args.no_redact
    for out in [] if batch else args.transcript:
        out.parent.mkdir(parents=True, exist_ok=True)
        export(timeline, out.suffix.lower().lstrip("."), out, redact=redact)
        print(f"transcript written to {out}", file=sys.stderr)
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        write_report(timeline, report, title=f"Parley replay: {path.name}", redact=redact)
        print(f"report written to {report}", file=sys.stderr)
