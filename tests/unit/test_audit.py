"""The hash-chained audit trail: what it records, and that verify names any tampering."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.privacy.keys import DataKey, ephemeral_key
from desktop.store.audit import AuditLog, record_hash
from inference.events import GuardEvent, Source, SuggestionEvent, SuggestionPath

WORDS = "our budget is frozen until spring"


def key_for_test() -> DataKey:
    key = ephemeral_key()
    return DataKey(secret=key.secret, key_id=key.key_id, source="passphrase")


def suggestion(t: float) -> SuggestionEvent:
    path = SuggestionPath(
        "reframe",
        f"Say: {WORDS}",
        0.72,
        (Source(utterance_id="u1"), Source(file="pb.md", heading="Budget")),
    )
    return SuggestionEvent(
        t=t, objection_utterance_id="u1", stage="refined", paths=(path, path, path), latency_s=1.5
    )


def filled_log(directory: Path, key: DataKey, n: int = 5) -> AuditLog:
    log = AuditLog(directory, key)
    sink = log.sink_for("s1")
    sink(suggestion(1.0))
    sink(
        GuardEvent(
            t=1.1, objection_utterance_id="u1", path=2, rule="discount cap", action="blocked"
        )
    )
    log.record_export(
        "s1", path="/out/report.html", fmt="html", redacted=True, segments=3, withheld=1
    )
    log.record_deletion("s0", reason="user request", rows=12, files=1)
    for i in range(n - 4):
        sink(suggestion(2.0 + i))
    return log


def lines(directory: Path) -> list[str]:
    return (directory / "audit.log").read_text().splitlines()


def write(directory: Path, rows: list[str]) -> None:
    (directory / "audit.log").write_text("".join(r + "\n" for r in rows))


def test_records_what_was_shown_without_the_words(tmp_path: Path) -> None:
    key = key_for_test()
    log = filled_log(tmp_path, key)
    entries = list(log.entries())
    assert [e.kind for e in entries] == ["suggestion", "guard", "export", "deletion", "suggestion"]
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    path0 = entries[0].payload["paths"][0]  # type: ignore[index]
    assert path0["confidence"] == 0.72 and path0["strategy"] == "reframe"
    assert path0["sources"] == [{"utterance_id": "u1"}, {"file": "pb.md", "heading": "Budget"}]
    assert len(path0["text_sha256"]) == 64
    assert entries[1].payload["action"] == "blocked"  # type: ignore[index]
    assert entries[2].payload["redacted"] is True  # type: ignore[index]
    raw = (tmp_path / "audit.log").read_bytes()
    assert WORDS.encode() not in raw and b"discount cap" not in raw  # payloads are encrypted
    report = log.verify()
    assert report.ok and report.records == 5 and report.macs_checked
    # Without the key, the chain still verifies (and payloads stay unreadable).
    keyless = AuditLog(tmp_path, None)
    assert keyless.verify().ok and not keyless.verify().macs_checked
    assert all(e.payload is None for e in keyless.entries())


def messages(log: AuditLog) -> str:
    report = log.verify()
    assert not report.ok
    return " | ".join(p.message for p in report.problems)


def test_edited_record_is_named(tmp_path: Path) -> None:
    log = filled_log(tmp_path, key_for_test())
    rows = lines(tmp_path)
    rec = json.loads(rows[2])
    rec["kind"] = "nothing"
    rows[2] = json.dumps(rec)
    write(tmp_path, rows)
    assert "record 3 (line 3) was edited" in messages(log)


def test_edited_record_with_recomputed_hash_is_named(tmp_path: Path) -> None:
    key = key_for_test()
    log = filled_log(tmp_path, key)
    rows = lines(tmp_path)
    rec = json.loads(rows[2])
    rec["time"] = rec["time"] - 3600
    rec["hash"] = record_hash(rec)
    rows[2] = json.dumps(rec)
    write(tmp_path, rows)
    assert "record 3 (line 3) was rewritten" in messages(log)  # the MAC, with the key
    assert "record 3 was edited or replaced" in messages(AuditLog(tmp_path, None))  # the chain


def test_removed_record_is_named(tmp_path: Path) -> None:
    log = filled_log(tmp_path, key_for_test())
    rows = lines(tmp_path)
    del rows[1]
    write(tmp_path, rows)
    assert "record 2 missing" in messages(log)


def test_reordered_records_are_named(tmp_path: Path) -> None:
    log = filled_log(tmp_path, key_for_test())
    rows = lines(tmp_path)
    rows[1], rows[2] = rows[2], rows[1]
    write(tmp_path, rows)
    found = messages(log)
    assert "record 3 (line 2) is out of order" in found
    assert "record 2 (line 3) is out of order" in found


def test_cut_off_end_is_named(tmp_path: Path) -> None:
    log = filled_log(tmp_path, key_for_test(), n=6)
    write(tmp_path, lines(tmp_path)[:-2])
    assert "records 5-6 removed from the end" in messages(log)


def test_appends_from_threads_keep_one_chain(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, key_for_test())
    threads = [
        threading.Thread(target=lambda: [log.append("export", {"n": i}) for i in range(10)])
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report = log.verify()
    assert report.ok and report.records == 40


def test_cli_verify_and_show(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARLEY_PASSPHRASE", "pw")
    monkeypatch.setenv("PARLEY_SCRYPT_N", "1024")
    monkeypatch.setenv("PARLEY_KEYRING", "0")
    from desktop.privacy.keys import load_or_create_key
    from models.paths import data_dir

    filled_log(data_dir(), load_or_create_key())
    assert main(["audit", "verify"]) == 0
    assert main(["audit", "show", "--json"]) == 0
    shown = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["kind"] for r in shown] == ["suggestion", "guard", "export", "deletion", "suggestion"]
    assert shown[1]["payload"]["rule"] == "discount cap"
    rows = lines(data_dir())
    rec = json.loads(rows[3])
    rec["payload"] = rec["payload"][:-4] + "AAA="
    rows[3] = json.dumps(rec)
    write(data_dir(), rows)
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr()
    assert "record 4 (line 4) was edited" in out.out
    assert "altered" in out.err
