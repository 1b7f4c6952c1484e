"""Where Parley keeps its files on a user's machine.

Everything lives under `PARLEY_HOME` when it is set (tests always set it to a temp dir), else
under the platformdirs user-data and user-cache directories.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "parley"


def _home() -> Path | None:
    value = os.environ.get("PARLEY_HOME", "").strip()
    return Path(value).expanduser() if value else None


def _user_dir(kind: str) -> Path:
    home = _home()
    if home is not None:
        path = home / kind
    else:
        import platformdirs

        where = platformdirs.user_data_dir if kind == "data" else platformdirs.user_cache_dir
        path = Path(where(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """User data: sessions, audit log, keys, imported models' registrations."""
    return _user_dir("data")


def cache_dir() -> Path:
    """Rebuildable files: the assembled model cache."""
    return _user_dir("cache")


def models_dir() -> Path:
    """The assembled model cache: `PARLEY_MODELS_DIR` if set, else `<cache>/models`.

    Tests point every temporary PARLEY_HOME at one shared model cache through this variable, so
    models are joined and verified once, not once per test.
    """
    value = os.environ.get("PARLEY_MODELS_DIR", "").strip()
    path = Path(value).expanduser() if value else cache_dir() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    """Logs (never call content)."""
    path = data_dir() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def bundled_models_dir() -> Path | None:
    """Model packs shipped inside an installed bundle (`models/PACK/`), or None from source."""
    if not getattr(sys, "frozen", False):
        return None
    base = Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
    folder = base / "models"
    return folder if folder.is_dir() else None
