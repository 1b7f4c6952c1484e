"""Call words never reach stderr nor any file under PARLEY_HOME unless `-v --log-text` asks.

A timed transcript of our own, with marker words no other text has, is replayed by `parley` in
a child process (as a user runs it: the OS restriction and the guard on): plainly, with `-v`,
and with the pipeline made to raise an error that quotes the utterance.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "tests" / "data" / "playbook_routewise"
MARKERS = ("zorblatt", "quindlewax", "frumpelstone")

# Runs `parley ARGS` as the console script does; with RAISE=1 the pipeline fails on every
# utterance with an error that quotes its words.
RUNNER = textwrap.dedent(
    """
    import os, sys
    if os.environ.get("RAISE") == "1":
        from inference.conversation import ConversationHub
        def broken(self, utterance):
            raise RuntimeError(f"cannot analyse {utterance.text!r}")
        ConversationHub._handle_utterance = broken
    from desktop.cli import main
    sys.exit(main())
    """
)


def transcript(path: Path) -> Path:
    turns = [
        ("rep", f"Thanks for your time today, I wanted to follow up on the {MARKERS[0]} rollout."),
        ("customer", f"Honestly the {MARKERS[1]} price is too expensive for our budget this year."),
        ("rep", "I understand. What would a first step look like for your team?"),
        ("customer", f"We already use {MARKERS[2]} and switching sounds like a lot of work."),
    ]
    t, out = 0.0, []
    for speaker, text in turns:
        out.append({"speaker": speaker, "start": t, "end": t + 4.0, "text": text})
        t += 5.0
    path.write_text(json.dumps({"id": "markers", "lang": "en", "turns": out}))
    return path


def run(
    tmp: Path, *flags: str, raise_in_pipeline: bool = False
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PARLEY_PASSPHRASE": "marker test passphrase 9",
        "PARLEY_SCRYPT_N": "1024",
        "PARLEY_TESTING": "1",
        "PARLEY_KEYRING": "0",
        "RAISE": "1" if raise_in_pipeline else "0",
    }
    args = [
        *flags,
        "replay",
        str(transcript(tmp / "call.json")),
        "--playbook",
        str(PLAYBOOK),
        "--speed",
        "max",
        "--no-llm",
        "--quiet",
    ]
    return subprocess.run(
        [sys.executable, "-c", RUNNER, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp,
    )


def markers_under(home: Path) -> list[str]:
    found = []
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.name}: {m}" for m in MARKERS if m.encode() in data]
    return found


@pytest.mark.parametrize(
    ("flags", "raising"),
    [((), False), (("-v",), False), ((), True), (("-v",), True)],
    ids=["plain", "verbose", "raising", "verbose-raising"],
)
def test_no_call_words_in_logs(
    tmp_path: Path, parley_home: Path, flags: tuple[str, ...], raising: bool
) -> None:
    done = run(tmp_path, *flags, raise_in_pipeline=raising)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not [m for m in MARKERS if m in done.stderr], done.stderr[-2000:]
    if raising:
        assert "pipeline failed on ClosedUtterance" in done.stderr  # the failure is logged ...
        assert "RuntimeError at " in done.stderr  # ... by type and place, not by its words
    if flags:
        assert "DEBUG" in done.stderr
    assert markers_under(parley_home) == []


def test_log_text_turns_words_on_and_says_so(tmp_path: Path) -> None:
    done = run(tmp_path, "-v", "--log-text", raise_in_pipeline=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "--log-text is on" in done.stderr
    assert MARKERS[1] in done.stderr


def test_log_text_needs_verbose(tmp_path: Path) -> None:
    done = run(tmp_path, "--log-text")
    assert done.returncode == 2
    assert "only works with -v" in done.stderr
