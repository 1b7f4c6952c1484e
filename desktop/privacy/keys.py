"""The data key: 256 random bits that encrypt everything Parley keeps about a call.

Where it lives, in order of preference:

1. the OS keyring (macOS Keychain, Windows Credential Locker, Secret Service), when the optional
   `keyring` package finds a real backend;
2. `key.json` under the data directory, wrapped (AES-256-GCM) with a key derived by scrypt from
   a passphrase read from `PARLEY_PASSPHRASE`, or asked for when stdin is a terminal.

`key.json` always records where the key is and a key id (an HMAC of the key), so a wrong
passphrase or a different keyring entry is recognised before any data is touched. A key is
created under a lock file (`key.json.lock`) and `key.json` is never replaced once written
(hard link / `O_EXCL`), so two first runs at once end with one key that both use. Without a
keyring, a passphrase or a terminal, `load_or_create_key` raises `KeyUnavailableError`; callers
may then run with `ephemeral_key()` (nothing kept) and warn.
"""

from __future__ import annotations

import base64
import contextlib
import getpass
import hashlib
import hmac
import itertools
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from desktop.privacy.errors import KeyUnavailableError, PrivacyError, WrongPassphraseError

log = logging.getLogger(__name__)

KEY_FILE = "key.json"
KEYRING_SERVICE = "parley"
KEYRING_USER = "data-key"
PASSPHRASE_ENV = "PARLEY_PASSPHRASE"
NEW_PASSPHRASE_ENV = "PARLEY_NEW_PASSPHRASE"  # `parley sessions rekey` without a terminal
SECRET_ENV = (PASSPHRASE_ENV, NEW_PASSPHRASE_ENV)
MIN_SCRYPT_N = 2**17  # about 128 MiB and a few tenths of a second per unlock
TESTING_ENV = "PARLEY_TESTING"  # set by the test suite: a cheaper scrypt may be asked for
_WRAP_AAD = b"parley data key v1"
_FORMAT = 1

KeySource = Literal["keyring", "passphrase", "memory"]

NO_KEY_MESSAGE = (
    "Parley encrypts the sessions it keeps and found no OS keyring on this machine: set the "
    f"{PASSPHRASE_ENV} environment variable to a passphrase (or run from a terminal to be asked "
    "for one) so sessions can be stored."
)


@dataclass(frozen=True, slots=True)
class KeyConfig:
    """How a new data key is protected.

    Attributes:
        scrypt_n: scrypt cost (a power of two), at least `MIN_SCRYPT_N`. `PARLEY_SCRYPT_N` may
            raise it; a lower value is honoured only with `PARLEY_TESTING=1` (the test suite),
            and a key file wrapped with less is re-wrapped on its next unlock.
        scrypt_r: scrypt block size.
        scrypt_p: scrypt parallelism.
        use_keyring: try the OS keyring first (`PARLEY_KEYRING=0` turns it off).
    """

    scrypt_n: int = MIN_SCRYPT_N
    scrypt_r: int = 8
    scrypt_p: int = 1
    use_keyring: bool = True

    @classmethod
    def from_env(cls) -> KeyConfig:
        n_text = os.environ.get("PARLEY_SCRYPT_N", "").strip()
        use = os.environ.get("PARLEY_KEYRING", "").strip().lower() not in {"0", "off", "no"}
        n = int(n_text) if n_text else MIN_SCRYPT_N
        if n < MIN_SCRYPT_N and os.environ.get(TESTING_ENV) != "1":
            log.warning(
                "PARLEY_SCRYPT_N=%d is below the minimum %d and is ignored", n, MIN_SCRYPT_N
            )
            n = MIN_SCRYPT_N
        return cls(scrypt_n=n, use_keyring=use)


@dataclass(frozen=True, slots=True)
class DataKey:
    """The master data key; `subkey(label)` gives independent keys for fields, files, audit.

    Attributes:
        secret: 32 bytes (never printed).
        key_id: a public fingerprint of the key, stored beside the data it encrypted.
        source: where it came from; "memory" means nothing encrypted with it outlives the run.
    """

    secret: bytes = field(repr=False)
    key_id: str
    source: KeySource

    @property
    def persistent(self) -> bool:
        return self.source != "memory"

    def subkey(self, label: str) -> bytes:
        """A 256-bit key for one purpose, derived with HKDF-SHA256."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label.encode())
        return hkdf.derive(self.secret)


def key_id_of(secret: bytes) -> str:
    return hmac.new(secret, b"parley key id", hashlib.sha256).hexdigest()[:24]


def _make(secret: bytes, source: KeySource) -> DataKey:
    return DataKey(secret=secret, key_id=key_id_of(secret), source=source)


def ephemeral_key() -> DataKey:
    """A fresh key held only in memory, for a session that keeps nothing."""
    return _make(os.urandom(32), "memory")


def keyring_backend() -> Any | None:
    """The OS keyring backend, or None when `keyring` is missing or has no real backend."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        log.debug("keyring backend lookup failed", exc_info=True)
        return None
    if isinstance(backend, fail.Keyring) or type(backend).__module__.endswith(".null"):
        return None
    if getattr(backend, "priority", 1) <= 0:
        return None
    if hasattr(backend, "backends") and not backend.backends:
        return None
    return backend


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def _kek(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


MIN_PASSPHRASE_CHARS = 10
LONG_PASSPHRASE_CHARS = 16
PASSPHRASE_TOO_SHORT = "Use at least 10 characters; a few words work well."
PASSPHRASE_TOO_SIMPLE = "It is too easy to guess; avoid repeats, sequences and common phrases."
PASSPHRASE_ONE_KIND = (
    "Mix letters with digits or symbols, or use a longer phrase (16 characters or more)."
)
PASSPHRASES_DIFFER = "The two passphrases differ."
_COMMON = frozenset(
    (
        "password",
        "passw0rd",
        "password1",
        "password123",
        "qwertyuiop",
        "iloveyou123",
        "letmein123",
        "parleyparley",
        "administrator",
    )
)


def passphrase_problem(phrase: str) -> str | None:
    """Why `phrase` is too weak to protect the data key (a sentence), or None when it is fine.

    The one check for a new passphrase, shared by the terminal prompt and the app's dialog.
    """
    if len(phrase) < MIN_PASSPHRASE_CHARS:
        return PASSPHRASE_TOO_SHORT
    lowered = phrase.lower()
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(lowered)}
    if (
        lowered in _COMMON
        or len(set(lowered)) <= 3
        or (len(steps) == 1 and steps <= {-1, 0, 1})
        or lowered.isdigit()
    ):
        return PASSPHRASE_TOO_SIMPLE
    kinds = sum(
        (
            any(c.isalpha() for c in phrase),
            any(c.isdigit() for c in phrase),
            any(not c.isalnum() for c in phrase),
        )
    )
    if kinds < 2 and len(phrase) < LONG_PASSPHRASE_CHARS:
        return PASSPHRASE_ONE_KIND
    return None


_taken_from_env: dict[str, str] = {}


def scrub_environment() -> None:
    """Move Parley's secrets (`PARLEY_PASSPHRASE`, `PARLEY_NEW_PASSPHRASE`) out of the process
    environment into memory, so no child process (pip, a renderer, a Ray worker, native
    helpers) inherits them. `parley` and the app call it first thing."""
    for name in SECRET_ENV:
        value = os.environ.pop(name, None)
        if value:
            _taken_from_env[name] = value


def env_secret(name: str) -> str:
    """A secret given in the environment (before or after `scrub_environment`), or ""."""
    return os.environ.get(name, "") or _taken_from_env.get(name, "")


def child_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a child process: `base` (default: this one) without the secrets."""
    env = dict(os.environ if base is None else base)
    for name in SECRET_ENV:
        env.pop(name, None)
    return env


def _read_passphrase(passphrase: str | None, *, interactive: bool, confirm: bool) -> str | None:
    if passphrase:
        return passphrase
    env = env_secret(PASSPHRASE_ENV)
    if env:
        if confirm and passphrase_problem(env) is not None:
            log.warning(
                "the passphrase in %s is weak (%s) Choose a stronger one with `parley sessions "
                "rekey`.",
                PASSPHRASE_ENV,
                passphrase_problem(env),
            )
        return env
    if not interactive:
        return None
    first = getpass.getpass("Parley storage passphrase: ")
    if confirm:
        problem = passphrase_problem(first)
        if problem is not None:
            raise PrivacyError(
                f"That passphrase is too weak: {problem} Run the command again and choose "
                "another one."
            )
        again = getpass.getpass("Repeat the passphrase: ")
        if again != first:
            raise PrivacyError(
                "The two passphrases differ: run the command again and type the same one twice."
            )
    return first or None


def _write_key_file(path: Path, data: dict[str, Any]) -> None:
    """Write `key.json` whole, only if it does not exist yet (raises FileExistsError).

    The file is written under a unique temporary name and then hard-linked into place, so a
    reader never sees half a key file and a key file is never replaced."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)  # fails if the file exists: the first key wins
        except (AttributeError, NotImplementedError, PermissionError):
            # No hard links here (some Windows file systems): O_EXCL keeps "never replace".
            out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(out, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=1)
                f.flush()
                os.fsync(f.fileno())
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock between processes on the file `path` (created 0600), held for the
    block. Where there is no `fcntl` (Windows) nothing is locked: callers there rely on
    `O_EXCL` or on one process at a time."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            import fcntl
        except ImportError:
            yield
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _creation_lock(directory: Path) -> contextlib.AbstractContextManager[None]:
    """Held while a key is created, so two first runs at once make one key: the second waits,
    then finds and uses the first one's `key.json` (on Windows, O_EXCL on key.json still lets
    only one key be written)."""
    return file_lock(directory / (KEY_FILE + ".lock"))


def _key_dir(directory: Path | None) -> Path:
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        return directory
    from models.paths import data_dir

    return data_dir()


def load_or_create_key(
    *,
    directory: Path | None = None,
    config: KeyConfig | None = None,
    passphrase: str | None = None,
    backend: Any | None = None,
    interactive: bool | None = None,
) -> DataKey:
    """The data key of this machine's store, created on first use.

    Args:
        directory: where `key.json` lives (default: the data directory).
        config: scrypt cost and keyring use (default: `KeyConfig.from_env()`).
        passphrase: overrides `PARLEY_PASSPHRASE` and the prompt.
        backend: a keyring backend to use instead of the OS one (tests).
        interactive: whether a prompt is allowed (default: stdin is a terminal).

    Raises:
        KeyUnavailableError: no keyring, no passphrase and no terminal.
        WrongPassphraseError: the passphrase or keyring entry does not match the stored key.
        PrivacyError: `key.json` is unreadable.
    """
    config = config or KeyConfig.from_env()
    if interactive is None:
        interactive = bool(sys.stdin and sys.stdin.isatty())
    path = _key_dir(directory) / KEY_FILE
    if backend is None and config.use_keyring:
        backend = keyring_backend()
    if path.exists():
        return _load(
            path, passphrase=passphrase, backend=backend, interactive=interactive, config=config
        )
    with _creation_lock(path.parent):
        if path.exists():  # another process created it while this one waited
            return _load(
                path,
                passphrase=passphrase,
                backend=backend,
                interactive=interactive,
                config=config,
                migrate=False,  # the lock is held here; the next unlock migrates
            )
        try:
            return _create(
                path, config, passphrase=passphrase, backend=backend, interactive=interactive
            )
        except FileExistsError:  # created meanwhile without the lock (e.g. on Windows)
            return _load(
                path, passphrase=passphrase, backend=backend, interactive=interactive, migrate=False
            )


def _load(
    path: Path,
    *,
    passphrase: str | None,
    backend: Any,
    interactive: bool,
    config: KeyConfig | None = None,
    migrate: bool = True,
) -> DataKey:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        source = data["source"]
        key_id = str(data["key_id"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise PrivacyError(
            f"The key file {path} is unreadable ({e}); restore it from a backup. "
            "Without it the stored sessions cannot be opened."
        ) from e
    if source == "keyring":
        if backend is None:
            raise KeyUnavailableError(
                "Parley's data key is kept in the OS keyring, which is not reachable now: "
                "unlock your keyring (log in to the desktop session) and try again."
            )
        stored = backend.get_password(KEYRING_SERVICE, KEYRING_USER)
        if not stored:
            raise PrivacyError(
                "Parley's data key is missing from the OS keyring, so stored sessions cannot "
                f"be opened: restore the keyring entry '{KEYRING_SERVICE}/{KEYRING_USER}'."
            )
        secret = _unb64(stored)
        if key_id_of(secret) != key_id:
            raise WrongPassphraseError(
                "The key in the OS keyring does not match the one that encrypted Parley's "
                "sessions; nothing was changed. Restore the original keyring entry."
            )
        return _make(secret, "keyring")
    if source != "passphrase":
        raise PrivacyError(f"The key file {path} names an unknown key source {source!r}.")
    phrase = _read_passphrase(passphrase, interactive=interactive, confirm=False)
    if phrase is None:
        raise KeyUnavailableError(
            "Parley's stored sessions are protected by a passphrase: set the "
            f"{PASSPHRASE_ENV} environment variable (or run from a terminal to be asked)."
        )
    try:
        kdf = data["kdf"]
        kek = _kek(phrase, _unb64(kdf["salt"]), int(kdf["n"]), int(kdf["r"]), int(kdf["p"]))
        nonce, wrapped = _unb64(data["nonce"]), _unb64(data["wrapped"])
    except (KeyError, TypeError, ValueError) as e:
        raise PrivacyError(
            f"The key file {path} is damaged ({e}); restore it from a backup."
        ) from e
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        secret = AESGCM(kek).decrypt(nonce, wrapped, _WRAP_AAD)
    except InvalidTag:
        raise WrongPassphraseError(
            "The passphrase does not open Parley's stored sessions; nothing was changed. "
            f"Check {PASSPHRASE_ENV} (or what you typed) and try again."
        ) from None
    if key_id_of(secret) != key_id:
        raise WrongPassphraseError(
            f"The key file {path} does not match its own key id; nothing was changed. "
            "Restore key.json from a backup."
        )
    wanted = (config or KeyConfig.from_env()).scrypt_n
    if migrate and int(kdf["n"]) < wanted:
        # A key file from an older Parley (scrypt N = 2^15): wrap it again at today's cost.
        try:
            with _creation_lock(path.parent):
                _rewrap(path, data, secret, phrase, replace(KeyConfig(), scrypt_n=wanted))
            log.info("the key file was re-wrapped with scrypt N=%d (was %s)", wanted, kdf["n"])
        except OSError as e:
            log.warning("the key file could not be re-wrapped with a stronger scrypt: %s", e)
    return _make(secret, "passphrase")


def _wrapped_entry(secret: bytes, phrase: str, config: KeyConfig) -> dict[str, Any]:
    """The `kdf`, `nonce` and `wrapped` fields of a passphrase key file."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(16), os.urandom(12)
    kek = _kek(phrase, salt, config.scrypt_n, config.scrypt_r, config.scrypt_p)
    return {
        "kdf": {
            "name": "scrypt",
            "salt": _b64(salt),
            "n": config.scrypt_n,
            "r": config.scrypt_r,
            "p": config.scrypt_p,
        },
        "nonce": _b64(nonce),
        "wrapped": _b64(AESGCM(kek).encrypt(nonce, secret, _WRAP_AAD)),
    }


def _rewrap(
    path: Path, data: dict[str, Any], secret: bytes, phrase: str, config: KeyConfig
) -> None:
    """Replace `key.json` whole (write, fsync, rename) with the same key wrapped anew."""
    new = {**data, **_wrapped_entry(secret, phrase, config)}
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(new, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def rekey(
    new_passphrase: str,
    *,
    directory: Path | None = None,
    passphrase: str | None = None,
    config: KeyConfig | None = None,
) -> DataKey:
    """Protect the data key with a new passphrase (the data is not touched: the same key is
    wrapped again). Returns the key.

    Raises:
        PrivacyError: the new passphrase is too weak, or the key lives in the OS keyring.
        WrongPassphraseError: the current passphrase is wrong (nothing changed).
        KeyUnavailableError: no current passphrase was given.
    """
    problem = passphrase_problem(new_passphrase)
    if problem is not None:
        raise PrivacyError(f"The new passphrase is too weak: {problem}")
    path = _key_dir(directory) / KEY_FILE
    if not path.exists():
        raise PrivacyError(
            "There is no stored key to protect yet: Parley creates one with the first session "
            "it keeps (it then asks for a passphrase)."
        )
    with _creation_lock(path.parent):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("source") != "passphrase":
            raise PrivacyError(
                "Parley's data key is kept in the OS keyring, not behind a passphrase: there is "
                "no passphrase to change."
            )
        key = _load(
            path,
            passphrase=passphrase,
            backend=None,
            interactive=False,
            config=config,
            migrate=False,
        )
        data = json.loads(path.read_text(encoding="utf-8"))
        _rewrap(path, data, key.secret, new_passphrase, config or KeyConfig.from_env())
    return key


def _create(
    path: Path, config: KeyConfig, *, passphrase: str | None, backend: Any, interactive: bool
) -> DataKey:
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if backend is not None and passphrase is None:
        try:
            existing = backend.get_password(KEYRING_SERVICE, KEYRING_USER)
            secret = _unb64(existing) if existing else os.urandom(32)
            if not existing:
                backend.set_password(KEYRING_SERVICE, KEYRING_USER, _b64(secret))
        except Exception as e:  # a locked or broken keyring: fall back to a passphrase
            log.warning("the OS keyring refused the data key (%s); using a passphrase", e)
        else:
            key = _make(secret, "keyring")
            _write_key_file(
                path,
                {"format": _FORMAT, "source": "keyring", "key_id": key.key_id, "created": created},
            )
            return key
    phrase = _read_passphrase(passphrase, interactive=interactive, confirm=True)
    if phrase is None:
        raise KeyUnavailableError(NO_KEY_MESSAGE)
    secret = os.urandom(32)
    key = _make(secret, "passphrase")
    _write_key_file(
        path,
        {
            "format": _FORMAT,
            "source": "passphrase",
            "key_id": key.key_id,
            "created": created,
            **_wrapped_entry(secret, phrase, config),
        },
    )
    return key


def load_existing_key(
    *,
    directory: Path | None = None,
    passphrase: str | None = None,
    backend: Any | None = None,
    interactive: bool | None = None,
) -> DataKey | None:
    """The stored data key, or None when none was ever created (never creates one).

    Raises as `load_or_create_key` does when a key exists but cannot be opened.
    """
    path = _key_dir(directory) / KEY_FILE
    if not path.exists():
        return None
    return load_or_create_key(
        directory=directory, passphrase=passphrase, backend=backend, interactive=interactive
    )
