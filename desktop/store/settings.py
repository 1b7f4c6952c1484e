"""The store's small settings file, `privacy.json` under the data directory."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)

SETTINGS_FILE = "privacy.json"


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """Attributes:
    retention_days: sessions that began longer ago are purged (None or 0: kept until deleted).
    redact_exports: exports replace phones, e-mails, cards and ID numbers (default on).
    """

    retention_days: int | None = 90
    redact_exports: bool = True


def load_settings(directory: Path) -> StoreSettings:
    """The settings in `directory`, or the defaults when the file is absent or unreadable."""
    path = directory / SETTINGS_FILE
    if not path.exists():
        return StoreSettings()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        days = data.get("retention_days", StoreSettings().retention_days)
        return StoreSettings(
            retention_days=None if days in (None, 0) else int(days),
            redact_exports=bool(data.get("redact_exports", True)),
        )
    except (OSError, ValueError, TypeError, AttributeError) as e:
        log.warning("%s is unreadable (%s); using the default settings", path, e)
        return StoreSettings()


def save_settings(directory: Path, settings: StoreSettings) -> Path:
    """Write `settings` to `directory/privacy.json` (atomically)."""
    path = directory / SETTINGS_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(asdict(settings), indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path
