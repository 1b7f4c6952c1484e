"""`parley demo [--lang en|zh]`: a sample call replayed with its sample playbook.

Everything comes from inside the app (`desktop/samples`): the English call is a recording
rendered at setup time (or now, into a temporary folder, with espeak-ng), the Chinese one a
timed transcript. The call runs through the whole pipeline exactly as `parley replay` runs it,
at speed 1 by default, in memory only: nothing is stored and no passphrase is asked for.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from desktop.commands.common import SPEED_CHOICES


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="replay a sample sales call with its sample playbook (nothing is stored)",
        description=(
            "Replay the sample call of --lang with the sample playbook of a made-up product "
            "through the whole pipeline (speech recognition for the English recording, "
            "signals, objections, three suggestions each) and print what `parley replay` "
            "prints. Nothing is kept: no session store, no passphrase."
        ),
    )
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="which sample (default en)")
    p.add_argument("--speed", choices=SPEED_CHOICES, default="1", help="1 (default), 2 or max")
    p.add_argument("--events", metavar="OUT.jsonl", help="write events as JSONL ('-' = stdout)")
    p.add_argument("--report", type=Path, metavar="OUT.html", help="write an HTML report")
    p.add_argument("--asr-model", default="asr-base", help="ASR pack (the English demo)")
    p.add_argument("--llm-model", default="llm-default", help="LLM pack or GGUF file")
    p.add_argument("--no-llm", action="store_true", help="instant paths only, no local LLM")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--no-warmup", action="store_true", help="start before the LLM is ready")
    p.add_argument("--quiet", action="store_true", help="no live view on stderr")
    p.set_defaults(func=run)


def replay_argv(args: argparse.Namespace, call: Path, playbook: Path) -> list[str]:
    """The `parley replay` command line the demo runs (always `--no-store`)."""
    argv = [
        "replay",
        str(call),
        "--playbook",
        str(playbook),
        "--speed",
        args.speed,
        "--language",
        args.lang,
        "--asr-model",
        args.asr_model,
        "--llm-model",
        args.llm_model,
        "--device",
        args.device,
        "--no-store",
    ]
    if args.events:
        argv += ["--events", args.events]
    if args.report is not None:
        argv += ["--report", str(args.report)]
    argv += [
        flag
        for flag, on in (
            ("--no-llm", args.no_llm),
            ("--no-warmup", args.no_warmup),
            ("--quiet", args.quiet),
        )
        if on
    ]
    return argv


def run(args: argparse.Namespace) -> int:
    from desktop.cli import build_parser
    from desktop.commands import replay
    from desktop.samples import demo_input, demo_sample

    sample = demo_sample(args.lang)
    with tempfile.TemporaryDirectory(prefix="parley-demo-") as tmp:
        call = demo_input(sample, Path(tmp))
        if not args.quiet:
            print(
                f"parley demo: {call.name} with the sample playbook {sample.playbook.name} "
                f"(speed {args.speed}; nothing is stored)",
                file=sys.stderr,
                flush=True,
            )
        replay_args = build_parser().parse_args(replay_argv(args, call, sample.playbook))
        return replay.run(replay_args)
