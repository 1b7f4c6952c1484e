#!/usr/bin/env bash
# Screenshot of the real app under Xvfb: the main window replaying Parley's own demo call (what
# "Try a demo call" starts) through the real pipeline, with the overlay showing three suggestions.
# Reads nothing outside this repository.
#
# Usage: scripts/screenshot.sh [OUT.png] [CALL PLAYBOOK_DIR]
#   OUT.png     default: build/screenshot.png
#   CALL        default: the sample demo call (desktop/samples) with its sample playbook. Else a
#               recording, a timed transcript .json or an events .jsonl, replayed with
#               PLAYBOOK_DIR; with PARLEY_SCREENSHOT_SCRIPTED=1 a labelled timed transcript is
#               turned into scripted events by scripts/screenshot_events.py (no models).
# Environment: PARLEY_SCREENSHOT_LANG (UI language, default zh), PARLEY_SCREENSHOT_DEMO (which
# sample call, en or zh; default: the UI language), PARLEY_SCREENSHOT_LLM (LLM pack for refined
# suggestions, default none), PARLEY_SCREENSHOT_WAIT_S (longest wait for the replay),
# PARLEY_PYTHON (the interpreter, default .venv/bin/python).
# Needs: xvfb (xvfb-run), imagemagick (import), fonts-noto-cjk; espeak-ng for the English demo.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/build/screenshot.png}"
CALL="${2:-}"
PLAYBOOK="${3:-}"
UI_LANG="${PARLEY_SCREENSHOT_LANG:-zh}"
DEMO="${PARLEY_SCREENSHOT_DEMO:-$UI_LANG}"
WAIT_S="${PARLEY_SCREENSHOT_WAIT_S:-300}"
PY="${PARLEY_PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PY" ] || PY=python3
mkdir -p "$(dirname "$OUT")"
OUT="$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if [ -z "$CALL" ]; then
  START=(--demo "$DEMO")
  DESCRIBE="the $DEMO demo call"
elif [ "${PARLEY_SCREENSHOT_SCRIPTED:-0}" = 1 ]; then
  (cd "$ROOT" && "$PY" scripts/screenshot_events.py "$CALL" "$WORK/events.jsonl")
  START=(--replay "$WORK/events.jsonl")
  DESCRIBE="scripted events of $(basename "$CALL")"
else
  START=(--replay "$(cd "$(dirname "$CALL")" && pwd)/$(basename "$CALL")")
  DESCRIBE="real pipeline: $(basename "$CALL")"
fi

# Settings for this run only: UI language, overlay bottom right, never auto-hidden, no LLM.
mkdir -p "$WORK/config/Parley"
cat > "$WORK/config/Parley/Parley.conf" <<CONF
[app]
language=$UI_LANG
overlay_corner=bottom-right
overlay_quiet_s=0
llm_model=${PARLEY_SCREENSHOT_LLM:-}
playbook_dir=$PLAYBOOK
CONF

export XDG_CONFIG_HOME="$WORK/config" PARLEY_HOME="${PARLEY_HOME:-$WORK/home}"
export QT_QPA_PLATFORM=xcb HF_HUB_OFFLINE=1
cd "$ROOT"
xvfb-run -a -s "-screen 0 1440x860x24" bash -c '
  py=$1 out=$2 wait_s=$3 marker=$4; shift 4
  "$py" -m desktop.app_main "$@" --speed max --finished-marker "$marker" &
  APP=$!
  # Wait for the replay to end (at most wait_s seconds), then let the window settle.
  for _ in $(seq 1 $(( wait_s * 5 ))); do [ -f "$marker" ] && break; sleep 0.2; done
  sleep 1.5
  import -window root "$out"
  kill "$APP" 2>/dev/null || true
  wait "$APP" 2>/dev/null || true
  [ -f "$marker" ] || echo "warning: the replay had not finished after $wait_s s" >&2
' _ "$PY" "$OUT" "$WAIT_S" "$WORK/finished" "${START[@]}"
# A palette of 256 colours keeps the picture of a window small (about 150 kB) and sharp.
convert "$OUT" -strip -colors 256 "PNG8:$OUT"
echo "screenshot: $OUT ($DESCRIBE)"
