"""faster-whisper (CTranslate2) behind the `AsrBackend` protocol; imported lazily."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from inference.asr.text import to_simplified
from inference.asr.types import Segment, Transcription, Word
from models.errors import ModelError

log = logging.getLogger(__name__)
SUPPORTED_LANGUAGES = ("en", "zh")


@dataclass(frozen=True, slots=True)
class DeviceChoice:
    """Where CTranslate2 runs and why (what `parley doctor` shows)."""

    device: str  # "cpu" | "cuda"
    compute_type: str
    reason: str


def choose_device(setting: str = "auto") -> DeviceChoice:
    """Resolve the `device` setting (auto / cpu / cuda) against this machine.

    Raises:
        ModelError: `cuda` was asked for and CTranslate2 sees no CUDA device.
    """
    try:
        import ctranslate2

        gpus = int(ctranslate2.get_cuda_device_count())
    except Exception as e:  # a broken CUDA install must not stop CPU transcription
        log.debug("CUDA probe failed: %s", e)
        gpus = 0
    if setting == "cpu":
        return DeviceChoice("cpu", "int8", "the device setting is cpu")
    if gpus > 0:
        return DeviceChoice(
            "cuda", "int8_float16", f"CTranslate2 sees {gpus} CUDA device(s) (setting {setting})"
        )
    if setting == "cuda":
        raise ModelError(
            "The device setting is cuda but CTranslate2 finds no CUDA GPU; set the device to auto or cpu."
        )
    return DeviceChoice("cpu", "int8", "CTranslate2 finds no CUDA GPU, so the CPU is used")


def resolve_model_dir(model: str) -> Path:
    """A Whisper model folder: `model` itself when it is a folder, else the registry's pack.

    Raises:
        ModelError: neither a folder nor an installed pack.
    """
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    try:
        from models.registry import model_path
    except ImportError as e:
        raise ModelError(
            f"The speech model {model!r} is not a folder and the model registry is unavailable; "
            "reinstall Parley or pass the model folder's path."
        ) from e
    return Path(model_path(model))


class WhisperBackend:
    """A loaded faster-whisper model.

    Args:
        model_dir: folder with model.bin, config.json, tokenizer.json, vocabulary.
        device: "auto", "cpu" or "cuda".
        cpu_threads: CTranslate2 threads on the CPU.
        beam_size: 1 is greedy decoding (what the streaming transcriber uses).

    Raises:
        ModelError: the model could not be loaded.
    """

    def __init__(
        self,
        model_dir: str | Path,
        *,
        device: str = "auto",
        cpu_threads: int = 2,
        beam_size: int = 1,
    ) -> None:
        try:
            from faster_whisper import WhisperModel
        except ImportError as e:
            raise ModelError(
                "Transcription needs faster-whisper; reinstall Parley's requirements."
            ) from e
        self.device = choose_device(device)
        self._beam_size = beam_size
        try:
            self._model: Any = WhisperModel(
                str(model_dir),
                device=self.device.device,
                compute_type=self.device.compute_type,
                cpu_threads=cpu_threads,
                num_workers=1,
                local_files_only=True,
            )
        except Exception as e:
            raise ModelError(
                f"The speech model in {model_dir} could not be loaded ({e}); "
                "run `parley models verify` and reinstall the pack it names."
            ) from e

    @property
    def multilingual(self) -> bool:
        return bool(self._model.model.is_multilingual)

    def transcribe(
        self,
        audio: np.ndarray,
        *,
        language: str | None,
        prompt: str | None,
        hotwords: str | None,
        beam_size: int | None = None,
        word_timestamps: bool = True,
    ) -> Transcription:
        """Decode one window (greedy, no temperature fallback, no built-in VAD)."""
        probs: dict[str, float] = {}
        if not self.multilingual:
            language = "en"
        elif language is None:
            language, probs = self._detect(audio)
        segments, info = self._model.transcribe(
            audio.astype(np.float32, copy=False),
            language=language,
            task="transcribe",
            beam_size=beam_size or self._beam_size,
            best_of=1,
            temperature=0.0,
            condition_on_previous_text=False,
            initial_prompt=prompt or None,
            hotwords=hotwords or None,
            word_timestamps=word_timestamps,
            vad_filter=False,
            without_timestamps=False,
        )
        lang = str(info.language)
        out = tuple(_segment(s, zh=lang == "zh") for s in segments)
        confidence = probs.get(lang, 1.0) if probs else float(info.language_probability)
        return Transcription(lang, confidence, out, probs)

    def _detect(self, audio: np.ndarray) -> tuple[str, dict[str, float]]:
        """The more likely of the supported languages (Parley serves English and Chinese)."""
        _, _, all_probs = self._model.detect_language(audio=audio.astype(np.float32, copy=False))
        probs = {code: float(p) for code, p in all_probs if code in SUPPORTED_LANGUAGES}
        total = sum(probs.values()) or 1.0
        probs = {code: p / total for code, p in probs.items()}
        best = max(probs, key=lambda c: probs[c]) if probs else "en"
        return best, probs


def _segment(s: Any, *, zh: bool) -> Segment:
    conv = to_simplified if zh else (lambda x: x)
    words = tuple(
        Word(float(w.start), float(w.end), conv(w.word), float(w.probability))
        for w in s.words or ()
    )
    return Segment(
        start=float(s.start),
        end=float(s.end),
        text=conv(s.text),
        avg_logprob=float(s.avg_logprob),
        no_speech_prob=float(s.no_speech_prob),
        compression_ratio=float(s.compression_ratio),
        words=words,
    )
