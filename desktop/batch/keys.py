"""The key that says whether a file's report is already complete, and the report folder's
bookkeeping (atomic writes, the per-file record beside each report).

A report is complete for a key when its record (`.parley-batch/NAME.json`) carries that key
and the report it names exists. The key hashes everything the report depends on: the input's
bytes, the playbook's files, the models (each model file's name, size and modification time:
hashing gigabytes per run would cost more than the replay), Parley's version and the options
that change the report (redaction, language, party of a mono recording, hotwords, LLM on/off).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from desktop.version import __version__

RECORDS = ".parley-batch"
TEAM_REPORT = "team-summary.html"


def file_hash(path: Path) -> str:
    """sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def tree_hash(paths: list[Path]) -> str:
    """sha256 over every file under `paths` (relative name and contents), in a fixed order."""
    digest = hashlib.sha256()
    for root in paths:
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for p in files:
            digest.update(str(p.relative_to(root) if root.is_dir() else p.name).encode())
            digest.update(file_hash(p).encode())
    return digest.hexdigest()


def model_identity(path: Path) -> str:
    """sha256 over a model file's or folder's file names, sizes and modification times."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for p in files:
        st = p.stat()
        digest.update(f"{p.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def settings_key(settings: dict[str, Any], models: dict[str, str], playbook: str) -> str:
    """The part of the key every file of the batch shares."""
    data = {
        "version": __version__,
        "playbook": playbook,
        "models": models,
        "options": {
            k: settings[k]
            for k in ("redact", "language", "mono_party", "hotwords", "use_llm", "device")
        },
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def file_key(shared: str, input_hash: str) -> str:
    return hashlib.sha256(f"{shared}\0{input_hash}".encode()).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all: a temporary file beside it, synced, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def record_path(report_dir: Path, report_name: str) -> Path:
    return report_dir / RECORDS / f"{report_name}.json"


def complete_record(report_dir: Path, report_name: str, key: str) -> dict[str, Any] | None:
    """The record of a report that is complete for `key`, or None (missing, other key, the
    report gone, or a record that does not parse)."""
    path = record_path(report_dir, report_name)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("key") != key:
        return None
    if not (report_dir / report_name).is_file():
        return None
    return record


def write_record(report_dir: Path, report_name: str, record: dict[str, Any]) -> None:
    """The record goes last, after the report itself: a record always names a whole report."""
    data = json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    write_atomic(record_path(report_dir, report_name), data)
