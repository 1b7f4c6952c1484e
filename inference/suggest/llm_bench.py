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
from inference.llm.backend import LlamaBackend
from inference.llm.types import LlmConfig
from inference.playbook.model import PlaybookEntry
from inference.suggest.llm_prompt import CUT_MARKER, PromptLimits, cut_prefix, messages_for
from inference.suggest.llm_writer import LlmRefinedWriter, LlmWriterConfig
from inference.suggest.types import STRATEGIES, ContextLine, RefinedJob, RefinedPath

_ENTRIES_EN = (
    PlaybookEntry(
        "product.md",
        "Pricing",
        "Standard plan: $39 per agent per month, billed monthly. Annual plan: 20% off the "
        "standard price, paid up front. Free trial: 30 days, up to 10 agents, no card needed.",
        "en",
    ),
    PlaybookEntry(
        "product.md",
        "Customer stories",
        "A regional retailer cut first response time from nine hours to two within one "
        "quarter. A hospital group migrated 400,000 historical tickets in 11 days.",
        "en",
    ),
    PlaybookEntry(
        "product.md",
        "Onboarding",
        "Standard go-live takes two weeks with a named customer success manager. Free "
        "migration of tickets, macros and knowledge base from the previous tool.",
        "en",
    ),
)
_CONTEXT_EN = (
    ContextLine(
        "rep", "Thanks for making time today, I'd like to show how we'd fit your team.", "r1"
    ),
    ContextLine(
        "customer", "Sure. We have about thirty agents answering from a shared inbox.", "c1"
    ),
    ContextLine(
        "rep", "For thirty agents on the annual plan you'd be near fourteen thousand a year.", "r2"
    ),
    ContextLine(
        "customer",
        "Honestly that is a lot more than we expected. Another vendor quoted half.",
        "c2",
    ),
)
_ENTRIES_ZH = (
    PlaybookEntry(
        "product_zh.md",
        "价格",
        "标准价：每坐席每月299元。年付：标准价八折。免费试用30天，最多10个坐席。",
        "zh",
    ),
    PlaybookEntry(
        "product_zh.md",
        "客户案例",
        "某连锁零售企业上线一个季度后，首次响应时间从9小时降到2小时。",
        "zh",
    ),
    PlaybookEntry(
        "product_zh.md",
        "上线与服务",
        "标准上线周期两周，配专属客户成功经理，免费迁移旧系统数据。",
        "zh",
    ),
)
_CONTEXT_ZH = (
    ContextLine("rep", "您好，今天想给您介绍一下我们的客服系统。", "r1"),
    ContextLine("customer", "好的，我们大概有三十个客服。", "c1"),
    ContextLine("rep", "三十个坐席按年付的话，一年大约八万六千元。", "r2"),
    ContextLine("customer", "这个价格比我们预想的高太多了，别家报价便宜一半。", "c2"),
)
RULES = ("A rep may offer at most 10% off the annual price.", "Do not promise roadmap dates.")


def make_job(job_id: int, lang: str) -> RefinedJob:
    """The benchmark's price objection, in English or Chinese."""
    context = _CONTEXT_ZH if lang == "zh" else _CONTEXT_EN
    entries = _ENTRIES_ZH if lang == "zh" else _ENTRIES_EN
    p = SuggestionPath("instant", "…", 0.5, ())
    return RefinedJob(
        job_id=job_id,
        objection=ObjectionEvent(30.0, context[-1].utterance_id, 26.0, 30.0, "price", 0.9),
        utterance_text=context[-1].text,
        lang=lang,
        context=context,
        emotion=None,
        roles=("cfo",),
        entries=entries,
        strategies=STRATEGIES,
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
        "paths": [(p.slot, p.text, p.entry_indices) for p in paths],
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
