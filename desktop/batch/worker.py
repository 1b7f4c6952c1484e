"""A batch worker: one process that keeps its models loaded and replays file after file.

`ReplayWorker` is plain Python; `desktop.batch.runner` makes it a Ray actor. It receives each
file's bytes (so a node of a cluster needs no shared folder), runs the session unpaced, and
returns the rendered report (redacted unless the user said otherwise) and the facts the team
summary counts. It writes nothing and stores nothing: no session store, no audit log, no key.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from desktop.version import __version__

_slot_lock: Any = None  # held for the life of the worker process


def _node_slot(slots: int, rank: int) -> int:
    """A slot of this machine no other live worker holds (an empty lock file per slot, in the
    temporary folder, locked until this process ends), else `rank`'s."""
    global _slot_lock
    import fcntl

    folder = Path(tempfile.gettempdir()) / f"parley-batch-cores-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    for slot in range(slots):
        f = (folder / str(slot)).open("a")
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()
            continue
        _slot_lock = f
        return slot
    return rank % max(1, slots)


def pin_cores(count: int, rank: int) -> list[int]:
    """Run this process on `count` of the cores it may use, a slice no other worker of this
    machine runs on (while there are enough), so that every thread count derived from the cores
    (`available_cores`) follows what Ray gave."""
    try:
        allowed = sorted(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux: nothing to pin
        return []
    count = max(1, min(count, len(allowed)))
    start = _node_slot(len(allowed) // count, rank) * count
    cores = [allowed[(start + i) % len(allowed)] for i in range(count)]
    os.sched_setaffinity(0, cores)
    return cores


class ReplayWorker:
    """Replays files with the models loaded once.

    Args:
        settings: what every file of the batch shares (see `runner.batch_settings`).
        cores: CPU cores Ray gave this worker; its threads follow them (0: not pinned).
        rank: the worker's number (which cores it is pinned to).
    """

    def __init__(self, settings: dict[str, Any], cores: int, rank: int) -> None:
        if settings["version"] != __version__:
            raise RuntimeError(
                f"this node runs Parley {__version__}, the batch was started with "
                f"{settings['version']}: install the same version on every node"
            )
        self.settings = settings
        self.cores = pin_cores(cores, rank) if cores > 0 else []
        from desktop.batch import resident

        resident.activate()
        self._playbook: Any = None
        if settings["playbooks"]:
            from inference.playbook import load_playbook

            self._playbook = load_playbook([Path(p) for p in settings["playbooks"]])

    def info(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "cores": self.cores, "version": __version__}

    def replay(self, name: str, data: bytes) -> dict[str, Any]:
        """Replay one file (its name and bytes); never raises for a broken file: the result
        says what went wrong."""
        began = time.monotonic()
        try:
            with tempfile.TemporaryDirectory(prefix="parley-batch-") as tmp:
                return self._replay(name, data, Path(tmp), began)
        except Exception as e:  # a broken file must not stop the batch
            message = str(e).replace(str(Path(tempfile.gettempdir())), "…")
            return {"name": name, "ok": False, "error": message or type(e).__name__}

    def _replay(self, name: str, data: bytes, tmp: Path, began: float) -> dict[str, Any]:
        from desktop.report.html import render_report
        from desktop.report.timeline import Timeline
        from desktop.session_runner import RunningSession, SessionOptions
        from inference.events import Event
        from inference.timed_transcript import looks_like_timed_transcript

        s = self.settings
        path = Path(name)
        audio: bytes | None = data
        if looks_like_timed_transcript(path):
            # A timed transcript is read from a file: a private one, gone after this call.
            path = tmp / Path(name).name
            path.write_bytes(data)
            audio = None
        options = SessionOptions(
            mode="replay",
            input=path,
            input_audio=audio,
            speed=None,
            playbooks=tuple(Path(p) for p in s["playbooks"]),
            use_llm=s["use_llm"],
            hotwords=tuple(s["hotwords"]),
            mono_party=s["mono_party"],
            asr_pack=s["asr_pack"],
            llm_pack=s["llm_pack"],
            language=s["language"],
            device=s["device"],
            warmup=False,
        )
        events: list[Event] = []
        session = RunningSession(options, sinks=[events.append])
        session.run()
        if session.error is not None:
            return {
                "name": name,
                "ok": False,
                "error": str(session.error).replace(str(tmp), "").lstrip("/"),
            }
        timeline = Timeline.from_events(events, choices=())
        redact = bool(s["redact"])
        html = render_report(timeline, title=f"Parley replay: {name}", redact=redact)
        return {
            "name": name,
            "ok": True,
            "html": html,
            "audio_s": timeline.duration,
            "wall_s": time.monotonic() - began,
            "facts": call_facts(timeline, self._playbook, redact=redact),
        }


def call_facts(timeline: Any, playbook: Any, *, redact: bool) -> dict[str, Any]:
    """What the team summary counts about one call; nothing about who the rep was.

    Emotion is the call's: the customer's mean valence over the opening, middle and closing
    third of the call (None where a third has no emotion point)."""
    from desktop.report.redaction import redact_timeline, redactor

    tl = redact_timeline(timeline, redactor()) if redact else timeline
    scrub = redactor() if redact else (lambda text: text)
    categories = Counter(o.category for o in tl.objections)
    strategies: Counter[str] = Counter()
    for o in tl.objections:
        for slot in o.slots:
            shown = slot.shown
            if shown is not None:
                strategies[shown.strategy] += 1
    roles = sorted({scrub(r) for point in tl.roles for r in point.roles})
    competitors: list[str] = []
    if playbook is not None:
        said = " ".join(u.text.lower() for u in tl.utterances if u.speaker == "customer")
        competitors = sorted(
            {scrub(c) for c in getattr(playbook, "competitors", ()) if c and c.lower() in said}
        )
    thirds: list[float | None] = []
    duration = tl.duration or 0.0
    for i in range(3):
        lo, hi = duration * i / 3, duration * (i + 1) / 3
        points = [p.valence_score for p in tl.emotion if lo <= p.t < hi or (i == 2 and p.t >= hi)]
        thirds.append(round(sum(points) / len(points), 3) if points else None)
    return {
        "objections": dict(categories),
        "paths": dict(strategies),
        "decision_makers": roles,
        "competitors": competitors,
        "emotion_thirds": thirds,
        "duration_s": round(duration, 2),
    }
