#!/usr/bin/env bash
# Sets up what is missing (system packages, .venv, test model packs) and runs every check CI
# runs: ruff (lint + format), mypy over every package, and the whole pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# The tests share one model cache; assemble the packs straight into it.
export PARLEY_MODELS_DIR=${PARLEY_MODELS_DIR:-$PWD/.parley-home/models}
bash scripts/setup.sh --models test
export HF_HUB_OFFLINE=1
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy audio inference models desktop overlays
# pytest exits 5 when it collected no test; any non-zero status fails the run.
.venv/bin/pytest -q -p no:cacheprovider "$@"
