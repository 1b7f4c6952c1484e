"""The audit trail: an append-only, hash-chained log of suggestions shown, exports, deletions.

`audit.log` (data directory) holds one JSON record a line:

    {"seq": 7, "time": 1790000000.0, "kind": "suggestion", "session_id": "...",
     "prev": "<hash of record 6>", "payload": "<base64 AES-GCM>", "hash": "...", "mac": "..."}

`hash` is SHA-256 over the canonical JSON of the record without `hash` and `mac`, so the chain
covers the encrypted payload; `mac` is an HMAC of the hash with a key derived from the data key.

The head (the last seq and hash, MAC'd) is anchored outside the log, in up to three places:
`audit.head` beside it, the `audit_head` row of `sessions.db`'s meta table, and the OS keyring
when the data key lives there. `verify()` names every record that was edited, removed,
reordered or cut off the end, and compares the log with every anchor it can authenticate: a
log cut short, rolled back to an older copy (with or without its head), deleted, or rebuilt
from scratch without the key is reported. The hash chain alone needs no key; the MACs and the
anchors need it, so a verify without the key is "unverified" (exit 3), never "intact".

Payloads carry no words of the call: a suggestion is recorded by strategy, confidence, sources,
completeness and a SHA-256 of each path's text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.privacy.crypto import FieldCipher
from desktop.privacy.errors import DecryptionError
from desktop.privacy.keys import KEYRING_SERVICE, DataKey
from inference.events import Event, GuardEvent, SuggestionEvent

LOG_NAME = "audit.log"
HEAD_NAME = "audit.head"
DB_NAME = "sessions.db"  # the store's database (its meta table keeps one anchor)
DB_ANCHOR_KEY = "audit_head"
KEYRING_ANCHOR_USER = "audit-head"
GENESIS = "0" * 64
log = logging.getLogger(__name__)
_MAC_LABEL = "parley audit mac v1"


def canonical(record: dict[str, Any]) -> bytes:
    """The bytes a record's hash is computed over (sorted keys, no spaces, ASCII)."""
    body = {k: v for k, v in record.items() if k not in ("hash", "mac")}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def record_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(record)).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditProblem:
    """One finding of `verify`: which record (seq, line of the file) and what is wrong."""

    line: int
    seq: int | None
    message: str


@dataclass(frozen=True, slots=True)
class AuditReport:
    """Attributes:
    records: records read.
    problems: everything found wrong, in file order (then what the anchors show).
    macs_checked: whether the key was available to check MACs and the anchors; without it
        a log cut short or rebuilt cannot be ruled out (the report is "unverified").
    anchors: the anchors that authenticated ("audit.head", "database", "keyring").
    """

    records: int
    problems: tuple[AuditProblem, ...]
    macs_checked: bool
    anchors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """A record as `entries()` reads it back; `payload` is None when it cannot be decrypted."""

    seq: int
    time: float
    kind: str
    session_id: str | None
    payload: dict[str, Any] | None


def suggestion_payload(event: SuggestionEvent) -> dict[str, Any]:
    """What the audit keeps of a suggestion shown: no words, only what it rested on."""
    return {
        "t": round(event.t, 3),
        "objection_utterance_id": event.objection_utterance_id,
        "stage": event.stage,
        "latency_s": round(event.latency_s, 3),
        "paths": [
            {
                "strategy": p.strategy,
                "confidence": round(p.confidence, 3),
                "complete": p.complete,
                "sources": [s.to_dict() for s in p.sources],
                "text_sha256": hashlib.sha256(p.text.encode("utf-8")).hexdigest(),
            }
            for p in event.paths
        ],
    }


class AuditLog:
    """Appends records under a file lock (several processes may share the log).

    Args:
        directory: where `audit.log` and `audit.head` live (and `sessions.db`, whose meta
            table keeps an anchor); None keeps records in memory only.
        key: the data key (payloads are encrypted and MACs written); None writes no payloads.
        keyring: a keyring backend that keeps one more anchor (`keyring_anchor_backend`).
    """

    def __init__(
        self, directory: Path | None, key: DataKey | None, *, keyring: Any | None = None
    ) -> None:
        self.path = directory / LOG_NAME if directory is not None else None
        self.head_path = directory / HEAD_NAME if directory is not None else None
        self.db_path = directory / DB_NAME if directory is not None else None
        self._keyring = keyring
        self._cipher = FieldCipher(key) if key is not None else None
        self._mac_key = key.subkey(_MAC_LABEL) if key is not None else None
        self._lock = threading.Lock()
        self._memory: list[str] = []

    # -- writing -------------------------------------------------------------------------------

    def _mac(self, text: str) -> str | None:
        if self._mac_key is None:
            return None
        return hmac.new(self._mac_key, text.encode(), hashlib.sha256).hexdigest()

    def append(
        self, kind: str, payload: dict[str, Any] | None = None, *, session_id: str | None = None
    ) -> int:
        """Add one record; returns its seq."""
        with self._lock:
            if self.path is None:
                return self._append_locked(kind, payload, session_id, None)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "r+b") as f:
                try:
                    import fcntl

                    fcntl.flock(f.fileno(), fcntl.LOCK_EX)
                except ImportError:
                    pass
                return self._append_locked(kind, payload, session_id, f)

    def _append_locked(
        self, kind: str, payload: dict[str, Any] | None, session_id: str | None, f: Any
    ) -> int:
        last = _last_line(f) if f is not None else (self._memory[-1] if self._memory else "")
        seq, prev = 1, GENESIS
        if last:
            try:
                prev_record = json.loads(last)
                seq, prev = int(prev_record["seq"]) + 1, str(prev_record["hash"])
            except (ValueError, KeyError, TypeError):
                # A damaged last line: keep auditing; `verify` reports the damage.
                seq = len(self._lines()) + 1
                prev = hashlib.sha256(last.encode()).hexdigest()
        record: dict[str, Any] = {
            "seq": seq,
            "time": round(time.time(), 3),
            "kind": kind,
            "session_id": session_id,
            "prev": prev,
            "payload": None,
        }
        if payload is not None and self._cipher is not None:
            blob = self._cipher.encrypt_json(payload, f"audit/{seq}")
            record["payload"] = base64.b64encode(blob).decode("ascii")
        record["hash"] = record_hash(record)
        record["mac"] = self._mac(record["hash"])
        line = json.dumps(record, separators=(",", ":"), ensure_ascii=True)
        if f is None:
            self._memory.append(line)
        else:
            f.write(line.encode() + b"\n")
            f.flush()
            self._write_head(seq, record["hash"])
        return seq

    def _write_head(self, seq: int, digest: str) -> None:
        """Write the head to every anchor (called under the log's file lock)."""
        if self.head_path is None or self._mac_key is None:
            return
        head = json.dumps({"seq": seq, "hash": digest, "mac": self._mac(f"{seq}:{digest}")})
        tmp = self.head_path.with_name(HEAD_NAME + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(head)
        os.replace(tmp, self.head_path)
        self._write_db_anchor(seq, head)
        if self._keyring is not None:
            try:
                self._keyring.set_password(KEYRING_SERVICE, KEYRING_ANCHOR_USER, head)
            except Exception as e:  # a locked keyring: the other anchors still hold
                log.warning("the audit head could not be kept in the OS keyring: %s", e)

    def _write_db_anchor(self, seq: int, head: str) -> None:
        """The head in `sessions.db` (meta `audit_head`), only ever moved forward. A busy or
        missing database is skipped (the anchor then lags; the next record moves it on)."""
        if self.db_path is None or not self.db_path.exists():
            return
        try:
            conn = sqlite3.connect(
                f"file:{self.db_path}?mode=rw", uri=True, timeout=0.5, isolation_level=None
            )
        except sqlite3.Error as e:
            log.debug("audit anchor not written to the database: %s", e)
            return
        try:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                "value = excluded.value WHERE json_extract(meta.value, '$.seq') < ?",
                (DB_ANCHOR_KEY, head, seq),
            )
        except sqlite3.Error as e:
            log.debug("audit anchor not written to the database: %s", e)
        finally:
            conn.close()

    def record_suggestion(self, session_id: str, event: SuggestionEvent) -> int:
        return self.append("suggestion", suggestion_payload(event), session_id=session_id)

    def record_guard(self, session_id: str, event: GuardEvent) -> int:
        payload = {
            "t": round(event.t, 3),
            "objection_utterance_id": event.objection_utterance_id,
            "path": event.path,
            "rule": event.rule,
            "action": event.action,
        }
        return self.append("guard", payload, session_id=session_id)

    def record_export(
        self,
        session_id: str | None,
        *,
        path: str,
        fmt: str,
        redacted: bool,
        segments: int = 0,
        withheld: int = 0,
    ) -> int:
        """An export was written (`withheld`: segments left out by their data-use flag)."""
        payload = {
            "path": path,
            "format": fmt,
            "redacted": redacted,
            "segments": segments,
            "withheld": withheld,
        }
        return self.append("export", payload, session_id=session_id)

    def record_plain_recording(self, session_id: str | None, path: str) -> int:
        """A call was recorded to a plain, unencrypted file outside the store (`--record-to`)."""
        return self.append(
            "plain_recording", {"path": path, "encrypted": False}, session_id=session_id
        )

    def record_deletion(self, session_id: str, *, reason: str, rows: int, files: int) -> int:
        payload = {"reason": reason, "rows": rows, "files": files}
        return self.append("deletion", payload, session_id=session_id)

    def sink_for(self, session_id: str) -> Callable[[Event], None]:
        """An event sink that records every suggestion shown and every guard action."""

        def sink(event: Event) -> None:
            if isinstance(event, SuggestionEvent):
                self.record_suggestion(session_id, event)
            elif isinstance(event, GuardEvent):
                self.record_guard(session_id, event)

        return sink

    # -- reading -------------------------------------------------------------------------------

    def _lines(self) -> list[str]:
        if self.path is None:
            return list(self._memory)
        if not self.path.exists():
            return []
        return self.path.read_text(encoding="utf-8", errors="replace").splitlines()

    def entries(self) -> Iterator[AuditEntry]:
        """Every well-formed record, with its payload decrypted when the key allows."""
        for line in self._lines():
            try:
                rec = json.loads(line)
                seq = int(rec["seq"])
            except (ValueError, KeyError, TypeError):
                continue
            payload = None
            if rec.get("payload") and self._cipher is not None:
                try:
                    blob = base64.b64decode(rec["payload"])
                    payload = self._cipher.decrypt_json(blob, f"audit/{seq}")
                except (DecryptionError, ValueError):
                    payload = None
            yield AuditEntry(
                seq=seq,
                time=float(rec.get("time", 0.0)),
                kind=str(rec.get("kind", "")),
                session_id=rec.get("session_id"),
                payload=payload,
            )

    def verify(self) -> AuditReport:
        """Check the whole chain; every problem names the record (seq) and line."""
        problems: list[AuditProblem] = []
        prev_hash, expected, count = GENESIS, 1, 0
        last_seq, last_hash = 0, GENESIS
        hashes: dict[int, str] = {}
        lines = self._lines()
        present = {_seq_of(line) for line in lines}
        for line_no, line in enumerate(lines, 1):
            try:
                rec = json.loads(line)
                seq = int(rec["seq"])
                stored = str(rec["hash"])
                link = str(rec["prev"])
            except (ValueError, KeyError, TypeError):
                problems.append(AuditProblem(line_no, None, f"line {line_no} is not a record"))
                continue
            count += 1
            actual = record_hash(rec)
            where = f"record {seq} (line {line_no})"
            if actual != stored:
                problems.append(
                    AuditProblem(
                        line_no, seq, f"{where} was edited: its hash does not match its content"
                    )
                )
            elif self._mac_key is not None and rec.get("mac") != self._mac(stored):
                problems.append(
                    AuditProblem(line_no, seq, f"{where} was rewritten: its MAC does not match")
                )
            elif seq > expected and all(n in present for n in range(expected, seq)):
                problems.append(
                    AuditProblem(
                        line_no, seq, f"{where} is out of order: expected record {expected}"
                    )
                )
            elif seq > expected:
                missing = (
                    f"record {expected}" if seq == expected + 1 else f"records {expected}-{seq - 1}"
                )
                problems.append(
                    AuditProblem(line_no, seq, f"{missing} missing before {where}: removed")
                )
            elif seq < expected:
                problems.append(
                    AuditProblem(
                        line_no, seq, f"{where} is out of order: expected record {expected}"
                    )
                )
            elif link != prev_hash:
                problems.append(
                    AuditProblem(
                        line_no,
                        seq,
                        f"{where} does not chain to record {seq - 1}: record {seq - 1} was edited or replaced",
                    )
                )
            prev_hash, expected = stored, max(expected, seq) + 1
            last_seq, last_hash = seq, stored
            hashes.setdefault(seq, stored)
        anchored, anchors = self._check_head(last_seq, last_hash, hashes)
        problems.extend(anchored)
        return AuditReport(
            records=count,
            problems=tuple(problems),
            macs_checked=self._mac_key is not None,
            anchors=anchors,
        )

    def _read_anchor(self, name: str, text: str | None) -> tuple[int, str] | AuditProblem | None:
        """(seq, hash) of one anchor whose MAC holds; a problem when it is altered."""
        if text is None:
            return None
        try:
            head = json.loads(text)
            seq, digest = int(head["seq"]), str(head["hash"])
        except (ValueError, KeyError, TypeError):
            return AuditProblem(0, None, f"the audit head in {name} is unreadable")
        if head.get("mac") != self._mac(f"{seq}:{digest}"):
            return AuditProblem(
                0, None, f"the audit head in {name} was altered: its MAC does not match"
            )
        return seq, digest

    def _anchor_texts(self) -> list[tuple[str, str | None]]:
        out: list[tuple[str, str | None]] = []
        if self.head_path is not None:
            try:
                out.append((HEAD_NAME, self.head_path.read_text(encoding="utf-8")))
            except FileNotFoundError:
                out.append((HEAD_NAME, None))
            except OSError:
                out.append((HEAD_NAME, "unreadable"))
        if self.db_path is not None:
            out.append(("the database (sessions.db)", _db_anchor(self.db_path)))
        if self._keyring is not None:
            try:
                text = self._keyring.get_password(KEYRING_SERVICE, KEYRING_ANCHOR_USER)
            except Exception as e:
                log.warning("the audit head in the OS keyring could not be read: %s", e)
                text = None
            out.append(("the OS keyring", text))
        return out

    def _check_head(
        self, last_seq: int, last_hash: str, hashes: dict[int, str] | None = None
    ) -> tuple[list[AuditProblem], tuple[str, ...]]:
        """Compare the log with every anchor that authenticates (needs the key)."""
        if self._mac_key is None:
            return [], ()
        hashes = hashes if hashes is not None else {last_seq: last_hash}
        problems: list[AuditProblem] = []
        found: list[tuple[str, int, str]] = []
        missing: list[str] = []
        for name, text in self._anchor_texts():
            anchor = self._read_anchor(name, text)
            if isinstance(anchor, AuditProblem):
                problems.append(anchor)
            elif anchor is None:
                missing.append(name)
            else:
                found.append((name, *anchor))
        if not found:
            return problems, ()
        top = max(seq for _, seq, _ in found)
        if self.path is not None and not self.path.exists() and top > 0:
            problems.append(
                AuditProblem(0, None, f"{LOG_NAME} was deleted: it held {top} record(s)")
            )
        elif top > last_seq:
            gone = f"record {top}" if top == last_seq + 1 else f"records {last_seq + 1}-{top}"
            where = ", ".join(name for name, seq, _ in found if seq == top)
            problems.append(
                AuditProblem(
                    0, top, f"{gone} removed from the end of the log ({where} records {top})"
                )
            )
        for name, seq, digest in found:
            if seq <= last_seq and seq in hashes and hashes[seq] != digest:
                problems.append(
                    AuditProblem(
                        0,
                        seq,
                        f"record {seq} differs from the one written ({name}): the log was "
                        "rolled back to an older copy or rebuilt",
                    )
                )
        if HEAD_NAME in missing and top > 0:
            problems.append(AuditProblem(0, None, f"{HEAD_NAME} was deleted"))
        return problems, tuple(name for name, _, _ in found)


def _db_anchor(path: Path) -> str | None:
    """The `audit_head` row of the database's meta table (None when there is none)."""
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2.0)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (DB_ANCHOR_KEY,)).fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return None if row is None else str(row[0])


def record_events_export(path: str) -> bool:
    """Write an `--events` file (raw events, unredacted) to the audit trail of the data
    directory. False when there is no data key yet (nothing is kept on this machine, e.g. a
    first `parley demo`: no key is made for it) or it cannot be opened (said in a warning)."""
    from desktop.privacy.errors import PrivacyError
    from desktop.privacy.keys import load_existing_key
    from models.paths import data_dir

    try:
        key = load_existing_key(interactive=False)
    except PrivacyError as e:
        log.warning("the --events export is not in the audit trail: %s", e)
        return False
    if key is None:
        log.info("no data key yet: the --events export is not audited (nothing is kept)")
        return False
    log_ = AuditLog(data_dir(), key, keyring=keyring_anchor_backend(key))
    log_.record_export(None, path=path, fmt="events-jsonl", redacted=False)
    return True


def keyring_anchor_backend(key: DataKey | None) -> Any | None:
    """The OS keyring backend when the data key lives there (the audit head is kept beside it)."""
    if key is None or key.source != "keyring":
        return None
    from desktop.privacy.keys import keyring_backend

    return keyring_backend()


def _seq_of(line: str) -> int | None:
    try:
        return int(json.loads(line)["seq"])
    except (ValueError, KeyError, TypeError):
        return None


def _last_line(f: Any) -> str:
    """The last non-empty line of a binary file opened for reading."""
    f.seek(0, os.SEEK_END)
    end = f.tell()
    block, data = 4096, b""
    pos = end
    while pos > 0:
        step = min(block, pos)
        pos -= step
        f.seek(pos)
        data = f.read(step) + data
        stripped = data.rstrip(b"\n")
        if b"\n" in stripped or pos == 0:
            return stripped.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")
    return ""
