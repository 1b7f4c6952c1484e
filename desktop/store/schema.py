"""The session database's schema, as numbered migrations (`PRAGMA user_version`).

Migration i (1-based) takes a database from version i-1 to i inside one transaction. Add new
migrations at the end; never edit one that has shipped. Call content lives only in BLOB columns
encrypted with the data key; ids, times, types and flags are plain but bound into each row's
associated data (`desktop.store.binding`), so altering them makes the row fail authentication.
"""

from __future__ import annotations

import sqlite3

from desktop.store.errors import StoreError

_V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    started_at REAL NOT NULL,
    ended_at REAL,
    last_write_at REAL,
    last_t REAL,
    recovered INTEGER NOT NULL DEFAULT 0,
    title BLOB,
    info BLOB
);
CREATE TABLE segments (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    utterance_id TEXT NOT NULL,
    speaker TEXT NOT NULL,
    start REAL NOT NULL,
    end REAL NOT NULL,
    t REAL NOT NULL,
    lang TEXT NOT NULL,
    text BLOB NOT NULL,
    usable_for_learning INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, seq)
);
CREATE TABLE events (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    t REAL NOT NULL,
    type TEXT NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (session_id, seq)
);
CREATE TABLE suggestions (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    t REAL NOT NULL,
    objection_utterance_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    latency_s REAL NOT NULL,
    paths BLOB NOT NULL,
    PRIMARY KEY (session_id, seq)
);
CREATE TABLE choices (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    t REAL,
    objection_utterance_id TEXT NOT NULL,
    path INTEGER NOT NULL,
    stage TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (session_id, seq)
);
CREATE TABLE review_notes (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    objection_utterance_id TEXT NOT NULL,
    rating INTEGER,
    text BLOB NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE files (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (session_id, path)
);
CREATE INDEX sessions_started ON sessions(started_at);
CREATE INDEX review_notes_session ON review_notes(session_id)
"""

# Review notes say which path the trainer prefers and why (the why and the author encrypted).
_V2 = """
ALTER TABLE review_notes ADD COLUMN preferred_path INTEGER;
ALTER TABLE review_notes ADD COLUMN why BLOB;
ALTER TABLE review_notes ADD COLUMN author BLOB
"""

# Rows without call content are sealed (their plain columns bound into an AEAD tag), and damage
# found while reading is remembered per session. The re-sealing of older rows with their
# metadata bound needs the key, so the store does it after this migration (meta `binding`).
_V3 = """
ALTER TABLE choices ADD COLUMN seal BLOB;
ALTER TABLE files ADD COLUMN seal BLOB;
CREATE TABLE damage (
    session_id TEXT NOT NULL,
    item TEXT NOT NULL,
    found_at REAL NOT NULL,
    PRIMARY KEY (session_id, item)
)
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3)
SCHEMA_VERSION = len(MIGRATIONS)

# Tables that hold rows of one session, in the order they are deleted.
SESSION_TABLES: tuple[str, ...] = (
    "segments",
    "events",
    "suggestions",
    "choices",
    "review_notes",
    "files",
    "damage",
)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring `conn` (autocommit mode) to `SCHEMA_VERSION`; returns the version found.

    Raises:
        StoreError: the database was written by a newer Parley.
    """
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if found > SCHEMA_VERSION:
        raise StoreError(
            f"The session database has schema version {found}, newer than this Parley "
            f"understands ({SCHEMA_VERSION}): update Parley to open it."
        )
    for version in range(found + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process opening the same new file may have migrated it meanwhile.
            if int(conn.execute("PRAGMA user_version").fetchone()[0]) >= version:
                conn.execute("COMMIT")
                continue
            for statement in MIGRATIONS[version - 1].split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return found
