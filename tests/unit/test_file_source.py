"""FileSource on generated recordings: stereo split, mono detection, resampling, bad files."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from audio.errors import AudioFileError
from audio.file_source import FileSource, read_channels
from audio.source import AudioFrame


def write_wav(path: Path, channels: list[np.ndarray], rate: int) -> Path:
    data = np.stack(channels, axis=1)
    pcm = (np.clip(data, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(len(channels))
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def sine(freq: float, seconds: float, rate: int, amp: float = 0.5) -> np.ndarray:
    return amp * np.sin(2 * np.pi * freq * np.arange(round(seconds * rate)) / rate)


def peak_hz(x: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(x))
    return float(np.argmax(spectrum) * 16000 / len(x))


def test_stereo_is_rep_left_customer_right_resampled_to_16k(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "call.wav", [sine(300, 2.0, 44100), sine(1000, 2.0, 44100)], 44100)
    source = FileSource(path, speed=None)
    assert set(source.parties) == {"rep", "customer"}
    ch = read_channels(path)
    assert abs(len(ch["rep"]) - 32000) <= 16 and abs(len(ch["customer"]) - 32000) <= 16
    assert abs(peak_hz(ch["rep"]) - 300) < 5
    assert abs(peak_hz(ch["customer"]) - 1000) < 5
    assert ch["rep"].dtype == np.float32


def test_frames_of_one_interval_come_together_and_are_stamped_in_session_seconds(
    tmp_path: Path,
) -> None:
    path = write_wav(tmp_path / "call.wav", [sine(300, 1.0, 16000), sine(900, 1.0, 16000)], 16000)
    items = [
        f for f in FileSource(path, speed=None, frame_s=0.1).frames() if isinstance(f, AudioFrame)
    ]
    assert [f.party for f in items[:4]] == ["customer", "rep", "customer", "rep"]
    assert [round(f.start, 3) for f in items[:4]] == [0.0, 0.0, 0.1, 0.1]
    assert round(items[-1].end, 3) == 1.0


@pytest.mark.parametrize("party", ["customer", "rep"])
def test_mono_and_identical_stereo_go_to_the_given_party(tmp_path: Path, party: str) -> None:
    x = sine(440, 1.0, 22050)
    mono = write_wav(tmp_path / "mono.wav", [x], 22050)
    dual = write_wav(tmp_path / "dual.wav", [x, x * 0.999], 22050)
    for path in (mono, dual):
        source = FileSource(path, speed=None, mono_party=party)  # type: ignore[arg-type]
        assert source.parties == (party,)
        ch = read_channels(path, mono_party=party)  # type: ignore[arg-type]
        assert list(ch) == [party] and abs(len(ch[party]) - 16000) <= 16


def encode(path: Path, codec: str, left: np.ndarray, right: np.ndarray, rate: int) -> Path:
    """Write a two-channel file with PyAV's encoder `codec`."""
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=rate, layout="stereo")
        data = np.stack([left, right]).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(data.T.reshape(1, -1)), format="flt", layout="stereo"
        )
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


@pytest.mark.parametrize(
    ("suffix", "codec"),
    [("flac", "flac"), ("mp3", "libmp3lame"), ("m4a", "aac"), ("ogg", "libopus")],
)
def test_compressed_formats_decode(tmp_path: Path, suffix: str, codec: str) -> None:
    out = encode(
        tmp_path / f"call.{suffix}", codec, sine(300, 1.5, 48000), sine(800, 1.5, 48000), 48000
    )
    ch = read_channels(out)
    assert set(ch) == {"rep", "customer"}
    assert abs(len(ch["customer"]) / 16000 - 1.5) < 0.1
    assert abs(peak_hz(ch["customer"]) - 800) < 10


def test_not_audio_empty_and_missing_files_raise_a_sentence(tmp_path: Path) -> None:
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio at all " * 50)
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    header_only = write_wav(tmp_path / "header.wav", [np.zeros(0)], 16000)
    for path in (text, empty, header_only, tmp_path / "missing.flac"):
        with pytest.raises(AudioFileError) as err:
            FileSource(path, speed=None)
        assert str(path) in str(err.value) and "try again" in str(err.value)


def test_truncated_file_gives_what_is_there_or_an_audio_file_error(tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "src.wav", [sine(300, 3.0, 16000)], 16000)
    flac = tmp_path / "call.flac"
    subprocess.run(["sox", str(wav), str(flac)], check=True, capture_output=True)
    cut = tmp_path / "cut.flac"
    cut.write_bytes(flac.read_bytes()[: flac.stat().st_size // 2])
    try:
        ch = read_channels(cut)
    except AudioFileError as e:
        assert "cut.flac" in str(e)
    else:
        assert 0 < len(ch["customer"]) < 3 * 16000


def test_pacing_uses_the_injected_clock_and_sleeper(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "a.wav", [sine(300, 2.0, 16000)], 16000)
    now = [100.0]
    slept: list[float] = []

    def sleeper(s: float) -> None:
        slept.append(s)
        now[0] += s

    source = FileSource(path, speed=2.0, clock=lambda: now[0], sleeper=sleeper)
    frames = list(source.frames())
    assert len(frames) == 20
    assert abs(sum(slept) - 1.0) < 1e-6  # 2 s of audio at twice real time
    assert abs(now[0] - 101.0) < 1e-6


def test_stop_ends_iteration(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "a.wav", [sine(300, 5.0, 16000)], 16000)
    source = FileSource(path, speed=None)
    got = []
    for frame in source.frames():
        got.append(frame)
        if len(got) == 3:
            source.stop()
    assert len(got) == 3
