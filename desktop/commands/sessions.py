"""`parley sessions list|show|check|delete|recover|purge|retention|rekey|review|notes|report|export`.

The stored sessions: list and inspect them, keep or remove them, and review them (notes on each
objection, an HTML report, transcript exports; exports are redacted and audited).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.store import SessionInfo, SessionStore


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sessions", help="list, show, recover, delete or purge stored sessions")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = actions.add_parser("list", help="stored sessions, oldest first")
    a.add_argument("--json", action="store_true", help="one JSON object a line")
    a = actions.add_parser("show", help="a session's transcript, suggestions, choices and notes")
    a.add_argument("session_id", metavar="ID")
    a.add_argument("--json", action="store_true", help="the session's events as JSONL")
    a = actions.add_parser(
        "check", help="authenticate every stored value of a session (or all) and name damage"
    )
    a.add_argument("session_id", metavar="ID", nargs="?", help="one session (default: all)")
    a = actions.add_parser("delete", help="remove a session's rows, audio and derived files")
    a.add_argument("session_id", metavar="ID")
    a.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    a = actions.add_parser("recover", help="keep an interrupted session (mark it ended)")
    a.add_argument("session_id", metavar="ID")
    a = actions.add_parser("purge", help="delete sessions older than the retention period")
    a.add_argument(
        "--older-than", type=float, metavar="DAYS", help="age in days (default: the setting)"
    )
    a = actions.add_parser("retention", help="show or set how many days sessions are kept")
    a.add_argument("days", nargs="?", metavar="DAYS|off")
    actions.add_parser(
        "rekey",
        help="change the storage passphrase (asked for, or PARLEY_PASSPHRASE and "
        "PARLEY_NEW_PASSPHRASE); the sessions are not rewritten",
    )
    _register_review(actions)
    p.set_defaults(func=run)


def _register_review(actions: argparse._SubParsersAction) -> None:
    a = actions.add_parser("review", help="add a review note on one objection of a session")
    a.add_argument("session_id", metavar="ID")
    a.add_argument(
        "--objection", required=True, metavar="UTT_ID", help="utterance id of the objection"
    )
    a.add_argument(
        "--rating", type=int, choices=range(1, 6), metavar="1-5", help="rate the suggestion"
    )
    a.add_argument(
        "--preferred", type=int, choices=(1, 2, 3), metavar="1|2|3", help="the path that fits best"
    )
    a.add_argument("--why", default="", metavar="TEXT", help="why that path fits better")
    a.add_argument("--note", default="", metavar="TEXT", help="the note itself")
    a.add_argument("--author", default="", metavar="NAME", help="who wrote the note")
    a = actions.add_parser("notes", help="a session's review notes")
    a.add_argument("session_id", metavar="ID")
    a.add_argument("--json", action="store_true", help="one JSON object a line")
    a = actions.add_parser("report", help="write a session's self-contained HTML report")
    a.add_argument("session_id", metavar="ID")
    a.add_argument("--out", required=True, metavar="FILE.html")
    a.add_argument("--title", default="", help="the report's title (default: the session's)")
    _export_flags(a)
    a = actions.add_parser("export", help="write a session's transcript (SRT, VTT, TXT, MD, JSON)")
    a.add_argument("session_id", metavar="ID")
    a.add_argument("--format", required=True, choices=("srt", "vtt", "txt", "md", "json"))
    a.add_argument("--out", required=True, metavar="FILE")
    _export_flags(a)


def _export_flags(a: argparse.ArgumentParser) -> None:
    a.add_argument(
        "--no-redact",
        action="store_true",
        help="keep phone numbers, e-mails, card and ID numbers (default: the redaction setting)",
    )
    a.add_argument(
        "--learnable-only",
        action="store_true",
        help="leave out utterances not marked usable for learning",
    )


def _when(ts: float | None) -> str:
    return "-" if ts is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def _state(info: SessionInfo) -> str:
    if info.damaged:
        return "damaged"
    if info.running:
        return "running"
    if info.ended_at is None:
        return "interrupted"
    return "recovered" if info.recovered else "ended"


def _open_store() -> SessionStore | None:
    """The store, or None when nothing was ever stored (no key and no database)."""
    from desktop.privacy.keys import load_existing_key
    from desktop.store import SessionStore
    from desktop.store.db import DB_NAME
    from models.paths import data_dir

    key = load_existing_key()
    if key is None:
        if (data_dir() / DB_NAME).exists():
            from desktop.privacy.errors import PrivacyError

            raise PrivacyError(
                f"The session database exists but its key file is missing from {data_dir()}: "
                "restore key.json from a backup."
            )
        return None
    store = SessionStore.open(key=key)
    for problem in store.problems:
        print(f"parley: {problem}", file=sys.stderr)
    return store


def _rekey() -> int:
    """Wrap the data key with a new passphrase (checked for strength, typed twice)."""
    import getpass

    from desktop.privacy.errors import PrivacyError
    from desktop.privacy.keys import (
        NEW_PASSPHRASE_ENV,
        PASSPHRASE_ENV,
        env_secret,
        passphrase_problem,
        rekey,
    )

    interactive = bool(sys.stdin and sys.stdin.isatty())
    current = env_secret(PASSPHRASE_ENV) or (
        getpass.getpass("Current passphrase: ") if interactive else ""
    )
    new = env_secret(NEW_PASSPHRASE_ENV)
    if not new and interactive:
        new = getpass.getpass("New passphrase: ")
        problem = passphrase_problem(new)
        if problem is not None:
            raise PrivacyError(f"That passphrase is too weak: {problem} Run the command again.")
        if getpass.getpass("Repeat the new passphrase: ") != new:
            raise PrivacyError("The two passphrases differ: run the command again.")
    if not current or not new:
        raise PrivacyError(
            f"Give the current passphrase in {PASSPHRASE_ENV} and the new one in "
            f"{NEW_PASSPHRASE_ENV}, or run the command from a terminal to be asked."
        )
    rekey(new, passphrase=current)
    print("The storage passphrase was changed: use the new one from now on.", file=sys.stderr)
    return 0


def run(args: argparse.Namespace) -> int:
    if args.action == "retention":
        return _retention(args.days)
    if args.action == "rekey":
        return _rekey()
    store = _open_store()
    if store is None:
        if args.action in ("list", "purge"):
            print("No sessions are stored.", file=sys.stderr)
            return 0
        from desktop.store import StoreError

        raise StoreError(
            f"There is no stored session {args.session_id!r}: no sessions are stored yet."
        )
    with store:
        if args.action == "list":
            return _list(store, as_json=args.json)
        if args.action == "show":
            return _show(store, args.session_id, as_json=args.json)
        if args.action == "check":
            return _check(store, args.session_id)
        if args.action == "delete":
            return _delete(store, args.session_id, yes=args.yes)
        if args.action == "recover":
            info = store.recover(args.session_id)
            print(f"Session {info.session_id} recovered: {info.segments} segments kept.")
            return 0
        if args.action == "purge":
            deleted = store.purge(args.older_than)
            for sid in deleted:
                print(sid)
            print(f"{len(deleted)} session(s) purged.", file=sys.stderr)
            return 0
        if args.action == "review":
            return _review(store, args)
        if args.action == "notes":
            return _notes(store, args.session_id, as_json=args.json)
        if args.action in ("report", "export"):
            return _export(store, args)
    return 2


def _list(store: SessionStore, *, as_json: bool) -> int:
    sessions = store.list_sessions()
    for s in sessions:
        if as_json:
            row = {
                "id": s.session_id,
                "kind": s.kind,
                "state": _state(s),
                "started_at": s.started_at,
                "ended_at": s.ended_at,
                "last_t": s.last_t,
                "segments": s.segments,
                "events": s.events,
                "title": s.title,
                "damaged": list(s.damaged),
                "recording": store.recording(s.session_id) is not None,
            }
            print(json.dumps(row, ensure_ascii=False))
        else:
            title = s.title if not s.damaged else f"DAMAGED ({_damage(s.damaged)}) {s.title}"
            print(
                f"{s.session_id}  {s.kind:<7} {_when(s.started_at)}  {_state(s):<11} "
                f"{s.segments:>5} segments  {title}".rstrip()
            )
    if not sessions and not as_json:
        print("No sessions are stored.", file=sys.stderr)
    elif any(s.damaged for s in sessions) and not as_json:
        print(
            "Damaged parts did not authenticate (altered or corrupted) and are left out; the rest "
            "is readable. Remove a damaged session with `parley sessions delete ID`.",
            file=sys.stderr,
        )
    return 0


def _damage(items: tuple[str, ...] | list[str]) -> str:
    shown = ", ".join(items[:3])
    return shown + (f" and {len(items) - 3} more" if len(items) > 3 else "")


def _check(store: SessionStore, session_id: str | None) -> int:
    ids = [session_id] if session_id else [s.session_id for s in store.list_sessions()]
    bad = 0
    for sid in ids:
        damaged = store.check(sid)
        if damaged:
            bad += 1
            print(f"{sid}  DAMAGED: {_damage(damaged)}")
        else:
            print(f"{sid}  ok")
    print(f"{len(ids)} session(s) checked, {bad} damaged.", file=sys.stderr)
    return 1 if bad else 0


def _show(store: SessionStore, session_id: str, *, as_json: bool) -> int:
    from inference.events import StatusEvent, SuggestionEvent, TranscriptEvent, to_json

    info = store.get(session_id)
    events = store.load_events(session_id)
    if as_json:
        for event in events:
            print(to_json(event))
        return 0
    print(f"Session {info.session_id} ({info.kind}, {_state(info)}): {info.title}")
    print(f"  started {_when(info.started_at)}, ended {_when(info.ended_at)}")
    damaged = store.damaged_items(session_id)
    if damaged:
        print(f"  damaged and left out: {_damage(damaged)}")
    for event in events:
        if isinstance(event, TranscriptEvent):
            print(f"[{event.t:7.2f}] {event.speaker:>8}: {event.text}")
        elif isinstance(event, SuggestionEvent):
            done = sum(p.complete for p in event.paths)
            print(f"[{event.t:7.2f}]   > suggestion ({event.stage}, {done}/3 complete)")
            for i, path in enumerate(event.paths):
                print(f"             {i}. [{path.strategy}, {path.confidence:.2f}] {path.text}")
        elif isinstance(event, StatusEvent) and event.component == "store":
            print(f"[{event.t:7.2f}]   ! {event.state}: {event.detail}")
    for choice in store.load_choices(session_id):
        print(f"  choice: path {choice.path} for objection {choice.objection_utterance_id}")
    for note in store.load_review_notes(session_id):
        rating = "-" if note.rating is None else str(note.rating)
        preferred = "" if note.preferred_path is None else f", prefers {note.preferred_path + 1}"
        print(f"  note on {note.objection_utterance_id} (rating {rating}{preferred}): {note.text}")
        if note.why:
            print(f"    why: {note.why}")
    return 0


def _review(store: SessionStore, args: argparse.Namespace) -> int:
    from desktop.store.review import check_objection

    if args.rating is None and args.preferred is None and not args.why and not args.note:
        print(
            "parley: a review needs at least one of --rating, --preferred, --why or --note",
            file=sys.stderr,
        )
        return 2
    store.get(args.session_id)
    check_objection(store, args.session_id, args.objection)
    note_id = store.add_review_note(
        args.session_id,
        args.objection,
        rating=args.rating,
        text=args.note,
        preferred_path=None if args.preferred is None else args.preferred - 1,
        why=args.why,
        author=args.author,
    )
    print(f"Review note {note_id} saved on objection {args.objection} of {args.session_id}.")
    return 0


def _notes(store: SessionStore, session_id: str, *, as_json: bool) -> int:
    store.get(session_id)
    notes = store.load_review_notes(session_id)
    for n in notes:
        preferred = None if n.preferred_path is None else n.preferred_path + 1
        if as_json:
            row = {
                "id": n.note_id,
                "objection": n.objection_utterance_id,
                "rating": n.rating,
                "preferred": preferred,
                "why": n.why,
                "text": n.text,
                "author": n.author,
                "created_at": n.created_at,
            }
            print(json.dumps(row, ensure_ascii=False))
            continue
        rating = "-" if n.rating is None else f"{n.rating}/5"
        path = "-" if preferred is None else str(preferred)
        who = f" by {n.author}" if n.author else ""
        print(f"{n.note_id}  {_when(n.created_at)}  objection {n.objection_utterance_id}{who}")
        print(f"    rating {rating}, preferred path {path}")
        if n.why:
            print(f"    why: {n.why}")
        if n.text:
            print(f"    note: {n.text}")
    if not notes and not as_json:
        print(f"Session {session_id} has no review notes.", file=sys.stderr)
    return 0


def _export(store: SessionStore, args: argparse.Namespace) -> int:
    from desktop.store.review import write_export

    fmt = "html" if args.action == "report" else args.format
    result = write_export(
        store,
        args.session_id,
        fmt,
        args.out,
        redact=False if args.no_redact else None,
        learnable_only=args.learnable_only,
        title=getattr(args, "title", ""),
    )
    state = "redacted" if result.redacted else "not redacted"
    withheld = f", {result.withheld} segment(s) withheld" if result.withheld else ""
    print(f"Wrote {result.path} ({result.fmt}, {state}{withheld}).", file=sys.stderr)
    return 0


def _delete(store: SessionStore, session_id: str, *, yes: bool) -> int:
    info = store.get(session_id)
    if not yes and sys.stdin is not None and sys.stdin.isatty():
        answer = input(f"Delete session {info.session_id} and its recording? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing deleted.", file=sys.stderr)
            return 1
    store.delete(session_id)
    print(f"Session {session_id} deleted.")
    return 0


def _retention(days: str | None) -> int:
    from dataclasses import replace

    from desktop.store.settings import load_settings, save_settings
    from models.paths import data_dir

    settings = load_settings(data_dir())
    if days is not None:
        if days.lower() in ("off", "never", "0"):
            settings = replace(settings, retention_days=None)
        else:
            try:
                value = int(days)
            except ValueError:
                print("parley: retention takes a number of days or 'off'", file=sys.stderr)
                return 2
            if value < 0:
                print("parley: retention takes a number of days or 'off'", file=sys.stderr)
                return 2
            settings = replace(settings, retention_days=value)
        save_settings(data_dir(), settings)
    shown = "off" if not settings.retention_days else f"{settings.retention_days} days"
    print(f"Sessions are kept for: {shown}")
    return 0
