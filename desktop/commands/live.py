"""`parley live`: a headless live session from the microphone and the system audio."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path

from desktop.commands.common import (
    add_model_options,
    add_playbook_option,
    open_events_output,
    run_until_done,
    session_options_from_args,
)
from inference.bus import Sink
from inference.sinks import ConsoleSink, JsonlSink


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "live",
        help="a live session: the rep's microphone and the customer's system audio",
        description="Capture both sides of a call and run the whole pipeline until Ctrl-C "
        "or --duration.",
    )
    p.add_argument("--mic", metavar="DEVICE", help="the rep's microphone (see `parley devices`)")
    p.add_argument(
        "--loopback", metavar="DEVICE", help="system-audio source carrying the customer's voice"
    )
    add_playbook_option(p)
    p.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    p.add_argument("--events", metavar="OUT.jsonl", help="write events as JSONL ('-' = stdout)")
    p.add_argument(
        "--record",
        type=Path,
        metavar="FILE",
        help="record both parties to a stereo file (rep left, customer right); off by default",
    )
    p.add_argument("--hotwords", default="", help='extra ASR hotwords, "A,B"')
    p.add_argument("--no-llm", action="store_true", help="instant paths only, no local LLM")
    p.add_argument("--quiet", action="store_true", help="no live view on stderr")
    add_model_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from desktop.session_runner import RunningSession, attach_store

    if args.duration is not None and args.duration <= 0:
        print("parley live: --duration must be positive", file=sys.stderr)
        return 2
    options = session_options_from_args(
        args,
        mode="live",
        mic=args.mic,
        loopback=args.loopback,
        duration=args.duration,
        record=args.record,
        speed=1.0,
    )
    with ExitStack() as stack:
        stream = open_events_output(args.events, stack)
        sinks: list[Sink] = []
        if stream is not None:
            sinks.append(JsonlSink(stream))
        if not args.quiet:
            sinks.append(ConsoleSink(sys.stderr))
        session = RunningSession(options, sinks=sinks)
        attach_store(session, enabled=not args.no_store)
        session.start()
        run_until_done(session, "live")
    if session.error is not None:
        return 1
    return 0
