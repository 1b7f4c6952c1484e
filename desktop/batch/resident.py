"""Models that stay loaded between sessions in one process: a batch worker's ASR and LLM.

A normal session loads its models when it starts and frees them when it ends. A batch worker
(`desktop.batch.worker`) replays file after file, so it turns residency on once; from then on
`components` asks here first and gets the model the previous file used. Off (the default),
`asr_backend` and `llm_backend` return None and every session loads its own models as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from inference.llm.backend import LlamaBackend

if TYPE_CHECKING:
    from inference.pipeline import AsrConfig

_lock = threading.Lock()
_on = False
_models: dict[tuple[Any, ...], Any] = {}


class ResidentLlama(LlamaBackend):
    """A llama.cpp backend that survives the session: `close` only empties the KV cache (the
    next session writes its own prompt), `release` frees the model."""

    def close(self) -> None:
        if self._info is not None:
            self.clear_cache()

    def release(self) -> None:
        super().close()

    def rebind(self, threads_fn: Callable[[], int] | None) -> None:
        """The new session's thread share (its `CpuShare`)."""
        with self._lock:
            self._threads_fn = threads_fn


def activate() -> None:
    """Keep models loaded between the sessions of this process from now on."""
    global _on
    _on = True


def active() -> bool:
    return _on


def asr_backend(config: AsrConfig, *, threads: int) -> Any | None:
    """The resident Whisper model for `config` (loaded on first use), or None when off."""
    if not _on:
        return None
    from inference.pipeline import load_backend

    key = ("asr", config.model, config.device)
    with _lock:
        if key not in _models:
            from dataclasses import replace

            _models[key] = load_backend(replace(config, cpu_threads=threads))
        return _models[key]


def llm_backend(
    pack: str, *, device: str, threads_fn: Callable[[], int] | None
) -> ResidentLlama | None:
    """The resident LLM for `pack` (loaded by the writer on first use), or None when off."""
    if not _on:
        return None
    from pathlib import Path

    from inference.llm.types import LlmConfig
    from inference.suggest.llm_writer import LlmWriterConfig

    key = ("llm", pack, device)
    with _lock:
        backend = _models.get(key)
        if backend is None:
            candidate = Path(pack).expanduser()
            if pack.lower().endswith(".gguf") or candidate.is_file():
                path = candidate
            else:
                from models.registry import model_path

                path = model_path(pack)
            cfg = LlmWriterConfig()
            backend = ResidentLlama(
                LlmConfig(
                    model_path=path,
                    n_ctx=cfg.n_ctx,
                    n_threads=cfg.n_threads,
                    n_gpu_layers=0 if device == "cpu" else cfg.n_gpu_layers,
                    n_parallel=cfg.n_parallel,
                ),
                threads_fn=threads_fn,
            )
            _models[key] = backend
        backend.rebind(threads_fn)
        return backend


def deactivate() -> None:
    """Free every resident model and load per session again (tests)."""
    global _on
    release_all()
    _on = False


def loaded() -> list[tuple[Any, ...]]:
    """Which models are resident now (keys: kind, model, device)."""
    with _lock:
        return list(_models)


def release_all() -> None:
    """Free every resident model (a worker that is shutting down)."""
    with _lock:
        for model in _models.values():
            release = getattr(model, "release", None)
            if release is not None:
                release()
        _models.clear()
