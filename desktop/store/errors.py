"""Errors of the session store; each message says what the user can do."""

from __future__ import annotations

from models.errors import ParleyError


class StoreError(ParleyError):
    """The session store cannot do what was asked (unknown session, newer schema, key mismatch)."""
