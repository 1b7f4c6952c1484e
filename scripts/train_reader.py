"""Fit the second opinion's heads (`inference/detectors/reader_<lang>.json`) on the LLM's vectors.

    .venv/bin/python scripts/train_reader.py              # embed the corpus, fit, write
    .venv/bin/python scripts/train_reader.py --check      # exit 1 if the shipped heads differ
    .venv/bin/python scripts/train_reader.py --cache DIR  # reuse/keep DIR/llmemb_<lang>.npz

The corpus is the word model's (`inference/detectors/data/<lang>_*.tsv`, the blind files
unseen). Each line, normalised and lower-cased as the detectors see it, goes through the
`llm-default` GGUF in llama.cpp's embedding mode (mean of the hidden states); the vectors are
centred on the corpus mean, scaled to unit length, and a multinomial logistic head is fit on
them (`inference.detectors.semantic.fit_head`, deterministic). About 0.3 s a line on two idle
cores, so embedding a language's corpus takes some eight minutes. The shipped Chinese head was
fit on vectors read through llama-cpp-python's `Llama.embed`, the English one through
`LlamaBackend.embed` (what this script uses now); they agree within cosine 0.999, so `--check`
without the old cache may report the Chinese head as differing by more than `TOLERANCE`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inference.detectors.corpus import load_blind, load_corpus  # noqa: E402
from inference.detectors.llm_reader import PACK, LlmEncoder, ReaderHead, head_file  # noqa: E402
from inference.detectors.model import OBJECTION_CLASSES  # noqa: E402
from inference.detectors.semantic import fit_head  # noqa: E402
from inference.detectors.text import normalize  # noqa: E402

OUT_DIR = ROOT / "inference" / "detectors"
# Chinese: no sentence model is installable for it, and the head lifts every Chinese blind
# file. English: on top of the MiniLM reader of the instant stage (`semantic.py`) it lifts the
# English blind files too (the head alone reads them at 0.932, MiniLM's at 0.812).
READER_LANGS = ("zh", "en")
TOLERANCE = 0.02  # another CPU's kernels round the vectors a little differently


def embed(encoder: LlmEncoder, texts: Sequence[str], cache: Path | None = None) -> np.ndarray:
    """The LLM vector of each line; with `cache` (an .npz of texts and vectors) only lines it
    does not hold are embedded, and it is written back with them."""
    keys = [normalize(t).lower() for t in texts]
    known: dict[str, np.ndarray] = {}
    if cache is not None and cache.is_file():
        with np.load(cache) as held:
            known = dict(zip(held["texts"].tolist(), held["vectors"], strict=True))
    missing = [k for k in dict.fromkeys(keys) if k not in known]
    for k in missing:
        known[k] = encoder.encode(k)
    if cache is not None and missing:
        names = sorted(known)
        np.savez(cache, texts=np.array(names), vectors=np.array([known[k] for k in names]))
    return np.array([known[k] for k in keys])


def unit(raw: np.ndarray, mean: np.ndarray) -> np.ndarray:
    v = raw - mean
    return np.asarray(v / (np.linalg.norm(v, axis=1, keepdims=True) + 1e-9))


def train(lang: str, encoder: LlmEncoder, ident: dict[str, object], cache: Path | None) -> dict:
    rows = load_corpus(lang)
    raw = embed(encoder, [r.text for r in rows], cache / f"llmemb_{lang}.npz" if cache else None)
    mean = raw.mean(axis=0)
    labels = [OBJECTION_CLASSES.index(r.objection or "none") for r in rows]
    head = fit_head(unit(raw, mean), labels, OBJECTION_CLASSES)
    return {
        "trained_on": "every corpus industry; blind files unseen",
        "model": ident,
        "mean": [round(float(v), 5) for v in mean],
        "objection": head,
    }


def blind_alone(lang: str, payload: dict, encoder: LlmEncoder) -> float:
    """The head's own accuracy on the blind files of `lang` (the report)."""
    reader = ReaderHead.from_dict(payload)
    blind = load_blind(lang)
    got = []
    for r in blind:
        shift = reader.shift(encoder.encode(normalize(r.text).lower()))
        got.append(max(shift, key=shift.__getitem__))
    want = [r.objection or "none" for r in blind]
    return round(sum(g == w for g, w in zip(got, want, strict=True)) / max(1, len(want)), 3)


def same(path: Path, payload: dict) -> bool:
    if not path.is_file():
        return False
    old = json.loads(path.read_text(encoding="utf-8"))
    if old["model"] != payload["model"]:
        return False
    pairs = [
        (old["mean"], payload["mean"]),
        (old["objection"]["weights"], payload["objection"]["weights"]),
        (old["objection"]["bias"], payload["objection"]["bias"]),
    ]
    return all(float(np.abs(np.asarray(a) - np.asarray(b)).max()) <= TOLERANCE for a, b in pairs)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 on a difference")
    ap.add_argument(
        "--cache", type=Path, help="folder for the corpus vectors (llmemb_<lang>.npz, by line)"
    )
    ap.add_argument("--report", action="store_true", help="also the head's blind accuracy")
    args = ap.parse_args(argv)
    from models.registry import model_path

    encoder = LlmEncoder(model_path(PACK))
    ident = encoder.load()
    stale = 0
    for lang in READER_LANGS:
        payload = train(lang, encoder, ident, args.cache)
        if args.report:
            print(json.dumps({"lang": lang, "blind_alone": blind_alone(lang, payload, encoder)}))
        path = OUT_DIR / head_file(lang)
        if args.check:
            ok = same(path, payload)
            print(f"{path.relative_to(ROOT)}: {'reproduced' if ok else 'DIFFERS'}")
            stale += not ok
            continue
        path.write_text(json.dumps(payload, separators=(",", ":")), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KiB)")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
