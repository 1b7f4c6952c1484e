"""`parley detect [--lang auto|en|zh] [--playbook DIR]...`: customer signals for JSONL lines.

Reads `{"id", "text"}` objects, one a line, from stdin and writes exactly one JSON line per
input line, in order: `id`, `objection` (category or null), `objection_confidence`,
`valence`, `label`, `roles`, `terms`. A malformed line gives `{"id", "error"}` and the run
goes on. Blank input lines are echoed as errors too, so line counts always match.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "detect",
        help="objection, emotion, roles and terms for JSONL lines on stdin",
        description="JSONL in ({'id','text'}) on stdin, one JSONL result per line on stdout.",
    )
    p.add_argument(
        "--lang", choices=("auto", "en", "zh"), default="auto", help="language of the lines"
    )
    p.add_argument(
        "--playbook",
        action="append",
        default=[],
        metavar="DIR",
        help="playbook folder whose terms join the glossary (may be repeated)",
    )
    p.set_defaults(func=run)


def detect_line(detectors: Any, line: str, lang: str) -> dict[str, Any]:
    """The output object for one input line (never raises on bad input)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        return {
            "id": None,
            "error": f'this line is not JSON ({e.msg}); send one {{"id", "text"}} object per line',
        }
    if not isinstance(obj, dict):
        return {
            "id": None,
            "error": 'this line is not a JSON object; send {"id": ..., "text": ...}',
        }
    ident = obj.get("id")
    text = obj.get("text")
    if not isinstance(text, str):
        return {
            "id": ident,
            "error": 'this object has no "text" string; add the customer\'s words as "text"',
        }
    det = detectors.detect_text(text, lang)
    return {
        "id": ident,
        "objection": det.objection,
        "objection_confidence": det.objection_confidence,
        "valence": det.valence,
        "label": det.label,
        "roles": list(det.roles),
        "terms": list(det.terms),
    }


def process(detectors: Any, lines: TextIO, out: TextIO, lang: str) -> int:
    """Run every line through `detectors`; returns how many lines failed."""
    failed = 0
    for raw in lines:
        line = raw.rstrip("\r\n")
        try:
            result = detect_line(detectors, line, lang)
        except Exception as e:  # one bad line must not end the run
            result = {"id": None, "error": f"this line could not be analysed ({e})"}
        if "error" in result:
            failed += 1
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
    return failed


def run(args: argparse.Namespace) -> int:
    from inference.detectors import SignalDetectors

    detectors = SignalDetectors()
    if args.playbook:
        from inference.playbook import load_playbook

        book = load_playbook(args.playbook)
        detectors.add_terms(book.terms)
        detectors.add_competitors(book.competitors)
    for stream in (sys.stdin, sys.stdout):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:  # JSON lines are UTF-8 whatever the locale says
            reconfigure(encoding="utf-8")
    process(detectors, sys.stdin, sys.stdout, args.lang)
    return 0
