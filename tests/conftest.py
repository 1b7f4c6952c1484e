"""Shared fixtures: every test runs with its own PARLEY_HOME and no model hub."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EVAL = SHARED / "eval"

os.environ["HF_HUB_OFFLINE"] = "1"
# Tests may ask for a cheap scrypt (PARLEY_SCRYPT_N below the production minimum).
os.environ["PARLEY_TESTING"] = "1"
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# One model cache for the whole run (models are joined and verified once, not per test).
os.environ.setdefault("PARLEY_MODELS_DIR", str(ROOT / ".parley-home" / "models"))


@pytest.fixture(autouse=True)
def parley_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh PARLEY_HOME per test; models are found through the shared model cache."""
    home = tmp_path_factory.mktemp("parley_home")
    monkeypatch.setenv("PARLEY_HOME", str(home))
    return home


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require_eval() -> Path:
    """The evaluation set beside the project, for the tests that measure against it.

    A clone on its own has none: those tests are skipped (the suite's own fixtures and the
    samples in `desktop/samples` cover every behaviour). Under `CI=true` its absence fails.
    """
    if not EVAL.is_dir():
        message = (
            f"evaluation data not found at {EVAL} (../shared/eval beside the project root); "
            "the tests that measure against it"
        )
        if in_ci():
            pytest.fail(f"{message} must run in CI: check it out there.", pytrace=False)
        pytest.skip(f"{message} are skipped on a clone without it.")
    return EVAL


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    return require_eval()
