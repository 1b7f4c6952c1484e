"""Replaying each timed evaluation call through the real pipeline (no LLM) gives a report in
which every scripted objection appears with three paths, and the report opens in headless
Chromium with no console errors.

Only the calls that carry their own timing (timed transcripts) can be replayed here; the
English calls need audio rendered by a tool that is not part of this repository.
"""

from __future__ import annotations

import json
from pathlib import Path

from desktop.report import Timeline, export, write_report
from inference.events import Event
from tests.integration.test_report_chromium import _console_lines, _run_chromium


def _timed_calls(eval_dir: Path) -> list[Path]:
    calls = []
    for path in sorted((eval_dir / "calls").glob("*.json")):
        turns = json.loads(path.read_text(encoding="utf-8"))["turns"]
        if all("start" in t and "end" in t for t in turns):
            calls.append(path)
    return calls


def _replay(call: Path, playbook: Path) -> list[Event]:
    from desktop.session_runner import RunningSession, SessionOptions

    events: list[Event] = []
    options = SessionOptions(
        mode="replay", input=call, playbooks=(playbook,), speed=None, use_llm=False
    )
    session = RunningSession(options, sinks=[events.append])
    session.start()
    assert session.wait(300), "the replay did not finish in 300 s"
    assert session.error is None, session.error
    return events


def test_every_scripted_objection_appears_with_three_paths(eval_dir: Path, tmp_path: Path) -> None:
    calls = _timed_calls(eval_dir)
    assert calls, "no timed evaluation call found"
    for call in calls:
        script = json.loads(call.read_text(encoding="utf-8"))
        playbook = eval_dir / "products" / script["product"]
        timeline = Timeline.from_events(_replay(call, playbook))
        scripted = [t for t in script["turns"] if t.get("objection")]
        assert scripted
        for turn in scripted:
            found = [
                o
                for o in timeline.objections
                if abs(o.start - turn["start"]) < 0.01 and abs(o.end - turn["end"]) < 0.01
            ]
            assert found, f"{call.name}: no objection at {turn['start']}-{turn['end']} s"
            (objection,) = found
            shown = [slot.shown for slot in objection.slots]
            assert all(p is not None and p.text.strip() for p in shown), objection
            assert objection.rep_reply is not None

        report = write_report(timeline, tmp_path / f"{call.stem}.html", title=call.stem)
        export(timeline, "srt", tmp_path / f"{call.stem}.srt")
        dom = _run_chromium(report.as_uri(), tmp_path, "--dump-dom")
        assert dom.returncode == 0 and _console_lines(dom.stderr) == []
        assert dom.stdout.count('<section class="objection"') >= len(scripted)
