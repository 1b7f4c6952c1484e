#!/usr/bin/env bash
# Sets up what is missing (system packages, .venv, default models, the English demo call
# rendered with espeak-ng) and runs `parley demo`: a sample sales call shipped with Parley,
# replayed with its sample playbook through the whole pipeline at real-time speed, printing both
# parties' transcript, the customer signals and the suggestions as they happen. Nothing outside
# this repository is read, and nothing is stored. The events and an HTML report of the run land
# in .artifacts/demo/.
#
#   bash scripts/run.sh [--lang en|zh] [--speed 1|2|max] [other `parley demo` options]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --models default
out=.artifacts/demo
mkdir -p "$out"
export HF_HUB_OFFLINE=1
exec .venv/bin/parley demo --events "$out/events.jsonl" --report "$out/report.html" "$@"
