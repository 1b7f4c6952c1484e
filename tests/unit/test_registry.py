"""Model registry: joining parts, recorded checks, mismatches and a full disk, on generated files."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from models import assembly, registry
from models.errors import ModelCorruptError, ModelError, ModelNotInstalledError
from tests.unit.registry_fakes import in_place_gguf, install_catalogue, joined_pack, missing_pack


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder on sys.path for fake carrier packages, and a private model cache."""
    carriers = tmp_path / "site"
    carriers.mkdir()
    monkeypatch.syspath_prepend(str(carriers))
    monkeypatch.setenv("PARLEY_MODELS_DIR", str(tmp_path / "models"))
    return carriers


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_parts_are_joined_in_order_into_the_cache(root: Path, monkeypatch) -> None:
    pack, whole, config = joined_pack(root)
    install_catalogue(monkeypatch, pack)
    folder = registry.model_path("fake-asr")
    assert folder.is_dir()
    assert (folder / "model.bin").read_bytes() == whole
    assert (folder / "config.json").read_bytes() == config
    assert _leftovers(folder) == ["config.json", "model.bin"]
    [status] = registry.list_packs()
    assert status.installed and status.verified and status.path == folder


def test_a_recorded_check_is_trusted_until_the_file_changes(root: Path, monkeypatch) -> None:
    pack, _, _ = joined_pack(root)
    install_catalogue(monkeypatch, pack)
    folder = registry.model_path("fake-asr")
    calls: list[Path] = []
    real = assembly.sha256_file
    monkeypatch.setattr(assembly, "sha256_file", lambda p: calls.append(p) or real(p))
    assert registry.model_path("fake-asr") == folder
    assert calls == []
    model = folder / "model.bin"
    st = model.stat()
    os.utime(model, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert registry.model_path("fake-asr") == folder
    assert calls == [model]


def test_a_damaged_file_is_named_removed_and_the_rest_kept(root: Path, monkeypatch) -> None:
    pack, _, config = joined_pack(root)
    install_catalogue(monkeypatch, pack)
    folder = registry.model_path("fake-asr")
    model = folder / "model.bin"
    data = bytearray(model.read_bytes())
    data[100] ^= 0x01
    model.write_bytes(bytes(data))
    [result] = registry.verify(["fake-asr"])
    assert not result.ok
    assert str(model) in result.message
    assert "removed" in result.message and "parley models install fake-asr" in result.message
    assert not model.exists()
    assert (folder / "config.json").read_bytes() == config
    assert not registry.list_packs()[0].verified


def test_next_use_rebuilds_a_damaged_assembly_from_the_carriers(root: Path, monkeypatch) -> None:
    pack, whole, _ = joined_pack(root)
    install_catalogue(monkeypatch, pack)
    model = registry.model_path("fake-asr") / "model.bin"
    model.write_bytes(b"X" * len(whole))
    assert (registry.model_path("fake-asr") / "model.bin").read_bytes() == whole


def test_parts_that_join_to_the_wrong_hash_write_nothing(root: Path, monkeypatch) -> None:
    pack, _, _ = joined_pack(root, bad_hash=True)
    install_catalogue(monkeypatch, pack)
    with pytest.raises(ModelCorruptError, match=r"model\.bin") as e:
        registry.model_path("fake-asr")
    assert "parley models install fake-asr" in str(e.value)
    folder = Path(os.environ["PARLEY_MODELS_DIR"]) / "fake-asr"
    assert "model.bin" not in _leftovers(folder)
    assert not [n for n in _leftovers(folder) if n.endswith(".partial")]


def test_disk_full_while_joining_leaves_no_partial_file(root: Path, monkeypatch) -> None:
    pack, _, _ = joined_pack(root)
    install_catalogue(monkeypatch, pack)
    written: list[int] = []

    def full_disk(out, data: bytes) -> None:
        if written:
            raise OSError(errno.ENOSPC, "No space left on device")
        out.write(data[:10])
        written.append(10)

    monkeypatch.setattr(assembly, "CHUNK", 1024)
    monkeypatch.setattr(assembly, "_write_chunk", full_disk)
    with pytest.raises(ModelError, match="disk space") as e:
        registry.model_path("fake-asr")
    assert "partial file was removed" in str(e.value)
    assert "parley models install fake-asr" in str(e.value)
    assert _leftovers(Path(os.environ["PARLEY_MODELS_DIR"]) / "fake-asr") == []


def test_too_little_free_space_is_refused_before_writing(root: Path, monkeypatch) -> None:
    pack, _, _ = joined_pack(root)
    install_catalogue(monkeypatch, pack)

    class Usage:
        total, used, free = 10_000_000, 9_999_990, 10

    monkeypatch.setattr(assembly.shutil, "disk_usage", lambda _p: Usage())
    with pytest.raises(ModelError, match=r"needs .* free in"):
        registry.model_path("fake-asr")
    assert _leftovers(Path(os.environ["PARLEY_MODELS_DIR"]) / "fake-asr") == []


def test_missing_pack_names_the_install_command(root: Path, monkeypatch) -> None:
    install_catalogue(monkeypatch, missing_pack())
    with pytest.raises(ModelNotInstalledError, match=r"`parley models install fake-missing`"):
        registry.model_path("fake-missing")
    [status] = registry.list_packs()
    assert not status.installed and "parley models install fake-missing" in status.detail
    assert registry.verify()[0].ok  # not installed and not asked for: skipped
    assert not registry.verify(["fake-missing"])[0].ok


def test_unknown_pack_lists_the_known_ones(root: Path, monkeypatch) -> None:
    install_catalogue(monkeypatch, missing_pack())
    with pytest.raises(ModelError, match="Known packs: fake-missing"):
        registry.model_path("no-such-pack")


def test_in_place_pack_is_used_where_it_is_and_never_deleted(root: Path, monkeypatch) -> None:
    pack, gguf = in_place_gguf(root)
    install_catalogue(monkeypatch, pack)
    assert registry.model_path("fake-llm") == gguf
    gguf.write_bytes(gguf.read_bytes()[:-1] + b"\x01")
    [result] = registry.verify(["fake-llm"])
    assert not result.ok and str(gguf) in result.message
    assert gguf.exists()
    with pytest.raises(ModelCorruptError, match="parley models install fake-llm"):
        registry.model_path("fake-llm")


def test_the_real_catalogue_is_complete() -> None:
    from models.packs import DEFAULT_PACKS, PACKS

    assert set(DEFAULT_PACKS) == {
        "asr-base",
        "asr-tiny-en",
        "llm-default",
        "llm-tiny",
        "embed-minilm",
    }
    assert set(PACKS) == set(DEFAULT_PACKS)
    qwen = PACKS["llm-default"]
    assert [p.relpath for p in qwen.files[0].parts][:2] == ["data/part01.bin", "data/part02.bin"]
    assert len(qwen.files[0].parts) == 22
    for pack in PACKS.values():
        assert pack.main in {f.name for f in pack.files}
        assert all(len(f.sha256) == 64 and f.size > 0 for f in pack.files)
        assert all(c.version for c in pack.carriers) and pack.licence


def test_an_installed_bundle_loads_its_shipped_packs_and_never_deletes_them(
    root: Path, monkeypatch, tmp_path: Path
) -> None:
    import sys

    pack, whole, config = joined_pack(root)
    install_catalogue(monkeypatch, pack)
    bundle = tmp_path / "bundle"
    shipped = bundle / "models" / "fake-asr"
    shipped.mkdir(parents=True)
    (shipped / "model.bin").write_bytes(whole)
    (shipped / "config.json").write_bytes(config)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    assert registry.model_path("fake-asr") == shipped
    assert not (tmp_path / "models" / "fake-asr").exists()  # nothing assembled beside it
    (shipped / "model.bin").write_bytes(b"X" + whole[1:])
    [result] = registry.verify(["fake-asr"])
    assert not result.ok and "model.bin" in result.message
    assert (shipped / "model.bin").exists()  # reported, never deleted
