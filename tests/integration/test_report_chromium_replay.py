"""Replaying timed calls through the real pipeline (no LLM) gives a report in which the
scripted objections appear with three paths, and the report opens in headless Chromium with no
console errors.

Two sets of calls: the project's own labelled calls (`tests/data/suggest_calls`, with their
playbooks in `tests/data/playbooks`), which run everywhere, and the timed evaluation calls,
which run wherever `../shared/eval` exists.
"""

from __future__ import annotations

import json
from pathlib import Path

from desktop.report import Timeline, export, write_report
from inference.events import Event
from tests.integration.test_report_chromium import _console_lines, _run_chromium


def _timed_calls(folder: Path) -> list[Path]:
    calls = []
    for path in sorted(
        (folder / "calls" if (folder / "calls").is_dir() else folder).glob("*.json")
    ):
        turns = json.loads(path.read_text(encoding="utf-8"))["turns"]
        if all("start" in t and "end" in t for t in turns):
            calls.append(path)
    return calls


def _replay(call: Path, playbook: Path) -> list[Event]:
    from desktop.session_options import SessionOptions
    from desktop.session_runner import RunningSession

    events: list[Event] = []
    options = SessionOptions(
        mode="replay", input=call, playbooks=(playbook,), speed=None, use_llm=False
    )
    session = RunningSession(options, sinks=[events.append])
    session.start()
    assert session.wait(300), "the replay did not finish in 300 s"
    assert session.error is None, session.error
    return events


OWN_DATA = Path(__file__).resolve().parents[1] / "data"


def test_scripted_objections_appear_with_three_paths(eval_dir: Path, tmp_path: Path) -> None:
    """Most scripted objections of the timed calls reach the report with three paths: the
    detectors miss some (an unsure objection waits for the customer's next sentence, and is
    dropped when it does not come), so the test states a rate, not every one."""
    calls = _timed_calls(eval_dir)
    assert calls, "no timed evaluation call found"
    # The timed calls hold 7 scripted objections: at least 6 must be served (the rest may be
    # missed or left unconfirmed by the detectors).
    _check_reports(calls, eval_dir / "products", tmp_path, rate=0.75)


def test_own_scripted_objections_appear_with_three_paths(tmp_path: Path) -> None:
    """The same check on the project's own labelled calls, so it runs on any clone."""
    calls = _timed_calls(OWN_DATA / "suggest_calls")
    assert len(calls) >= 6
    _check_reports(calls, OWN_DATA / "playbooks", tmp_path, rate=0.75)


def _check_reports(calls: list[Path], products: Path, tmp_path: Path, *, rate: float) -> None:
    served = total = 0
    for call in calls:
        script = json.loads(call.read_text(encoding="utf-8"))
        playbook = products / script["product"]
        timeline = Timeline.from_events(_replay(call, playbook))
        scripted = [t for t in script["turns"] if t.get("objection")]
        assert scripted
        found_here = 0
        for turn in scripted:
            total += 1
            found = [  # a confirmed objection spans the turn that raised it
                o
                for o in timeline.objections
                if o.start <= turn["start"] + 0.01 and o.end >= turn["end"] - 0.01
            ]
            if not found:
                continue
            served += 1
            found_here += 1
            shown = [slot.shown for slot in found[0].slots]
            assert all(p is not None and p.text.strip() for p in shown), found[0]

        report = write_report(timeline, tmp_path / f"{call.stem}.html", title=call.stem)
        export(timeline, "srt", tmp_path / f"{call.stem}.srt")
        dom = _run_chromium(report.as_uri(), tmp_path, "--dump-dom")
        assert dom.returncode == 0 and _console_lines(dom.stderr) == []
        assert dom.stdout.count('<section class="objection"') >= found_here
    assert served >= rate * total, f"{served} of {total} scripted objections served"
