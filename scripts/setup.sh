#!/usr/bin/env bash
# Installs what is missing on a fresh Debian machine (as root): system packages, the virtual
# environment at .venv/ with the pinned Python packages (llama-cpp-python built with flags that
# run on any AVX2 CPU), Parley itself, and the model packs named by --models.
#
#   bash scripts/setup.sh [--models test|default|all]
#
# test:    the packs the test suite loads (asr-tiny-en, asr-base, llm-tiny, llm-default, embed-minilm)
# default: what the app uses by default (asr-base, asr-tiny-en, llm-default, embed-minilm)
# all:     both
set -euo pipefail
cd "$(dirname "$0")/.."

models=default
while [ $# -gt 0 ]; do
  case "$1" in
    --models) models="$2"; shift 2 ;;
    *) echo "setup.sh: unknown option $1 (use --models test|default|all)" >&2; exit 2 ;;
  esac
done

log() { printf '[setup] %s\n' "$*" >&2; }

APT_PACKAGES=(
  python3-venv python3-dev build-essential cmake
  libportaudio2 libasound2-plugins pulseaudio pulseaudio-utils espeak-ng sox
  xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1
  libfontconfig1 libdbus-1-3 fonts-dejavu-core fonts-noto-cjk imagemagick chromium
  util-linux
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing system packages: ${missing[*]} (run as root or install them with apt-get)"; exit 1
  fi
  log "installing system packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  log "creating .venv"
  "$PY" -m venv .venv
fi
VPIP=(.venv/bin/python -m pip --disable-pip-version-check)

# The default native llama.cpp build crashes on CPUs that report AMX; these flags give a
# portable AVX2 build (see docs/architecture.md). pip caches the built wheel.
export CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
stamp=.venv/.parley-requirements
want=$(cat requirements.txt requirements-dev.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing Python packages (first run builds llama-cpp-python: about 4-8 minutes)"
  "${VPIP[@]}" install -q -r requirements.txt -r requirements-dev.txt
  "${VPIP[@]}" install -q --no-deps -e .
  echo "$want" > "$stamp"
fi

case "$models" in
  test) packs=(asr-tiny-en asr-base llm-tiny llm-default embed-minilm) ;;
  default) packs=(asr-base asr-tiny-en llm-default embed-minilm) ;;
  all) packs=(asr-tiny-en asr-base llm-tiny llm-default embed-minilm) ;;
  *) log "unknown --models $models (use test, default or all)"; exit 2 ;;
esac
log "model packs: ${packs[*]}"
.venv/bin/parley models install "${packs[@]}"
# The English demo call is a script; speak it once into the recording `parley demo` replays.
demo=desktop/samples/demo_call_en
if [ ! -s "$demo.wav" ] || [ "$demo.json" -nt "$demo.wav" ]; then
  log "rendering the English demo call with espeak-ng"
  .venv/bin/python -m desktop.samples.render "$demo.json" "$demo.wav"
fi
log "ready: .venv/bin/parley"
