"""`parley replay` (being written)."""

from __future__ import annotations

import argparse

from desktop.commands._stub import not_ready


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="(not available yet)")
    p.set_defaults(func=not_ready)
