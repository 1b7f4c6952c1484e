"""Placeholder registration for a command whose module is still being written."""

from __future__ import annotations

import argparse
import sys


def not_ready(args: argparse.Namespace) -> int:
    print(f"parley: '{args.command}' is not available in this build yet", file=sys.stderr)
    return 1
