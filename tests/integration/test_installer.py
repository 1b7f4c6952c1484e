"""The Linux bundle and .deb: build, install, run offline, remove cleanly."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="installing a .deb needs root"),
    pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs Debian's dpkg"),
]


def _offline(*cmd: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run a command with no network at all (a network namespace without interfaces)."""
    return subprocess.run(
        ["unshare", "-n", *cmd], env=env, capture_output=True, text=True, timeout=600
    )


def test_deb_installs_runs_offline_and_removes(tmp_path, eval_dir):
    out = tmp_path / "build"
    built = subprocess.run(
        [
            "bash",
            str(ROOT / "installer" / "linux" / "build.sh"),
            "--models",
            "test",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert built.returncode == 0, built.stderr[-4000:]
    report = json.loads(built.stdout)
    deb = Path(report["deb"])
    assert deb.exists() and report["bundle_mb"] > 50

    installed = subprocess.run(["dpkg", "-i", str(deb)], capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    try:
        home = tmp_path / "home"
        env = {"PATH": "/usr/bin:/bin", "PARLEY_HOME": str(home), "HOME": str(home)}
        version = _offline("parley", "--version", env=env)
        assert version.returncode == 0 and version.stdout.startswith("parley "), version.stderr
        verify = _offline("parley", "models", "verify", env=env)
        assert verify.returncode == 0, verify.stdout + verify.stderr

        script = json.loads((eval_dir / "calls" / "dev_call_1_en.json").read_text())
        script["turns"] = script["turns"][:4]
        (tmp_path / "short.json").write_text(json.dumps(script))
        wav = tmp_path / "short.wav"
        subprocess.run(
            [
                sys.executable,
                str(eval_dir.parent / "tools" / "render_call.py"),
                str(tmp_path / "short.json"),
                str(wav),
            ],
            check=True,
            capture_output=True,
        )
        events = tmp_path / "events.jsonl"
        replay = _offline(
            "parley",
            "replay",
            str(wav),
            "--speed",
            "max",
            "--asr-model",
            "asr-tiny-en",
            "--language",
            "en",
            "--no-llm",
            "--quiet",
            "--no-store",
            "--events",
            str(events),
            env=env,
        )
        assert replay.returncode == 0, replay.stderr[-3000:]
        lines = [json.loads(line) for line in events.read_text().splitlines()]
        speakers = {e["speaker"] for e in lines if e["type"] == "transcript" and e["final"]}
        assert speakers == {"rep", "customer"}
    finally:
        # --purge: a package with maintainer scripts otherwise stays listed as "config-files".
        removed = subprocess.run(["dpkg", "--purge", "parley"], capture_output=True, text=True)
    assert removed.returncode == 0, removed.stderr
    assert not Path("/opt/parley").exists()
    assert not Path("/usr/bin/parley").exists()
    assert not Path("/usr/share/applications/parley.desktop").exists()
    listed = subprocess.run(["dpkg-query", "-W", "parley"], capture_output=True, text=True)
    assert listed.returncode != 0  # the package is gone from dpkg's database
    assert home.exists()  # user data stays
