"""`start_session`: what `parley replay`, `parley live` and the app call to keep a session.

    session = start_session("replay", title=path.name, info={"input": str(path)}, notify=bus.emit)
    for warning in session.warnings:
        print(f"parley: {warning}", file=sys.stderr)
    for sink in session.sinks:
        bus.add_sink(sink)
    ...
    session.close()

With a key (OS keyring, `PARLEY_PASSPHRASE`, or a terminal prompt) the session is stored
encrypted under the data directory and audited. Without one it runs in memory: nothing is
written, and `warnings` says how to keep sessions. A wrong passphrase is not worked around: it
raises `WrongPassphraseError`, so the user fixes it before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from desktop.privacy.errors import KeyUnavailableError
from desktop.privacy.keys import DataKey, load_or_create_key
from desktop.store.audit import AuditLog
from desktop.store.records import SessionMeta
from desktop.store.store import SessionStore
from desktop.store.writer import SessionWriter
from inference.events import Event

MEMORY_ONLY = "This session is kept in memory only and is gone when Parley exits."


@dataclass
class PrivateSession:
    """A session being kept: add `sinks` to the event bus, call `close()` at the end.

    Attributes:
        store: the session store (file or memory).
        writer: the session's writer (also `record_choice`, `open_recording`).
        audit: the audit log the suggestions and guard actions go to.
        warnings: sentences to show the user now (no key, damaged file moved aside,
            interrupted sessions to recover).
    """

    store: SessionStore
    writer: SessionWriter
    audit: AuditLog
    warnings: list[str] = field(default_factory=list)

    @property
    def session_id(self) -> str:
        return self.writer.session_id

    @property
    def persistent(self) -> bool:
        return self.store.persistent

    @property
    def sinks(self) -> list[Callable[[Event], None]]:
        return [self.writer, self.audit.sink_for(self.session_id)]

    def close(self) -> bool:
        """End the session (writes what is left); True when everything was saved."""
        saved = self.writer.close()
        self.store.close()
        return saved

    def __enter__(self) -> PrivateSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_session(
    kind: str,
    *,
    title: str = "",
    info: dict[str, Any] | None = None,
    notify: Callable[[Event], Any] | None = None,
    key: DataKey | None = None,
) -> PrivateSession:
    """Open the store (or an in-memory one when no key can be had) and begin a session.

    Raises:
        WrongPassphraseError: the passphrase or keyring key does not open the stored data.
        StoreError: the store cannot be opened (e.g. written by a newer Parley).
    """
    warnings: list[str] = []
    if key is None:
        try:
            key = load_or_create_key()
        except KeyUnavailableError as e:
            warnings.append(f"{e} {MEMORY_ONLY}")
    if key is None:
        store = SessionStore.in_memory()
    else:
        store = SessionStore.open(key=key)
        warnings.extend(store.problems)
    writer = store.begin(SessionMeta(kind=kind, title=title, info=dict(info or {})), notify=notify)
    return PrivateSession(store=store, writer=writer, audit=store.audit, warnings=warnings)
