"""The session store: encrypted SQLite (WAL) under the data directory, and the audit trail.

Entry points: `start_session` (replay/live/app), `SessionStore` (commands, review), `AuditLog`.
"""

from desktop.store.audit import AuditLog, AuditReport
from desktop.store.errors import StoreError
from desktop.store.records import Choice, ReviewNote, Segment, SessionInfo, SessionMeta
from desktop.store.session import PrivateSession, start_session
from desktop.store.store import SessionStore
from desktop.store.writer import SessionWriter, WriterConfig

__all__ = [
    "AuditLog",
    "AuditReport",
    "Choice",
    "PrivateSession",
    "ReviewNote",
    "Segment",
    "SessionInfo",
    "SessionMeta",
    "SessionStore",
    "SessionWriter",
    "StoreError",
    "WriterConfig",
    "start_session",
]
