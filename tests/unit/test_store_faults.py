"""A full disk during a session: the session goes on in memory, warns, and saves later."""

from __future__ import annotations

import errno
import sqlite3
import threading
from pathlib import Path

import pytest

from desktop.privacy.keys import DataKey, ephemeral_key
from desktop.store import SessionMeta, SessionStore, WriterConfig
from desktop.store.writer import SessionWriter
from inference.events import ErrorEvent, Event, StatusEvent, TranscriptEvent


def key_for_test() -> DataKey:
    key = ephemeral_key()
    return DataKey(secret=key.secret, key_id=key.key_id, source="passphrase")


def final(i: int) -> TranscriptEvent:
    return TranscriptEvent(
        t=float(i),
        speaker="customer",
        utterance_id=f"u{i}",
        start=i - 1.0,
        end=float(i),
        text=f"segment number {i}",
        final=True,
        lang="en",
    )


# Retries only happen on flush() here: no test waits on the clock.
NO_TIMED_RETRY = WriterConfig(commit_interval_s=0.05, retry_interval_s=3600.0)


@pytest.mark.parametrize(
    "failure",
    [
        sqlite3.OperationalError("database or disk is full"),
        OSError(errno.ENOSPC, "No space left on device"),
    ],
)
def test_full_disk_keeps_the_session_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    full = threading.Event()
    real_insert = SessionWriter._insert

    def insert(self: SessionWriter, conn: sqlite3.Connection, item: object) -> None:
        if full.is_set():
            raise failure
        real_insert(self, conn, item)

    monkeypatch.setattr(SessionWriter, "_insert", insert)
    told: list[Event] = []
    with SessionStore.open(
        key=key_for_test(), directory=tmp_path, writer_config=NO_TIMED_RETRY
    ) as store:
        writer = store.begin(SessionMeta(kind="live"), notify=told.append)
        writer(final(1))
        assert writer.flush()
        full.set()
        for i in range(2, 6):
            writer(final(i))  # the pipeline is never told "no": the sink returns normally
        assert not writer.flush()
        assert writer.degraded and writer.pending == 4
        assert [type(e) for e in told] == [ErrorEvent]
        assert "disk is full" in told[0].message and "memory" in told[0].message
        assert any("disk is full" in w for w in writer.warnings)
        assert [s.utterance_id for s in store.load_segments(writer.session_id)] == ["u1"]
        writer(final(6))
        assert not writer.flush()
        assert len(told) == 1  # warned once, not on every retry

        full.clear()  # space is freed
        assert writer.flush()
        assert not writer.degraded and writer.pending == 0
        assert isinstance(told[-1], StatusEvent) and told[-1].state == "recovered"
        assert writer.close()
        segs = store.load_segments(writer.session_id)
        assert [s.utterance_id for s in segs] == [f"u{i}" for i in range(1, 7)]
        assert [s.seq for s in segs] == list(range(6))
        assert store.get(writer.session_id).ended_at is not None


def test_real_sqlite_full_error_and_recovery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's own SQLITE_FULL, from a page limit on the writer's connection."""
    store = SessionStore.open(key=key_for_test(), directory=tmp_path, writer_config=NO_TIMED_RETRY)
    conns: list[sqlite3.Connection] = []
    real = store._writer_connection

    def limited() -> tuple:
        conn, lock, owned = real()
        conns.append(conn)
        return conn, lock, owned

    monkeypatch.setattr(store, "_writer_connection", limited)
    writer = store.begin(SessionMeta(kind="live"))
    writer(final(1))
    assert writer.flush()
    pages = conns[0].execute("PRAGMA page_count").fetchone()[0]
    conns[0].execute(f"PRAGMA max_page_count = {pages}")
    big = TranscriptEvent(
        t=2.0,
        speaker="customer",
        utterance_id="u2",
        start=1.0,
        end=2.0,
        text="word " * 20000,
        final=True,
        lang="en",
    )
    writer(big)
    assert not writer.flush()
    assert writer.degraded and any("disk is full" in w for w in writer.warnings)
    conns[0].execute("PRAGMA max_page_count = 1000000")
    assert writer.flush()
    assert writer.close()
    assert [s.utterance_id for s in store.load_segments(writer.session_id)] == ["u1", "u2"]
    store.close()


def test_still_full_at_close_leaves_the_session_recoverable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def insert(self: SessionWriter, conn: sqlite3.Connection, item: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    key = key_for_test()
    with (
        SessionStore.open(key=key, directory=tmp_path, writer_config=NO_TIMED_RETRY) as store,
        monkeypatch.context() as patch,
    ):
        patch.setattr(SessionWriter, "_insert", insert)
        writer = store.begin(SessionMeta(kind="live"))
        writer(final(1))
        assert not writer.close()
    with SessionStore.open(key=key, directory=tmp_path) as store:
        assert [s.session_id for s in store.interrupted_sessions()] == [writer.session_id]
