"""The real Silero VAD gates Whisper: no decode and no text on silence or noise."""

from __future__ import annotations

import numpy as np

from inference.asr.transcriber import StreamingTranscriber, TranscriberConfig
from inference.asr.vad import SileroVad, VadConfig, VadSegmenter
from tests.unit.asr_fakes import ManualClock, ScriptedBackend, frames, segment


def pink_noise(seconds: float, dbfs: float, seed: int = 0) -> np.ndarray:
    n = round(seconds * 16000)
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(spectrum))
    spectrum[1:] /= np.sqrt(f[1:])
    spectrum[0] = 0
    x = np.fft.irfft(spectrum, n)
    x /= np.sqrt(np.mean(x**2))
    return (x * 10 ** (dbfs / 20)).astype(np.float32)


def transcribe(audio: np.ndarray) -> tuple[list, ScriptedBackend]:
    backend = ScriptedBackend(lambda d: [segment("thank you for watching")])
    clock = ManualClock()
    t = StreamingTranscriber(
        "customer", backend=backend, vad=SileroVad(), config=TranscriberConfig(), clock=clock
    )
    out = []
    for frame in frames(audio):
        clock.advance_to(frame.end)
        t.insert_audio(frame)
        out += t.process(clock.now())
    t.finish()
    out += t.process(clock.now())
    return out, backend


def test_thirty_seconds_of_digital_silence_give_no_decode_and_no_words() -> None:
    out, backend = transcribe(np.zeros(30 * 16000, dtype=np.float32))
    assert backend.calls == [] and out == []


def test_thirty_seconds_of_pink_noise_give_no_decode_and_no_words() -> None:
    noise = pink_noise(30.0, -35.0)
    assert abs(20 * np.log10(np.sqrt(np.mean(noise**2))) + 35.0) < 0.5
    out, backend = transcribe(noise)
    assert backend.calls == [] and out == []


def test_speech_opens_and_closes_an_utterance(eval_dir) -> None:
    from audio.file_source import read_channels

    speech = read_channels(eval_dir / "audio" / "librispeech_en.wav")["customer"]
    seg = VadSegmenter(SileroVad(), VadConfig())
    audio = np.concatenate(
        [np.zeros(16000, dtype=np.float32), speech, np.zeros(16000, dtype=np.float32)]
    )
    turns = seg.feed(audio)
    kinds = [t.kind for t in turns]
    assert kinds[0] == "open" and "close" in kinds
    closes = [t for t in turns if t.kind == "close"]
    assert closes[0].start < 1.5 and closes[-1].end > 8.0


def test_rendered_speech_opens_and_closes_an_utterance(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The same on speech Parley renders itself (its English sample call's first turns), so
    the check runs on a clone without the evaluation audio."""
    import json
    import shutil

    import pytest

    from audio.file_source import read_channels
    from desktop.samples import demo_sample
    from desktop.samples.render import render_call
    from tests.conftest import in_ci

    if shutil.which("espeak-ng") is None:
        if in_ci():
            pytest.fail("espeak-ng is missing: scripts/setup.sh installs it", pytrace=False)
        pytest.skip("espeak-ng is not installed; it renders the sample speech")
    script = json.loads(demo_sample("en").call.read_text(encoding="utf-8"))
    script["turns"] = script["turns"][:2]  # the rep, then the customer
    short = tmp_path / "two_turns.json"
    short.write_text(json.dumps(script), encoding="utf-8")
    turns = render_call(short, tmp_path / "two_turns.wav")
    speech = read_channels(tmp_path / "two_turns.wav")["customer"]
    seg = VadSegmenter(SileroVad(), VadConfig())
    events = seg.feed(np.concatenate([speech, np.zeros(16000, dtype=np.float32)]))
    closes = [t for t in events if t.kind == "close"]
    assert events[0].kind == "open" and closes
    customer = turns[1]
    assert abs(closes[0].start - customer.start) < 0.6
    assert abs(closes[-1].end - customer.end) < 1.2
