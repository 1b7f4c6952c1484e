"""Lexicon alone, LLM alone and both combined, on labelled customer lines (objection category).

    PYTHONPATH=. .venv/bin/python scripts/second_opinion_bench.py --model FILE.gguf \
        [--data ../shared/eval/utterances_dev.jsonl] [--corpus] [--limit N] [--every K] [--threads 2]

`--data` reads labelled JSONL (`lang`, `text`, `objection`); `--corpus` the blind files
(`inference/detectors/data/blind*.tsv`). Prints one JSON object: accuracy per language of the
three readings, how many lines the LLM was asked about in the combination (those below the
confirmation threshold) and the LLM's seconds per line (median, p95).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inference.detectors import SignalDetectors  # noqa: E402
from inference.detectors.corpus import load_blind  # noqa: E402
from inference.detectors.second_opinion import SecondOpinion, combine  # noqa: E402
from inference.llm.backend import LlamaBackend  # noqa: E402
from inference.llm.types import LlmConfig  # noqa: E402


def _rows(args: argparse.Namespace) -> list[dict[str, object]]:
    if args.corpus:
        return [
            {"lang": r.lang, "text": r.text, "objection": r.objection}
            for lang in ("en", "zh")
            for r in load_blind(lang)
        ]
    path: Path = args.data
    if not path.is_file():
        raise SystemExit(f"no data file at {path}; pass --data FILE (labelled JSONL)")
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, required=True, help="the llm-default GGUF file")
    ap.add_argument(
        "--data", type=Path, default=ROOT.parent / "shared" / "eval" / "utterances_dev.jsonl"
    )
    ap.add_argument("--corpus", action="store_true", help="the blind files instead of --data")
    ap.add_argument("--limit", type=int, default=0, help="at most this many lines (0: all)")
    ap.add_argument("--every", type=int, default=1, help="every K-th line only (a spread sample)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    if not args.model.is_file():
        raise SystemExit(f"no model file at {args.model}; pass --model with a GGUF file")
    rows = _rows(args)[:: max(1, args.every)]
    if args.limit:
        rows = rows[: args.limit]
    det = SignalDetectors()
    threshold = det.config.confirm_threshold
    backend = LlamaBackend(LlmConfig(model_path=args.model, n_threads=args.threads, n_gpu_layers=0))
    opinion = SecondOpinion(backend)
    stats: dict[str, dict[str, int]] = {}
    seconds: list[float] = []
    for row in rows:
        got = det.detect_text(str(row["text"]), str(row["lang"]))
        llm = opinion.choose(str(row["text"]))
        seconds.append(llm.seconds)
        both = combine(got.objection, got.objection_confidence, llm.category, threshold=threshold)
        want = row.get("objection")
        s = stats.setdefault(got.lang, {"n": 0, "lexicon": 0, "llm": 0, "combined": 0, "asked": 0})
        s["n"] += 1
        s["lexicon"] += got.objection == want
        s["llm"] += llm.category == want
        s["combined"] += both == want
        s["asked"] += got.objection_confidence < threshold
    out: dict[str, object] = {
        "languages": {
            lang: {
                "n": s["n"],
                "lexicon": round(s["lexicon"] / s["n"], 3),
                "llm": round(s["llm"] / s["n"], 3),
                "combined": round(s["combined"] / s["n"], 3),
                "llm_asked_in_combined": s["asked"],
            }
            for lang, s in sorted(stats.items())
        },
        "llm_median_s": round(statistics.median(seconds), 3) if seconds else None,
        "llm_p95_s": round(sorted(seconds)[int(0.95 * (len(seconds) - 1))], 3) if seconds else None,
        "threads": args.threads,
    }
    print(json.dumps(out, indent=2))
    backend.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
