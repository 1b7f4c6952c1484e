"""The `parley` command line: one parser, one module per command under `desktop/commands/`.

Exit status: 0 on success, 1 when the run failed, 2 for wrong usage. Data goes to stdout or the
named file; logs and progress go to stderr.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

# Nothing in Parley may reach a model hub; set before any library that might is imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from desktop.version import __version__

# Each module defines `register(subparsers)`, which adds its parser with `func` set.
COMMAND_MODULES = (
    "desktop.commands.replay",
    "desktop.commands.demo",
    "desktop.commands.live",
    "desktop.commands.devices",
    "desktop.commands.detect",
    "desktop.commands.playbook",
    "desktop.commands.models_cmd",
    "desktop.commands.sessions",
    "desktop.commands.audit",
    "desktop.commands.doctor",
    "desktop.commands.bench",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parley",
        description="Offline sales-call assistant. Without a command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"parley {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format=(
            "%(relativeCreated)9.0f %(levelname)s %(name)s: %(message)s"
            if args.verbose
            else "%(levelname)s %(name)s: %(message)s"
        ),
        stream=sys.stderr,
    )
    from desktop.privacy import netguard
    from inference.errors import USER_ERRORS

    guard = None
    if not (args.command == "models" and getattr(args, "models_command", None) == "install"):
        # Nothing but `parley models install` (pip) may reach the network; enforce it.
        guard = netguard.install()
    func = getattr(args, "func", None)
    try:
        if func is None:
            from desktop.app_main import run_app

            return run_app(argv or [])
        return int(func(args) or 0)
    except USER_ERRORS as e:
        print(f"parley: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("parley: interrupted", file=sys.stderr)
        return 1
    finally:
        if guard is not None:
            netguard.uninstall(guard)


if __name__ == "__main__":
    sys.exit(main())
