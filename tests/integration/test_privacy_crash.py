"""Crash safety: `kill -9` of a process writing a session loses at most the last 2 s."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.privacy.crypto import read_encrypted_file
from desktop.store import SessionStore

CHILD = textwrap.dedent(
    """
    import sys, time
    from desktop.store import start_session
    from inference.events import TranscriptEvent

    session = start_session("live", title="crash test")
    assert session.persistent, session.warnings
    recording = session.writer.open_recording()
    print("SESSION", session.session_id, flush=True)
    t0 = time.monotonic()
    i = 0
    while True:
        t = time.monotonic() - t0
        event = TranscriptEvent(t=t, speaker="customer", utterance_id=f"u{i}", start=t - 0.05,
                                end=t, text=f"kestrel words {i}", final=True, lang="en")
        for sink in session.sinks:
            sink(event)
        recording.write(bytes([i % 256]) * 3200)  # 0.1 s of 16 kHz int16 audio
        recording.flush()
        print("EMIT", i, f"{t:.3f}", flush=True)
        i += 1
        time.sleep(0.05)  # a live session's pace
    """
)

MAX_LOSS_S = 2.0


@pytest.fixture
def private_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("PARLEY_PASSPHRASE", "crash-test-passphrase")
    monkeypatch.setenv("PARLEY_SCRYPT_N", "1024")
    monkeypatch.setenv("PARLEY_KEYRING", "0")
    return dict(os.environ)


def test_kill_9_loses_at_most_two_seconds(private_env: dict[str, str], tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=private_env,
    )
    assert proc.stdout is not None
    session_id = ""
    try:
        for line in proc.stdout:
            parts = line.split()
            if parts[0] == "SESSION":
                session_id = parts[1]
            elif parts[0] == "EMIT" and float(parts[2]) >= 3.0:
                break
        else:
            pytest.fail(f"the child stopped early: {proc.stderr.read() if proc.stderr else ''}")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    # Everything the child emitted before it died is in the pipe still.
    emitted = [line.split() for line in [line, *proc.stdout] if line.startswith("EMIT")]
    last_index, last_t = int(emitted[-1][1]), float(emitted[-1][2])

    with SessionStore.open() as store:
        [interrupted] = store.interrupted_sessions()
        assert interrupted.session_id == session_id
        assert any("parley sessions recover" in p for p in store.problems)
        segments = store.load_segments(session_id)
        assert segments, "nothing was saved before the kill"
        # Saved segments are exactly the first ones emitted, in order, with nothing invented.
        assert [s.text for s in segments] == [f"kestrel words {i}" for i in range(len(segments))]
        assert len(segments) - 1 <= last_index
        assert segments[-1].t >= last_t - MAX_LOSS_S
        audio = read_encrypted_file(
            store.recording_path(session_id), store.session_key(session_id), allow_truncated=True
        )
        assert audio == b"".join(bytes([i % 256]) * 3200 for i in range(len(audio) // 3200))
        assert len(audio) // 3200 >= len(segments) - 1

    # The next start offers it; `parley sessions recover ID` keeps it.
    assert main(["sessions", "recover", session_id]) == 0
    with SessionStore.open() as store:
        info = store.get(session_id)
        assert info.recovered and info.ended_at is not None and not info.interrupted
        assert info.segments == len(segments)
        assert store.interrupted_sessions() == []
