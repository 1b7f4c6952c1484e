"""`parley audit verify|show`: check and read the hash-chained audit trail."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.privacy.keys import DataKey


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="verify or show the audit trail")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser(
        "verify",
        help="find edited, removed, reordered or cut-off records (exit 1 if any; exit 3 "
        "when the key is unavailable and the trail cannot be verified)",
    )
    a = actions.add_parser("show", help="the records, oldest first")
    a.add_argument("--session", metavar="ID", help="only the records of one session")
    a.add_argument("--json", action="store_true", help="one JSON object a line")
    p.set_defaults(func=run)


def _key() -> DataKey | None:
    """The data key when it can be had; verify works without it (chain only)."""
    from desktop.privacy.errors import KeyUnavailableError
    from desktop.privacy.keys import load_existing_key

    try:
        return load_existing_key()
    except KeyUnavailableError as e:
        print(f"parley: {e} Checking the hash chain only.", file=sys.stderr)
        return None


# `parley audit verify` exits 3 when it could not verify the trail (no key): the hash chain
# holds together, but a log cut short, rolled back or rebuilt cannot be ruled out without it.
EXIT_UNVERIFIED = 3


def run(args: argparse.Namespace) -> int:
    from desktop.store.audit import AuditLog, keyring_anchor_backend
    from models.paths import data_dir

    key = _key()
    log = AuditLog(data_dir(), key, keyring=keyring_anchor_backend(key))
    if args.action == "verify":
        directory = data_dir()
        if key is None and not any(
            (directory / name).exists() for name in ("key.json", "audit.log", "audit.head")
        ):
            print("No audit trail: Parley has stored nothing here yet.", file=sys.stderr)
            return 0
        report = log.verify()
        for problem in report.problems:
            print(f"audit: {problem.message}")
        scope = "hashes, links and MACs" if report.macs_checked else "hashes and links (no key)"
        if report.ok and not report.macs_checked:
            print(
                f"Audit trail unverified: {report.records} records chain together, but without "
                "the data key their MACs and the anchored head cannot be checked, so records "
                "cut off the end, a rollback or a rebuilt log cannot be ruled out. Make the key "
                "available (PARLEY_PASSPHRASE or the OS keyring) and run it again.",
                file=sys.stderr,
            )
            return EXIT_UNVERIFIED
        if report.ok:
            anchors = ", ".join(report.anchors) or "no anchor yet"
            print(
                f"Audit trail intact: {report.records} records ({scope} checked; head anchored "
                f"in {anchors}).",
                file=sys.stderr,
            )
            return 0
        print(
            f"parley: the audit trail was altered: {len(report.problems)} problem(s) in "
            f"{report.records} records ({scope} checked).",
            file=sys.stderr,
        )
        return 1
    for entry in log.entries():
        if args.session and entry.session_id != args.session:
            continue
        if args.json:
            row = {
                "seq": entry.seq,
                "time": entry.time,
                "kind": entry.kind,
                "session_id": entry.session_id,
                "payload": entry.payload,
            }
            print(json.dumps(row, ensure_ascii=False))
            continue
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry.time))
        summary = "" if entry.payload is None else json.dumps(entry.payload, ensure_ascii=False)
        print(f"{entry.seq:>6}  {when}  {entry.kind:<10} {entry.session_id or '-'}  {summary}")
    return 0
