"""Fake carrier packages and packs for the registry unit tests (small files the tests write)."""

from __future__ import annotations

import hashlib
import importlib
import itertools
from pathlib import Path

import pytest

from models import packs
from models.packs import Carrier, Pack, PackFile, PartRef

_counter = itertools.count()


def make_carrier(root: Path, files: dict[str, bytes]) -> str:
    """Write an importable package under `root` holding `files`; return its module name."""
    module = f"parley_fake_carrier_{next(_counter)}"
    folder = root / module
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("raise ImportError('data only: never import')\n")
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    importlib.invalidate_caches()
    return module


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pack_file(name: str, parts: list[tuple[str, str]], content: bytes) -> PackFile:
    """A pack file joined from (module, relpath) parts whose concatenation is `content`."""
    return PackFile(name, tuple(PartRef(m, r) for m, r in parts), sha(content), len(content))


def install_catalogue(monkeypatch: pytest.MonkeyPatch, *fake: Pack) -> None:
    """Replace the catalogue with the given packs."""
    monkeypatch.setattr(packs, "PACKS", {p.name: p for p in fake})


def joined_pack(
    root: Path, *, name: str = "fake-asr", bad_hash: bool = False
) -> tuple[Pack, bytes, bytes]:
    """A whisper-like pack assembled from two carriers: model.bin (2 parts) + config.json."""
    part1, part2 = b"A" * 3000 + b"first", b"B" * 2000 + b"second"
    config = b'{"fake": true}'
    m1 = make_carrier(root, {"data/model.bin.part1": part1, "data/config.json": config})
    m2 = make_carrier(root, {"data/model.bin.part2": part2})
    whole = part1 + part2
    model = pack_file(
        "model.bin", [(m1, "data/model.bin.part1"), (m2, "data/model.bin.part2")], whole
    )
    if bad_hash:
        model = PackFile(model.name, model.parts, sha(b"something else"), model.size)
    pack = Pack(
        name=name,
        kind="whisper-ct2",
        description="fake",
        carriers=(
            Carrier(m1.replace("_", "-"), "1.0", m1),
            Carrier(m2.replace("_", "-"), "1.0", m2),
        ),
        files=(model, pack_file("config.json", [(m1, "data/config.json")], config)),
        in_place=False,
        licence="test",
        main="model.bin",
    )
    return pack, whole, config


def in_place_gguf(root: Path, *, name: str = "fake-llm") -> tuple[Pack, Path]:
    """A GGUF pack used where its carrier put it."""
    data = b"GGUF" + (3).to_bytes(4, "little") + b"\x00" * 4000
    module = make_carrier(root, {"model.gguf": data})
    pack = Pack(
        name=name,
        kind="gguf",
        description="fake",
        carriers=(Carrier("fake-llm-carrier", "0.1", module),),
        files=(pack_file("model.gguf", [(module, "model.gguf")], data),),
        in_place=True,
        licence="test",
        main="model.gguf",
    )
    return pack, root / module / "model.gguf"


def missing_pack(name: str = "fake-missing") -> Pack:
    """A pack whose carrier is not installed."""
    module = "parley_fake_carrier_not_installed"
    return Pack(
        name=name,
        kind="gguf",
        description="fake",
        carriers=(Carrier("parley-fake-not-installed", "9.9", module),),
        files=(pack_file("m.gguf", [(module, "m.gguf")], b"GGUF"),),
        in_place=True,
        licence="test",
        main="m.gguf",
    )
