"""Errors of the privacy layer; each message says what the user can do."""

from __future__ import annotations

from models.errors import ParleyError


class PrivacyError(ParleyError):
    """Something about keys or encrypted data stops Parley from reading or writing it."""


class KeyUnavailableError(PrivacyError):
    """No OS keyring, no `PARLEY_PASSPHRASE` and no terminal to ask for a passphrase."""


class WrongPassphraseError(PrivacyError):
    """The passphrase (or keyring key) does not open the stored data key; nothing was changed."""


class DecryptionError(PrivacyError):
    """Encrypted data did not authenticate: it was altered, truncated, or belongs to another key."""


class NetworkBlockedError(PrivacyError, ConnectionRefusedError):
    """A non-loopback connection was attempted while the network guard was on."""
