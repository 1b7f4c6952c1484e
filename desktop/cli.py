"""The `parley` command line: one parser, one module per command under `desktop/commands/`.

Exit status: 0 on success, 1 when the run failed, 2 for wrong usage (and 3 from `parley audit
verify` when the trail could not be verified without the key). Data goes to stdout or the named
file; logs and progress go to stderr. Logs carry no call words at any level (ids, lengths,
timings and categories only); `-v --log-text` turns the words on for debugging and says so.

Before a command runs, the network is closed: by the OS where it allows (a user + network
namespace with loopback only, `desktop.privacy.osnet`), and by the Python socket guard
(`desktop.privacy.netguard`) in every case. `parley models install` (pip) and a run against a
Ray cluster the user names (`--cluster`) are the only exceptions.
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
    parser.add_argument(
        "--log-text",
        action="store_true",
        help="with -v: let log lines carry the call's words (debugging only; off by default)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def needs_network(argv: list[str]) -> bool:
    """Only `parley models install` (pip) and a run on a Ray cluster the user names
    (`--cluster`) may reach the network. Read from the raw arguments: the decision is made
    before the parser (whose imports start threads) is built."""
    return _installs_models(argv) or _joins_cluster(argv)


def _installs_models(argv: list[str]) -> bool:
    words = [a for a in argv if not a.startswith("-")]
    return words[:2] == ["models", "install"]


def _joins_cluster(argv: list[str]) -> bool:
    return any(a == "--cluster" or a.startswith("--cluster=") for a in argv)


def setup_logging(*, verbose: bool, log_text: bool) -> None:
    """stderr logging; call words stay out of it unless `log_text` (which needs `verbose`)."""
    from inference import log_text as text_logging

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format=(
            "%(relativeCreated)9.0f %(levelname)s %(name)s: %(message)s"
            if verbose
            else "%(levelname)s %(name)s: %(message)s"
        ),
        stream=sys.stderr,
    )
    text_logging.enable(verbose and log_text)
    if verbose and log_text:
        print(
            "parley: --log-text is on: log lines carry the call's words. Use it for debugging "
            "only; logs may end up in the system journal.",
            file=sys.stderr,
        )


def close_network(argv: list[str], *, os_level: bool = True) -> tuple[object | None, object | None]:
    """Close the network for this process (the OS first, then the Python guard); returns
    (the OS restriction, the guard) — both None for `parley models install`. A run on a Ray
    cluster the user names (`--cluster`) gets no OS restriction but keeps the guard, which lets
    that cluster's host through while Ray runs (`netguard.allowing`) and nothing else.
    `os_level=False` (`main` called with arguments from inside another program, such as a
    test) installs the guard only: the OS restriction is for the whole process."""
    if _installs_models(argv):
        return None, None
    from desktop.privacy import netguard, osnet

    restriction = osnet.restrict_network() if os_level and not _joins_cluster(argv) else None
    return restriction, netguard.install()


def main(argv: list[str] | None = None) -> int:
    # First, before anything starts a thread (numpy's import does): the OS may only close the
    # network of a single-threaded process.
    if argv is None:  # the process's entry point: no child inherits the passphrase
        from desktop.privacy.keys import scrub_environment

        scrub_environment()
    # When `main` is the process's entry point (argv None), the OS closes the network too.
    restriction, guard = close_network(
        sys.argv[1:] if argv is None else argv, os_level=argv is None
    )
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.log_text and not args.verbose:
        parser.error("--log-text only works with -v (it adds the call's words to debug logs)")
    setup_logging(verbose=args.verbose, log_text=args.log_text)
    if restriction is not None:
        logging.getLogger("desktop.privacy").debug(
            "OS network restriction: %s", getattr(restriction, "detail", restriction)
        )
    from desktop.privacy import netguard
    from inference.errors import USER_ERRORS

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
        if isinstance(guard, netguard.NetworkGuard):
            netguard.uninstall(guard)


if __name__ == "__main__":
    sys.exit(main())
