"""The audit head is anchored outside the log: truncation, rollback, deletion and a log rebuilt
without the key all make `parley audit verify` exit 1; without the key it exits 3."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.store.audit import AuditLog

Tamper = Callable[[Path, Path], None]


@pytest.fixture
def data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A store with 7 audit records; a snapshot of log and head taken after record 5."""
    monkeypatch.setenv("PARLEY_PASSPHRASE", "anchor test phrase 7")
    monkeypatch.setenv("PARLEY_SCRYPT_N", "1024")
    monkeypatch.setenv("PARLEY_TESTING", "1")
    monkeypatch.setenv("PARLEY_KEYRING", "0")
    from desktop.store.store import SessionStore
    from models.paths import data_dir

    directory = data_dir()
    with SessionStore.open() as store:
        for i in range(5):
            store.audit.record_export(None, path=f"out{i}.html", fmt="html", redacted=True)
        snap = tmp_path / "snap"
        snap.mkdir()
        shutil.copy2(directory / "audit.log", snap / "audit.log")
        shutil.copy2(directory / "audit.head", snap / "audit.head")
        for i in range(5, 7):
            store.audit.record_export(None, path=f"out{i}.html", fmt="html", redacted=True)
    return directory


def truncate_and_delete_head(directory: Path, snap: Path) -> None:
    rows = (directory / "audit.log").read_text().splitlines()[:5]
    (directory / "audit.log").write_text("".join(r + "\n" for r in rows))
    (directory / "audit.head").unlink()


def restore_older_snapshot(directory: Path, snap: Path) -> None:
    shutil.copy2(snap / "audit.log", directory / "audit.log")
    shutil.copy2(snap / "audit.head", directory / "audit.head")


def delete_both(directory: Path, snap: Path) -> None:
    (directory / "audit.log").unlink()
    (directory / "audit.head").unlink()


def rebuild_without_key(directory: Path, snap: Path) -> None:
    delete_both(directory, snap)
    forged = AuditLog(directory, None)  # what someone without the key can write
    for i in range(7):
        forged.record_export(None, path=f"out{i}.html", fmt="html", redacted=True)


def test_untouched_trail_is_intact(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "verify"]) == 0
    err = capsys.readouterr().err
    assert "intact: 7 records" in err
    assert "audit.head" in err and "sessions.db" in err  # both anchors authenticated


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        (truncate_and_delete_head, "records 6-7 removed from the end"),
        (restore_older_snapshot, "records 6-7 removed from the end"),
        (delete_both, "audit.log was deleted: it held 7 record(s)"),
        (rebuild_without_key, "MAC does not match"),
    ],
)
def test_tampering_is_found(
    data: Path, tmp_path: Path, tamper: Tamper, named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tamper(data, tmp_path / "snap")
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr()
    assert named in out.out
    assert "intact" not in out.out + out.err


def test_rebuilt_log_differs_from_the_anchor(data: Path, tmp_path: Path) -> None:
    from desktop.privacy.keys import load_existing_key

    rebuild_without_key(data, tmp_path / "snap")
    messages = [p.message for p in AuditLog(data, load_existing_key()).verify().problems]
    assert any("record 7 differs from the one written (the database" in m for m in messages)
    assert any("audit.head was deleted" in m for m in messages)


@pytest.mark.parametrize("tamper", [None, truncate_and_delete_head, delete_both])
def test_without_the_key_verify_is_unverified(
    data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tamper: Tamper | None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if tamper is not None:
        tamper(data, tmp_path / "snap")
    monkeypatch.delenv("PARLEY_PASSPHRASE")
    assert main(["audit", "verify"]) == 3
    out = capsys.readouterr()
    assert "unverified" in out.err
    assert "intact" not in (out.out + out.err).lower()


def test_without_the_key_a_broken_chain_still_fails(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = (data / "audit.log").read_text().splitlines()
    del rows[2]
    (data / "audit.log").write_text("".join(r + "\n" for r in rows))
    monkeypatch.delenv("PARLEY_PASSPHRASE")
    assert main(["audit", "verify"]) == 1
    assert "intact" not in capsys.readouterr().err


def test_events_output_is_audited(data: Path, tmp_path: Path) -> None:
    from desktop.privacy.keys import load_existing_key

    call = Path(__file__).resolve().parents[2] / "desktop" / "samples" / "demo_call_zh.json"
    out = tmp_path / "events.jsonl"
    argv = ["replay", str(call), "--speed", "max", "--no-llm", "--quiet", "--events", str(out)]
    assert main(argv) == 0
    assert out.stat().st_size > 0
    exports = [
        e.payload
        for e in AuditLog(data, load_existing_key()).entries()
        if e.kind == "export" and e.payload and e.payload["format"] == "events-jsonl"
    ]
    assert exports == [
        {
            "path": str(out.resolve()),
            "format": "events-jsonl",
            "redacted": False,
            "segments": 0,
            "withheld": 0,
        }
    ]
    assert main(["audit", "verify"]) == 0
