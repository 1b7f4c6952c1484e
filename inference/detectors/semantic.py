"""The semantic reader: a sentence embedding and a linear head, beside the word model.

The word model (`model.py`) knows the words and word families it was trained with; a customer
who says an objection in words it has never seen ("we've got a guy for that", "the owner is
away till spring") gives it nothing to go on, and it leans on "no objection". A sentence
embedding places such a line near lines that mean the same. Here all-MiniLM-L6-v2 (the
`embed-minilm` pack, int8 ONNX, English) embeds the line, and a multinomial logistic head
trained on the same corpus (`scripts/train_detectors.py`, shipped as `semantic_<lang>.json`)
gives class log-probabilities. They are added, times `alpha`, to the word model's log-odds
(a product of the two experts), so the embedding moves a line where the words are silent
and the words keep the last say where they are sure.

English only: no multilingual sentence model is installable here, and this English model
moved no Chinese line the right way. About 3-4 ms a line on one core (no padding: the
tokenizer file pads to 128 tokens, which costs ten times as much and blurs the mean).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

PACK = "embed-minilm"


def head_file(lang: str) -> str:
    """The package-data file name of a language's semantic head."""
    return f"semantic_{lang}.json"


class SentenceEncoder:
    """all-MiniLM-L6-v2 sentence vectors: mean of the token states, unit length.

    Args:
        folder: the pack folder holding `model.onnx` and `tokenizer.json`.
        threads: onnxruntime intra-op threads (one: it runs beside the ASR and the LLM).
    """

    def __init__(self, folder: Path, *, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(folder / "model.onnx"), opts, providers=["CPUExecutionProvider"]
        )
        self._tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tok.no_padding()
        self._tok.enable_truncation(128)

    def encode(self, text: str) -> np.ndarray:
        """The unit-length vector of one line (384 floats)."""
        enc = self._tok.encode(text)
        ids = np.array([enc.ids], dtype=np.int64)
        mask = np.array([enc.attention_mask], dtype=np.int64)
        out = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0][0]
        vec = np.asarray(out, dtype=np.float64).mean(axis=0)
        return vec / (float(np.linalg.norm(vec)) + 1e-9)


@dataclass(frozen=True, slots=True)
class SemanticHead:
    """A linear head over scaled sentence vectors, and how much its say weighs.

    Attributes:
        classes: the class labels, in the word model's order.
        bias: one per class.
        weights: one row per vector dimension, one column per class.
        scale: the vectors are multiplied by this before the head (unit vectors are small).
        alpha: the weight of the head's log-probabilities in the word model's log-odds.
    """

    classes: tuple[str, ...]
    bias: np.ndarray
    weights: np.ndarray
    scale: float
    alpha: float

    def log_probs(self, vec: np.ndarray) -> np.ndarray:
        """Class log-probabilities of one sentence vector."""
        z = (vec * self.scale) @ self.weights + self.bias
        z = z - z.max()
        return np.asarray(z - np.log(np.exp(z).sum()))

    def shift(self, vec: np.ndarray) -> dict[str, float]:
        """What the head adds to each class's log-odds in the word model."""
        return {
            c: self.alpha * float(v) for c, v in zip(self.classes, self.log_probs(vec), strict=True)
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SemanticHead:
        return cls(
            classes=tuple(data["classes"]),
            bias=np.asarray(data["bias"], dtype=np.float64),
            weights=np.asarray(data["weights"], dtype=np.float64),
            scale=float(data["scale"]),
            alpha=float(data["alpha"]),
        )


@cache
def load_head(lang: str) -> SemanticHead | None:
    """The shipped objection head of `lang`, or None when there is none for it."""
    res = resources.files("inference.detectors").joinpath(head_file(lang))
    if not res.is_file():
        return None
    data = json.loads(res.read_text(encoding="utf-8"))
    return SemanticHead.from_dict(data["objection"])


@cache
def _encoder_at(folder: str) -> SentenceEncoder:
    return SentenceEncoder(Path(folder))


_MISSING: list[str] = []


def default_encoder() -> SentenceEncoder | None:
    """The process's encoder from the installed `embed-minilm` pack (loaded once), or None,
    with one warning naming the install command, when the pack is absent or damaged: the
    detectors then read with the word model alone."""
    from models.errors import ModelError
    from models.registry import model_path

    try:
        folder = model_path(PACK)
    except ModelError as e:
        if not _MISSING:
            _MISSING.append(str(e))
            log.warning("semantic objection reader off (word model alone): %s", e)
        return None
    return _encoder_at(str(folder))


def missing_reason() -> str | None:
    """Why the encoder could not be loaded, when `default_encoder` returned None."""
    return _MISSING[0] if _MISSING else None


def fit_head(
    vectors: np.ndarray,
    labels: Sequence[int],
    classes: Sequence[str],
    *,
    scale: float = 20.0,
    alpha: float = 0.3,
    l2: float = 1e-4,
    steps: int = 1500,
    lr: float = 0.5,
) -> dict[str, Any]:
    """Fit a head by full-batch gradient descent (deterministic); the training script's recipe.

    Args:
        vectors: one unit-length sentence vector per row.
        labels: the class index of each row.
        classes: the labels.
    """
    x = vectors * scale
    n, d = x.shape
    k = len(classes)
    onehot = np.eye(k)[np.asarray(labels)]
    w = np.zeros((d, k))
    b = np.zeros(k)
    for _ in range(steps):
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = p - onehot
        w -= lr * (x.T @ g / n + l2 * w)
        b -= lr * g.mean(axis=0)
    return {
        "classes": list(classes),
        "bias": [round(float(v), 4) for v in b],
        "weights": [[round(float(v), 4) for v in row] for row in w],
        "scale": scale,
        "alpha": alpha,
    }
