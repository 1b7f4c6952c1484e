"""The data key: passphrase wrapping, wrong passphrase, no passphrase, keyring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.privacy.errors import KeyUnavailableError, PrivacyError, WrongPassphraseError
from desktop.privacy.keys import (
    KEY_FILE,
    KEYRING_SERVICE,
    KEYRING_USER,
    PASSPHRASE_ONE_KIND,
    PASSPHRASE_TOO_SHORT,
    PASSPHRASE_TOO_SIMPLE,
    KeyConfig,
    load_existing_key,
    load_or_create_key,
    passphrase_problem,
)

FAST = KeyConfig(scrypt_n=2**10, use_keyring=False)


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARLEY_PASSPHRASE", raising=False)
    monkeypatch.setenv("PARLEY_KEYRING", "0")


class FakeKeyring:
    """A keyring backend in a dict."""

    priority = 5

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, user: str) -> str | None:
        return self.items.get((service, user))

    def set_password(self, service: str, user: str, value: str) -> None:
        self.items[(service, user)] = value


def test_passphrase_key_roundtrip(tmp_path: Path) -> None:
    key = load_or_create_key(
        directory=tmp_path, config=FAST, passphrase="correct horse", interactive=False
    )
    again = load_or_create_key(
        directory=tmp_path, config=FAST, passphrase="correct horse", interactive=False
    )
    assert key.secret == again.secret and len(key.secret) == 32
    assert key.source == "passphrase" and key.persistent
    stored = json.loads((tmp_path / KEY_FILE).read_text())
    assert stored["kdf"]["n"] == 2**10
    assert key.secret.hex() not in (tmp_path / KEY_FILE).read_text()
    assert "correct horse" not in (tmp_path / KEY_FILE).read_text()
    assert key.secret.hex() not in repr(key)


def test_passphrase_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_PASSPHRASE", "from env")
    key = load_or_create_key(directory=tmp_path, config=FAST, interactive=False)
    assert (
        load_or_create_key(directory=tmp_path, config=FAST, passphrase="from env").secret
        == key.secret
    )


def test_wrong_passphrase_is_clear_and_changes_nothing(tmp_path: Path) -> None:
    load_or_create_key(directory=tmp_path, config=FAST, passphrase="right", interactive=False)
    before = (tmp_path / KEY_FILE).read_bytes()
    with pytest.raises(WrongPassphraseError, match="PARLEY_PASSPHRASE") as err:
        load_or_create_key(directory=tmp_path, config=FAST, passphrase="wrong", interactive=False)
    assert "nothing was changed" in str(err.value)
    assert (tmp_path / KEY_FILE).read_bytes() == before


def test_no_passphrase_no_terminal_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(KeyUnavailableError, match="PARLEY_PASSPHRASE"):
        load_or_create_key(directory=tmp_path, config=FAST, interactive=False)
    assert not (tmp_path / KEY_FILE).exists()
    assert load_existing_key(directory=tmp_path, interactive=False) is None


def test_prompt_only_when_interactive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["typed by hand 42", "typed by hand 42"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    key = load_or_create_key(directory=tmp_path, config=FAST, interactive=True)
    assert (
        load_or_create_key(directory=tmp_path, config=FAST, passphrase="typed by hand 42").secret
        == key.secret
    )


def test_a_weak_typed_passphrase_is_refused_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "short")
    with pytest.raises(PrivacyError, match="too weak: Use at least 10 characters"):
        load_or_create_key(directory=tmp_path, config=FAST, interactive=True)
    assert not (tmp_path / KEY_FILE).exists()


@pytest.mark.parametrize(
    ("phrase", "problem"),
    [
        ("short", PASSPHRASE_TOO_SHORT),
        ("aaaaaaaaaaaa", PASSPHRASE_TOO_SIMPLE),
        ("abcdefghijkl", PASSPHRASE_TOO_SIMPLE),
        ("12345678901", PASSPHRASE_TOO_SIMPLE),
        ("Password123", PASSPHRASE_TOO_SIMPLE),
        ("Copper7lantern", None),
        ("password123", PASSPHRASE_TOO_SIMPLE),
        ("lanternmoss", PASSPHRASE_ONE_KIND),
        ("lantern moss", None),
        ("lanternmosscopperfield", None),
        ("晚风吹过三座桥", PASSPHRASE_TOO_SHORT),
        ("晚风吹过三座桥和两棵树", PASSPHRASE_ONE_KIND),
        ("晚风吹过三座桥和两棵树7", None),
    ],
)
def test_passphrase_strength_is_one_rule(phrase: str, problem: str | None) -> None:
    assert passphrase_problem(phrase) == problem


def test_keyring_backend_keeps_the_key(tmp_path: Path) -> None:
    ring = FakeKeyring()
    key = load_or_create_key(directory=tmp_path, backend=ring, interactive=False)
    assert key.source == "keyring"
    assert (KEYRING_SERVICE, KEYRING_USER) in ring.items
    assert "wrapped" not in json.loads((tmp_path / KEY_FILE).read_text())
    assert load_or_create_key(directory=tmp_path, backend=ring).secret == key.secret
    ring.items[(KEYRING_SERVICE, KEYRING_USER)] = "AAAA" * 11  # another key
    with pytest.raises(WrongPassphraseError, match="nothing was changed"):
        load_or_create_key(directory=tmp_path, backend=ring)
    with pytest.raises(KeyUnavailableError, match="keyring"):
        load_or_create_key(directory=tmp_path, config=FAST, backend=None)


def test_subkeys_differ_by_label(tmp_path: Path) -> None:
    key = load_or_create_key(directory=tmp_path, config=FAST, passphrase="p")
    assert key.subkey("a") != key.subkey("b") and len(key.subkey("a")) == 32
