"""Train the objection and valence models shipped in `inference/detectors/model_<lang>.json`.

    .venv/bin/python scripts/train_detectors.py            # train, report, write the weights
    .venv/bin/python scripts/train_detectors.py --dry-run  # train and report only
    .venv/bin/python scripts/train_detectors.py --cv       # also leave-one-industry-out (slow)
    .venv/bin/python scripts/train_detectors.py --check    # exit 1 if the shipped JSON differs

The corpus is `inference/detectors/data/{en,zh}_*.tsv` (industry, objection, valence, text),
written for Parley across many industries, never from the evaluation data. The report gives
the recipe's accuracy on whole industries kept out of training (`HELD_OUT`, "test") and on the
blind files (`blind*_{en,zh}.tsv`: other industries, written after the model design, never
trained on). The weights shipped are then fit on every corpus line (`--split-only` ships the
held-out-split model instead); the blind files stay unseen, and
`tests/unit/test_detect_corpus.py` guards them. numpy only; deterministic; a few seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inference.detectors.corpus import (  # noqa: E402
    HELD_OUT,
    Row,
    load_blind,
    load_corpus,
    load_valence_only,
)
from inference.detectors.model import (  # noqa: E402
    OBJECTION_CLASSES,
    VALENCE_CLASSES,
    model_file,
)
from inference.detectors.semantic import PACK, SentenceEncoder, fit_head, head_file  # noqa: E402
from inference.detectors.signals import SignalDetectors  # noqa: E402
from inference.detectors.text import normalize  # noqa: E402

OUT_DIR = ROOT / "inference" / "detectors"
# Languages with a semantic head (`inference/detectors/semantic.py`): the sentence model is
# English; on the Chinese blind files it moved lines the wrong way.
SEMANTIC_LANGS = ("en",)
# How far two runs' head weights may differ and still count as the same (the int8 kernels of
# another CPU round the sentence vectors a little differently).
HEAD_TOLERANCE = 0.02


@dataclass(frozen=True)
class Settings:
    l2: float = 1.0  # L2 penalty per feature weight (summed loss over examples)
    min_count: int = 2  # a text feature must occur in this many training lines
    steps: int = 300
    lr: float = 0.1


def featurise(det: SignalDetectors, rows: Sequence[Row]) -> list[dict[str, float]]:
    """The feature maps the runtime computes for each row (rules evaluated without the model)."""
    return [det.features(r.text, r.lang) for r in rows]


def _matrix(feats: Sequence[dict[str, float]], vocab: dict[str, int]) -> np.ndarray:
    x = np.zeros((len(feats), len(vocab)), dtype=np.float64)
    for i, f in enumerate(feats):
        for name, v in f.items():
            j = vocab.get(name)
            if j is not None:
                x[i, j] = v
    return x


def fit(
    feats: Sequence[dict[str, float]], labels: Sequence[str], classes: Sequence[str], s: Settings
) -> dict[str, object]:
    """Multinomial logistic regression (Adam, L2) over the features seen often enough."""
    counts: dict[str, int] = {}
    for f in feats:
        for name in f:
            counts[name] = counts.get(name, 0) + 1
    names = sorted(
        n
        for n, c in counts.items()
        if c >= s.min_count or not n.startswith(("w|", "b|", "k|", "c|", "n|"))
    )
    vocab = {n: i for i, n in enumerate(names)}
    x = _matrix(feats, vocab)
    y = np.array([classes.index(label) for label in labels])
    n, d = x.shape
    k = len(classes)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0
    w = np.zeros((d, k))
    b = np.log((onehot.sum(0) + 1.0) / (n + k))
    m_w, v_w = np.zeros_like(w), np.zeros_like(w)
    m_b, v_b = np.zeros_like(b), np.zeros_like(b)
    for t in range(1, s.steps + 1):
        z = x @ w + b
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        g = p - onehot
        gw = (x.T @ g + s.l2 * w) / n
        gb = g.sum(0) / n
        for param, grad, m, v in ((w, gw, m_w, v_w), (b, gb, m_b, v_b)):
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            param -= s.lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    weights = {
        name: [round(float(v), 4) for v in w[j]]
        for name, j in vocab.items()
        if np.abs(w[j]).max() >= 1e-3
    }
    return {
        "classes": list(classes),
        "bias": [round(float(v), 4) for v in b],
        "weights": weights,
    }


def predict(model: dict[str, object], feats: Sequence[dict[str, float]]) -> list[str]:
    from inference.detectors.model import LinearModel

    lm = LinearModel.from_dict(model)
    out = []
    for f in feats:
        p = lm.probabilities(f)
        out.append(lm.classes[int(np.argmax(p))])
    return out


def _acc(got: Sequence[str], want: Sequence[str]) -> float:
    return round(sum(g == w for g, w in zip(got, want, strict=True)) / max(1, len(want)), 3)


TASKS: tuple[tuple[str, tuple[str, ...], Callable[[Row], str]], ...] = (
    ("objection", OBJECTION_CLASSES, lambda r: r.objection or "none"),
    ("valence", VALENCE_CLASSES, lambda r: r.valence),
)


def train_language(
    det: SignalDetectors,
    rows: list[Row],
    s: Settings,
    *,
    cv: bool,
    split_only: bool,
    valence_only: Sequence[Row] = (),
) -> tuple[dict[str, object], dict[str, object]]:
    """Fit both tasks on `rows` (the held-out industries aside, then on all); the lines of
    `valence_only` join the valence task's training lines and nothing else."""
    train = [r for r in rows if r.industry not in HELD_OUT]
    test = [r for r in rows if r.industry in HELD_OUT]
    blind = load_blind(rows[0].lang) if rows else []
    f_train, f_test, f_blind = featurise(det, train), featurise(det, test), featurise(det, blind)
    extra = list(valence_only)
    f_extra = featurise(det, extra)
    report: dict[str, object] = {
        "n_train": len(train),
        "n_test": len(test),
        "n_blind": len(blind),
        "n_valence_only": len(extra),
    }
    models: dict[str, object] = {}
    for task, classes, key in TASKS:
        own, f_own = (extra, f_extra) if task == "valence" else ([], [])
        model = fit(f_train + f_own, [key(r) for r in train + own], classes, s)
        models[task] = model
        report[f"{task}_test"] = _acc(predict(model, f_test), [key(r) for r in test])
        report[f"{task}_blind"] = _acc(predict(model, f_blind), [key(r) for r in blind])
        report[f"{task}_train"] = _acc(predict(model, f_train), [key(r) for r in train])
        if cv:
            got: list[str] = []
            want: list[str] = []
            for ind in sorted({r.industry for r in train}):
                tr = [i for i, r in enumerate(train) if r.industry != ind]
                te = [i for i, r in enumerate(train) if r.industry == ind]
                m = fit([f_train[i] for i in tr], [key(train[i]) for i in tr], classes, s)
                got += predict(m, [f_train[i] for i in te])
                want += [key(train[i]) for i in te]
            report[f"{task}_cv"] = _acc(got, want)
        report[f"{task}_features"] = len(model["weights"])  # type: ignore[arg-type]
    if not split_only:
        # What ships: the same recipe fit on every corpus line (held-out industries included);
        # the blind files stay unseen, so they measure it.
        f_all = f_train + f_test
        for task, classes, key in TASKS:
            own, f_own = (extra, f_extra) if task == "valence" else ([], [])
            model = fit(f_all + f_own, [key(r) for r in train + test + own], classes, s)
            models[task] = model
            report[f"{task}_blind_shipped"] = _acc(predict(model, f_blind), [key(r) for r in blind])
    return models, report


def train_semantic(
    rows: list[Row], encoder: SentenceEncoder
) -> tuple[dict[str, object], dict[str, object]]:
    """The semantic objection head of one language, fit on every corpus line (the text as
    the runtime sees it: normalised, lower-cased), with its blind accuracy alone."""

    def vectors(rs: Sequence[Row]) -> np.ndarray:
        return np.array([encoder.encode(normalize(r.text).lower()) for r in rs])

    labels = [OBJECTION_CLASSES.index(r.objection or "none") for r in rows]
    head = fit_head(vectors(rows), labels, OBJECTION_CLASSES)
    blind = load_blind(rows[0].lang)
    from inference.detectors.semantic import SemanticHead

    sh = SemanticHead.from_dict(head)
    got = [OBJECTION_CLASSES[int(np.argmax(sh.log_probs(v)))] for v in vectors(blind)]
    report = {"semantic_blind_alone": _acc(got, [r.objection or "none" for r in blind])}
    return head, report


def _same_head(path: Path, head: dict[str, object]) -> bool:
    if not path.is_file():
        return False
    old = json.loads(path.read_text(encoding="utf-8"))["objection"]
    if {k: v for k, v in old.items() if k not in ("bias", "weights")} != {
        k: v for k, v in head.items() if k not in ("bias", "weights")
    }:
        return False
    diff = max(
        float(np.abs(np.asarray(old[k]) - np.asarray(head[k])).max()) for k in ("bias", "weights")
    )
    return diff <= HEAD_TOLERANCE


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    ap.add_argument("--cv", action="store_true", help="leave-one-industry-out on the train split")
    ap.add_argument(
        "--split-only",
        action="store_true",
        help="ship the model trained without the held-out industries (default: all lines)",
    )
    ap.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when the shipped model JSON is not what this script trains",
    )
    ap.add_argument("--l2", type=float, default=Settings().l2)
    ap.add_argument("--min-count", type=int, default=Settings().min_count)
    ap.add_argument("--steps", type=int, default=Settings().steps)
    args = ap.parse_args(argv)
    s = Settings(l2=args.l2, min_count=args.min_count, steps=args.steps)
    det = SignalDetectors(use_model=False)
    stale = 0
    for lang in ("en", "zh"):
        models, report = train_language(
            det,
            load_corpus(lang),
            s,
            cv=args.cv,
            split_only=args.split_only,
            valence_only=load_valence_only(lang),
        )
        print(json.dumps({"lang": lang, **report}))
        if args.check or not args.dry_run:
            path = OUT_DIR / model_file(lang)
            scope = (
                "industries except " + ", ".join(sorted(HELD_OUT))
                if args.split_only
                else "every corpus industry; blind files unseen"
            )
            payload = {"trained_on": scope, **models}
            text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
            if args.check:
                same = path.is_file() and path.read_text(encoding="utf-8") == text
                print(f"{path.relative_to(ROOT)}: {'reproduced' if same else 'DIFFERS'}")
                stale += not same
                continue
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KiB)")
    from models.registry import model_path

    encoder = SentenceEncoder(model_path(PACK))
    for lang in SEMANTIC_LANGS:
        head, report = train_semantic(load_corpus(lang), encoder)
        print(json.dumps({"lang": lang, **report}))
        path = OUT_DIR / head_file(lang)
        if args.check:
            same = _same_head(path, head)
            print(f"{path.relative_to(ROOT)}: {'reproduced' if same else 'DIFFERS'}")
            stale += not same
            continue
        if not args.dry_run:
            payload = {
                "trained_on": "every corpus industry; blind files unseen",
                "encoder": PACK,
                "objection": head,
            }
            path.write_text(json.dumps(payload, separators=(",", ":")), encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KiB)")
    if stale:
        print("the shipped weights are not what this script trains: run it without --check")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
