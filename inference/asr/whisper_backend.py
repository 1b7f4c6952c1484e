"""faster-whisper (CTranslate2) behind the `AsrBackend` protocol; imported lazily."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from inference.asr.text import to_simplified
from inference.asr.types import Segment, Transcription, Word
from models.errors import ModelError

log = logging.getLogger(__name__)
SUPPORTED_LANGUAGES = ("en", "zh")
_FRAMES_PER_S = 100  # log-mel frames per second of audio
_MIN_ENCODER_FRAMES = 1000  # shorter contexts garble short windows ("that sounds good")
_WINDOW_SAMPLES = 30 * 16000  # Whisper's window
_TOKENS_PER_S = 12  # a generous bound on speech tokens per second, English or Chinese


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
        encoder_margin_s: the encoder sees the window plus this much padding instead of the
            full 30 s Whisper pads every window to; None keeps the full padding. Streaming
            windows are a few seconds long, so this makes a decode 2-4x cheaper on a CPU (the
            encoder is most of a decode's cost); the encoder always sees at least 10 s, as
            shorter contexts garble short windows. None keeps the full padding.

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
        encoder_margin_s: float | None = 1.0,
    ) -> None:
        try:
            from faster_whisper import WhisperModel
        except ImportError as e:
            raise ModelError(
                "Transcription needs faster-whisper; reinstall Parley's requirements."
            ) from e
        self.device = choose_device(device)
        self._beam_size = beam_size
        self._margin = encoder_margin_s
        model_class = _make_model(WhisperModel)

        def load(choice: DeviceChoice) -> Any:
            return model_class(
                str(model_dir),
                device=choice.device,
                compute_type=choice.compute_type,
                cpu_threads=cpu_threads,
                num_workers=1,
                local_files_only=True,
            )

        try:
            try:
                self._model: Any = load(self.device)
            except Exception as e:
                if device != "auto" or self.device.device != "cuda":
                    raise
                # A GPU without the CUDA libraries CTranslate2 needs (cuBLAS, cuDNN): "auto"
                # means the CPU then, and doctor's reason says why.
                log.warning("CUDA could not be used for speech (%s); using the CPU", e)
                self.device = DeviceChoice(
                    "cpu", "int8", f"CTranslate2 sees a GPU but could not use it ({e})"
                )
                self._model = load(self.device)
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
        prefix: str | None = None,
        full_window: bool = False,
    ) -> Transcription:
        """Decode one window (greedy, no temperature fallback, no built-in VAD).

        With `prefix` (the known text of the window's first part), the decoder is forced to
        begin with that text and goes on from there; what comes back is only what follows it.
        faster-whisper ignores hotwords beside a prefix, so they are put before the prompt.
        `full_window` encodes the audio padded to Whisper's 30 s (as the model was trained)
        instead of the trimmed context (`encoder_margin_s`): dearer, and more accurate."""
        probs: dict[str, float] = {}
        if prefix is not None and not prefix.strip():
            prefix = None
        if prefix and hotwords:
            prompt, hotwords = f"{hotwords.strip()} {prompt or ''}".strip(), None
        self._model.encoder_frames = None if full_window else self._encoder_frames(len(audio))
        self._model.one_pass = len(audio) <= _WINDOW_SAMPLES
        if not self.multilingual:
            language = "en"
        elif language is None:
            language, probs = self._detect(audio)
        began = time.monotonic()
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
            max_new_tokens=_max_tokens(len(audio)),
            vad_filter=False,
            without_timestamps=True,
            prefix=prefix,
        )
        out = _transcription(segments, info, probs)  # decoding happens as segments are read
        if prefix:
            out = _after_prefix(out, prefix)
        log.debug(
            "decode: %.1f s of audio, %d encoder frames, beam %d, %.0f ms",
            len(audio) / 16000,
            self._model.encoder_frames or 3000,
            beam_size or self._beam_size,
            (time.monotonic() - began) * 1000,
        )
        return out

    @property
    def device_name(self) -> str:
        return self.device.device

    @property
    def batch_decoding(self) -> bool:
        return True

    def transcribe_batch(
        self,
        audios: list[np.ndarray],
        *,
        language: str,
        prompts: list[str | None],
        hotwords: str | None,
        beam_size: int = 5,
    ) -> list[Transcription]:
        """Decode several short windows (each at most 30 s) of one language in one batch.

        Used at replay's max speed, where closed utterances are decoded once: CTranslate2
        decodes a batch's beams together, about twice the throughput of one window after
        another on two cores. Each window gives one segment spanning it, without word times
        (the caller shares the span out among the words) and without the guards' per-segment
        details that need timestamp tokens.
        """
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_compression_ratio, get_suppressed_tokens

        if not audios:
            return []
        if any(len(a) > _WINDOW_SAMPLES for a in audios):
            raise ValueError("transcribe_batch takes windows of at most 30 s")
        model = self._model
        lang = language if self.multilingual else "en"
        tokenizer = Tokenizer(
            model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=lang
        )
        frames = max(self._encoder_frames(len(a)) or 3000 for a in audios)
        mels = model.feature_extractor.mel_filters.shape[0]
        batch = np.zeros((len(audios), mels, frames), np.float32)
        for i, audio in enumerate(audios):
            feats = model.feature_extractor(audio.astype(np.float32, copy=False))[:, :frames]
            batch[i, :, : feats.shape[1]] = feats
        # CTranslate2 wants <|startoftranscript|> at one position in the whole batch: each
        # window keeps the most recent previous-text tokens that all of them have.
        previous = [tokenizer.encode(" " + p.strip()) if p else [] for p in prompts]
        keep = min(len(t) for t in previous)
        prompt_tokens = [
            model.get_prompt(
                tokenizer,
                t[len(t) - keep :] if keep else [],
                without_timestamps=True,
                hotwords=hotwords or None,
            )
            for t in previous
        ]
        longest = max(len(t) for t in prompt_tokens)
        new_tokens = _max_tokens(max(len(a) for a in audios))
        model.encoder_frames = frames  # not the last single decode's (it trims what it encodes)
        encoded = model.encode(batch)
        results = model.model.generate(
            encoded,
            prompt_tokens,
            beam_size=beam_size,
            max_length=min(model.max_length, longest + new_tokens),
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=get_suppressed_tokens(tokenizer, [-1]),
        )
        out = []
        for audio, result in zip(audios, results, strict=True):
            tokens = result.sequences_ids[0]
            text = tokenizer.decode(tokens).strip()
            text = to_simplified(text) if lang == "zh" else text
            segment = Segment(
                start=0.0,
                end=len(audio) / 16000,
                text=text if lang == "zh" else " " + text,
                avg_logprob=float(result.scores[0]) * len(tokens) / (len(tokens) + 1),
                no_speech_prob=float(result.no_speech_prob),
                compression_ratio=get_compression_ratio(text),
            )
            out.append(Transcription(lang, 1.0, (segment,) if text else ()))
        return out

    def transcribe_whole(
        self, audio: np.ndarray, *, language: str, prompt: str | None, hotwords: str | None
    ) -> Transcription:
        """The offline baseline of the benchmarks: the same model on a whole recording with
        faster-whisper's own defaults (beam 5, timestamp tokens, each 30 s window conditioned
        on the previous one, full encoder windows)."""
        self._model.encoder_frames, self._model.one_pass = None, False
        segments, info = self._model.transcribe(
            audio.astype(np.float32, copy=False),
            language=language if self.multilingual else "en",
            initial_prompt=prompt or None,
            hotwords=hotwords or None,
            vad_filter=False,
        )
        return _transcription(segments, info, {})

    def _encoder_frames(self, samples: int) -> int | None:
        if self._margin is None:
            return None
        frames = max(_MIN_ENCODER_FRAMES, int((samples / 16000 + self._margin) * _FRAMES_PER_S))
        return frames + frames % 2  # the encoder's convolution halves the frames

    def _detect(self, audio: np.ndarray) -> tuple[str, dict[str, float]]:
        """The more likely of the supported languages (Parley serves English and Chinese).

        It sees the same trimmed encoder context as decoding (at least 10 s): on the eval
        recordings and call turns it chose as the full 30 s window did, 4x cheaper; with
        only the window's own length it mistook short English windows for Chinese.
        """
        _, _, all_probs = self._model.detect_language(audio=audio.astype(np.float32, copy=False))
        probs = {code: float(p) for code, p in all_probs if code in SUPPORTED_LANGUAGES}
        total = sum(probs.values()) or 1.0
        probs = {code: p / total for code, p in probs.items()}
        best = max(probs, key=lambda c: probs[c]) if probs else "en"
        return best, probs


def _transcription(segments: Any, info: Any, probs: dict[str, float]) -> Transcription:
    """faster-whisper's lazy segments as Parley's `Transcription` (Chinese simplified)."""
    lang = str(info.language)
    out = tuple(_segment(s, zh=lang == "zh") for s in segments)
    confidence = probs.get(lang, 1.0) if probs else float(info.language_probability)
    return Transcription(lang, confidence, out, probs)


def _after_prefix(result: Transcription, prefix: str) -> Transcription:
    """The decode without its forced prefix: faster-whisper returns the prefix's tokens as
    the start of the first segment's text and words. Empty when the text does not begin
    with the prefix (the caller then decodes without one)."""
    from faster_whisper.transcribe import get_compression_ratio

    if not result.segments:
        return result
    first, *rest = result.segments
    text = _strip_prefix(first.text, prefix)
    if text is None:
        log.warning("a decode did not begin with its forced prefix; its text is dropped")
        return replace(result, segments=())
    words: list[Word] = []
    left = len("".join(prefix.split()))  # prefix characters still to drop, spaces aside
    for w in first.words:
        n = len("".join(w.text.split()))
        if left >= n:
            left -= n
            continue
        if left > 0:  # the word carries the prefix's end and the decode's first characters
            rest_of_prefix = "".join(prefix.split())[-left:]
            w = replace(w, text=_strip_prefix(w.text, rest_of_prefix) or w.text)
            left = 0
        words.append(w)
    start = words[0].start if words else first.end
    kept = replace(
        first,
        start=start,
        text=text,
        words=tuple(words),
        compression_ratio=get_compression_ratio(text.strip()) if text.strip() else 0.0,
    )
    segments = (kept, *rest) if text.strip() or words else tuple(rest)
    return replace(result, segments=segments)


def _strip_prefix(text: str, prefix: str) -> str | None:
    """`text` without a leading `prefix`, whitespace aside; None when it does not start so."""
    i = 0
    for ch in prefix:
        if ch.isspace():
            continue
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text) or text[i] != ch:
            return None
        i += 1
    return text[i:]


def _max_tokens(samples: int) -> int:
    """A bound on the tokens one window can need: a decoder caught in a repetition loop
    otherwise runs to Whisper's 448 tokens, seconds of the one ASR worker's time."""
    return min(440, int(samples / 16000 * _TOKENS_PER_S) + 16)


def _make_model(base: type) -> type:
    """faster-whisper's model, made cheaper for short streaming windows.

    - The encoder may see fewer than Whisper's 3000 frames: faster-whisper pads every window's
      features with zeros to 30 s before encoding; CTranslate2's encoder takes shorter inputs
      too (its positions are absolute, so the frames that carry audio are encoded the same
      way), and the decoder only attends to what the encoder produced.
    - One pass per window (`one_pass`): decoding without timestamp tokens but with word times,
      faster-whisper seeks to the last word's end and decodes the few tenths of a second after
      it once more (a second encoder and decoder run that doubles a partial's cost and at best
      re-hears a cut-off word the next partial hears anyway).

    Both are set per call by `WhisperBackend.transcribe`.
    """

    class _TrimmedEncoderWhisper(base):  # type: ignore[misc, valid-type]
        encoder_frames: int | None = None
        one_pass = False

        def _split_segments_by_timestamps(self, **kwargs: Any) -> Any:
            segments, seek, single_ending = super()._split_segments_by_timestamps(**kwargs)
            return segments, seek, single_ending or self.one_pass

        def encode(self, features: np.ndarray) -> Any:
            n = self.encoder_frames
            if n is not None and features.shape[-1] > n:
                features = np.ascontiguousarray(features[..., :n])
            return super().encode(features)

    return _TrimmedEncoderWhisper


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
