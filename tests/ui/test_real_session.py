"""The window with the real session runner: a timed transcript replayed end to end.

No models are needed (a timed transcript skips ASR, and the LLM is off); the events cross from
the runner's threads to the GUI through the bridge.
"""

from __future__ import annotations

import json
from pathlib import Path

from desktop.ui.devices import DeviceChoices
from desktop.ui.main_window import MainWindow
from desktop.ui.settings import AppSettings, SettingsStore


def test_real_runner_replays_a_timed_transcript_into_the_window(
    qtbot, store: SettingsStore, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # The session is kept in the encrypted store (a passphrase, cheap scrypt for the test).
    monkeypatch.setenv("PARLEY_PASSPHRASE", "correct horse battery staple")
    monkeypatch.setenv("PARLEY_SCRYPT_N", "1024")
    call = tmp_path / "call.json"
    call.write_text(
        json.dumps(
            {
                "lang": "en",
                "turns": [
                    {
                        "speaker": "rep",
                        "start": 0.0,
                        "end": 2.0,
                        "text": "Shall we go through the plan?",
                    },
                    {
                        "speaker": "customer",
                        "start": 2.5,
                        "end": 5.0,
                        "text": "Yes, but it needs to fit our budget.",
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    store.save(AppSettings(llm_model="", replay_file=str(call)))
    window = MainWindow(store=store, device_lister=lambda: DeviceChoices(mics=("m",)))
    qtbot.addWidget(window)
    window.replay_speed = None
    with qtbot.waitSignal(window.controller.finished, timeout=120_000):
        window.toggle_session()
    qtbot.waitUntil(lambda: window.transcript.utterance_count() == 2, timeout=10_000)
    texts = [window.transcript.block_text(uid) for uid in window.transcript._utterances]
    assert texts[0].startswith("Rep") and "the plan?" in texts[0]
    assert texts[1].startswith("Customer") and "fit our budget." in texts[1]
    assert window.problems.messages == []
    from desktop.privacy.keys import load_or_create_key
    from desktop.store import SessionStore

    stored = SessionStore.open(key=load_or_create_key())
    try:
        [meta] = stored.list_sessions()
        texts = [e.text for e in stored.load_events(meta.session_id) if hasattr(e, "text")]
        assert any("fit our budget" in t for t in texts)
    finally:
        stored.close()
    assert window.llm_status.state == "off"
    assert window.start_button.text() == "Start"
    window.overlay.close()
