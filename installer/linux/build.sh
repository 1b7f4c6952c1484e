#!/usr/bin/env bash
# Builds the Linux artefacts: a PyInstaller one-folder bundle with the models inside, and a .deb
# made from it (/opt/parley, `parley` on the PATH, desktop entry, icon). Prints sizes and build
# time as JSON on stdout; progress goes to stderr.
#
#   bash installer/linux/build.sh [--models default|test] [--out DIR]
#
# default: the packs the app uses (asr-base, asr-tiny-en, llm-default, embed-minilm) - the release build.
# test:    small packs (asr-tiny-en, llm-tiny, embed-minilm) - what CI's install test uses.
set -euo pipefail
cd "$(dirname "$0")/../.."
models=default
out=build/linux
while [ $# -gt 0 ]; do
  case "$1" in
    --models) models="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "build.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$models" in
  default) packs=(asr-base asr-tiny-en llm-default embed-minilm); setup_models=default ;;
  test) packs=(asr-tiny-en llm-tiny embed-minilm); setup_models=test ;;
  *) echo "build.sh: --models default|test" >&2; exit 2 ;;
esac
began=$(date +%s)
log() { printf '[build] %s\n' "$*" >&2; }

bash scripts/setup.sh --models "$setup_models" >&2
# setup.sh renders the English demo call; the bundle carries it with the other samples.
[ -s desktop/samples/demo_call_en.wav ] || { log "desktop/samples/demo_call_en.wav is missing (espeak-ng?)"; exit 1; }
.venv/bin/python -m pip install -q --disable-pip-version-check -r installer/requirements-build.txt >&2
command -v dpkg-deb >/dev/null || { log "dpkg-deb is missing (Debian's dpkg)"; exit 1; }

version=$(.venv/bin/python -c "from desktop.version import __version__; print(__version__)")
arch=$(dpkg --print-architecture)
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)

log "staging model packs: ${packs[*]}"
.venv/bin/python installer/stage_models.py --out "$out/models" "${packs[@]}" >&2

log "bundling with PyInstaller"
PARLEY_BUNDLE_MODELS="$out/models" PARLEY_VERSION="$version" .venv/bin/pyinstaller \
  --noconfirm --log-level WARN --distpath "$out/dist" --workpath "$out/work" installer/parley.spec >&2

log "assembling the .deb"
root="$out/deb/parley_${version}_${arch}"
mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" \
  "$root/usr/share/icons/hicolor/scalable/apps" "$root/usr/share/doc/parley"
cp -a "$out/dist/parley" "$root/opt/parley"
ln -s /opt/parley/parley "$root/usr/bin/parley"
cp installer/linux/parley.desktop "$root/usr/share/applications/parley.desktop"
cp installer/parley.svg "$root/usr/share/icons/hicolor/scalable/apps/parley.svg"
cp installer/linux/copyright "$root/usr/share/doc/parley/copyright"
installed_kb=$(du -sk "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$installed_kb/" \
  installer/linux/control.in > "$root/DEBIAN/control"
install -m 0755 installer/linux/postinst "$root/DEBIAN/postinst"
install -m 0755 installer/linux/postrm "$root/DEBIAN/postrm"
deb="$out/parley_${version}_${arch}.deb"
# gzip level 1: the models are already compressed; xz would take minutes for a few percent.
dpkg-deb --root-owner-group -Zgzip -z1 --build "$root" "$deb" >&2

elapsed=$(( $(date +%s) - began ))
.venv/bin/python - "$out" "$deb" "$elapsed" "$models" <<'PY'
import json, os, sys
from pathlib import Path
out, deb, elapsed, models = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
bundle = out / "dist" / "parley"
def size(p: Path) -> int:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file() and not f.is_symlink())
internal = bundle / "_internal"
parts = {}
for child in sorted(internal.iterdir()):
    if child.is_symlink():
        continue
    parts[child.name] = size(child) if child.is_dir() else child.stat().st_size
largest = dict(sorted(parts.items(), key=lambda kv: -kv[1])[:12])
print(json.dumps({
    "models": models,
    "bundle": str(bundle),
    "deb": str(deb),
    "bundle_mb": round(size(bundle) / 1e6, 1),
    "deb_mb": round(deb.stat().st_size / 1e6, 1),
    "models_mb": round(size(out / "models") / 1e6, 1),
    "largest_parts_mb": {k: round(v / 1e6, 1) for k, v in largest.items()},
    "build_seconds": elapsed,
}, indent=2))
PY
