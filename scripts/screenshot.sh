#!/usr/bin/env bash
# Screenshot of the real app under Xvfb: main window replaying a call, overlay with three cards.
# Usage: scripts/screenshot.sh [OUT.png] [CALL.json]
#   OUT.png    default: build/screenshot.png
#   CALL.json  default: ../shared/eval/calls/dev_call_3_zh.json (a timed Chinese transcript).
#              A call without turn times (the English ones) is first rendered to two-channel
#              audio with ../shared/tools/render_call.py and replayed through ASR (minutes).
# With desktop/session_runner.py present the app replays CALL through the real pipeline with the
# call's product playbook; without it, or with PARLEY_SCREENSHOT_SCRIPTED=1, it replays scripted
# events made from CALL by scripts/screenshot_events.py.
# Environment: PARLEY_SCREENSHOT_LANG (UI language, default zh), PARLEY_SCREENSHOT_LLM (LLM pack
# for refined suggestions, default none), PARLEY_SCREENSHOT_WAIT_S (longest wait for the replay).
# Needs: xvfb (xvfb-run), imagemagick (import), fonts-noto-cjk, espeak-ng and sox for rendering.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/build/screenshot.png}"
CALL="${2:-$ROOT/../shared/eval/calls/dev_call_3_zh.json}"
WAIT_S="${PARLEY_SCREENSHOT_WAIT_S:-120}"
PY="$ROOT/.venv/bin/python"
[ -x "$PY" ] || PY=python3
mkdir -p "$(dirname "$OUT")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

PRODUCT="$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1])).get("product",""))' "$CALL")"
PLAYBOOK="$(cd "$(dirname "$CALL")/.." && pwd)/products/$PRODUCT"
TIMED="$("$PY" -c 'import json,sys; t=json.load(open(sys.argv[1]))["turns"]; print(int(all("start" in x and "end" in x for x in t)))' "$CALL")"
if [ -f "$ROOT/desktop/session_runner.py" ] && [ "${PARLEY_SCREENSHOT_SCRIPTED:-0}" != 1 ]; then
  INPUT="$CALL"
  if [ "$TIMED" != 1 ]; then
    INPUT="$WORK/call.wav"
    "$PY" "$(dirname "$CALL")/../../tools/render_call.py" "$CALL" "$INPUT" >/dev/null
    WAIT_S="${PARLEY_SCREENSHOT_WAIT_S:-400}"
  fi
elif [ "$TIMED" != 1 ]; then
  echo "scripted events need a timed transcript (turns with start and end): $CALL" >&2
  exit 2
else
  INPUT="$WORK/events.jsonl"
  (cd "$ROOT" && "$PY" scripts/screenshot_events.py "$CALL" "$INPUT")
fi

# Settings for this run only: Chinese UI, overlay bottom right, never auto-hidden, no LLM.
mkdir -p "$WORK/config/Parley"
cat > "$WORK/config/Parley/Parley.conf" <<CONF
[app]
language=${PARLEY_SCREENSHOT_LANG:-zh}
overlay_corner=bottom-right
overlay_quiet_s=0
llm_model=${PARLEY_SCREENSHOT_LLM:-}
playbook_dir=$PLAYBOOK
CONF

export XDG_CONFIG_HOME="$WORK/config" PARLEY_HOME="${PARLEY_HOME:-$WORK/home}"
export QT_QPA_PLATFORM=xcb
cd "$ROOT"
xvfb-run -a -s "-screen 0 1920x1080x24" bash -c '
  "$0" -m desktop.app_main --replay "$1" --speed max --finished-marker "$4" &
  APP=$!
  # Wait for the replay to end (at most WAIT_S seconds), then let the window settle.
  for _ in $(seq 1 $(( $3 * 5 ))); do [ -f "$4" ] && break; sleep 0.2; done
  sleep 1.5
  import -window root "$2"
  kill "$APP" 2>/dev/null || true
  wait "$APP" 2>/dev/null || true
  [ -f "$4" ] || echo "warning: the replay had not finished after $3 s" >&2
' "$PY" "$INPUT" "$OUT" "$WAIT_S" "$WORK/finished"
case "$INPUT" in
  *.jsonl) echo "screenshot: $OUT (scripted events)" ;;
  *) echo "screenshot: $OUT (real pipeline: $(basename "$INPUT"))" ;;
esac
