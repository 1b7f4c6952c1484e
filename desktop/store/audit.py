"""The audit trail: an append-only, hash-chained log of suggestions shown, exports, deletions.

`audit.log` (data directory) holds one JSON record a line:

    {"seq": 7, "time": 1790000000.0, "kind": "suggestion", "session_id": "...",
     "prev": "<hash of record 6>", "payload": "<base64 AES-GCM>", "hash": "...", "mac": "..."}

`hash` is SHA-256 over the canonical JSON of the record without `hash` and `mac`, so the chain
covers the encrypted payload; `mac` is an HMAC of the hash with a key derived from the data key,
and `audit.head` keeps an HMAC'd copy of the last seq and hash. `verify()` names every record
that was edited, removed, reordered or cut off the end: the hash chain alone needs no key, the
MACs (which catch a chain recomputed from scratch) need it.

Payloads carry no words of the call: a suggestion is recorded by strategy, confidence, sources,
completeness and a SHA-256 of each path's text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.privacy.crypto import FieldCipher
from desktop.privacy.errors import DecryptionError
from desktop.privacy.keys import DataKey
from inference.events import Event, GuardEvent, SuggestionEvent

LOG_NAME = "audit.log"
HEAD_NAME = "audit.head"
GENESIS = "0" * 64
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
    problems: everything found wrong, in file order.
    macs_checked: whether the key was available to check MACs and the head.
    """

    records: int
    problems: tuple[AuditProblem, ...]
    macs_checked: bool

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
        directory: where `audit.log` and `audit.head` live; None keeps records in memory only.
        key: the data key (payloads are encrypted and MACs written); None writes no payloads.
    """

    def __init__(self, directory: Path | None, key: DataKey | None) -> None:
        self.path = directory / LOG_NAME if directory is not None else None
        self.head_path = directory / HEAD_NAME if directory is not None else None
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
        if self.head_path is None or self._mac_key is None:
            return
        head = {"seq": seq, "hash": digest, "mac": self._mac(f"{seq}:{digest}")}
        tmp = self.head_path.with_name(HEAD_NAME + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(head))
        os.replace(tmp, self.head_path)

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
        problems.extend(self._check_head(last_seq, last_hash))
        return AuditReport(
            records=count, problems=tuple(problems), macs_checked=self._mac_key is not None
        )

    def _check_head(self, last_seq: int, last_hash: str) -> list[AuditProblem]:
        if self.head_path is None or not self.head_path.exists():
            return []
        try:
            head = json.loads(self.head_path.read_text(encoding="utf-8"))
            seq, digest = int(head["seq"]), str(head["hash"])
        except (OSError, ValueError, KeyError, TypeError):
            return [AuditProblem(0, None, f"{self.head_path.name} is unreadable")]
        if self._mac_key is not None and head.get("mac") != self._mac(f"{seq}:{digest}"):
            return [
                AuditProblem(0, None, f"{self.head_path.name} was altered: its MAC does not match")
            ]
        if seq > last_seq:
            gone = f"record {seq}" if seq == last_seq + 1 else f"records {last_seq + 1}-{seq}"
            return [AuditProblem(0, seq, f"{gone} removed from the end of the log")]
        if seq == last_seq and digest != last_hash:
            return [AuditProblem(0, seq, f"record {seq} (the last) differs from the one written")]
        return []


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
