#!/usr/bin/env python3
"""Write a scripted events JSONL for a timed call transcript, for the app screenshot.

Usage: screenshot_events.py CALL.json OUT.jsonl

Used by scripts/screenshot.sh while no real session runner is available (or when asked with
PARLEY_SCREENSHOT_SCRIPTED=1). Transcript, emotion, roles and objections follow the call file's
turns and labels; the suggestion texts are generic placeholders in the call's language, so the
screenshot shows the overlay's three cards (instant, then refined) without any model.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from inference.events import (
    EmotionEvent,
    Event,
    ObjectionEvent,
    RolesEvent,
    Source,
    StatusEvent,
    SuggestionEvent,
    SuggestionPath,
    TermsEvent,
    TranscriptEvent,
    to_json,
)

_PATHS = {
    "zh": (
        ("先问清对比范围", "方便说一下对方方案具体包含哪些功能吗？我们逐项对一下，再看总成本。"),
        ("用试用证明价值", "我们可以先开 30 天试用，用真实数据给决策人看效果，再谈价格。"),
        ("分阶段上线", "可以先上核心坐席，效果出来后再扩展，前期投入会小很多。"),
    ),
    "en": (
        ("Clarify the comparison", "Could you walk me through what their offer includes?"),
        ("Prove value with a trial", "Let's run a 30-day trial on your own data first."),
        ("Phase the rollout", "We can start with the core team and expand once it pays off."),
    ),
}
_LABELS = {"negative": "concerned", "neutral": "calm", "positive": "pleased"}
_TERMS = (
    "坐席",
    "报表",
    "私有化部署",
    "试用",
    "数据安全",
    "机房",
    "SLA",
    "SSO",
    "agents",
    "tickets",
)


def build(call: dict) -> list[Event]:
    lang = str(call.get("lang", "en"))
    events: list[Event] = [
        StatusEvent(t=0.0, component="asr", state="loading", detail="asr-base"),
        StatusEvent(t=0.0, component="llm", state="loading", detail="llm-default 40%"),
        StatusEvent(t=0.1, component="asr", state="ready"),
    ]
    for i, turn in enumerate(call["turns"]):
        uid = f"{turn['speaker'][0]}{i}"
        start, end, text = float(turn["start"]), float(turn["end"]), str(turn["text"])
        speaker = turn["speaker"]
        party = "customer" if speaker == "customer" else "rep"
        events.append(
            StatusEvent(
                t=start, component="capture", state="level", detail=f"{party} -{18 + i % 5 * 3}.0"
            )
        )
        half = text[: max(1, len(text) // 2)]
        events.append(TranscriptEvent(start + 0.5, speaker, uid, start, end, half, False, lang))
        events.append(TranscriptEvent(end, speaker, uid, start, end, text, True, lang))
        if speaker != "customer":
            continue
        valence = turn.get("valence") or "neutral"
        events.append(EmotionEvent(end, uid, start, end, valence, _LABELS[valence], 0.75))
        terms = tuple(t for t in _TERMS if t in text)
        events.append(TermsEvent(end, uid, terms, 2.0 + 3.0 * len(terms)))
        if turn.get("roles"):
            events.append(RolesEvent(end, uid, tuple(turn["roles"])))
        if turn.get("objection"):
            events.append(ObjectionEvent(end, uid, start, end, turn["objection"], 0.82))
            for stage, dt in (("instant", 0.05), ("refined", 1.8)):
                paths = tuple(
                    SuggestionPath(
                        strategy=strategy,
                        text=body,
                        confidence=(0.84, 0.62, 0.38)[k],
                        sources=(
                            Source(file="playbook.md", heading=strategy),
                            Source(utterance_id=uid),
                        ),
                        complete=stage == "refined",
                    )
                    for k, (strategy, body) in enumerate(_PATHS.get(lang, _PATHS["en"]))
                )
                events.append(SuggestionEvent(end + dt, uid, stage, paths, dt))  # type: ignore[arg-type]
    events.append(StatusEvent(t=events[-1].t, component="llm", state="ready"))
    return sorted(events, key=lambda e: e.t)


def main() -> int:
    call = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    lines = [to_json(e) for e in build(call)]
    Path(sys.argv[2]).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
