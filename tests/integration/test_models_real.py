"""The real small models, found through the registry: tiny.en transcribes, SmolLM2 generates.

Also checks `parley models verify` on a private copy of a real pack (never the shared cache).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from inference.scoring import wer
from models.registry import model_path

ROOT = Path(__file__).resolve().parents[2]


def test_tiny_en_transcribes_jfk_within_10_percent_wer(eval_dir: Path) -> None:
    from faster_whisper import WhisperModel

    references = json.loads((eval_dir / "audio" / "references.json").read_text(encoding="utf-8"))
    model = WhisperModel(
        str(model_path("asr-tiny-en")), device="cpu", compute_type="int8", cpu_threads=2
    )
    segments, _info = model.transcribe(
        str(eval_dir / "audio" / "jfk_en.flac"), language="en", beam_size=1
    )
    text = " ".join(s.text for s in segments)
    assert wer(references["jfk_en.flac"]["text"], text) <= 0.10, text


def test_llm_tiny_generates_tokens() -> None:
    try:
        from llama_cpp import Llama
    except ImportError:
        pytest.skip("llama-cpp-python is not installed in this environment (scripts/setup.sh)")
    llm = Llama(
        model_path=str(model_path("llm-tiny")), n_ctx=256, n_threads=2, seed=1, verbose=False
    )
    try:
        out = llm.create_completion("The customer said the price is", max_tokens=8, temperature=0)
    finally:
        llm.close()
    choice = out["choices"][0]  # type: ignore[index]
    assert out["usage"]["completion_tokens"] > 0  # type: ignore[index]
    assert choice["text"].strip()


def _parley(*args: str, models_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PARLEY_MODELS_DIR": str(models_dir)}
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_models_verify_fails_after_one_byte_of_a_copy_changes(tmp_path: Path) -> None:
    models_dir = tmp_path / "models"  # a private cache: embed-minilm is copied into it
    ok = _parley("models", "verify", "embed-minilm", models_dir=models_dir)
    assert ok.returncode == 0, ok.stderr
    onnx = models_dir / "embed-minilm" / "model.onnx"
    with open(onnx, "r+b") as f:
        f.seek(4096)
        byte = f.read(1)
        f.seek(4096)
        f.write(bytes([byte[0] ^ 0x01]))
    bad = _parley("models", "verify", "embed-minilm", models_dir=models_dir)
    assert bad.returncode == 1
    assert str(onnx) in bad.stderr and "parley models install embed-minilm" in bad.stderr
    assert (models_dir / "embed-minilm" / "tokenizer.json").is_file()
