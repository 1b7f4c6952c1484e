"""Streaming transcription with the real tiny.en model on real recordings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from audio.file_source import FileSource
from inference.clock import SessionClock
from inference.events import ClosedUtterance, TranscriptEvent
from inference.pipeline import AsrConfig, load_backend, run_audio
from inference.scoring import score


class Hub:
    def __init__(self) -> None:
        self.items: list = []

    def emit(self, event) -> None:
        self.items.append(event)

    def on_utterance(self, utt) -> None:
        self.items.append(utt)

    def finals(self, party: str) -> str:
        return " ".join(
            e.text
            for e in self.items
            if isinstance(e, TranscriptEvent) and e.final and e.speaker == party
        )


@pytest.fixture(scope="module")
def tiny():
    return load_backend(AsrConfig(model="asr-tiny-en", language="en"))


@pytest.fixture(scope="module")
def references(eval_dir: Path) -> dict:
    return json.loads((eval_dir / "audio" / "references.json").read_text(encoding="utf-8"))


def transcribe(path: Path, backend, *, streaming: bool = True) -> Hub:
    hub = Hub()
    run_audio(
        FileSource(path, speed=None),
        config=AsrConfig(model="asr-tiny-en", language="en", streaming=streaming),
        clock=SessionClock(),
        hub=hub,
        backend=backend,
    )
    return hub


def test_jfk_streaming_wer_is_within_fifteen_percent(eval_dir: Path, tiny, references) -> None:
    hub = transcribe(eval_dir / "audio" / "jfk_en.flac", tiny)
    text = hub.finals("customer")
    assert score(references["jfk_en.flac"]["text"], text, "en") <= 0.15, text
    closed = [e for e in hub.items if isinstance(e, ClosedUtterance)]
    assert closed and all(c.audio is not None and len(c.audio) > 0 for c in closed)
    assert " ".join(c.text for c in closed) == text


def test_each_channel_of_a_stereo_call_goes_to_its_party(eval_dir: Path, tiny, references) -> None:
    hub = transcribe(eval_dir / "audio" / "stereo_two_speakers_en.wav", tiny)
    ref = references["stereo_two_speakers_en.wav"]
    rep, customer = hub.finals("rep"), hub.finals("customer")
    assert score(ref["left"], rep, "en") <= 0.35, rep
    assert score(ref["right"], customer, "en") <= 0.35, customer
    assert score(ref["left"], customer, "en") > 0.7  # not the other way round


def test_once_mode_transcribes_librispeech(eval_dir: Path, tiny, references) -> None:
    hub = transcribe(eval_dir / "audio" / "librispeech_en.wav", tiny, streaming=False)
    text = hub.finals("customer")
    assert score(references["librispeech_en.wav"]["text"], text, "en") <= 0.2, text


@contextmanager
def encoded_frames(backend) -> Iterator[list[int]]:
    """The frame counts the encoder is handed while the block runs."""
    seen: list[int] = []
    base = type(backend._model).__mro__[1]  # faster-whisper's WhisperModel, below the trimming
    encode = base.encode

    def spy(self, features):
        seen.append(int(features.shape[-1]))
        return encode(self, features)

    base.encode = spy
    try:
        yield seen
    finally:
        base.encode = encode


def test_a_short_window_is_encoded_once_with_a_trimmed_context(eval_dir: Path, tiny) -> None:
    from faster_whisper.audio import decode_audio

    audio = decode_audio(str(eval_dir / "audio" / "jfk_en.flac"))[: 4 * 16000]
    with encoded_frames(tiny) as seen:
        trimmed = tiny.transcribe(audio, language="en", prompt=None, hotwords=None)
    assert len(seen) == 1  # no second pass over the tail after the last word
    assert seen[0] < 3000  # not padded to Whisper's 30 s
    text = " ".join(w.text for s in trimmed.segments for w in s.words)
    assert score("And so my fellow Americans, ask not", text, "en") <= 0.15, text


def test_a_batch_encodes_its_own_context_after_a_single_decode(
    eval_dir: Path, tiny, references
) -> None:
    """A batch at `--speed max` after a short single decode: its long window is encoded
    whole, not trimmed to the context the single decode left behind (its last words)."""
    from faster_whisper.audio import decode_audio

    audio = decode_audio(str(eval_dir / "audio" / "jfk_en.flac"))
    with encoded_frames(tiny) as seen:
        tiny.transcribe(audio[: 3 * 16000], language="en", prompt=None, hotwords=None)
        batch = tiny.transcribe_batch([audio], language="en", prompts=[None], hotwords=None)
    whole = int((len(audio) / 16000 + 1.0) * 100)
    assert seen == [1000, whole + whole % 2]
    text = batch[0].segments[0].text
    assert score(references["jfk_en.flac"]["text"], text, "en") <= 0.15, text


def test_the_offline_baseline_uses_full_windows(eval_dir: Path, tiny, references) -> None:
    from faster_whisper.audio import decode_audio

    audio = decode_audio(str(eval_dir / "audio" / "jfk_en.flac"))
    result = tiny.transcribe_whole(audio, language="en", prompt=None, hotwords=None)
    text = " ".join(s.text for s in result.segments)
    assert score(references["jfk_en.flac"]["text"], text, "en") <= 0.1, text


def test_auto_falls_back_to_the_cpu_when_a_gpu_cannot_be_used(monkeypatch) -> None:
    import ctranslate2

    from inference.asr.whisper_backend import WhisperBackend, resolve_model_dir
    from models.errors import ModelError

    folder = resolve_model_dir("asr-tiny-en")
    real_model = ctranslate2.models.Whisper

    def no_cuda(*args, **kwargs):
        if kwargs.get("device") == "cuda":
            raise RuntimeError("CUDA failed with error no CUDA-capable device is detected")
        return real_model(*args, **kwargs)

    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 1)
    monkeypatch.setattr(ctranslate2.models, "Whisper", no_cuda)
    backend = WhisperBackend(folder, device="auto")
    assert backend.device.device == "cpu" and "could not use it" in backend.device.reason
    with pytest.raises(ModelError, match="could not be loaded"):
        WhisperBackend(folder, device="cuda")


class _Recording:
    """The real backend, noting each decode's length and beam."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.calls: list[tuple[float, int | None]] = []

    @property
    def multilingual(self) -> bool:
        return bool(self.inner.multilingual)

    def transcribe(self, audio, **kwargs):
        self.calls.append((len(audio) / 16000, kwargs.get("beam_size")))
        return self.inner.transcribe(audio, **kwargs)

    device_name = "cpu"
    batch_decoding = False

    def transcribe_batch(self, audios, **kwargs):
        return self.inner.transcribe_batch(audios, **kwargs)


class _Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t


def test_one_final_per_utterance_from_a_second_pass_cut_at_pauses(
    eval_dir: Path, tiny, references
) -> None:
    from audio.file_source import read_channels
    from inference.asr.transcriber import StreamingTranscriber, TranscriberConfig
    from inference.asr.vad import SileroVad, VadConfig
    from tests.unit.asr_fakes import frames

    audio = read_channels(eval_dir / "audio" / "jfk_en.flac")["customer"]
    backend, clock = _Recording(tiny), _Clock()
    # Pauses of up to 1.5 s stay inside an utterance: long ones, with pauses to cut at.
    config = TranscriberConfig(language="en", split_s=3.0, vad=VadConfig(min_silence_s=1.5))
    t = StreamingTranscriber(
        "customer", backend=backend, vad=SileroVad(), config=config, clock=clock
    )
    out: list = []
    for frame in frames(audio):
        clock.t = frame.end
        t.insert_audio(frame)
        out += t.process(clock.now())
    t.finish()
    out += t.process(clock.now())
    events = [e for e in out if isinstance(e, TranscriptEvent)]
    closed = [e for e in out if isinstance(e, ClosedUtterance)]
    assert closed and any(e.stable for e in events)
    for c in closed:
        mine = [e for e in events if e.utterance_id == c.utterance_id]
        finals = [e for e in mine if e.final]
        assert len(finals) == 1 and mine[-1] is finals[0]
        assert finals[0].text == c.text
    text = " ".join(c.text for c in closed)
    assert score(references["jfk_en.flac"]["text"], text, "en") <= 0.15, text
    longest = max(c.end - c.start for c in closed)
    second = [d for d, beam in backend.calls if beam == 5]
    assert longest > 5.0 and max(second) < longest - 1.0  # refined in pieces
