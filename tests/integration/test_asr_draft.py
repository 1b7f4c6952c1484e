"""The draft model of English partials, with the real models: when it is loaded, and a paced
session where tiny.en writes the live text and asr-base every final."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from inference.pipeline import AsrConfig, load_draft

ROOT = Path(__file__).resolve().parents[2]
PARLEY = [sys.executable, "-m", "desktop"]


def test_the_draft_is_loaded_only_where_english_partials_can_use_it() -> None:
    draft = load_draft(AsrConfig(model="asr-base", language="auto"))
    assert draft is not None and not draft.multilingual  # tiny.en, warmed up
    assert load_draft(AsrConfig(model="asr-base", language="zh")) is None
    assert load_draft(AsrConfig(model="asr-base", streaming=False)) is None
    assert load_draft(AsrConfig(model="asr-tiny-en")) is None  # the main model itself
    assert load_draft(AsrConfig(model="asr-base", draft_model=None)) is None


@pytest.mark.parametrize("name", ["asr-no-such-pack", "BROKEN_FOLDER"])
def test_an_unusable_draft_says_why_and_the_session_goes_on_without_it(
    name: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    if name == "BROKEN_FOLDER":
        (tmp_path / "model.bin").write_bytes(b"not a model")
        name = str(tmp_path)
    with caplog.at_level(logging.INFO, logger="inference.pipeline"):
        assert load_draft(AsrConfig(model="asr-base", draft_model=name)) is None
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "partials use asr-base" in said, said


def test_a_paced_session_writes_live_text_with_the_draft_and_finals_with_the_main_model(
    eval_dir: Path,
) -> None:
    audio = eval_dir / "audio" / "jfk_en.flac"
    ref = json.loads((eval_dir / "audio" / "references.json").read_text(encoding="utf-8"))
    common = ["--audio", str(audio), "--reference", ref["jfk_en.flac"]["text"]]
    common += ["--speed", "1", "--language", "en", "--no-offline"]
    runs = {}
    for draft in ("asr-tiny-en", "none"):
        out = subprocess.run(
            [*PARLEY, "bench", "asr", *common, "--asr-draft", draft],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        runs[draft] = json.loads(out.stdout)
    drafted, plain = runs["asr-tiny-en"], runs["none"]
    assert drafted["draft_model"] == "asr-tiny-en" and drafted["draft_calls"] > 0
    assert plain["draft_model"] is None and plain["draft_calls"] == 0
    # Every final is asr-base's second pass: the same words with or without the draft.
    assert drafted["streaming_error"] <= 0.1, drafted["streaming_text"]
    assert plain["streaming_error"] <= 0.1, plain["streaming_text"]
    assert drafted["decode_calls"] < plain["decode_calls"]  # partials moved to the draft
