"""The second opinion: the local LLM's own sentence vector of a customer's line, and a head.

Chinese has no sentence model installable here, and asking the 1.5B model to name a label
reads worse than the word model (see `second_opinion.py`). What the model does know is what a
line means: the mean of its hidden states over the line's tokens (llama.cpp's embedding mode,
each token's state averaged by `LlamaBackend.embed`) separates the objection classes well, and a linear head fit on the same corpus
as the word model (`scripts/train_reader.py`, shipped as `reader_<lang>.json`) reads the
Chinese blind files at 0.93 on its own, and the English ones at 0.93 too (better than the
MiniLM reader's 0.81). Its log-probabilities, times `alpha`, join the word model's log-odds the
way the English semantic reader's do (`semantic.py`).

It costs 0.3-0.9 s a line on two cores, too slow for the instant stage, so the session
asks it after the instant suggestions are on their way (`ConversationHub`): when it reads the
line differently, a new objection event for the same utterance replaces the first one.
The head fits one model's hidden states only: it is used when the loaded GGUF is the one it
was fit on (`llm-default`), and the session says so otherwise.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from inference.detectors.semantic import SemanticHead

log = logging.getLogger(__name__)

PACK = "llm-default"
AHEAD_CHUNK = 4  # tokens a read ahead reads between two looks at its stop event


def head_file(lang: str) -> str:
    """The package-data file name of a language's reader head."""
    return f"reader_{lang}.json"


@dataclass(frozen=True, slots=True)
class ReaderHead:
    """A head over centred, unit-length LLM sentence vectors, and the model it fits.

    Attributes:
        model: what identifies the GGUF the head was fit on (`description`, `n_embd`,
            `size`: its llama.cpp description, width and file size in bytes).
        mean: the corpus mean vector, taken off before the vector is scaled to unit length.
        head: the linear head (`SemanticHead`: classes, weights, scale, alpha).
    """

    model: dict[str, Any]
    mean: np.ndarray
    head: SemanticHead

    def shift(self, raw: np.ndarray) -> dict[str, float]:
        """What the head adds to each class's log-odds for one raw sentence vector."""
        v = raw - self.mean
        return self.head.shift(v / (float(np.linalg.norm(v)) + 1e-9))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReaderHead:
        return cls(
            model=dict(data["model"]),
            mean=np.asarray(data["mean"], dtype=np.float64),
            head=SemanticHead.from_dict(data["objection"]),
        )


@cache
def load_reader_head(lang: str) -> ReaderHead | None:
    """The shipped reader head of `lang`, or None when there is none for it."""
    res = resources.files("inference.detectors").joinpath(head_file(lang))
    if not res.is_file():
        return None
    return ReaderHead.from_dict(json.loads(res.read_text(encoding="utf-8")))


class LlmEncoder:
    """The second opinion's own model instance, for reading lines outside a session
    (`parley bench detect --second-opinion`, `scripts/train_reader.py`): a `LlamaBackend` of
    its own with a small context, read through the same `LlamaBackend.embed` a session uses
    on its loaded model. Loaded on first use.

    Args:
        source: a model pack name (`llm-default`) or the path of a GGUF file.
        threads_fn: asked before each line how many threads it may use (`CpuShare`).
    """

    def __init__(
        self, source: str | Path = PACK, *, threads_fn: Callable[[], int] | None = None
    ) -> None:
        self._source = source
        self._threads_fn = threads_fn
        self._backend: Any = None
        self._ident: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.path: Path | None = None

    def load(self) -> dict[str, Any]:
        """Load the model (idempotent) and return what identifies it (`ReaderHead.model`).

        Raises:
            ModelError: the pack is not installed or the file cannot be loaded.
        """
        with self._lock:
            return self._load()

    def _resolve(self) -> Path:
        src = str(self._source)
        if src.lower().endswith(".gguf") or Path(src).expanduser().is_file():
            return Path(src).expanduser()
        from models.registry import model_path

        return model_path(src)

    def _load(self) -> dict[str, Any]:
        if self._backend is None:
            from inference.llm.backend import LlamaBackend
            from inference.llm.types import LlmConfig

            path = self._resolve()
            backend = LlamaBackend(
                LlmConfig(model_path=path, n_ctx=512, n_gpu_layers=0), threads_fn=self._threads_fn
            )
            self._ident = backend.identity()  # loads it (ModelError when it cannot)
            self._backend, self.path = backend, path
        return self._ident

    def encode(self, text: str) -> np.ndarray:
        """The raw sentence vector of one line (the mean of its tokens' hidden states)."""
        with self._lock:
            self._load()
            return np.asarray(self._backend.embed(text), dtype=np.float64)

    def close(self) -> None:
        with self._lock:
            if self._backend is not None:
                self._backend.close()
                self._backend = None


class SecondReader:
    """The LLM reader of a session: the encoder and the heads of the languages that have one.

    Args:
        encoder: the `LlmEncoder` of the session's GGUF.
    """

    def __init__(self, encoder: LlmEncoder) -> None:
        self.encoder = encoder
        self._usable: bool | None = None
        self.reason: str | None = None

    def has_head(self, lang: str) -> bool:
        """Whether a head for `lang` ships (cheap: nothing is loaded)."""
        return load_reader_head(lang) is not None

    def head(self, lang: str, backend: Any = None) -> ReaderHead | None:
        """The head for `lang` if it fits the model (the session's loaded `backend`, else
        this reader's own instance of `encoder`'s file), else None."""
        head = load_reader_head(lang)
        if head is None:
            return None
        if self._usable is None:
            from models.errors import ModelError

            try:
                ident = backend.identity() if backend is not None else self.encoder.load()
            except (ModelError, OSError) as e:
                self._usable, self.reason = False, str(e)
                log.warning("second opinion off: %s", e)
                return None
            self._usable = ident == head.model
            if not self._usable:
                self.reason = (
                    f"the second opinion fits {PACK} only; {ident.get('description')} is "
                    "another model, so objections are read by the words alone"
                )
                log.warning("%s", self.reason)
        return head if self._usable else None

    def shift(self, low: str, lang: str, backend: Any = None) -> dict[str, float] | None:
        """The reader's say on the objection classes of a line, or None without a head.

        Args:
            low: the line, normalised and lower-cased.
            lang: its language.
            backend: the session's loaded `LlamaBackend` (its `embed` reads the line on the
                same weights, on the LLM's thread); None: this reader's own model instance.
        """
        if backend is not None and not hasattr(backend, "embed"):
            backend = None  # a backend without an embedding mode: read with our own instance
        head = self.head(lang, backend)
        if head is None:
            return None
        # The session's backend keeps what `prefetch` read of the line while it was said.
        raw = backend.embed(low, reuse=True) if backend is not None else self.encoder.encode(low)
        return head.shift(np.asarray(raw, dtype=np.float64))

    def prefetch(
        self, low: str, lang: str, backend: Any, stop: threading.Event | None = None
    ) -> None:
        """Read the beginning of a line still being said into `backend`'s embedding context
        (on the LLM's thread, when no job runs), so that `shift` of the whole line reads only
        the rest (`LlamaBackend.embed` keeps the common beginning of two calls' tokens). It
        reads `AHEAD_CHUNK` tokens at a time and stops between them once `stop` is set (the
        line has ended and its own read is waiting)."""
        if backend is None or not hasattr(backend, "embed") or self.head(lang, backend) is None:
            return
        backend.embed(low, reuse=True, chunk=AHEAD_CHUNK, cancel=stop)

    def close(self) -> None:
        """Free the reader's own model instance (if it loaded one)."""
        self.encoder.close()
