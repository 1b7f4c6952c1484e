"""Review notes in the store: schema 2 migration, preferred path and why, encrypted at rest."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from desktop.privacy.crypto import FieldCipher
from desktop.privacy.keys import DataKey, ephemeral_key
from desktop.report import Timeline
from desktop.store import SessionMeta, SessionStore, StoreError
from desktop.store.review import check_objection, session_timeline, write_export
from desktop.store.schema import MIGRATIONS, SCHEMA_VERSION
from tests.unit.review_events import PRICE_OBJECTION, all_bytes, scripted_events

WHY = "zebrafinch questions first because the buyer sounded unsure"


def make_key() -> DataKey:
    key = ephemeral_key()
    return DataKey(secret=key.secret, key_id=key.key_id, source="passphrase")


def stored_session(store: SessionStore) -> str:
    writer = store.begin(SessionMeta(kind="replay", title="call"))
    for event in scripted_events():
        writer(event)
    writer.record_choice(PRICE_OBJECTION, 1, t=7.0)
    assert writer.close()
    return writer.session_id


def old_database(path: Path, key: DataKey) -> None:
    """A schema-1 database (as the first release wrote it) with one session and one note."""
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in MIGRATIONS[0].split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO meta (key, value) VALUES ('key_id', ?)", (key.key_id,))
    conn.execute(
        "INSERT INTO sessions (id, kind, started_at, ended_at) VALUES ('old', 'live', ?, ?)",
        (time.time(), time.time()),
    )
    text = FieldCipher(key).encrypt_text("kept from before", "review_notes/old/n1")
    conn.execute(
        "INSERT INTO review_notes (id, session_id, objection_utterance_id, rating, text, "
        "created_at) VALUES ('n1', 'old', 'c1', 3, ?, ?)",
        (text, time.time()),
    )
    conn.close()


def test_an_old_database_upgrades_and_keeps_its_notes(tmp_path: Path) -> None:
    key = make_key()
    old_database(tmp_path / "sessions.db", key)
    with SessionStore.open(key=key, directory=tmp_path) as store:
        [note] = store.load_review_notes("old")
        assert (note.rating, note.text, note.preferred_path, note.why) == (
            3,
            "kept from before",
            None,
            "",
        )
        store.add_review_note("old", "c1", rating=4, text="new", preferred_path=2, why="w")
        assert [n.preferred_path for n in store.load_review_notes("old")] == [None, 2]
    conn = sqlite3.connect(tmp_path / "sessions.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    columns = {row[1] for row in conn.execute("PRAGMA table_info(review_notes)")}
    assert {"preferred_path", "why", "author"} <= columns
    conn.close()


def test_notes_round_trip_and_why_is_encrypted(tmp_path: Path) -> None:
    with SessionStore.open(key=make_key(), directory=tmp_path) as store:
        sid = stored_session(store)
        store.add_review_note(
            sid,
            PRICE_OBJECTION,
            rating=5,
            text="good",
            preferred_path=1,
            why=WHY,
            author="zebrafinch coach",
        )
        [note] = store.load_review_notes(sid)
        assert (note.rating, note.preferred_path, note.why, note.author) == (
            5,
            1,
            WHY,
            "zebrafinch coach",
        )
        timeline = Timeline.from_events(
            store.load_events(sid), review_notes=store.load_review_notes(sid)
        )
        [reviewed] = [o for o in timeline.objections if o.utterance_id == PRICE_OBJECTION]
        assert reviewed.notes[0].why == WHY and reviewed.notes[0].preferred_path == 1
        # One note type: the report keeps the store's note as it is, id and time included.
        assert reviewed.notes[0] == note and note.note_id and note.session_id == sid
        assert note.created_at > 0
    raw = all_bytes(tmp_path)
    assert b"zebrafinch" not in raw
    assert WHY.encode() not in raw


def test_the_store_and_the_report_share_one_review_note() -> None:
    from desktop.report import ReviewNote as ReportNote
    from desktop.store import ReviewNote as StoreNote

    assert StoreNote is ReportNote
    with pytest.raises(ValueError, match="rating must be 1 to 5"):
        StoreNote("c3", rating=6)


def test_out_of_range_notes_are_refused(tmp_path: Path) -> None:
    with SessionStore.open(key=make_key(), directory=tmp_path) as store:
        sid = stored_session(store)
        with pytest.raises(StoreError, match="1 to 5"):
            store.add_review_note(sid, PRICE_OBJECTION, rating=6, text="")
        with pytest.raises(StoreError, match="0-2"):
            store.add_review_note(sid, PRICE_OBJECTION, rating=None, text="", preferred_path=3)
        assert store.load_review_notes(sid) == []


def test_a_note_can_be_deleted(tmp_path: Path) -> None:
    with SessionStore.open(key=make_key(), directory=tmp_path) as store:
        sid = stored_session(store)
        nid = store.add_review_note(sid, PRICE_OBJECTION, rating=2, text="x")
        assert store.delete_review_note(sid, nid)
        assert not store.delete_review_note(sid, nid)
        assert store.load_review_notes(sid) == []


def test_unknown_objection_names_the_real_ones(tmp_path: Path) -> None:
    with SessionStore.open(key=make_key(), directory=tmp_path) as store:
        sid = stored_session(store)
        check_objection(store, sid, PRICE_OBJECTION)
        with pytest.raises(StoreError, match="c1, c3"):
            check_objection(store, sid, "r1")


def test_timeline_has_choice_and_notes(tmp_path: Path) -> None:
    with SessionStore.open(key=make_key(), directory=tmp_path) as store:
        sid = stored_session(store)
        store.add_review_note(sid, PRICE_OBJECTION, rating=4, text="n", preferred_path=2)
        st = session_timeline(store, sid)
        first = st.timeline.objections[0]
        assert first.chosen_path == 1
        assert first.rep_reply is not None and first.rep_reply.utterance_id == "r1"
        assert first.notes[0].preferred_path == 2
        assert st.segments == 5 and st.withheld == 0


def test_learnable_only_withholds_unmarked_utterances(tmp_path: Path) -> None:
    with SessionStore.open(key=make_key(), directory=tmp_path) as store:
        sid = stored_session(store)
        store.set_data_use(sid, True, utterance_ids=["r0", "r1"])
        result = write_export(store, sid, "txt", tmp_path / "out.txt", learnable_only=True)
        text = (tmp_path / "out.txt").read_text(encoding="utf-8")
        assert "Thanks for taking the time" in text and "far above" not in text
        assert (result.segments, result.withheld) == (2, 3)
        [entry] = [e for e in store.audit.entries() if e.kind == "export"]
        assert entry.session_id == sid and entry.payload is not None
        assert entry.payload["withheld"] == 3 and entry.payload["format"] == "txt"
