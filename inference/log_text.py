"""Call words never reach the logs unless a developer asks: `describe_text` and `error_summary`.

Log lines carry ids, lengths, timings and categories only. `parley -v --log-text` calls
`enable(True)` for debugging (and says so on stderr); only then do the helpers return the
words themselves. The setting is process-wide.
"""

from __future__ import annotations

import os
import traceback

_enabled = False


def enable(on: bool = True) -> None:
    """Let log lines carry call text (a debugging aid; off by default)."""
    global _enabled
    _enabled = on


def enabled() -> bool:
    return _enabled


def describe_text(text: str) -> str:
    """`text` itself when text logging is on, else its size only (`<12 words, 63 chars>`)."""
    if _enabled:
        return text
    return f"<{len(text.split())} words, {len(text)} chars>"


def describe_item(item: object) -> str:
    """A pipeline item for a log line: its type and id, with the text only when allowed."""
    name = type(item).__name__
    uid = getattr(item, "utterance_id", None) or getattr(item, "id", None)
    text = getattr(item, "text", None)
    parts = [name]
    if uid is not None:
        parts.append(str(uid))
    if isinstance(text, str):
        parts.append(describe_text(text))
    return " ".join(parts)


def error_summary(error: BaseException) -> str:
    """An exception for a log line or an error event: its type and where it was raised; the
    message (which may quote call words) only when text logging is on."""
    frames = traceback.extract_tb(error.__traceback__)
    where = ""
    if frames:
        last = frames[-1]
        where = f" at {os.path.basename(last.filename)}:{last.lineno} in {last.name}"
    if _enabled:
        return f"{type(error).__name__}: {error}{where}"
    return f"{type(error).__name__}{where}"
