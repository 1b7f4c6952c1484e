"""Copy assembled, verified model packs into a folder the bundle ships as `models/`.

Each pack lands in `OUT/PACK/`: a Whisper or embedding pack as its folder's files, an LLM pack as
its one GGUF file. In a frozen bundle, `models.paths.bundled_models_dir()` finds them there.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packs", nargs="+")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from models.registry import model_path, verify

    args.out.mkdir(parents=True, exist_ok=True)
    for result in verify(args.packs):
        if not result.ok:
            print(f"stage_models: {result}", file=sys.stderr)
            return 1
    for pack in args.packs:
        src = model_path(pack)
        dest = args.out / pack
        if dest.exists():
            shutil.rmtree(dest)
        if src.is_dir():
            shutil.copytree(src, dest, symlinks=False)
        else:
            dest.mkdir(parents=True)
            shutil.copy2(src, dest / src.name)
        size = sum(f.stat().st_size for f in dest.rglob("*") if f.is_file())
        print(f"staged {pack}: {size / 1e6:.1f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
