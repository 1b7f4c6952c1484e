"""Fakes shared by the ASR unit tests: scripted backend, amplitude VAD, manual clock."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from audio.source import SAMPLE_RATE, AudioFrame, Party
from inference.asr.types import Segment, Transcription, Word


class ManualClock:
    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def advance_to(self, t: float) -> float:
        self.t = max(self.t, t)
        return self.t


class AmplitudeVad:
    """Speech where the chunk is loud: lets tests place speech exactly."""

    def __call__(self, chunk: np.ndarray) -> float:
        return 1.0 if float(np.abs(chunk).mean()) > 0.05 else 0.0

    def reset(self) -> None:
        pass


def words(text: str, start: float = 0.0, step: float = 0.3) -> tuple[Word, ...]:
    return tuple(
        Word(start + i * step, start + (i + 1) * step - 0.05, " " + w)
        for i, w in enumerate(text.split())
    )


def segment(text: str, start: float = 0.0, **scores: float) -> Segment:
    ws = words(text, start)
    return Segment(
        start=start,
        end=ws[-1].end if ws else start,
        text=text,
        avg_logprob=scores.get("avg_logprob", -0.2),
        no_speech_prob=scores.get("no_speech_prob", 0.01),
        compression_ratio=scores.get("compression_ratio", 1.2),
        words=ws,
    )


class ScriptedBackend:
    """Answers each call from a script: a function of the window length in seconds."""

    def __init__(
        self,
        script: Callable[[float], list[Segment]],
        *,
        language: str = "en",
        multilingual: bool = True,
        on_call: Callable[[], None] | None = None,
    ) -> None:
        self.script = script
        self.language = language
        self._multilingual = multilingual
        self.calls: list[dict[str, object]] = []
        self.on_call = on_call

    @property
    def multilingual(self) -> bool:
        return self._multilingual

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
        dur = len(audio) / SAMPLE_RATE
        self.calls.append(
            {
                "dur": dur,
                "language": language,
                "prompt": prompt,
                "hotwords": hotwords,
                "beam": beam_size,
                "word_timestamps": word_timestamps,
                "prefix": prefix,
                "full_window": full_window,
            }
        )
        if self.on_call is not None:
            self.on_call()
        return Transcription(language or self.language, 0.9, tuple(self.script(dur)))

    device_name = ""
    batch_decoding = False  # the pipeline decodes closed utterances one by one

    def transcribe_batch(
        self,
        audios: list[np.ndarray],
        *,
        language: str,
        prompts: list[str | None],
        hotwords: str | None,
        beam_size: int = 5,
    ) -> list[Transcription]:
        return [
            self.transcribe(a, language=language, prompt=p, hotwords=hotwords, beam_size=beam_size)
            for a, p in zip(audios, prompts, strict=True)
        ]


def tone(seconds: float, amp: float = 0.3) -> np.ndarray:
    n = round(seconds * SAMPLE_RATE)
    return (amp * np.sin(np.arange(n) * 2 * np.pi * 220 / SAMPLE_RATE)).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * SAMPLE_RATE), dtype=np.float32)


def frames(
    samples: np.ndarray, party: Party = "customer", start: float = 0.0, frame_s: float = 0.1
):
    n = round(frame_s * SAMPLE_RATE)
    for i in range(0, len(samples), n):
        yield AudioFrame(party=party, start=start + i / SAMPLE_RATE, samples=samples[i : i + n])
