"""Models a user brings: a GGUF file or a CTranslate2 Whisper folder, checked and registered.

Imported models stay where the user keeps them; Parley records their path, kind, size and
sha256 in `models.paths.data_dir()/models.json` and refers to them as `user:NAME`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from models.assembly import sha256_file
from models.errors import ModelError
from models.paths import data_dir

UserKind = Literal["gguf", "whisper-ct2"]
USER_PREFIX = "user:"
GGUF_MAGIC = b"GGUF"
_SUPPORTED = (
    "Parley imports a GGUF language model file or a CTranslate2 Whisper folder "
    "(model.bin, config.json and tokenizer.json or vocabulary.txt)"
)


@dataclass(frozen=True, slots=True)
class UserModel:
    """A registered user model.

    Attributes:
        name: the name without the `user:` prefix.
        kind: "gguf" or "whisper-ct2".
        path: the GGUF file, or the Whisper folder.
        weights: the file whose sha256 was recorded (the GGUF file, or the folder's model.bin).
        size: bytes of `weights` at import.
        mtime_ns: modification time of `weights` at import.
        sha256: hash of `weights` at import.
    """

    name: str
    kind: UserKind
    path: Path
    weights: Path
    size: int
    mtime_ns: int
    sha256: str

    @property
    def pack_name(self) -> str:
        return f"{USER_PREFIX}{self.name}"


def registry_file() -> Path:
    return data_dir() / "models.json"


def check_gguf(path: Path) -> None:
    """Raise ModelError with the reason when `path` is not a GGUF file."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as e:
        raise ModelError(f"Cannot read {path}: {e.strerror or e}.") from e
    if head[:4] != GGUF_MAGIC:
        raise ModelError(
            f"{path} is not a GGUF file: it starts with {head[:4]!r}, and GGUF files start with "
            f"the bytes b'GGUF'. {_SUPPORTED}."
        )
    version = int.from_bytes(head[4:8], "little") if len(head) == 8 else 0
    if version not in (1, 2, 3):
        raise ModelError(
            f"{path} has the GGUF magic bytes but an unknown format version ({version}); it is "
            f"truncated or not a model llama.cpp can load. {_SUPPORTED}."
        )


def check_whisper_folder(path: Path) -> None:
    """Raise ModelError with the reason when `path` is not a CTranslate2 Whisper folder."""
    missing = [n for n in ("model.bin", "config.json") if not (path / n).is_file()]
    has_tokenizer = any(
        (path / n).is_file() for n in ("tokenizer.json", "vocabulary.txt", "vocabulary.json")
    )
    if not has_tokenizer:
        missing.append("tokenizer.json (or vocabulary.txt)")
    if missing:
        raise ModelError(
            f"{path} is not a CTranslate2 Whisper folder: it lacks {', '.join(missing)}. "
            f"{_SUPPORTED}; convert a Whisper model with ct2-transformers-converter first."
        )
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(
            f"{path / 'config.json'} is not valid JSON ({e}); the folder is not a "
            "CTranslate2 Whisper model."
        ) from e
    if not isinstance(config, dict):
        raise ModelError(f"{path / 'config.json'} is not a JSON object; {_SUPPORTED}.")
    if (path / "model.bin").stat().st_size < 1024:
        raise ModelError(f"{path / 'model.bin'} is too small to be a model; {_SUPPORTED}.")


def _clean_name(name: str) -> str:
    name = name.strip()
    if name.startswith(USER_PREFIX):
        name = name[len(USER_PREFIX) :]
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.").lower()
    if not cleaned:
        raise ModelError(f"'{name}' is not a usable model name; use letters, digits, '.', '-'.")
    return cleaned


def load_all() -> dict[str, UserModel]:
    """The registered user models by name (an unreadable registry counts as empty)."""
    try:
        data = json.loads(registry_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out: dict[str, UserModel] = {}
    for name, entry in (data.get("models") or {}).items():
        with contextlib.suppress(KeyError, TypeError, ValueError):
            out[name] = UserModel(
                name=name,
                kind=entry["kind"],
                path=Path(entry["path"]),
                weights=Path(entry["weights"]),
                size=int(entry["size"]),
                mtime_ns=int(entry["mtime_ns"]),
                sha256=str(entry["sha256"]),
            )
    return out


def _save_all(models: dict[str, UserModel]) -> None:
    data = {
        "version": 1,
        "models": {
            m.name: {
                "kind": m.kind,
                "path": str(m.path),
                "weights": str(m.weights),
                "size": m.size,
                "mtime_ns": m.mtime_ns,
                "sha256": m.sha256,
                "imported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            for m in models.values()
        },
    }
    target = registry_file()
    fd, tmp = tempfile.mkstemp(prefix=".models.", dir=target.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True)
    os.replace(tmp, target)


def import_model(path: str | os.PathLike[str], *, name: str | None = None) -> UserModel:
    """Check a user's model and register it as `user:NAME` (the file stays where it is).

    Args:
        path: a GGUF file or a CTranslate2 Whisper folder.
        name: the name to register; defaults to the file or folder name.

    Returns:
        The registered model.

    Raises:
        ModelError: the path is missing or of the wrong format (the message says why), or the
            name is taken by a model at another path.
    """
    source = Path(path).expanduser()
    if not source.exists():
        raise ModelError(f"{source} does not exist. {_SUPPORTED}.")
    source = source.resolve()
    kind: UserKind
    if source.is_dir():
        check_whisper_folder(source)
        kind, weights = "whisper-ct2", source / "model.bin"
    else:
        check_gguf(source)
        kind, weights = "gguf", source
    model_name = _clean_name(name if name else source.stem)
    models = load_all()
    existing = models.get(model_name)
    if existing is not None and existing.path != source:
        raise ModelError(
            f"A model named 'user:{model_name}' is already imported from {existing.path}; "
            "choose another name with --name."
        )
    st = weights.stat()
    model = UserModel(
        name=model_name,
        kind=kind,
        path=source,
        weights=weights,
        size=st.st_size,
        mtime_ns=st.st_mtime_ns,
        sha256=sha256_file(weights),
    )
    models[model_name] = model
    _save_all(models)
    return model


def unchanged(model: UserModel) -> bool:
    """True when the weights file still has the size and mtime recorded at import."""
    try:
        st = model.weights.stat()
    except OSError:
        return False
    return st.st_size == model.size and st.st_mtime_ns == model.mtime_ns
