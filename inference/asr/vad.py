"""Silero VAD (the ONNX file shipped with faster-whisper) and a per-party speech segmenter.

The segmenter is a small state machine fed with 16 kHz samples; it opens an utterance when
speech starts and closes it after enough silence, so Whisper is never called on silence.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from models.errors import ModelError

CHUNK = 512  # samples per VAD step (32 ms at 16 kHz)
_CONTEXT = 64
SAMPLE_RATE = 16_000


class SpeechProbability(Protocol):
    """Speech probability of consecutive 512-sample chunks of one stream."""

    def __call__(self, chunk: np.ndarray) -> float: ...

    def reset(self) -> None: ...


def silero_vad_path() -> str:
    """Path of the Silero VAD model bundled with faster-whisper."""
    try:
        from faster_whisper.utils import get_assets_path
    except ImportError as e:
        raise ModelError(
            "Voice detection needs the faster-whisper package; reinstall Parley's requirements."
        ) from e
    return os.path.join(get_assets_path(), "silero_vad_v6.onnx")


class SileroVad:
    """Streaming Silero VAD for one stream (keeps its recurrent state between chunks)."""

    def __init__(self, path: str | None = None) -> None:
        try:
            import onnxruntime
        except ImportError as e:
            raise ModelError(
                "Voice detection needs onnxruntime; reinstall Parley's requirements."
            ) from e
        opts = onnxruntime.SessionOptions()
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = 1
        opts.enable_cpu_mem_arena = False
        opts.log_severity_level = 4
        model = path or silero_vad_path()
        try:
            self._session: Any = onnxruntime.InferenceSession(
                model, providers=["CPUExecutionProvider"], sess_options=opts
            )
        except Exception as e:
            raise ModelError(
                f"The voice detection model {model} could not be loaded ({e}); reinstall faster-whisper."
            ) from e
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(_CONTEXT, dtype=np.float32)

    def __call__(self, chunk: np.ndarray) -> float:
        x = np.concatenate([self._context, chunk.astype(np.float32, copy=False)])[None, :]
        out, self._h, self._c = self._session.run(None, {"input": x, "h": self._h, "c": self._c})
        self._context = x[0, -_CONTEXT:].copy()
        return float(np.asarray(out).reshape(-1)[0])


@dataclass(frozen=True, slots=True)
class VadConfig:
    """Thresholds of the segmenter.

    Attributes:
        threshold: probability at which speech starts.
        neg_threshold: probability under which speech counts as paused.
        min_silence_s: pause that closes an utterance.
        min_speech_s: shorter bursts are dropped as noise (never decoded).
        pad_s: audio kept before the detected start and after the end.
        max_utterance_s: an utterance is closed when it grows this long.
    """

    threshold: float = 0.5
    neg_threshold: float = 0.35
    min_silence_s: float = 0.45
    min_speech_s: float = 0.25
    pad_s: float = 0.2
    max_utterance_s: float = 30.0


@dataclass(frozen=True, slots=True)
class VadTurn:
    """A change of the segmenter: speech opened at `start`, or closed spanning start..end."""

    kind: str  # "open" | "close" | "discard"
    start: float
    end: float
    silent: bool = False  # closed by a pause: `end` is the pause's start plus `pad_s`


class VadSegmenter:
    """Turns speech probabilities into utterance boundaries, in seconds of the stream.

    Args:
        model: speech probability per chunk (SileroVad in production).
        config: thresholds.
        start: stream time of the first sample fed.
    """

    def __init__(self, model: SpeechProbability, config: VadConfig, *, start: float = 0.0) -> None:
        self._model = model
        self._config = config
        self._rest = np.zeros(0, dtype=np.float32)
        self._pos = start  # stream time of the first sample in _rest
        self._open_at: float | None = None  # first speech chunk
        self._speech_seen = 0.0
        self._silence_since: float | None = None
        self.last_prob = 0.0

    @property
    def speaking(self) -> bool:
        return self._open_at is not None

    def trailing_silence(self) -> float:
        """Seconds of pause at the end of an open utterance (0 when speech goes on)."""
        if self._open_at is None or self._silence_since is None:
            return 0.0
        return max(0.0, self._pos - self._silence_since)

    def pause_start(self) -> float | None:
        """Where the current pause of an open utterance began (None while speech goes on)."""
        return self._silence_since if self._open_at is not None else None

    def jump(self, t: float) -> None:
        """The stream restarts at `t` after a gap (state is reset; call `close` first)."""
        self._rest = np.zeros(0, dtype=np.float32)
        self._pos = t
        self._model.reset()

    def feed(self, samples: np.ndarray) -> list[VadTurn]:
        """Consume samples; returns the utterance boundaries they revealed."""
        cfg = self._config
        data = np.concatenate([self._rest, samples]) if len(self._rest) else samples
        n = len(data) // CHUNK
        turns: list[VadTurn] = []
        for i in range(n):
            t0 = self._pos + i * CHUNK / SAMPLE_RATE
            t1 = t0 + CHUNK / SAMPLE_RATE
            p = self._model(data[i * CHUNK : (i + 1) * CHUNK])
            self.last_prob = p
            if self._open_at is None:
                if p >= cfg.threshold:
                    self._open_at = t0
                    self._speech_seen = CHUNK / SAMPLE_RATE
                    self._silence_since = None
                    turns.append(VadTurn("open", max(0.0, t0 - cfg.pad_s), t0))
                continue
            if p >= cfg.threshold:
                self._silence_since = None
                self._speech_seen += CHUNK / SAMPLE_RATE
            elif p < cfg.neg_threshold and self._silence_since is None:
                self._silence_since = t0
            if self._silence_since is not None and t1 - self._silence_since >= cfg.min_silence_s:
                turns.append(self._close(self._silence_since + cfg.pad_s, silent=True))
            elif t1 - self._open_at >= cfg.max_utterance_s:
                turns.append(self._close(t1))
        self._rest = data[n * CHUNK :].copy()
        self._pos += n * CHUNK / SAMPLE_RATE
        return turns

    def close(self) -> VadTurn | None:
        """End of stream: close the open utterance, if any, at the current position."""
        if self._open_at is None:
            return None
        end = self._silence_since + self._config.pad_s if self._silence_since else self._pos
        silent = bool(self._silence_since)
        return self._close(min(end, self._pos + len(self._rest) / SAMPLE_RATE), silent=silent)

    def _close(self, end: float, *, silent: bool = False) -> VadTurn:
        assert self._open_at is not None
        start = max(0.0, self._open_at - self._config.pad_s)
        kind = "close" if self._speech_seen >= self._config.min_speech_s else "discard"
        self._open_at = None
        self._silence_since = None
        self._speech_seen = 0.0
        return VadTurn(kind, start, end, silent)
