"""`parley replay FOLDER --workers N`: the batch on a real local Ray (one start shared by the
module), the real pipeline with the llm-tiny pack, over timed transcripts written here."""

from __future__ import annotations

import argparse
import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest

from desktop.batch import keys, resident, runner
from desktop.batch.worker import ReplayWorker
from desktop.privacy import netguard
from desktop.privacy.errors import NetworkBlockedError

pytest.importorskip("ray")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "desktop" / "samples" / "playbook_en"
PHONE = "+1 415 555 0187"


def _call(turns: list[tuple[str, str]]) -> str:
    out, t = [], 0.0
    for speaker, text in turns:
        out.append({"speaker": speaker, "text": text, "start": t, "end": t + 4.0})
        t += 4.5
    return json.dumps({"lang": "en", "turns": out})


CALL_A = [
    ("rep", "Morning, thanks for the time to talk about chargers for the car park."),
    ("customer", "To be honest the price you quoted is well above what we planned to spend."),
    ("rep", "That helps to know. What figure did you have in mind for the first phase?"),
    ("customer", f"Our finance director signs this off. Call her on {PHONE} next week."),
    ("rep", "Thank you, I will send her a one-page summary first."),
]
CALL_B = [
    ("rep", "Hello again, did the site plan reach you?"),
    ("customer", "It did, but VoltPost offered us a cheaper unit last week."),
    ("rep", "Fair to compare. How would the chargers share the building's power?"),
    ("customer", "We had not looked at that. Next quarter might suit us better anyway."),
]


@pytest.fixture(scope="module")
def ray_local() -> Any:
    """One local Ray for the module (two cores), started the way the batch starts it."""
    args = argparse.Namespace(cluster=None, dashboard=False)
    with runner.ray_running(args, cpus=2) as ray:
        yield ray


def _folder(tmp_path: Path) -> Path:
    calls = tmp_path / "calls"
    calls.mkdir()
    (calls / "call_a.json").write_text(_call(CALL_A), encoding="utf-8")
    (calls / "call_b.json").write_text(_call(CALL_B), encoding="utf-8")
    (calls / "broken.json").write_text('{"turns": [{"speaker": "rep"', encoding="utf-8")
    return calls


def _batch(calls: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    from desktop.cli import main

    argv = ["replay", str(calls), "--report-dir", str(out), "--workers", "2"]
    argv += ["--cpus-per-worker", "1", "--playbook", str(PLAYBOOK), "--llm-model", "llm-tiny"]
    capsys.readouterr()
    rc = main(argv)
    captured = capsys.readouterr()
    return rc, json.loads(captured.out) | {"stderr": captured.err}


def test_two_workers_write_two_reports_name_the_broken_file_and_resume(
    ray_local: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calls, out = _folder(tmp_path), tmp_path / "reports"
    rc, summary = _batch(calls, out, capsys)
    assert rc == 0
    assert summary["mode"] == "local" and summary["workers"] == 2
    assert summary["replayed"] == 2 and summary["skipped"] == 0
    assert [f["name"] for f in summary["failed"]] == ["broken.json"]
    assert "timed transcript" in summary["failed"][0]["error"]
    assert sorted(p.name for p in out.glob("*.html")) == [
        "call_a.html",
        "call_b.html",
        keys.TEAM_REPORT,
    ]
    assert not list(out.glob("*.part"))  # nothing half-written is left
    # Progress on stderr: files, audio hours, RTF, ETA.
    assert "h audio" in summary["stderr"] and "RTF" in summary["stderr"]
    assert "ETA" in summary["stderr"]
    team = summary["team"]
    assert team["calls"] == 2
    assert team["objections"].get("price", 0) >= 1
    assert team["competitors"] == {"VoltPost": 1}
    assert sum(team["paths"].values()) == 3 * sum(team["objections"].values())
    assert summary["audio_hours"] == pytest.approx((4.5 * 4 + 4.0 + 4.5 * 3 + 4.0) / 3600, 0.01)
    # The same redaction as a single report, in the call's report and in the team summary.
    report_a = (out / "call_a.html").read_text(encoding="utf-8")
    assert "finance director" in report_a and PHONE not in report_a
    html = (out / keys.TEAM_REPORT).read_text(encoding="utf-8")
    assert "broken.json" in html and PHONE not in html
    assert "never a measure of a rep" in html

    # Resumption: the complete reports are skipped, the broken file is tried again.
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("call_*.html")}
    rc, again = _batch(calls, out, capsys)
    assert (again["skipped"], again["replayed"]) == (2, 0)
    assert [f["name"] for f in again["failed"]] == ["broken.json"]
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("call_*.html")} == before
    assert again["team"]["objections"] == team["objections"]  # counted from the records

    # A changed input changes its key: only that file is replayed.
    (calls / "call_b.json").write_text(_call(CALL_B[:2]), encoding="utf-8")
    (calls / "broken.json").unlink()
    rc, third = _batch(calls, out, capsys)
    assert rc == 0 and (third["skipped"], third["replayed"], third["failed"]) == (1, 1, [])


def test_the_guard_refuses_other_addresses_while_ray_runs(ray_local: Any) -> None:
    assert ray_local.is_initialized()
    with netguard.no_network() as guard:
        with pytest.raises(NetworkBlockedError):
            socket.create_connection(("198.51.100.7", 6379), timeout=0.2)
        with netguard.allowing(["198.51.100.7"]):
            assert netguard.permits("198.51.100.7")
            with pytest.raises(NetworkBlockedError):
                socket.create_connection(("198.51.100.8", 6379), timeout=0.2)
        assert not netguard.permits("198.51.100.7")
    assert guard.attempts == [
        "create_connection ('198.51.100.7', 6379)",
        "create_connection ('198.51.100.8', 6379)",
    ]


def test_a_cluster_needs_tls_certificates_the_user_names(tmp_path: Path) -> None:
    from desktop.cli import main

    (tmp_path / "a.json").write_text(_call(CALL_B), encoding="utf-8")
    argv = ["replay", str(tmp_path), "--report-dir", str(tmp_path / "r")]
    assert main([*argv, "--cluster", "10.20.30.40:6379"]) == 1
    args = argparse.Namespace(cluster="10.20.30.40:6379", tls_ca=None, tls_cert=None, tls_key=None)
    with (
        pytest.raises(runner.BatchError, match="--tls-ca, --tls-cert, --tls-key"),
        runner.ray_running(args, cpus=1),
    ):
        pass


class CrashOnceWorker(ReplayWorker):
    """Dies (the whole process) the first time it meets a file that names a marker file."""

    def replay(self, name: str, data: bytes) -> dict[str, Any]:
        marker = json.loads(data).get("marker")
        if marker and not Path(marker).exists():
            Path(marker).write_text(str(os.getpid()), encoding="utf-8")
            os._exit(1)
        return super().replay(name, data)


def test_a_file_whose_worker_died_is_retried_once_on_another(
    ray_local: Any, tmp_path: Path
) -> None:
    calls, out = tmp_path / "calls", tmp_path / "out"
    calls.mkdir()
    crash = json.loads(_call(CALL_A)) | {"marker": str(tmp_path / "died")}
    (calls / "crash.json").write_text(json.dumps(crash), encoding="utf-8")
    (calls / "fine.json").write_text(_call(CALL_B), encoding="utf-8")
    args = argparse.Namespace(
        playbook=[PLAYBOOK], no_llm=True, hotwords="", mono_party="customer",
        asr_model="asr-base", llm_model="llm-tiny", language="auto", device="cpu",
        no_redact=False,
    )  # fmt: skip
    files = sorted(calls.iterdir())
    records: dict[Path, dict] = {}
    failed: list[dict[str, str]] = []
    retried: list[str] = []
    runner._schedule(
        ray_local, runner.batch_settings(args), [(f, "k") for f in files],
        runner.report_names(files), 2, 1, out, records, failed, retried,
        runner.Progress(total=2), worker_class=CrashOnceWorker,
    )  # fmt: skip
    assert (tmp_path / "died").exists()
    assert retried == ["crash.json"] and failed == []
    assert sorted(p.name for p in out.glob("*.html")) == ["crash.html", "fine.html"]


def test_a_worker_keeps_its_models_between_files(tmp_path: Path) -> None:
    args = argparse.Namespace(
        playbook=[PLAYBOOK], no_llm=False, hotwords="", mono_party="customer",
        asr_model="asr-base", llm_model="llm-tiny", language="auto", device="cpu",
        no_redact=False,
    )  # fmt: skip
    settings = runner.batch_settings(args)
    worker = ReplayWorker(settings, 0, 0)  # in this process, not pinned
    try:
        first = worker.replay("a.json", _call(CALL_A).encode())
        llm = [k for k in resident.loaded() if k[0] == "llm"]
        backend = resident.llm_backend("llm-tiny", device="cpu", threads_fn=None)
        second = worker.replay("b.json", _call(CALL_B).encode())
        assert first["ok"] and second["ok"], (first, second)
        assert llm == [("llm", "llm-tiny", "cpu")] == [k for k in resident.loaded()]
        assert resident.llm_backend("llm-tiny", device="cpu", threads_fn=None) is backend
        assert backend is not None and backend._info is not None  # still loaded
    finally:
        resident.deactivate()
    assert resident.loaded() == [] and not resident.active()
