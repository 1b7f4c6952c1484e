#!/usr/bin/env bash
# Sets up what is missing (system packages, .venv, default models), renders a sample sales call
# to two-channel audio and replays it through the whole pipeline at real-time speed, printing
# both parties' transcript, the customer signals and the suggestions as they happen.
#
#   bash scripts/run.sh [--speed 1|2|max] [extra `parley replay` options]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --models default
SHARED=../shared
out=.artifacts/demo
mkdir -p "$out"
if [ ! -s "$out/call.wav" ]; then
  python3 "$SHARED/tools/render_call.py" "$SHARED/eval/calls/dev_call_1_en.json" "$out/call.wav" \
    --timeline "$out/call_timeline.json"
fi
export HF_HUB_OFFLINE=1
exec .venv/bin/parley replay "$out/call.wav" --playbook "$SHARED/eval/products/clouddesk" \
  --events "$out/events.jsonl" --report "$out/report.html" "$@"
