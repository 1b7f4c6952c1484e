"""The encrypted session store: sessions, segments, events, choices, notes, flags, deletion."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from desktop.privacy.errors import WrongPassphraseError
from desktop.privacy.keys import DataKey, ephemeral_key
from desktop.store import SessionMeta, SessionStore, StoreError, start_session
from desktop.store.schema import SCHEMA_VERSION
from inference.events import (
    GuardEvent,
    ObjectionEvent,
    Source,
    StatusEvent,
    SuggestionEvent,
    SuggestionPath,
    TranscriptEvent,
    to_dict,
)

SECRET = "zebrafinch budget is frozen until spring"
SECRET_ZH = "我们的预算冻结到明年春天"


def key_for_test() -> DataKey:
    # A persistent-looking key (the store only needs its bytes and id).
    key = ephemeral_key()
    return DataKey(secret=key.secret, key_id=key.key_id, source="passphrase")


def transcript(
    i: int, text: str, *, final: bool = True, speaker: str = "customer"
) -> TranscriptEvent:
    return TranscriptEvent(
        t=float(i),
        speaker=speaker,
        utterance_id=f"u{i}",
        start=i - 0.9,
        end=float(i),  # type: ignore[arg-type]
        text=text,
        final=final,
        lang="en",
    )


def suggestion(t: float, oid: str) -> SuggestionEvent:
    path = SuggestionPath("reframe", f"answer about {SECRET}", 0.6, (Source(utterance_id=oid),))
    return SuggestionEvent(
        t=t, objection_utterance_id=oid, stage="instant", paths=(path, path, path), latency_s=0.2
    )


def session_events() -> list:
    return [
        transcript(1, "hello the", final=False),  # tentative: not kept
        transcript(1, SECRET),
        StatusEvent(t=1.5, component="audio", state="level", detail="0.3"),  # not kept
        transcript(2, SECRET_ZH, speaker="rep"),
        ObjectionEvent(
            t=2.1, utterance_id="u1", start=0.1, end=1.0, category="budget", confidence=0.8
        ),
        suggestion(2.2, "u1"),
        GuardEvent(
            t=2.3, objection_utterance_id="u1", path=1, rule="no discount", action="rewritten"
        ),
    ]


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    s = SessionStore.open(key=key_for_test(), directory=tmp_path / "data")
    yield s
    s.close()


def run_session(store: SessionStore, title: str = "call.wav") -> str:
    writer = store.begin(SessionMeta(kind="replay", title=title, info={"input": "/x/call.wav"}))
    for event in session_events():
        writer(event)
    writer.record_choice("u1", 2, t=2.5)
    assert writer.close()
    return writer.session_id


def all_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in directory.rglob("*") if p.is_file())


def test_session_roundtrip(store: SessionStore) -> None:
    sid = run_session(store)
    [info] = store.list_sessions()
    assert info.session_id == sid and info.kind == "replay" and info.title == "call.wav"
    assert info.ended_at is not None and not info.interrupted and not info.running
    assert info.segments == 2 and info.events == 5 and info.last_t == pytest.approx(2.3)
    kept = [
        e
        for e in session_events()
        if not (isinstance(e, StatusEvent) or (isinstance(e, TranscriptEvent) and not e.final))
    ]
    assert [to_dict(e) for e in store.load_events(sid)] == [to_dict(e) for e in kept]
    assert [s.text for s in store.load_segments(sid)] == [SECRET, SECRET_ZH]
    [choice] = store.load_choices(sid)
    assert (choice.objection_utterance_id, choice.path, choice.t) == ("u1", 2, 2.5)
    assert store.session_info(sid) == {"input": "/x/call.wav"}
    note = store.add_review_note(sid, "u1", rating=4, text=f"good save on {SECRET}")
    [n] = store.load_review_notes(sid)
    assert (n.note_id, n.rating, n.text) == (note, 4, f"good save on {SECRET}")


def test_content_is_encrypted_on_disk(store: SessionStore) -> None:
    sid = run_session(store, title="zebrafinch-call.wav")
    store.add_review_note(sid, "u1", rating=None, text="zebrafinch note")
    assert store.directory is not None
    raw = all_bytes(store.directory)
    for word in ("zebrafinch", "frozen", "预算冻结", "answer about"):
        assert word.encode() not in raw


def test_data_use_flag_defaults_to_no(store: SessionStore) -> None:
    sid = run_session(store)
    assert all(not s.usable_for_learning for s in store.load_segments(sid))
    assert store.load_segments(sid, learnable_only=True) == []
    assert store.set_data_use(sid, True, utterance_ids=["u2"]) == 1
    learnable = store.load_segments(sid, learnable_only=True)
    assert [s.utterance_id for s in learnable] == ["u2"]


def test_unknown_session_is_a_clear_error(store: SessionStore) -> None:
    with pytest.raises(StoreError, match="parley sessions list"):
        store.load_events("nope")


def test_interrupted_session_is_offered_and_recovered(tmp_path: Path) -> None:
    key = key_for_test()
    with SessionStore.open(key=key, directory=tmp_path) as store:
        sid = run_session(store)
    # What a killed process leaves: a session row that never got its end.
    conn = sqlite3.connect(tmp_path / "sessions.db")
    conn.execute("UPDATE sessions SET ended_at = NULL")
    conn.commit()
    conn.close()
    with SessionStore.open(key=key, directory=tmp_path) as store:
        assert [s.session_id for s in store.interrupted_sessions()] == [sid]
        assert any("parley sessions recover" in p for p in store.problems)
        info = store.recover(sid)
        assert info.recovered and info.ended_at is not None and info.segments == 2
        assert store.interrupted_sessions() == []
        with pytest.raises(StoreError, match="already ended"):
            store.recover(sid)


def test_running_session_is_not_interrupted_nor_deletable(tmp_path: Path) -> None:
    key = key_for_test()
    with SessionStore.open(key=key, directory=tmp_path) as first:
        writer = first.begin(SessionMeta(kind="live"))
        writer(transcript(1, SECRET))
        assert writer.flush()
        with SessionStore.open(key=key, directory=tmp_path) as second:
            [info] = second.list_sessions()
            assert info.running and not info.interrupted
            with pytest.raises(StoreError, match="running"):
                second.delete(writer.session_id)
        writer.close()


def test_delete_leaves_no_trace(store: SessionStore, tmp_path: Path) -> None:
    gone = run_session(store)
    kept = run_session(store, title="other.wav")
    writer = store.begin(SessionMeta(kind="live", session_id="with-audio"))
    with writer.open_recording() as rec:
        rec.write(b"\x01\x02" * 5000)
    derived = store.directory / "reports" / "derived-report.html"  # type: ignore[operator]
    derived.parent.mkdir()
    derived.write_text("report")
    writer.register_file(derived, "report")
    with pytest.raises(StoreError, match="outside the data directory"):
        writer.register_file(tmp_path / "elsewhere.html", "report")
    writer(transcript(1, SECRET))
    writer.close()
    recording = store.recording_path("with-audio")
    assert recording.exists()
    # The exact ciphertexts of the session to delete must vanish from the files' bytes.
    conn = sqlite3.connect(store.directory / "sessions.db")  # type: ignore[operator]
    blobs = [r[0] for r in conn.execute("SELECT text FROM segments WHERE session_id = ?", (gone,))]
    blobs += [r[0] for r in conn.execute("SELECT body FROM events WHERE session_id = ?", (gone,))]
    conn.close()
    assert blobs and all(b in all_bytes(store.directory) for b in blobs)  # type: ignore[arg-type]

    store.delete(gone)
    store.delete("with-audio")
    raw = all_bytes(store.directory)  # type: ignore[arg-type]
    assert not any(b in raw for b in blobs)
    assert gone.encode() not in (store.directory / "sessions.db").read_bytes()  # type: ignore[operator]
    assert not recording.exists() and not derived.exists()
    assert [s.session_id for s in store.list_sessions()] == [kept]
    assert [s.text for s in store.load_segments(kept)] == [SECRET, SECRET_ZH]
    deletions = [e for e in store.audit.entries() if e.kind == "deletion"]
    assert [e.session_id for e in deletions] == [gone, "with-audio"]
    assert deletions[1].payload == {"reason": "user request", "rows": 5, "files": 2}
    assert store.audit.verify().ok


def test_purge_by_age_and_retention_setting(tmp_path: Path) -> None:
    key = key_for_test()
    with SessionStore.open(key=key, directory=tmp_path) as store:
        old, new = run_session(store), run_session(store)
        conn = sqlite3.connect(tmp_path / "sessions.db")
        conn.execute(
            "UPDATE sessions SET started_at = started_at - 40 * 86400 WHERE id = ?", (old,)
        )
        conn.commit()
        conn.close()
        assert store.purge(older_than_days=50) == []
        assert store.purge(older_than_days=30) == [old]
        assert [s.session_id for s in store.list_sessions()] == [new]
    # The setting file drives the purge done when the store opens.
    (tmp_path / "privacy.json").write_text('{"retention_days": 10}')
    conn = sqlite3.connect(tmp_path / "sessions.db")
    conn.execute("UPDATE sessions SET started_at = started_at - 11 * 86400")
    conn.commit()
    conn.close()
    with SessionStore.open(key=key, directory=tmp_path) as store:
        assert store.list_sessions() == []


def test_corrupt_database_is_kept_aside(tmp_path: Path) -> None:
    garbage = b"this is not a database" * 100
    (tmp_path / "sessions.db").write_bytes(garbage)
    with SessionStore.open(key=key_for_test(), directory=tmp_path) as store:
        assert any("damaged" in p and "corrupt-" in p for p in store.problems)
        run_session(store)
        assert len(store.list_sessions()) == 1
    [aside] = list(tmp_path.glob("sessions.db.corrupt-*"))
    assert aside.read_bytes() == garbage


def test_damaged_pages_are_detected(tmp_path: Path) -> None:
    key = key_for_test()
    with SessionStore.open(key=key, directory=tmp_path) as store:
        for _ in range(3):
            run_session(store)
    path = tmp_path / "sessions.db"
    raw = bytearray(path.read_bytes())
    page = 4096
    for i in range(2 * page, len(raw), 7):  # scribble over everything after the first pages
        raw[i] = 0xA5
    path.write_bytes(bytes(raw))
    with SessionStore.open(key=key, directory=tmp_path) as store:
        assert any("damaged" in p for p in store.problems)
        assert store.list_sessions() == []
    assert list(tmp_path.glob("sessions.db.corrupt-*"))


def test_other_key_changes_nothing(tmp_path: Path) -> None:
    with SessionStore.open(key=key_for_test(), directory=tmp_path) as store:
        run_session(store)
    before = (tmp_path / "sessions.db").read_bytes()
    with pytest.raises(WrongPassphraseError, match="nothing was changed"):
        SessionStore.open(key=key_for_test(), directory=tmp_path)
    assert (tmp_path / "sessions.db").read_bytes() == before


def test_schema_version_and_newer_file(tmp_path: Path) -> None:
    with SessionStore.open(key=key_for_test(), directory=tmp_path):
        pass
    conn = sqlite3.connect(tmp_path / "sessions.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        SessionStore.open(key=key_for_test(), directory=tmp_path)


def test_without_passphrase_the_session_runs_in_memory(
    monkeypatch: pytest.MonkeyPatch, parley_home: Path
) -> None:
    monkeypatch.delenv("PARLEY_PASSPHRASE", raising=False)
    monkeypatch.setenv("PARLEY_KEYRING", "0")
    monkeypatch.setattr("sys.stdin", None)
    with start_session("replay", title="t") as session:
        assert not session.persistent
        assert any("PARLEY_PASSPHRASE" in w and "memory" in w for w in session.warnings)
        for sink in session.sinks:
            for event in session_events():
                sink(event)
        assert session.writer.flush()
        assert [s.text for s in session.store.load_segments(session.session_id)] == [
            SECRET,
            SECRET_ZH,
        ]
    assert not list(parley_home.rglob("sessions.db"))
    assert not list(parley_home.rglob("key.json"))


def test_with_passphrase_the_session_is_stored_and_audited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_PASSPHRASE", "pw")
    monkeypatch.setenv("PARLEY_SCRYPT_N", "1024")
    monkeypatch.setenv("PARLEY_KEYRING", "0")
    with start_session("replay", title="t") as session:
        assert session.persistent and session.warnings == []
        for event in session_events():
            for sink in session.sinks:
                sink(event)
        sid = session.session_id
    with SessionStore.open() as store:
        assert store.get(sid).segments == 2
        kinds = [e.kind for e in store.audit.entries()]
        assert kinds == ["suggestion", "guard"]


def test_sessions_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop.cli import main

    monkeypatch.setenv("PARLEY_PASSPHRASE", "pw")
    monkeypatch.setenv("PARLEY_SCRYPT_N", "1024")
    monkeypatch.setenv("PARLEY_KEYRING", "0")
    assert main(["sessions", "list"]) == 0
    with start_session("replay", title="cli.wav") as session:
        for event in session_events():
            session.writer(event)
        sid = session.session_id
    capsys.readouterr()
    assert main(["sessions", "list", "--json"]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (row["id"], row["state"], row["segments"], row["title"]) == (sid, "ended", 2, "cli.wav")
    assert main(["sessions", "show", sid]) == 0
    assert SECRET in capsys.readouterr().out
    assert main(["sessions", "recover", sid]) == 1  # it ended normally
    assert "already ended" in capsys.readouterr().err
    assert main(["sessions", "retention", "7"]) == 0
    assert "7 days" in capsys.readouterr().out
    assert main(["sessions", "delete", sid]) == 0
    assert main(["sessions", "show", sid]) == 1
    monkeypatch.setenv("PARLEY_PASSPHRASE", "wrong")
    assert main(["sessions", "list"]) == 1
    assert "does not open" in capsys.readouterr().err
