"""Start the desktop app: the window appears at once; models load when a session starts.

Only Qt and Parley's GUI modules are imported on the way to the first window; the pipeline
(`desktop.session_runner` and the model libraries behind it) is imported when a session starts,
in the session's own threads where it loads models.

`python -m desktop.app_main [--replay FILE | --demo en|zh] [--speed X|max] [--lang en|zh]
[--quit-after S] [--finished-marker PATH]` opens the app and, with `--replay`, starts replaying
FILE at once (a recording, a timed transcript `.json`, or an events `.jsonl`), or with `--demo`
the sample call of that language with its sample playbook (as the window's "Try a demo call");
scripts use the marker to know when the replay has ended.

In a source install with the chosen models missing, the window offers to install them
(`desktop.ui.model_setup`). Without an OS keyring, the window asks for the storage passphrase in a dialog before the first
session it stores (`desktop.ui.passphrase_dialog`). Runs started with `--replay` or `--demo`
never ask: they are scripted, and keep a session only with a keyring or `PARLEY_PASSPHRASE`.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="parley", add_help=False)
    p.add_argument("--replay", type=Path, help="start replaying this file at once")
    p.add_argument("--demo", choices=("en", "zh"), help="start the sample call at once")
    p.add_argument("--speed", default="1", help="replay pace: 1, 2, ... or max")
    p.add_argument("--lang", choices=("en", "zh"), help="UI language for this run")
    p.add_argument("--quit-after", type=float, help="close the app after S seconds (scripts)")
    p.add_argument("--probe-startup", action="store_true", help="print when the window shows")
    p.add_argument("--finished-marker", type=Path, help="write this file when a session ends")
    return p


def run_app(argv: list[str]) -> int:
    """Open the main window and run the event loop; returns the exit status."""
    started = time.time()
    args, _unknown = _parser().parse_known_args(argv)
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.ui.gc_guard import GuiThreadCollector
    from desktop.ui.main_window import MainWindow
    from desktop.ui.settings import APPLICATION, ORGANIZATION, SettingsStore

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("Parley")
    collector = GuiThreadCollector(app)
    store = SettingsStore()
    if args.lang:
        import dataclasses

        store.save(dataclasses.replace(store.load(), language=args.lang))
    key_provider = None
    if args.replay is None and args.demo is None:
        from desktop.ui.passphrase_dialog import ask_data_key

        key_provider = ask_data_key
    window = MainWindow(store=store, key_provider=key_provider)
    window.replay_speed = None if str(args.speed).lower() == "max" else float(args.speed)
    window.show()
    QTimer.singleShot(0, window.load_devices_in_background)

    def offer_models() -> None:
        from desktop.ui.model_setup import missing_packs, source_install

        if source_install():
            settings = window.settings
            window.offer_model_setup(missing_packs([settings.asr_model, settings.llm_model]))

    QTimer.singleShot(0, offer_models)
    if args.probe_startup:

        def report() -> None:
            now = time.time()
            print(f"window shown after {now - started:.3f} s (epoch {now:.3f})", file=sys.stderr)
            app.quit()

        QTimer.singleShot(0, report)
    if args.finished_marker is not None:
        marker: Path = args.finished_marker

        def mark() -> None:
            marker.write_text("finished\n", encoding="utf-8")

        window.controller.finished.connect(mark)
    if args.replay is not None:
        window.set_replay_file(str(args.replay.resolve()))
        QTimer.singleShot(0, window.toggle_session)
    elif args.demo is not None:
        lang: str = args.demo
        QTimer.singleShot(0, lambda: window.start_demo(lang))
    if args.quit_after is not None:

        def close() -> None:
            window.close()

        QTimer.singleShot(int(args.quit_after * 1000), close)
    try:
        return int(app.exec())
    finally:
        collector.stop()


def main() -> int:
    """`python -m desktop.app_main`: the same network closing and text-free logging as
    `parley` (the OS restriction first, before Qt starts a thread, then the Python guard)."""
    from desktop.cli import close_network, setup_logging
    from desktop.privacy.keys import scrub_environment

    scrub_environment()

    close_network(sys.argv[1:])
    setup_logging(verbose=False, log_text=False)
    return run_app(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
