"""The learned detectors against Parley's own labelled lines (regression guard, not tuning).

The corpus (`inference/detectors/data/{en,zh}_*.tsv`) holds customer lines from many
industries in both languages; the shipped weights are trained on it. The blind files
(`blind*_{en,zh}.tsv`) are whole other industries, written after the model design and never
trained on, so accuracy on them measures how the detectors do on industries they never saw.
"""

from __future__ import annotations

import json
from importlib import resources

import pytest

from inference.detectors import SignalDetectors
from inference.detectors.corpus import HELD_OUT, Row, load_blind, load_corpus
from inference.detectors.model import load_models, model_file
from inference.events import OBJECTION_CATEGORIES


@pytest.fixture(scope="module")
def det() -> SignalDetectors:
    return SignalDetectors()


def _accuracy(det: SignalDetectors, rows: list[Row]) -> tuple[float, float, list[tuple]]:
    obj = val = 0
    misses = []
    for r in rows:
        got = det.detect_text(r.text, r.lang)
        obj += got.objection == r.objection
        val += got.valence == r.valence
        if got.objection != r.objection:
            misses.append((r.text, got.objection, r.objection))
    return obj / len(rows), val / len(rows), misses


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_corpus_is_well_formed_and_holds_out_whole_industries(lang: str) -> None:
    rows = load_corpus(lang)
    assert len(rows) >= 600
    assert {r.objection for r in rows} == {None, *OBJECTION_CATEGORIES}
    assert {r.valence for r in rows} == {"negative", "neutral", "positive"}
    held = [r for r in rows if r.industry in HELD_OUT]
    assert {r.industry for r in held} == HELD_OUT
    assert len(held) >= 100
    assert {r.objection for r in held} == {None, *OBJECTION_CATEGORIES}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_blind_industries_are_never_in_the_training_corpus(lang: str) -> None:
    blind = load_blind(lang)
    assert len(blind) >= 150
    trained = load_corpus(lang)
    assert not {r.industry for r in blind} & {r.industry for r in trained}
    assert not {r.text for r in blind} & {r.text for r in trained}
    raw = resources.files("inference.detectors").joinpath(model_file(lang)).read_text("utf-8")
    assert "blind" in json.loads(raw)["trained_on"]
    models = load_models(lang)
    assert models is not None
    assert models.objection.classes[0] == "none"
    assert set(models.objection.classes[1:]) == set(OBJECTION_CATEGORIES)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_unseen_industries_meet_targets(det: SignalDetectors, lang: str) -> None:
    rows = load_blind(lang)
    objection, valence, misses = _accuracy(det, rows)
    assert objection >= 0.85, misses
    assert valence >= 0.80
    rules_objection, _, _ = _accuracy(SignalDetectors(use_model=False), rows)
    assert objection >= rules_objection + 0.2  # the model generalises far beyond the rules


def test_features_are_those_the_models_were_trained_on(det: SignalDetectors) -> None:
    feats = det.features("Price isn't the issue, but we can't start until the audit is done.")
    assert feats["nx|cost"] == 1.0  # the price is set aside
    assert "cx|later" in feats  # the real point comes after "but"
    assert any(k.startswith("r|") for k in feats)  # the rule evidence is a feature too
    zh = det.features("价格不是问题，主要是时间不对。", "zh")
    assert "nx|cost" in zh and "cx|later" in zh
