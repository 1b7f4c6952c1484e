"""Plain results of a speech-recognition backend, and the backend protocol.

Times are seconds from the start of the audio handed to the backend; the transcriber moves
them onto the session clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word (or, in Chinese, one token of characters).

    Attributes:
        start: seconds where the word begins.
        end: seconds where it ends.
        text: the word as the model wrote it, with its leading space if any.
        probability: the model's probability for it.
    """

    start: float
    end: float
    text: str
    probability: float = 1.0

    def shifted(self, offset: float) -> Word:
        return Word(self.start + offset, self.end + offset, self.text, self.probability)


@dataclass(frozen=True, slots=True)
class Segment:
    """One decoded segment with the scores the hallucination guards look at."""

    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    words: tuple[Word, ...] = ()


@dataclass(frozen=True, slots=True)
class Transcription:
    """What one backend call produced.

    Attributes:
        language: the language decoded ("en", "zh", ...).
        language_probability: how sure the model was of it (1.0 when it was given).
        segments: decoded segments in order.
        language_probs: probabilities of the languages Parley supports, when detected.
    """

    language: str
    language_probability: float
    segments: tuple[Segment, ...]
    language_probs: dict[str, float] = field(default_factory=dict)


class AsrBackend(Protocol):
    """A speech recogniser for one window of 16 kHz mono audio (Whisper in production)."""

    @property
    def multilingual(self) -> bool: ...

    def transcribe(
        self,
        audio: np.ndarray,
        *,
        language: str | None,
        prompt: str | None,
        hotwords: str | None,
        beam_size: int | None = None,
        word_timestamps: bool = True,
        prefix: str | None = None,
        full_window: bool = False,
    ) -> Transcription:
        """Decode `audio`; `language=None` asks the backend to detect it; `beam_size=None`
        is the backend's default (greedy for streaming); `word_timestamps=False` skips the
        word alignment pass (segments then carry no words, only text and times). `prefix`
        is the known text of the audio's first part (left context): the decoder starts with
        it, and only what follows it comes back (times still count from the audio's start);
        nothing comes back when the decode does not begin with it. `full_window` asks for
        the model's full input window (Whisper: 30 s) instead of a cheaper trimmed one."""
        ...

    @property
    def device_name(self) -> str:
        """Where it decodes ("cpu", "cuda"; "" when that is not known), for the ready status."""
        ...

    @property
    def batch_decoding(self) -> bool:
        """Whether `transcribe_batch` decodes windows together (faster than one by one)."""
        ...

    def transcribe_batch(
        self,
        audios: list[np.ndarray],
        *,
        language: str,
        prompts: list[str | None],
        hotwords: str | None,
        beam_size: int = 5,
    ) -> list[Transcription]:
        """Decode several windows of at most 30 s in one language, one result per window
        (without word times). A backend that cannot batch decodes them one by one."""
        ...
