"""`parley devices`: input devices and loopback (system-audio) sources, marked as such."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("devices", help="list microphones and system-audio (loopback) sources")
    p.add_argument("--json", action="store_true", help="JSON on stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from audio.devices import list_devices, loopback_help

    devices = list_devices()
    if args.json:
        print(json.dumps([asdict(d) for d in devices], ensure_ascii=False, indent=2))
        return 0
    if not devices:
        print("no input devices found")
        return 0
    for d in devices:
        kind = "loopback" if d.is_loopback else "input   "
        default = " (default)" if d.is_default else ""
        print(
            f"{kind}  {d.name}{default}  [{d.backend}{', ' + d.description if d.description else ''}]"
        )
    if not any(d.is_loopback for d in devices):
        print(f"note: {loopback_help()}")
    return 0
