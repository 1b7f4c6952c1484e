"""Timed transcripts: a `.json` whose turns carry `speaker`, `text`, numeric `start` and `end`.

Each turn becomes one final utterance of its party at `t = end`. Every other field of a turn
(labels such as `objection`) is ignored, so evaluation labels never reach the pipeline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from inference.errors import ParleyError


class TranscriptFileError(ParleyError):
    """A timed transcript is unreadable or malformed."""


@dataclass(frozen=True, slots=True)
class TimedTurn:
    """One turn of a timed transcript."""

    speaker: str
    text: str
    start: float
    end: float


def looks_like_timed_transcript(path: Path) -> bool:
    """Whether `path` is a JSON file (replay treats it as a timed transcript)."""
    return path.suffix.lower() == ".json"


def load_timed_transcript(path: Path) -> tuple[list[TimedTurn], str | None]:
    """Read the turns (sorted by end time) and the transcript's language, if it states one.

    Raises:
        TranscriptFileError: the file is not JSON, has no turns, or a turn lacks a party,
            text or numeric start/end.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise TranscriptFileError(
            f"{path} is not a readable timed transcript ({e}); give a JSON file with "
            '"turns": [{"speaker", "text", "start", "end"}, ...]'
        ) from e
    turns_data = data.get("turns") if isinstance(data, dict) else data
    if not isinstance(turns_data, list) or not turns_data:
        raise TranscriptFileError(
            f'{path} has no "turns" list; a timed transcript needs turns with speaker, text, '
            "start and end"
        )
    turns: list[TimedTurn] = []
    for i, turn in enumerate(turns_data):
        if not isinstance(turn, dict):
            raise TranscriptFileError(f"{path}: turn {i} is not an object")
        speaker = turn.get("speaker")
        start, end = turn.get("start"), turn.get("end")
        if speaker not in ("rep", "customer"):
            raise TranscriptFileError(f'{path}: turn {i} needs "speaker": "rep" or "customer"')
        if not isinstance(start, int | float) or not isinstance(end, int | float) or end < start:
            raise TranscriptFileError(
                f"{path}: turn {i} needs numeric start and end (seconds, end >= start); "
                "audio recordings are replayed from .wav/.flac/.mp3 files instead"
            )
        turns.append(TimedTurn(str(speaker), str(turn.get("text", "")), float(start), float(end)))
    turns.sort(key=lambda t: t.end)
    lang = data.get("lang") if isinstance(data, dict) else None
    return turns, lang if isinstance(lang, str) else None
