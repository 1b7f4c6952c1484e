"""Damage stays local: one bad blob or one altered plain column costs that row, nothing more."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import time
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.privacy.crypto import FieldCipher
from desktop.privacy.keys import DataKey, ephemeral_key
from desktop.store import SessionMeta, SessionStore, StoreError
from desktop.store.schema import MIGRATIONS
from inference.events import Source, StatusEvent, SuggestionEvent, SuggestionPath, TranscriptEvent


def make_key() -> DataKey:
    key = ephemeral_key()
    return DataKey(secret=key.secret, key_id=key.key_id, source="passphrase")


def said(i: int, text: str, speaker: str = "customer") -> TranscriptEvent:
    return TranscriptEvent(
        t=float(i),
        speaker=speaker,  # type: ignore[arg-type]
        utterance_id=f"u{i}",
        start=i - 0.8,
        end=float(i),
        text=text,
        final=True,
        lang="en",
    )


def keep(store: SessionStore, title: str, lines: list[str]) -> str:
    writer = store.begin(SessionMeta(kind="replay", title=title))
    for i, line in enumerate(lines, 1):
        writer(said(i, line))
    writer.record_choice("u1", 2, t=1.5)
    assert writer.close()
    return writer.session_id


def raw(store: SessionStore) -> sqlite3.Connection:
    assert store.directory is not None
    return sqlite3.connect(store.directory / "sessions.db", isolation_level=None)


def flip_last_byte(conn: sqlite3.Connection, sql_get: str, sql_set: str, *args: object) -> None:
    blob = bytearray(conn.execute(sql_get, args).fetchone()[0])
    blob[-1] ^= 0x01
    conn.execute(sql_set, (bytes(blob), *args))


LINES = ["the pilot starts in march", "we need two more seats", "send the contract friday"]


def test_one_flipped_byte_in_a_title_leaves_the_store_usable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = make_key()
    with SessionStore.open(key=key, directory=tmp_path) as store:
        ids = [keep(store, f"call {n}", LINES) for n in ("one", "two", "three")]
        conn = raw(store)
        flip_last_byte(
            conn,
            "SELECT title FROM sessions WHERE id = ?",
            "UPDATE sessions SET title = ? WHERE id = ?",
            ids[1],
        )
        conn.close()
    with SessionStore.open(key=key, directory=tmp_path) as store:  # used to raise here
        listed = {s.session_id: s for s in store.list_sessions()}
        assert [listed[i].title for i in ids] == ["call one", "", "call three"]
        assert listed[ids[1]].damaged == ("title",)
        assert not listed[ids[0]].damaged and not listed[ids[2]].damaged
        assert any("damaged" in p and ids[1] in p for p in store.problems)
        for sid in ids:  # the damaged session's rows are intact: only its title is lost
            assert [s.text for s in store.load_segments(sid)] == LINES
        store.delete(ids[1])
        assert [s.session_id for s in store.list_sessions()] == [ids[0], ids[2]]
        assert store.purge(older_than_days=0) == [ids[0], ids[2]]  # retention still runs


def test_sessions_list_names_the_damaged_session(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], parley_home: Path
) -> None:
    monkeypatch.setenv("PARLEY_PASSPHRASE", "damage pass")
    monkeypatch.setenv("PARLEY_SCRYPT_N", "1024")
    monkeypatch.setenv("PARLEY_KEYRING", "0")
    with SessionStore.open() as store:
        good, bad = keep(store, "good call", LINES), keep(store, "bad call", LINES)
        conn = raw(store)
        flip_last_byte(
            conn,
            "SELECT text FROM segments WHERE session_id = ? AND seq = 1",
            "UPDATE segments SET text = ? WHERE session_id = ? AND seq = 1",
            bad,
        )
        flip_last_byte(
            conn,
            "SELECT body FROM events WHERE session_id = ? AND seq = 1",
            "UPDATE events SET body = ? WHERE session_id = ? AND seq = 1",
            bad,
        )
        conn.close()
    assert main(["sessions", "check"]) == 1
    out = capsys.readouterr().out
    assert f"{good}  ok" in out and f"{bad}  DAMAGED: event 1, segment 1" in out
    assert main(["sessions", "list"]) == 0
    captured = capsys.readouterr()
    [bad_line] = [line for line in captured.out.splitlines() if line.startswith(bad)]
    assert "damaged" in bad_line and "DAMAGED (event 1, segment 1) bad call" in bad_line
    assert "delete" in captured.err
    assert main(["sessions", "list", "--json"]) == 0
    rows = {r["id"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert rows[bad]["damaged"] == ["event 1", "segment 1"] and rows[good]["damaged"] == []
    assert main(["sessions", "show", bad]) == 0
    out = capsys.readouterr().out
    assert LINES[0] in out and LINES[2] in out and LINES[1] not in out
    assert "damaged and left out: event 1, segment 1" in out
    assert main(["sessions", "delete", bad, "--yes"]) == 0
    capsys.readouterr()
    assert main(["sessions", "list", "--json"]) == 0
    assert [json.loads(r)["id"] for r in capsys.readouterr().out.splitlines()] == [good]


@pytest.mark.parametrize(
    ("column", "value", "item"),
    [
        ("segments.speaker", "'rep'", "segment 0"),
        ("segments.start", "0.0", "segment 0"),
        ("segments.usable_for_learning", "1", "segment 0"),  # consent given behind the user's back
        ("events.type", "'status'", "event 0"),
        ("events.t", "99.0", "event 0"),
        ("choices.path", "0", "choice 0"),
        ("sessions.kind", "'live'", "title info"),
        ("sessions.started_at", "1.0", "title info"),  # would make retention delete it early
    ],
)
def test_altered_metadata_fails_authentication(
    tmp_path: Path, column: str, value: str, item: str
) -> None:
    key = make_key()
    with SessionStore.open(key=key, directory=tmp_path) as store:
        sid = keep(store, "call", LINES)
        note = store.add_review_note(sid, "u1", rating=2, text="weak answer")
        table, col = column.split(".")
        where = "id = ?" if table == "sessions" else "session_id = ? AND seq = 0"
        conn = raw(store)
        assert conn.execute(f"UPDATE {table} SET {col} = {value} WHERE {where}", (sid,)).rowcount
        conn.execute("UPDATE review_notes SET rating = 5 WHERE id = ?", (note,))
        conn.close()
    with SessionStore.open(key=key, directory=tmp_path, purge=False) as store:
        expected = {f"note {note} text"} | ({item} if item[-1].isdigit() else set(item.split()))
        assert set(store.check(sid)) == expected
        assert store.load_review_notes(sid) == []  # a rating raised by hand does not read
        assert len(store.load_segments(sid)) == (2 if item == "segment 0" else 3)


def test_set_data_use_reseals_and_a_forged_flag_does_not_read(tmp_path: Path) -> None:
    key = make_key()
    with SessionStore.open(key=key, directory=tmp_path) as store:
        sid = keep(store, "call", LINES)
        assert store.set_data_use(sid, True, utterance_ids=["u1"]) == 1
        assert [s.utterance_id for s in store.load_segments(sid, learnable_only=True)] == ["u1"]
        conn = raw(store)
        conn.execute("UPDATE segments SET usable_for_learning = 1 WHERE session_id = ?", (sid,))
        conn.close()
        assert [s.utterance_id for s in store.load_segments(sid, learnable_only=True)] == ["u1"]
        assert store.damaged_items(sid) == ["segment 1", "segment 2"]


def old_store(directory: Path, key: DataKey) -> str:
    """A schema-2 store as the previous release wrote it: contexts without metadata, an
    absolute path in `files`, 0644 files in a 0755 folder."""
    directory.mkdir(mode=0o755)
    conn = sqlite3.connect(directory / "sessions.db", isolation_level=None)
    for migration in MIGRATIONS[:2]:
        for statement in migration.split(";"):
            if statement.strip():
                conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    conn.execute("INSERT INTO meta (key, value) VALUES ('key_id', ?)", (key.key_id,))
    cipher, sid, now = FieldCipher(key), "old-1", time.time()
    conn.execute(
        "INSERT INTO sessions (id, kind, started_at, ended_at, title, info) VALUES "
        "(?, 'live', ?, ?, ?, ?)",
        (
            sid,
            now,
            now,
            cipher.encrypt_text("older call", f"sessions/{sid}/title"),
            cipher.encrypt_json({"input": None}, f"sessions/{sid}/info"),
        ),
    )
    for seq, line in enumerate(LINES):
        event = said(seq + 1, line)
        conn.execute(
            "INSERT INTO events (session_id, seq, t, type, body) VALUES (?, ?, ?, 'transcript', ?)",
            (
                sid,
                seq,
                event.t,
                cipher.encrypt_json(
                    {"type": "transcript", **{k: getattr(event, k) for k in event.__slots__}},
                    f"events/{sid}/{seq}",
                ),
            ),
        )
        conn.execute(
            "INSERT INTO segments (session_id, seq, utterance_id, speaker, start, end, t, lang, "
            "text) VALUES (?, ?, ?, 'customer', ?, ?, ?, 'en', ?)",
            (
                sid,
                seq,
                event.utterance_id,
                event.start,
                event.end,
                event.t,
                cipher.encrypt_text(line, f"segments/{sid}/{seq}"),
            ),
        )
    conn.execute(
        "INSERT INTO choices (session_id, seq, t, objection_utterance_id, path, stage, "
        "created_at) VALUES (?, 0, 1.5, 'u1', 2, 'refined', ?)",
        (sid, now),
    )
    (directory / "recordings").mkdir()
    audio = directory / "recordings" / f"{sid}.wav.enc"
    audio.write_bytes(b"sealed audio")
    conn.execute(
        "INSERT INTO files (session_id, path, kind) VALUES (?, ?, 'audio')", (sid, str(audio))
    )
    conn.close()
    os.chmod(directory / "sessions.db", 0o644)
    return sid


def test_an_older_store_still_reads_and_is_bound_from_then_on(tmp_path: Path) -> None:
    key, data = make_key(), tmp_path / "data"
    sid = old_store(data, key)
    with SessionStore.open(key=key, directory=data, purge=False) as store:
        [info] = store.list_sessions()
        assert (info.title, info.damaged) == ("older call", ())
        assert [s.text for s in store.load_segments(sid)] == LINES
        assert [e.text for e in store.load_events(sid)] == LINES  # type: ignore[union-attr]
        assert [c.path for c in store.load_choices(sid)] == [2]
        assert store.files(sid) == [(f"recordings/{sid}.wav.enc", "audio")]
        conn = raw(store)
        conn.execute("UPDATE segments SET speaker = 'rep' WHERE session_id = ? AND seq = 2", (sid,))
        conn.close()
        assert [s.text for s in store.load_segments(sid)] == LINES[:2]
        store.delete(sid)
        assert not (data / "recordings" / f"{sid}.wav.enc").exists()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "sessions.db").stat().st_mode) == 0o600


def test_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with SessionStore.open(key=make_key(), directory=data) as store:
        writer = store.begin(SessionMeta(kind="live", title="call"))
        writer(said(1, LINES[0]))
        with writer.open_recording() as recording:
            recording.write(b"\x00\x01" * 100)
        assert writer.flush()
        store.audit.append("check")
        for path in [data, *data.rglob("*")]:
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
        assert (data / "sessions.db-wal").exists() and (data / "audit.head").exists()
        writer.close()


def test_a_files_row_outside_the_data_directory_is_never_unlinked(tmp_path: Path) -> None:
    data, key = tmp_path / "data", make_key()
    victims = [tmp_path / f"precious-{n}.txt" for n in range(4)]
    for victim in victims:
        victim.write_text("not Parley's")
    with SessionStore.open(key=key, directory=data) as store:
        sids = [keep(store, f"call {n}", LINES) for n in range(3)]
        link = data / "reports" / "link.html"
        link.parent.mkdir()
        link.symlink_to(victims[3])
        writer = store.begin(SessionMeta(kind="replay", title="linked"))
        with pytest.raises(StoreError, match="outside the data directory"):
            writer.register_file(link, "report")  # inside, but it resolves outside
        link.unlink()
        link.write_text("a report")
        writer.register_file(link, "report")
        assert writer.close()
        link.unlink()
        link.symlink_to(victims[3])  # swapped for a link after it was registered
        conn = raw(store)
        # Rows as a tampered or buggy file would hold them: an absolute path, a relative path
        # that climbs out, and one sealed with the key (the cipher) but pointing outside.
        conn.execute(
            "INSERT INTO files (session_id, path, kind) VALUES (?, ?, 'audio')",
            (sids[0], str(victims[0])),
        )
        conn.execute(
            "INSERT INTO files (session_id, path, kind) VALUES (?, ?, 'audio')",
            (sids[1], f"../{victims[1].name}"),
        )
        from desktop.store import binding

        rel = f"../{victims[2].name}"
        seal = store.cipher_for(sids[2]).encrypt(b"", binding.file(sids[2], rel, "audio"))
        conn.execute(
            "INSERT INTO files (session_id, path, kind, seal) VALUES (?, ?, 'audio', ?)",
            (sids[2], rel, seal),
        )
        conn.close()
        store.delete(sids[0])
        store.delete(writer.session_id)
        assert store.purge(older_than_days=0) == sids[1:]  # retention
    assert all(v.read_text() == "not Parley's" for v in victims)
    assert link.is_symlink()


def bad_name() -> str:
    """A playbook file name in GBK, as Linux hands it to Python after an unzip (surrogates)."""
    return "价格".encode("gbk").decode("utf-8", "surrogateescape") + ".md"


def suggestion_citing(name: str, t: float) -> SuggestionEvent:
    path = SuggestionPath(
        "price.ask_gap", "Ask which part of the price feels high.", 0.7, (Source(file=name),)
    )
    return SuggestionEvent(
        t=t, objection_utterance_id="u3", stage="instant", paths=(path, path, path), latency_s=0.1
    )


def test_one_unencodable_row_costs_only_itself(tmp_path: Path) -> None:
    """Fault injection: a suggestion citing a non-UTF-8 file name among 20 transcripts."""
    key = make_key()
    told: list = []
    with SessionStore.open(key=key, directory=tmp_path) as store:
        writer = store.begin(SessionMeta(kind="live", title="call"), notify=told.append)
        for i in range(1, 21):
            writer(said(i, f"line number {i}"))
            if i == 3:
                writer(suggestion_citing(bad_name(), 3.2))
        assert writer.close()
        sid = writer.session_id
        assert [s.seq for s in store.load_segments(sid)] == list(range(20))
        events = store.load_events(sid)
        [placeholder] = [e for e in events if isinstance(e, StatusEvent)]
        assert placeholder.component == "store" and placeholder.state == "lost"
        assert "suggestion (instant) for objection u3" in placeholder.detail
        assert "not valid Unicode" in placeholder.detail
        assert events.index(placeholder) == 3  # in its place among the transcripts
        assert [w for w in writer.warnings if "Unicode" in w] == writer.warnings
        assert not any("disk" in w or "space" in w for w in writer.warnings)
        assert [e.message for e in told] == writer.warnings
    with SessionStore.open(key=key, directory=tmp_path) as store:
        assert store.interrupted_sessions() == []
        assert store.get(sid).ended_at is not None
