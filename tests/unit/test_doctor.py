"""`parley doctor`: the device policy and the JSON report's shape."""

from __future__ import annotations

import json

from desktop.cli import main
from desktop.commands.doctor import CpuReport, GpuReport, choose_devices

_CPU = CpuReport("test cpu", 2, ("avx2", "fma"))


def test_asr_uses_cuda_when_ctranslate2_sees_a_gpu() -> None:
    asr, llm = choose_devices(GpuReport(1, True), _CPU)
    assert (asr.device, llm.device) == ("cuda", "gpu")


def test_everything_on_cpu_without_a_gpu() -> None:
    asr, llm = choose_devices(GpuReport(0, False), _CPU)
    assert (asr.device, llm.device) == ("cpu", "cpu")
    assert "no CUDA GPU" in asr.reason and "CPU only" in llm.reason


def test_missing_engines_are_reported_as_such() -> None:
    asr, llm = choose_devices(GpuReport(None, None), _CPU)
    assert (asr.device, llm.device) == ("none", "none")


def test_json_report_has_every_section(capsys) -> None:
    assert main(["doctor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"audio", "models", "cpu", "gpu", "devices"} <= set(report)
    assert {m["name"] for m in report["models"]} >= {"asr-base", "llm-default"}
    assert report["cpu"]["cores"] >= 1
    assert report["devices"]["asr"]["reason"]
