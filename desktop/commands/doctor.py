"""`parley doctor`: what this machine has for Parley, and which device each model will run on.

Checks audio devices (through sounddevice/PortAudio), model packs (no hashing), CPU features,
GPUs seen by CTranslate2 and whether llama.cpp was built with GPU offload. Nothing here uses
the network. `--json` prints the same report as one JSON object.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.version import __version__
from models.registry import list_packs

_CPU_FLAGS = ("avx2", "fma", "f16c", "avx512f", "avx512_vnni", "amx_tile", "amx_int8", "amx_bf16")


@dataclass(frozen=True, slots=True)
class AudioDevice:
    index: int
    name: str
    hostapi: str
    inputs: int
    outputs: int
    default_input: bool


@dataclass(frozen=True, slots=True)
class AudioReport:
    """Audio devices; `problem` is a sentence saying what to do when none can be listed."""

    portaudio: str | None
    devices: tuple[AudioDevice, ...]
    problem: str | None


@dataclass(frozen=True, slots=True)
class CpuReport:
    model: str
    cores: int
    features: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GpuReport:
    """GPUs usable by the engines; None means the engine is not importable here."""

    ctranslate2_cuda_devices: int | None
    llama_cpp_gpu_offload: bool | None
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class DeviceChoice:
    engine: str
    device: str
    reason: str


def audio_report() -> AudioReport:
    try:
        import sounddevice as sd
    except OSError as e:  # raised when the PortAudio shared library is missing
        return AudioReport(
            None,
            (),
            f"PortAudio is missing ({e}); install it (Debian/Ubuntu: apt-get install "
            "libportaudio2) to capture audio.",
        )
    except ImportError as e:
        return AudioReport(None, (), f"sounddevice is not installed ({e}); run scripts/setup.sh.")
    try:
        hostapis = [h["name"] for h in sd.query_hostapis()]
        default_in = sd.default.device[0]
        devices = tuple(
            AudioDevice(
                index=i,
                name=str(d["name"]),
                hostapi=hostapis[d["hostapi"]] if d["hostapi"] < len(hostapis) else "?",
                inputs=int(d["max_input_channels"]),
                outputs=int(d["max_output_channels"]),
                default_input=i == default_in,
            )
            for i, d in enumerate(sd.query_devices())
        )
        version = str(sd.get_portaudio_version()[1])
    except Exception as e:  # PortAudio reports host errors with its own exception type
        return AudioReport(None, (), f"PortAudio could not list devices: {e}.")
    problem = None
    if not any(d.inputs for d in devices):
        problem = (
            "No audio input devices found: connect a microphone, or start PulseAudio/PipeWire "
            "(its monitor sources carry the call's audio)."
        )
    return AudioReport(version, devices, problem)


def cpu_report() -> CpuReport:
    model, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                model = value.strip()
            elif key.strip() == "flags":
                flags.update(value.split())
    except OSError:
        pass  # not Linux: features stay unknown
    return CpuReport(model, os.cpu_count() or 1, tuple(f for f in _CPU_FLAGS if f in flags))


def gpu_report() -> GpuReport:
    notes: list[str] = []
    cuda: int | None
    try:
        import ctranslate2

        cuda = int(ctranslate2.get_cuda_device_count())
    except ImportError:
        cuda = None
        notes.append("CTranslate2 is not installed: speech recognition cannot run.")
    except Exception as e:  # a broken CUDA runtime shows up here
        cuda = 0
        notes.append(f"CTranslate2 could not query CUDA: {e}.")
    offload: bool | None
    try:
        import llama_cpp

        offload = bool(llama_cpp.llama_supports_gpu_offload())
    except ImportError:
        offload = None
        notes.append("llama-cpp-python is not installed: refined suggestions are unavailable.")
    except Exception as e:
        offload = False
        notes.append(f"llama.cpp could not report GPU support: {e}.")
    return GpuReport(cuda, offload, tuple(notes))


def choose_devices(gpu: GpuReport, cpu: CpuReport) -> tuple[DeviceChoice, DeviceChoice]:
    """Which device ASR and the LLM will use, and why (the policy the engines follow)."""
    if gpu.ctranslate2_cuda_devices:
        asr = DeviceChoice("asr", "cuda", "CTranslate2 sees a CUDA GPU; float16 on the GPU")
    elif gpu.ctranslate2_cuda_devices is None:
        asr = DeviceChoice("asr", "none", "CTranslate2 is not installed")
    else:
        asr = DeviceChoice("asr", "cpu", "no CUDA GPU visible to CTranslate2; int8 on the CPU")
    if gpu.llama_cpp_gpu_offload is None:
        llm = DeviceChoice("llm", "none", "llama-cpp-python is not installed")
    elif gpu.llama_cpp_gpu_offload:
        llm = DeviceChoice("llm", "gpu", "llama.cpp was built with GPU offload; layers go to GPU")
    else:
        simd = "AVX2" if "avx2" in cpu.features else "no AVX2: slow"
        llm = DeviceChoice("llm", "cpu", f"llama.cpp was built for the CPU only ({simd})")
    return asr, llm


def gather() -> dict[str, Any]:
    """The whole report as plain data (what `--json` prints)."""
    cpu, gpu = cpu_report(), gpu_report()
    asr, llm = choose_devices(gpu, cpu)
    packs = [
        {
            "name": s.name,
            "installed": s.installed,
            "verified": s.verified,
            "size": s.size,
            "path": None if s.path is None else str(s.path),
            "detail": s.detail,
        }
        for s in list_packs()
    ]
    return {
        "parley": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "audio": dataclasses.asdict(audio_report()),
        "models": packs,
        "cpu": dataclasses.asdict(cpu),
        "gpu": dataclasses.asdict(gpu),
        "devices": {"asr": dataclasses.asdict(asr), "llm": dataclasses.asdict(llm)},
    }


def _print_text(r: dict[str, Any]) -> None:
    print(f"Parley {r['parley']} on Python {r['python']}, {r['platform']}")
    audio = r["audio"]
    print(f"\nAudio ({audio['portaudio'] or 'PortAudio unavailable'}):")
    for d in audio["devices"]:
        mark = " [default input]" if d["default_input"] else ""
        print(f"  {d['index']:>3}  {d['name']} ({d['hostapi']}; in {d['inputs']}, out {d['outputs']}){mark}")  # fmt: skip
    if audio["problem"]:
        print(f"  ! {audio['problem']}")
    print("\nModels:")
    for m in r["models"]:
        state = "verified" if m["verified"] else ("installed" if m["installed"] else "missing")
        print(f"  {m['name']:<14} {state:<9} {m['detail']}")
    cpu = r["cpu"]
    print(f"\nCPU: {cpu['model']}, {cpu['cores']} logical cores")
    print(f"  features: {', '.join(cpu['features']) or 'none of ' + ', '.join(_CPU_FLAGS)}")
    gpu = r["gpu"]
    cuda = gpu["ctranslate2_cuda_devices"]
    offload = gpu["llama_cpp_gpu_offload"]
    print("\nGPU:")
    print(f"  CUDA devices seen by CTranslate2: {'n/a' if cuda is None else cuda}")
    print(f"  llama.cpp GPU offload: {'n/a' if offload is None else ('yes' if offload else 'no')}")
    for note in gpu["notes"]:
        print(f"  ! {note}")
    print("\nDevices:")
    for engine in ("asr", "llm"):
        d = r["devices"][engine]
        print(f"  {engine.upper()}: {d['device']} ({d['reason']})")


def run(args: argparse.Namespace) -> int:
    report = gather()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print_text(report)
    sys.stdout.flush()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "doctor",
        help="what this machine has: audio devices, models, CPU features, GPU",
        description="Report audio devices, model packs, CPU features and GPUs, and which device "
        "speech recognition and the LLM will use. Uses no network.",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)
