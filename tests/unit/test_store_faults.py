"""A full disk during a session: the session goes on in memory, warns, and saves later."""

from __future__ import annotations

import errno
import itertools
import sqlite3
import threading
import time
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


def test_a_locked_database_is_named_and_retried_with_backoff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program holds SQLite's write lock: the warning says so (not "disk full"), the
    retries space out, and everything is saved once the lock goes."""
    config = WriterConfig(commit_interval_s=0.05, retry_interval_s=0.1, retry_max_s=0.4)
    store = SessionStore.open(key=key_for_test(), directory=tmp_path, writer_config=config)
    real = store._writer_connection
    attempts: list[float] = []

    def quick() -> tuple:
        conn, lock, owned = real()
        conn.execute("PRAGMA busy_timeout = 0")  # fail at once instead of after 5 s
        return conn, lock, owned

    real_write = SessionWriter._write

    def write(self: SessionWriter, conn: sqlite3.Connection) -> bool:
        attempts.append(time.monotonic())
        return real_write(self, conn)

    monkeypatch.setattr(store, "_writer_connection", quick)
    monkeypatch.setattr(SessionWriter, "_write", write)
    told: list[Event] = []
    writer = store.begin(SessionMeta(kind="live"), notify=told.append)
    other = sqlite3.connect(tmp_path / "sessions.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # the lock another program would hold
    writer(final(1))
    time.sleep(1.6)  # let the timed retries run
    assert writer.degraded and writer.pending == 1
    assert [type(e) for e in told] == [ErrorEvent]
    assert "locked by another program" in told[0].message and "disk" not in told[0].message
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert len(attempts) <= 8, gaps  # 0.1, 0.2, 0.4, 0.4, ... not every 0.1 s
    assert gaps[-1] >= 0.35, gaps
    other.execute("ROLLBACK")
    other.close()
    assert writer.close()
    assert isinstance(told[-1], StatusEvent) and told[-1].state == "recovered"
    assert [s.utterance_id for s in store.load_segments(writer.session_id)] == ["u1"]
    store.close()


def test_a_row_the_database_refuses_is_set_aside_and_the_batch_commits(tmp_path: Path) -> None:
    """A row that collides with one already there (here: planted by another connection) is
    left out with a warning naming it; the rows around it are saved."""
    store = SessionStore.open(key=key_for_test(), directory=tmp_path, writer_config=NO_TIMED_RETRY)
    writer = store.begin(SessionMeta(kind="live"))
    other = sqlite3.connect(tmp_path / "sessions.db", isolation_level=None)
    other.execute(
        "INSERT INTO events (session_id, seq, t, type, body) VALUES (?, 1, 0, 'status', x'00')",
        (writer.session_id,),
    )
    other.close()
    for i in range(1, 4):
        writer(final(i))
    assert writer.close()
    assert [s.utterance_id for s in store.load_segments(writer.session_id)] == ["u1", "u3"]
    assert len(writer.lost) == 1 and "utterance u2" in writer.lost[0]
    assert "IntegrityError" in writer.lost[0]
    store.close()
