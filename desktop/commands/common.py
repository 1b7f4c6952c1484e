"""Options and wiring shared by the commands that run a session (replay, live, benches)."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

SPEED_CHOICES = ("1", "2", "max")


def speed_value(choice: str) -> float | None:
    """`--speed` as the runner takes it: 1.0, 2.0, or None for as fast as possible."""
    return None if choice == "max" else float(choice)


def add_playbook_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--playbook",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="playbook folder (Markdown product sheets, answers, rules); may be repeated",
    )


def add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--asr-model", default="asr-base", help="ASR pack or CTranslate2 folder")
    add_draft_option(p)
    p.add_argument("--llm-model", default="llm-default", help="LLM pack or GGUF file")
    p.add_argument("--language", choices=("auto", "en", "zh"), default="auto")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument(
        "--no-second-opinion",
        action="store_true",
        help="read objections with the detectors alone, not also with the LLM",
    )
    p.add_argument(
        "--no-store",
        action="store_true",
        help="keep the session in memory only (not in the encrypted session store)",
    )


def add_draft_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--asr-draft",
        default="asr-tiny-en",
        metavar="PACK|none",
        help="smaller English model for the live text while the customer speaks (every final "
        "comes from the main ASR model); 'none' decodes it with the main model too "
        "(default asr-tiny-en)",
    )


def draft_value(value: str | None) -> str | None:
    """`--asr-draft`'s value: None for 'none' (or empty)."""
    return None if not value or value.lower() == "none" else value


def add_warmup_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--no-warmup",
        action="store_true",
        help="start a paced replay at once instead of after the LLM has read the playbook",
    )


def open_events_output(target: str | None, stack: ExitStack) -> IO[str] | None:
    """The `--events` stream: None, stdout for '-', else a file (line-buffered).

    The stream is raw (a developer and trainer tool: nothing is redacted), so it is written to
    the audit trail like every export."""
    if target is None:
        return None
    from desktop.store.audit import record_events_export

    if target == "-":
        record_events_export("<stdout>")
        return sys.stdout
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    stream = stack.enter_context(path.open("w", encoding="utf-8", buffering=1))
    record_events_export(str(path.resolve()))
    return stream


def session_options_from_args(args: argparse.Namespace, **overrides: Any):
    """`SessionOptions` from the shared options of a session command."""
    from desktop.session_options import SessionOptions

    hotwords = tuple(
        w.strip() for w in (getattr(args, "hotwords", "") or "").split(",") if w.strip()
    )
    values: dict[str, Any] = {
        "playbooks": tuple(getattr(args, "playbook", []) or ()),
        "use_llm": not getattr(args, "no_llm", False),
        "second_opinion": not getattr(args, "no_second_opinion", False),
        "hotwords": hotwords,
        "mono_party": getattr(args, "mono_party", "customer"),
        "asr_pack": getattr(args, "asr_model", "asr-base"),
        "asr_draft": draft_value(getattr(args, "asr_draft", "asr-tiny-en")),
        "llm_pack": getattr(args, "llm_model", "llm-default"),
        "language": getattr(args, "language", "auto"),
        "device": getattr(args, "device", "auto"),
        "warmup": not getattr(args, "no_warmup", False),
    }
    values.update(overrides)
    return SessionOptions(**values)


def run_until_done(session: Any, command: str) -> None:
    """Run a started session to its end; Ctrl-C stops it and keeps what it produced."""
    try:
        while not session.wait(0.5):
            pass
    except KeyboardInterrupt:
        print(f"parley {command}: stopping; keeping what was produced so far", file=sys.stderr)
        session.stop()
        session.wait()
