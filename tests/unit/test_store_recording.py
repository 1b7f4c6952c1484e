"""A live call's recording in the store: sealed, registered, replayable, gone with its session."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest

from desktop.cli import main
from desktop.privacy.keys import DataKey, ephemeral_key
from desktop.store import SessionMeta, SessionStore, StoreError
from desktop.store.recording import StoreRecording, recording_wav


def make_key() -> DataKey:
    key = ephemeral_key()
    return DataKey(secret=key.secret, key_id=key.key_id, source="passphrase")


def tone(seconds: float, hz: float) -> np.ndarray:
    t = np.arange(int(16000 * seconds)) / 16000.0
    return (0.3 * np.sin(2 * np.pi * hz * t) * 32767).astype(np.int16)


def record(store: SessionStore, seconds: float = 2.0) -> tuple[str, bytes, StoreRecording]:
    writer = store.begin(SessionMeta(kind="live", title="recorded call"))
    recording = StoreRecording(writer)
    stereo = np.empty(2 * int(16000 * seconds), dtype=np.int16)
    stereo[0::2], stereo[1::2] = tone(seconds, 220.0), tone(seconds, 330.0)
    pcm = stereo.tobytes()
    for start in range(0, len(pcm), 6400):
        recording.write(pcm[start : start + 6400])
    return writer.session_id, pcm, recording


def test_the_recording_is_sealed_registered_and_replayable(tmp_path: Path) -> None:
    with SessionStore.open(key=make_key(), directory=tmp_path) as store:
        sid, pcm, recording = record(store)
        recording.close()
        store._writers[sid].close()
        path = store.recording(sid)
        assert path == tmp_path / "recordings" / f"{sid}.pcm.enc"
        assert store.files(sid) == [(f"recordings/{sid}.pcm.enc", "audio")]
        sealed = path.read_bytes()
        assert b"RIFF" not in sealed and pcm[64000:64064] not in sealed
        audio, truncated = recording_wav(store, sid)
        assert not truncated
        with wave.open(io.BytesIO(audio)) as wav:
            assert (wav.getnchannels(), wav.getframerate(), wav.getsampwidth()) == (2, 16000, 2)
            assert wav.readframes(wav.getnframes()) == pcm
        assert store.purge(older_than_days=0) == [sid]  # retention takes the recording too
        assert not path.exists()


def test_a_recording_cut_by_a_crash_replays_what_was_flushed(tmp_path: Path) -> None:
    with SessionStore.open(key=make_key(), directory=tmp_path) as store:
        sid, pcm, recording = record(store, seconds=3.0)
        recording._file.flush()  # what the once-a-second flush had sealed before the crash
        store._writers[sid].flush()
        audio, truncated = recording_wav(store, sid)
        assert truncated
        with wave.open(io.BytesIO(audio)) as wav:
            assert wav.readframes(wav.getnframes()) == pcm
        recording.close()
        store._writers[sid].close()


def test_a_session_without_a_recording_says_so(tmp_path: Path) -> None:
    with SessionStore.open(key=make_key(), directory=tmp_path) as store:
        writer = store.begin(SessionMeta(kind="replay", title="no audio"))
        writer.close()
        with pytest.raises(StoreError, match="has no recording"):
            recording_wav(store, writer.session_id)


def test_live_recording_flags(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    from desktop.commands import live

    parser = argparse.ArgumentParser()
    live.register(parser.add_subparsers())

    def choice(*argv: str) -> tuple:
        args = parser.parse_args(["live", *argv])
        return live.recording_choice(args)

    assert choice() == (None, False, "")
    assert choice("--record") == (None, True, "")
    assert choice("--record-to", "x.wav") == (Path("x.wav"), False, "")
    assert choice("--record", "old.wav") == (Path("old.wav"), False, "")
    assert "deprecated" in capsys.readouterr().err
    assert "--no-store" in choice("--record", "--no-store")[2]
    assert "either" in choice("--record", "--record-to", "x.wav")[2]
    assert main(["live", "--record", "--no-store"]) == 2
    assert "--record-to FILE.wav" in capsys.readouterr().err


def test_replay_needs_a_file_or_a_session(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay"]) == 2
    assert "--session ID" in capsys.readouterr().err
