"""`parley playbook check DIR...`: the entries and rules Parley found, for the user to confirm."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("playbook", help="inspect a playbook folder")
    psub = p.add_subparsers(dest="playbook_command", metavar="ACTION", required=True)
    check = psub.add_parser(
        "check",
        help="print the entries and the rules found, each rule with the sentence it came from",
    )
    check.add_argument("dirs", nargs="+", type=Path, metavar="DIR", help="playbook folder(s)")
    check.add_argument("--json", action="store_true", help="one JSON object on stdout")
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    from inference.playbook import load_playbook

    playbook = load_playbook(args.dirs)
    if args.json:
        data = {
            "entries": [
                {"file": e.file, "heading": e.heading, "lang": e.lang, "kind": e.kind,
                 "chars": len(e.text)}
                for e in playbook.entries
            ],
            "rules": [
                {"id": r.id, "kind": r.kind, "description": r.describe(), "value": r.value,
                 "currency": r.currency or None, "terms": list(r.terms), "topic": r.topic or None,
                 "allowed": list(r.allowed), "file": r.file, "sentence": r.sentence}
                for r in playbook.rules
            ],
            "certifications": list(playbook.certifications),
            "competitors": list(playbook.competitors),
            "terms": list(playbook.terms),
        }  # fmt: skip
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    out = sys.stdout
    print(f"{len(playbook.entries)} entries in {len(playbook.files)} files", file=out)
    for e in playbook.entries:
        tag = "" if e.kind == "playbook" else f" [{e.kind}]"
        print(f"  {e.file} > {e.heading} ({e.lang}, {len(e.text)} chars){tag}", file=out)
    print(f"\n{len(playbook.rules)} rules", file=out)
    if not playbook.rules:
        print(
            "  none found: state them in prose (for example 'a rep may offer at most 10% off') "
            "or in a parley-rules block",
            file=out,
        )
    for r in playbook.rules:
        print(f"  [{r.id}] {r.describe()}", file=out)
        if r.allowed:
            label = (
                "held" if r.topic == "certification" else "also allowed (stated in the playbook)"
            )
            print(f"      {label}: {', '.join(r.allowed)}", file=out)
        print(f'      from {r.file}: "{r.sentence}"', file=out)
    if playbook.certifications:
        print(f"\ncertifications held: {', '.join(playbook.certifications)}", file=out)
    if playbook.competitors:
        print(f"competitors: {', '.join(playbook.competitors)}", file=out)
    print(f"terms ({len(playbook.terms)}): {', '.join(playbook.terms[:40])}", file=out)
    return 0
