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
        nargs="?",
        const=True,
        default=None,
        metavar="FILE",
        help="record both parties (rep left, customer right), encrypted in the session store "
        "with the session: deleted with it, replayable with `parley replay --session ID`; off by "
        "default. (`--record FILE`, a plain WAV, still works in this release: use --record-to)",
    )
    p.add_argument(
        "--record-to",
        type=Path,
        metavar="FILE.wav",
        help="record both parties to a plain, UNENCRYPTED stereo WAV outside the store (noted in "
        "the audit trail)",
    )
    p.add_argument("--hotwords", default="", help='extra ASR hotwords, "A,B"')
    p.add_argument("--no-llm", action="store_true", help="instant paths only, no local LLM")
    p.add_argument("--quiet", action="store_true", help="no live view on stderr")
    add_model_options(p)
    p.set_defaults(func=run)


def recording_choice(args: argparse.Namespace) -> tuple[Path | None, bool, str]:
    """(plain WAV path, record into the store, a problem with the flags or "")."""
    legacy = args.record if isinstance(args.record, str) else None
    if args.record is not None and args.record_to is not None:
        return None, False, "use either --record (encrypted, in the store) or --record-to FILE.wav"
    if legacy is not None:
        print(
            "parley live: --record FILE is deprecated and goes away in the next release: it "
            "means --record-to FILE (a plain WAV); plain --record keeps the call encrypted in "
            "the store.",
            file=sys.stderr,
        )
        return Path(legacy), False, ""
    if args.record_to is not None:
        return args.record_to, False, ""
    if args.record is True:
        if args.no_store:
            return (
                None,
                False,
                (
                    "--record keeps the recording in the session store, which --no-store turns "
                    "off; use --record-to FILE.wav for a plain file instead"
                ),
            )
        return None, True, ""
    return None, False, ""


def _audit_plain_recording(path: Path) -> None:
    """Note a plain recording in the audit trail even when the session itself is not kept."""
    from desktop.privacy.errors import PrivacyError
    from desktop.privacy.keys import load_existing_key
    from desktop.store.audit import AuditLog
    from models.paths import data_dir

    try:
        key = load_existing_key(interactive=False)
    except PrivacyError:
        key = None  # the record is still written, without its encrypted payload
    AuditLog(data_dir(), key).record_plain_recording(None, str(path))


def run(args: argparse.Namespace) -> int:
    from desktop.session_runner import RunningSession, attach_store

    if args.duration is not None and args.duration <= 0:
        print("parley live: --duration must be positive", file=sys.stderr)
        return 2
    plain, in_store, problem = recording_choice(args)
    if problem:
        print(f"parley live: {problem}", file=sys.stderr)
        return 2
    if plain is not None:
        print(
            f"parley live: warning: {plain} is written UNENCRYPTED: anyone who can read the file "
            "can hear the call. Use --record to keep the recording encrypted in the session "
            "store.",
            file=sys.stderr,
        )
        if args.no_store:
            _audit_plain_recording(plain)
    options = session_options_from_args(
        args,
        mode="live",
        mic=args.mic,
        loopback=args.loopback,
        duration=args.duration,
        record=plain,
        record_store=in_store,
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
