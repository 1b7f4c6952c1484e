"""Passphrases: scrypt at N >= 2^17 (older key files migrate on unlock), a floor the
environment cannot lower outside the test suite, `parley sessions rekey`, and the passphrase
kept out of every child process's environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.privacy import keys
from desktop.privacy.errors import PrivacyError, WrongPassphraseError
from desktop.privacy.keys import MIN_SCRYPT_N, KeyConfig, load_or_create_key, rekey

ROOT = Path(__file__).resolve().parents[2]
PHRASE = "first test phrase 41"
NEW = "second test phrase 42"


def kdf_n(directory: Path) -> int:
    return int(json.loads((directory / "key.json").read_text())["kdf"]["n"])


def test_default_cost_and_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    assert KeyConfig().scrypt_n >= 2**17 and MIN_SCRYPT_N >= 2**17
    monkeypatch.setenv("PARLEY_SCRYPT_N", "1024")
    monkeypatch.delenv("PARLEY_TESTING")
    assert KeyConfig.from_env().scrypt_n == MIN_SCRYPT_N  # not lowerable in production
    monkeypatch.setenv("PARLEY_SCRYPT_N", str(2**18))
    assert KeyConfig.from_env().scrypt_n == 2**18  # raising it is fine
    monkeypatch.setenv("PARLEY_TESTING", "1")
    monkeypatch.setenv("PARLEY_SCRYPT_N", "1024")
    assert KeyConfig.from_env().scrypt_n == 1024


def test_older_key_file_migrates_on_first_unlock(tmp_path: Path) -> None:
    old = KeyConfig(scrypt_n=2**10, use_keyring=False)
    key = load_or_create_key(directory=tmp_path, config=old, passphrase=PHRASE, interactive=False)
    assert kdf_n(tmp_path) == 2**10
    newer = KeyConfig(scrypt_n=2**12, use_keyring=False)
    again = load_or_create_key(
        directory=tmp_path, config=newer, passphrase=PHRASE, interactive=False
    )
    assert again.secret == key.secret
    assert kdf_n(tmp_path) == 2**12  # re-wrapped at the higher cost, same key
    third = load_or_create_key(
        directory=tmp_path, config=newer, passphrase=PHRASE, interactive=False
    )
    assert third.key_id == key.key_id


def test_rekey_changes_the_passphrase_not_the_key(tmp_path: Path) -> None:
    cfg = KeyConfig(scrypt_n=2**10, use_keyring=False)
    key = load_or_create_key(directory=tmp_path, config=cfg, passphrase=PHRASE, interactive=False)
    with pytest.raises(PrivacyError, match="too weak"):
        rekey("short", directory=tmp_path, passphrase=PHRASE, config=cfg)
    with pytest.raises(WrongPassphraseError):
        rekey(NEW, directory=tmp_path, passphrase="not the phrase 77", config=cfg)
    rekey(NEW, directory=tmp_path, passphrase=PHRASE, config=cfg)
    with pytest.raises(WrongPassphraseError):
        load_or_create_key(directory=tmp_path, config=cfg, passphrase=PHRASE, interactive=False)
    opened = load_or_create_key(directory=tmp_path, config=cfg, passphrase=NEW, interactive=False)
    assert opened.secret == key.secret


def test_sessions_rekey_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_SCRYPT_N", "1024")
    monkeypatch.setenv("PARLEY_KEYRING", "0")
    monkeypatch.setenv("PARLEY_PASSPHRASE", PHRASE)
    from desktop.store.store import SessionStore

    SessionStore.open().close()
    monkeypatch.setenv("PARLEY_NEW_PASSPHRASE", "weak")
    assert main(["sessions", "rekey"]) == 1
    monkeypatch.setenv("PARLEY_NEW_PASSPHRASE", NEW)
    assert main(["sessions", "rekey"]) == 0
    monkeypatch.setenv("PARLEY_PASSPHRASE", NEW)
    monkeypatch.delenv("PARLEY_NEW_PASSPHRASE")
    assert main(["sessions", "list"]) == 0
    monkeypatch.setenv("PARLEY_PASSPHRASE", PHRASE)
    assert main(["sessions", "list"]) == 1


def test_passphrase_never_reaches_a_child_process(tmp_path: Path) -> None:
    """`parley` moves the passphrase out of its environment first thing: a child it starts
    (here through a command that runs one) does not see it, yet the key still opens."""
    script = (
        "import os, subprocess, sys\n"
        "from desktop.privacy import keys\n"
        "keys.scrub_environment()\n"
        "child = subprocess.run([sys.executable, '-c', "
        '\'import os; print(os.environ.get("PARLEY_PASSPHRASE", "<none>"))\'],'
        " capture_output=True, text=True).stdout.strip()\n"
        "key = keys.load_or_create_key(interactive=False)\n"
        "print(child, key.source)\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PARLEY_PASSPHRASE": PHRASE,
        "PARLEY_SCRYPT_N": "1024",
        "PARLEY_KEYRING": "0",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["<none>", "passphrase"]
    assert keys.child_environment({"PARLEY_PASSPHRASE": "x", "A": "b"}) == {"A": "b"}


def test_pip_gets_no_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    from models import registry

    seen: dict[str, str] = {}

    def fake_call(cmd: list[str], stdout: object = None, env: dict[str, str] | None = None) -> int:
        seen.update(env or {})
        return 0

    monkeypatch.setenv("PARLEY_PASSPHRASE", PHRASE)
    monkeypatch.setattr(registry.subprocess, "call", fake_call)
    assert registry._run_pip(["nothing"]) == 0
    assert "PARLEY_PASSPHRASE" not in seen and seen["PIP_NO_INPUT"] == "1"
