"""`parley sessions review|notes|report|export` on a session kept through `start_session`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.store import SessionStore
from tests.unit.review_events import (
    PRICE_OBJECTION,
    REP_REPLY,
    all_bytes,
    store_scripted_session,
)


@pytest.fixture
def sid(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PARLEY_PASSPHRASE", "review pass")
    monkeypatch.setenv("PARLEY_SCRYPT_N", "1024")
    monkeypatch.setenv("PARLEY_KEYRING", "0")
    return store_scripted_session()


def exports_audited(session_id: str) -> list[dict]:
    with SessionStore.open() as store:
        return [
            e.payload or {}
            for e in store.audit.entries()
            if e.kind == "export" and e.session_id == session_id
        ]


def test_review_then_notes(sid: str, capsys: pytest.CaptureFixture[str], parley_home: Path) -> None:
    why = "Asking first lets the customer name the real gap"
    args = ["sessions", "review", sid, "--objection", PRICE_OBJECTION, "--rating", "4"]
    args += ["--preferred", "2", "--why", why, "--note", "Solid start", "--author", "Lee"]
    assert main(args) == 0
    assert "saved" in capsys.readouterr().out
    assert main(["sessions", "notes", sid, "--json"]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["objection"] == PRICE_OBJECTION
    assert (row["rating"], row["preferred"], row["why"], row["author"]) == (4, 2, why, "Lee")
    assert main(["sessions", "notes", sid]) == 0
    out = capsys.readouterr().out
    assert "rating 4/5, preferred path 2" in out and f"why: {why}" in out
    assert why.encode() not in all_bytes(parley_home)


def test_review_of_an_unknown_objection_is_a_sentence(
    sid: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sessions", "review", sid, "--objection", "nope", "--rating", "3"]) == 1
    err = capsys.readouterr().err
    assert "no objection on utterance 'nope'" in err and "c1, c3" in err


def test_review_needs_something_to_say(sid: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sessions", "review", sid, "--objection", PRICE_OBJECTION]) == 2
    assert "at least one of" in capsys.readouterr().err


def test_review_rejects_bad_ranges(sid: str) -> None:
    for extra in (["--rating", "6"], ["--preferred", "0"]):
        with pytest.raises(SystemExit) as e:
            main(["sessions", "review", sid, "--objection", PRICE_OBJECTION, *extra])
        assert e.value.code == 2


def test_unknown_session_fails(sid: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sessions", "notes", "missing-id"]) == 1
    assert "no stored session 'missing-id'" in capsys.readouterr().err


def test_report_holds_paths_notes_and_is_audited(sid: str, tmp_path: Path) -> None:
    assert main(["sessions", "review", sid, "--objection", PRICE_OBJECTION, "--why", "W1"]) == 0
    out = tmp_path / "report.html"
    assert main(["sessions", "report", sid, "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "<html" in html.lower() and "Refined answer 2 for the customer" in html
    assert REP_REPLY in html and "W1" in html
    [entry] = exports_audited(sid)
    assert (entry["format"], entry["redacted"]) == ("html", True)


def test_exports_parse_and_redaction_follows_flag(
    sid: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for fmt in ("srt", "vtt", "txt", "md", "json"):
        out = tmp_path / f"call.{fmt}"
        assert main(["sessions", "export", sid, "--format", fmt, "--out", str(out)]) == 0
        assert REP_REPLY in out.read_text(encoding="utf-8") or fmt == "json"
    srt = (tmp_path / "call.srt").read_text(encoding="utf-8")
    assert re.search(r"^1\n00:00:00,000 --> 00:00:02,000\n", srt, re.M)
    assert (tmp_path / "call.vtt").read_text(encoding="utf-8").startswith("WEBVTT")
    data = json.loads((tmp_path / "call.json").read_text(encoding="utf-8"))
    assert len(data["objections"]) == 2
    plain = tmp_path / "plain.txt"
    assert (
        main(["sessions", "export", sid, "--format", "txt", "--out", str(plain), "--no-redact"])
        == 0
    )
    entries = exports_audited(sid)
    assert [e["format"] for e in entries] == ["srt", "vtt", "txt", "md", "json", "txt"]
    assert [e["redacted"] for e in entries][-2:] == [True, False]


def test_export_bad_format_is_usage_error(sid: str, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as e:
        main(["sessions", "export", sid, "--format", "doc", "--out", str(tmp_path / "x")])
    assert e.value.code == 2


def test_redaction_follows_the_stored_setting(sid: str, tmp_path: Path) -> None:
    from desktop.store.settings import StoreSettings, save_settings
    from models.paths import data_dir

    save_settings(data_dir(), StoreSettings(redact_exports=False))
    assert main(["sessions", "export", sid, "--format", "md", "--out", str(tmp_path / "a.md")]) == 0
    [entry] = exports_audited(sid)
    assert entry["redacted"] is False
