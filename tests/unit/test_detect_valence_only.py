"""Lines that teach the valence model only, objection lines that never read as pleased, and the
valence panel (three readers of the same lines).

`inference/detectors/data/valence_<lang>_<n>.tsv` hold positive lines as customers say them
(agreement to a next step, praise, thanks) beside neutral look-alikes; trained on for objections
too they cost objection reads, so `scripts/train_detectors.py` gives them to the valence model
alone. They must stay apart from every file that measures the detectors.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from inference.detectors import SignalDetectors
from inference.detectors.corpus import (
    DATA_DIR,
    VALENCE_PANEL,
    load_corpus,
    load_file,
    load_valence_only,
)
from inference.detectors.overlap import overlaps

ROOT = Path(__file__).resolve().parents[2]


def _measuring_lines(lang: str) -> tuple[set[str], list[str]]:
    """Industries and texts of every file of `lang` that measures and is never trained on."""
    industries: set[str] = set()
    texts: list[str] = []
    for path in sorted(DATA_DIR.glob(f"*_{lang}.tsv")):
        if path.name.startswith("valence_"):
            continue
        rows = load_file(path, lang)
        industries |= {r.industry for r in rows}
        texts += [r.text for r in rows]
    for path in sorted(DATA_DIR.glob("*.jsonl")):
        for raw in path.read_text(encoding="utf-8").splitlines():
            if raw.strip() and json.loads(raw)["lang"] == lang:
                texts.append(json.loads(raw)["text"])
    return industries, texts


def test_valence_only_lines_are_apart_from_the_corpus_and_every_measuring_file() -> None:
    rows = load_valence_only("zh")
    assert len(rows) >= 100
    assert {r.valence for r in rows} == {"negative", "neutral", "positive"}
    assert sum(r.valence == "positive" for r in rows) >= 40
    industries, texts = _measuring_lines("zh")
    assert not {r.industry for r in rows} & industries
    # load_corpus, which trains the objection model and every reader head, never reads them.
    assert not {r.industry for r in rows} & {r.industry for r in load_corpus("zh")}
    found = overlaps([r.text for r in rows], texts)
    assert not found, [(o.corpus_line, o.score) for o in found]


def _trainer() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "train_detectors", ROOT / "scripts" / "train_detectors.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_valence_only_lines_move_the_valence_model_and_not_the_objection_model() -> None:
    train = _trainer()
    det = SignalDetectors(use_model=False)
    rows = load_corpus("zh")[::12]
    extra = load_valence_only("zh")[:40]
    settings = train.Settings(steps=60)
    plain, _ = train.train_language(det, rows, settings, cv=False, split_only=True)
    both, report = train.train_language(
        det, rows, settings, cv=False, split_only=True, valence_only=extra
    )
    assert report["n_valence_only"] == 40
    assert both["objection"] == plain["objection"]
    assert both["valence"] != plain["valence"]


@pytest.fixture(scope="module")
def det() -> SignalDetectors:
    return SignalDetectors()


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        # The learned valence model alone reads these as pleased (0.94 and 0.97 positive).
        ("en", "We also sat through a Kestrel demo last month, and the team loved how simple it looked."),
        ("en", "Honestly we loved the Tidewell demo last week, the staff thought it was brilliant."),
        ("zh", "其实禾木科技上周来演示过，大家都说挺方便的。"),
    ],
)  # fmt: skip
def test_a_confirmed_objection_reads_neutral_where_the_words_sound_pleased(
    det: SignalDetectors, lang: str, text: str
) -> None:
    got = det.detect_text(text, lang)
    assert got.objection == "competitor" and not got.tentative
    assert got.valence == "neutral" and got.valence_confidence >= 0.9
    assert got.label == "hesitant"


def test_a_line_without_an_objection_may_still_read_pleased(det: SignalDetectors) -> None:
    got = det.detect_text("好的，那就下周三下午，你来我们店里给大家演示。", "zh")
    assert got.objection is None and got.valence == "positive"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_valence_panel_file_holds_three_readers_and_their_majority(lang: str) -> None:
    rows = [
        json.loads(raw)
        for raw in (DATA_DIR / f"{VALENCE_PANEL}_{lang}.jsonl").read_text("utf-8").splitlines()
    ]
    assert len(rows) == 320 and {r["lang"] for r in rows} == {lang}
    for r in rows:
        votes = r["panel"]
        assert len(votes) == 3 and set(votes) <= {"negative", "neutral", "positive"}
        assert votes.count(r["valence"]) >= 2, r["id"]
        assert r["writer_valence"] in ("negative", "neutral", "positive")
