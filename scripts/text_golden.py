"""Pin what Parley's text handling produces on its own dev data (`tests/data/text_golden/`).

    .venv/bin/python scripts/text_golden.py          # print the figures of today's code
    .venv/bin/python scripts/text_golden.py --write  # rewrite the golden files

Four files, generated from Parley's own material only (never the evaluation data):

- `detect.json`: objection and valence labels of every line of the detector corpora
  (`inference/detectors/data/*.tsv`, frozen measuring sets left out), with the accuracy per
  file family;
- `retrieval.json`: the top three playbook entries for every customer line of the sample and
  test calls, searched in the playbook of that call;
- `numbers.json`: discounts and money amounts read from every sentence of the sample and test
  playbooks (what rules and the guard understand);
- `wer.json`: the WER/CER normaliser's output on every line of the sample and test calls, and
  the language guessed for each.

`tests/unit/test_text_golden.py` compares today's code against them: exactly where nothing
was meant to change (numbers, normaliser, language of whole lines), by figures where the text
toolkit changed tokens (detector accuracy, retrieval agreement).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOLDEN = ROOT / "tests" / "data" / "text_golden"
PLAYBOOKS = ROOT / "tests" / "data" / "playbooks"
CALLS = ROOT / "tests" / "data" / "suggest_calls"
SAMPLES = ROOT / "desktop" / "samples"
DETECT_DATA = ROOT / "inference" / "detectors" / "data"


# Numerals written for this check (prices and counts as a sales call says them).
ZH_NUMERALS = [
    "零",
    "一",
    "二",
    "两",
    "十",
    "十一",
    "二十",
    "二十五",
    "一百",
    "一百零五",
    "二百二十",
    "三千五",
    "三千五百",
    "一千零一",
    "一万",
    "两万",
    "十万",
    "一万二",
    "三万五千",
    "一百万",
    "五亿",
    "一亿二千万",
    "2.5万",
    "1200",
    "12,000",
    "3.75",
    "八五",
    "百",
    "千",
    "万",
    "十二万三千四百五十六",
]
EN_NUMERALS = [
    "zero",
    "one",
    "two",
    "five",
    "ten",
    "eleven",
    "twelve",
    "nineteen",
    "twenty",
    "twenty-five",
    "thirty",
    "forty-two",
    "ninety",
    "ninety-nine",
    "hundred",
    "seven-hundred",
]


def calls() -> Iterator[tuple[str, Path, dict[str, Any]]]:
    """(call id, its playbook folder, the call) for the sample and test calls."""
    for lang in ("en", "zh"):
        path = SAMPLES / f"demo_call_{lang}.json"
        yield path.stem, SAMPLES / f"playbook_{lang}", json.loads(path.read_text("utf-8"))
    for path in sorted(CALLS.glob("*.json")):
        call = json.loads(path.read_text("utf-8"))
        yield path.stem, PLAYBOOKS / str(call["product"]), call


def playbook_dirs() -> list[Path]:
    return [SAMPLES / "playbook_en", SAMPLES / "playbook_zh", *sorted(PLAYBOOKS.iterdir())]


def family(name: str) -> str:
    """The corpus family of a detector data file: train, blind (the four `--corpus` files),
    blunt_blind, null_blind; a file written later is a family of its own (blind5, read4)."""
    from inference.detectors.corpus import BLIND_FILES

    stem = name.rsplit("_", 1)[0]
    if stem in ("en", "zh"):
        return "train"
    if stem in BLIND_FILES:
        return "blind"
    return stem


def detect() -> dict[str, Any]:
    from inference.detectors.corpus import load_file
    from inference.detectors.signals import SignalDetectors

    det = SignalDetectors()
    lines: dict[str, list[list[Any]]] = {}
    right: dict[str, list[int]] = {}
    for path in sorted(DETECT_DATA.glob("*.tsv")):
        if "frozen" in path.stem:
            continue  # a held-out measuring set: scored once by whoever froze it, never pinned
        lang = "zh" if "zh" in path.stem.split("_") else "en"
        out = lines[path.name] = []
        for row in load_file(path, lang):
            d = det.detect_text(row.text, lang)
            out.append([d.objection, d.valence])
            key = f"{family(path.name)}/{lang}"
            r = right.setdefault(key, [0, 0, 0])
            r[0] += 1
            r[1] += d.objection == row.objection
            r[2] += d.valence == row.valence
    figures = {
        k: {"n": n, "objection": round(o / n, 4), "valence": round(v / n, 4)}
        for k, (n, o, v) in sorted(right.items())
    }
    return {"figures": figures, "labels": lines}


def retrieval() -> dict[str, Any]:
    from inference.playbook.playbook import load_playbook

    out: dict[str, list[list[str]]] = {}
    for call_id, folder, call in calls():
        book = load_playbook([folder])
        rows = out[call_id] = []
        for turn in call["turns"]:
            if turn["speaker"] != "customer":
                continue
            hits = book.hits(turn["text"], k=3, lang=call["lang"])
            rows.append([f"{h.entry.file}#{h.entry.heading}" for h in hits])
    return out


def numbers() -> dict[str, Any]:
    from inference.playbook.numbers import (
        en_word_to_number,
        find_discounts,
        find_money,
        zh_to_number,
    )
    from inference.playbook.playbook import load_playbook
    from inference.text import split_sentences

    out: dict[str, list[Any]] = {}
    for folder in playbook_dirs():
        book = load_playbook([folder])
        found = out[folder.name] = []
        for entry in book.entries:
            for sentence in split_sentences(entry.text, semicolons=True):
                d = [round(x.percent_off, 2) for x in find_discounts(sentence)]
                m = [[round(x.value, 2), x.currency] for x in find_money(sentence)]
                if d or m:
                    found.append([sentence, d, m])
    out["numerals"] = [[w, zh_to_number(w)] for w in ZH_NUMERALS] + [
        [w, en_word_to_number(w)] for w in EN_NUMERALS
    ]
    return out


def wer() -> dict[str, Any]:
    from inference.scoring import normalize_en, normalize_zh
    from inference.text import guess_lang

    out: dict[str, list[list[str]]] = {}
    for call_id, _folder, call in calls():
        norm = normalize_zh if call["lang"] == "zh" else normalize_en
        out[call_id] = [[norm(t["text"]), guess_lang(t["text"])] for t in call["turns"]]
    return out


def generate() -> dict[str, Any]:
    return {"detect": detect(), "retrieval": retrieval(), "numbers": numbers(), "wer": wer()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--write", action="store_true", help="rewrite tests/data/text_golden/")
    args = p.parse_args(argv)
    data = generate()
    print(json.dumps({"detect": data["detect"]["figures"]}, indent=1))
    if args.write:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for name, value in data.items():
            text = json.dumps(value, ensure_ascii=False, indent=0, sort_keys=True)
            (GOLDEN / f"{name}.json").write_text(text + "\n", encoding="utf-8")
        print(f"wrote {GOLDEN.relative_to(ROOT)}/", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
