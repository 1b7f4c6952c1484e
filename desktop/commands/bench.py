"""`parley bench asr|detect|e2e|replay|capture|suggest`: benchmarks, JSON on stdout."""

from __future__ import annotations

import argparse
import importlib

# Each module defines `register(bench_subparsers)`.
BENCH_MODULES = (
    "desktop.commands.bench_asr",
    "desktop.commands.bench_detect",
    "desktop.commands.bench_e2e",
    "desktop.commands.bench_replay",
    "desktop.commands.bench_capture",
    "desktop.commands.bench_suggest",
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="benchmarks (JSON on stdout)")
    bench_sub = p.add_subparsers(dest="bench", metavar="BENCH", required=True)
    for name in BENCH_MODULES:
        importlib.import_module(name).register(bench_sub)
