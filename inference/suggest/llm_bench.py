"""Timing of the refined writer on a fixed, made-up objection (`python -m inference.suggest.llm_bench`).

Measures, for a prompt of about 350 tokens: time from submit to the first finished path and to
all three, with a cold cache (nothing cached but what an earlier run left of the system
prompt) and with the conversation prefilled; batched (three sequences per decode step) and
sequential. Prints one JSON object. The content is invented and names no real product.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import sys
import time
from pathlib import Path

from inference.events import ObjectionEvent, SuggestionPath
from inference.guard import ComplianceGuard
from inference.llm.backend import LlamaBackend
from inference.llm.types import LlmConfig
from inference.playbook.model import PlaybookEntry
from inference.playbook.playbook import build_playbook
from inference.suggest.checker import PathChecker
from inference.suggest.engine import _task
from inference.suggest.llm_prompt import CUT_MARKER, PromptLimits, cut_prefix, messages_for
from inference.suggest.llm_writer import LlmRefinedWriter, LlmWriterConfig
from inference.suggest.planner import MovePlanner
from inference.suggest.situation import read_situation
from inference.suggest.types import ContextLine, RefinedJob, RefinedPath

# An invented product (vibration sensors for factory machines) and an invented call.
_ENTRIES_EN = (
    PlaybookEntry(
        "product.md",
        "Pricing",
        "Sensor plan: $18 per machine per month, billed monthly. Annual plan: 12% off, paid "
        "up front. Pilot: 30 days free on up to 20 machines, no contract.",
        "en",
    ),
    PlaybookEntry(
        "product.md",
        "Results",
        "A bottling plant cut unplanned downtime by 31% in the first six months. A paper mill "
        "found 4 failing bearings in its first week.",
        "en",
    ),
    PlaybookEntry(
        "product.md",
        "Installation",
        "Sensors clip on without drilling; a plant of 100 machines is live in 3 days.",
        "en",
    ),
)
_CONTEXT_EN = (
    ContextLine("rep", "Thanks for the plant tour last week, I've sized the setup for you.", "r1"),
    ContextLine("customer", "Good. We run about eighty presses on two shifts.", "c1"),
    ContextLine(
        "rep", "For eighty presses on the annual plan it comes to about $15,000 a year.", "r2"
    ),
    ContextLine(
        "customer", "That's steep. Our maintenance budget barely covers spare parts.", "c2"
    ),
)
_ENTRIES_ZH = (
    PlaybookEntry(
        "product_zh.md",
        "价格",
        "传感器套餐：每台设备每月120元。年付：八八折。试点：30天免费，最多20台设备。",
        "zh",
    ),
    PlaybookEntry(
        "product_zh.md",
        "客户案例",
        "某饮料灌装厂上线半年后非计划停机减少31%。",
        "zh",
    ),
    PlaybookEntry("product_zh.md", "安装", "传感器免打孔安装，100台设备3天即可上线。", "zh"),
)
_CONTEXT_ZH = (
    ContextLine("rep", "上周参观完车间，我按你们的设备数做了方案。", "r1"),
    ContextLine("customer", "好的，我们有八十台冲压机，两班倒。", "c1"),
    ContextLine("rep", "八十台按年付算，一年大约十万元。", "r2"),
    ContextLine("customer", "太贵了，我们维修的钱连备件都不太够。", "c2"),
)
RULES = ("A rep may offer at most 10% off the annual price.", "Do not promise roadmap dates.")


def make_job(job_id: int, lang: str) -> RefinedJob:
    """The benchmark's price objection, in English or Chinese, planned like a real one."""
    context = _CONTEXT_ZH if lang == "zh" else _CONTEXT_EN
    entries = _ENTRIES_ZH if lang == "zh" else _ENTRIES_EN
    playbook = build_playbook(entries)
    planner = MovePlanner(
        playbook, guard=ComplianceGuard(playbook.rules), checker=PathChecker(playbook)
    )
    situation = read_situation(
        text=context[-1].text,
        lang=lang,
        category="price",
        confidence=0.9,
        context=[(c.speaker, c.text) for c in context[:-1]],
    )
    plan = planner.plan(situation)
    # Three branches, as many as a job can hold (the heaviest case; by default fact lines are kept).
    m0, m1, m2 = (_task(p, rewrite_facts=True) for p in plan.moves)
    p = SuggestionPath("instant", "…", 0.5, ())
    return RefinedJob(
        job_id=job_id,
        objection=ObjectionEvent(30.0, context[-1].utterance_id, 26.0, 30.0, "price", 0.9),
        utterance_text=context[-1].text,
        lang=lang,
        context=context,
        emotion=None,
        roles=(),
        moves=(m0, m1, m2),
        instant=(p, p, p),
        rules=RULES,
    )


def run_once(
    writer: LlmRefinedWriter, backend: LlamaBackend, job: RefinedJob, *, prefill: bool
) -> dict[str, object]:
    """Submit one job; returns seconds to the first and to the last path, and the paths."""
    limits = writer.config.limits
    backend.clear_cache()
    if prefill:
        messages = messages_for(job.context, job.lang, job.rules, CUT_MARKER, limits)
        backend.prefill(cut_prefix(backend.render_chat(messages)))
    events: queue.Queue[tuple[float, RefinedPath | None]] = queue.Queue()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    writer.submit(
        job,
        lambda _j, p: events.put((time.perf_counter() - t0, p)),
        lambda _j, _e: events.put((time.perf_counter() - t0, None)),
    )
    times: list[float] = []
    paths: list[RefinedPath] = []
    while True:
        t, p = events.get(timeout=300)
        if p is None:
            break
        times.append(t)
        paths.append(p)
    return {
        "cpu_s": round(time.process_time() - cpu0, 2),
        "first_s": round(times[0], 2) if times else None,
        "all_s": round(times[-1], 2) if len(times) == 3 else None,
        "prompt_evaluated": backend.stats.last_prompt_evaluated,
        "prompt_reused": backend.stats.last_prompt_reused,
        "paths": [(p.slot, p.text) for p in paths],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", type=Path, default=None, help="GGUF file (default: llm-default)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--lang", default="en")
    ap.add_argument("--modes", default="batched,sequential")
    ap.add_argument("--cache", default="cold,prefilled")
    args = ap.parse_args(argv)
    path = args.model
    if path is None:
        from models.registry import model_path

        path = model_path("llm-default")
    report: dict[str, object] = {
        "model": str(path),
        "threads": args.threads,
        "lang": args.lang,
        "load_before": os.getloadavg(),
    }
    for mode in args.modes.split(","):
        parallel = 3 if mode == "batched" else 1
        backend = LlamaBackend(
            LlmConfig(model_path=path, n_threads=args.threads, n_parallel=parallel)
        )
        writer = LlmRefinedWriter(LlmWriterConfig(limits=PromptLimits()), backend=backend)
        try:
            job_id = 0
            for prefill in [c == "prefilled" for c in args.cache.split(",")]:
                runs = []
                for _ in range(args.runs):
                    job_id += 1
                    runs.append(
                        run_once(writer, backend, make_job(job_id, args.lang), prefill=prefill)
                    )
                    print(mode, "prefill" if prefill else "cold", runs[-1], file=sys.stderr)
                key = f"{mode}_{'prefilled' if prefill else 'cold'}"
                firsts = [r["first_s"] for r in runs if r["first_s"] is not None]
                alls = [r["all_s"] for r in runs if r["all_s"] is not None]
                report[key] = {
                    "median_first_s": statistics.median(firsts) if firsts else None,  # type: ignore[type-var]
                    "median_all_s": statistics.median(alls) if alls else None,  # type: ignore[type-var]
                    "runs": runs,
                }
        finally:
            writer.close()
    report["load_after"] = os.getloadavg()
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
