"""The Linux bundle and .deb: build, install, run offline, remove cleanly."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
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


def test_deb_installs_runs_offline_and_removes(tmp_path):
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

        # The bundle carries the samples: the English demo call (rendered at build time) is
        # transcribed, the Chinese one read, both answered with their sample playbooks.
        for lang, extra in (("en", ["--asr-model", "asr-tiny-en"]), ("zh", [])):
            events = tmp_path / f"demo_{lang}.jsonl"
            demo = _offline(
                "parley",
                "demo",
                "--lang",
                lang,
                "--speed",
                "max",
                *extra,
                "--no-llm",
                "--quiet",
                "--events",
                str(events),
                env=env,
            )
            assert demo.returncode == 0, demo.stderr[-3000:]
            lines = [json.loads(line) for line in events.read_text().splitlines()]
            speakers = {e["speaker"] for e in lines if e["type"] == "transcript" and e["final"]}
            assert speakers == {"rep", "customer"}
            assert any(e["type"] == "suggestion" for e in lines), lang
        assert not list(home.rglob("sessions.db")), "the demo stored a session"
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
