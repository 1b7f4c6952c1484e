"""The team summary: what a folder of calls holds, beside the per-call reports.

It counts calls, never reps: objection categories, the paths suggested, the competitors and
decision-makers customers named, the customer's emotion over the call (opening, middle, close;
a property of calls, never a measure of a rep), and, where the head's session store has them
(live sessions), which of the three paths reps chose and how trainers rated the suggestions,
as totals. Every text in it went through the same redaction as the call reports.
"""

from __future__ import annotations

from collections import Counter
from html import escape
from pathlib import Path
from typing import Any

from desktop.version import __version__

_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
    "table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;"
    "padding:.25rem .6rem;text-align:left}.note{background:#f4f4f4;padding:.6rem}"
    ".muted{color:#666}"
)
_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def summarize(records: list[dict[str, Any]], failed: list[dict[str, str]]) -> dict[str, Any]:
    """Totals over the calls' records (`facts` as `worker.call_facts` wrote them)."""
    objections: Counter[str] = Counter()
    paths: Counter[str] = Counter()
    competitors: Counter[str] = Counter()
    roles: Counter[str] = Counter()
    thirds: list[list[float]] = [[], [], []]
    better = worse = 0
    audio_s = 0.0
    for record in records:
        facts = record.get("facts", {})
        audio_s += float(record.get("audio_s", 0.0))
        objections.update(facts.get("objections", {}))
        paths.update(facts.get("paths", {}))
        competitors.update(facts.get("competitors", []))  # calls that named each
        roles.update(facts.get("decision_makers", []))
        values = facts.get("emotion_thirds", [None, None, None])
        for i, v in enumerate(values[:3]):
            if v is not None:
                thirds[i].append(float(v))
        if values[0] is not None and values[2] is not None:
            if values[2] > values[0]:
                better += 1
            elif values[2] < values[0]:
                worse += 1
    return {
        "calls": len(records),
        "failed": failed,
        "audio_hours": round(audio_s / 3600, 4),
        "objections": dict(objections.most_common()),
        "paths": dict(paths.most_common()),
        "competitors": dict(competitors.most_common()),
        "decision_makers": dict(roles.most_common()),
        "emotion": {
            "mean_by_third": [round(sum(t) / len(t), 3) if t else None for t in thirds],
            "calls_ending_warmer": better,
            "calls_ending_cooler": worse,
        },
    }


def store_totals(key: Any, directory: Path | None = None) -> dict[str, Any] | None:
    """Rep choices and trainer ratings of the live sessions in this machine's store (opened
    with `key`; `directory`: the data directory by default), as totals (no session, rep or
    text); None without a key."""
    if key is None:
        return None
    try:
        from desktop.store import SessionStore

        with SessionStore.open(key=key, directory=directory, purge=False) as store:
            chosen: Counter[int] = Counter()
            ratings: Counter[int] = Counter()
            live = 0
            for info in store.list_sessions():
                if info.kind != "live":
                    continue
                live += 1
                chosen.update(c.path + 1 for c in store.load_choices(info.session_id))
                ratings.update(
                    n.rating
                    for n in store.load_review_notes(info.session_id)
                    if n.rating is not None
                )
    except Exception as e:  # the summary goes on without the store
        return {"error": str(e)}
    return {
        "live_sessions": live,
        "choices_by_path": {str(k): v for k, v in sorted(chosen.items())},
        "ratings": {str(k): v for k, v in sorted(ratings.items())},
    }


def _table(title: str, counts: dict[str, Any], what: str) -> str:
    if not counts:
        return f'<h2>{escape(title)}</h2><p class="muted">None in these calls.</p>'
    rows = "".join(
        f"<tr><td>{escape(str(k))}</td><td>{escape(str(v))}</td></tr>" for k, v in counts.items()
    )
    return (
        f"<h2>{escape(title)}</h2><table><thead><tr><th>{escape(what)}</th><th>count</th></tr>"
        f"</thead><tbody>{rows}</tbody></table>"
    )


def _value(v: float | None) -> str:
    return "no emotion data" if v is None else f"{v:+.2f}"


def render(summary: dict[str, Any], store: dict[str, Any] | None, *, redact: bool) -> str:
    """The team summary as one self-contained HTML page."""
    emotion = summary["emotion"]
    third = emotion["mean_by_third"]
    emotion_html = (
        "<h2>Customer emotion over the call</h2>"
        '<p class="note">Emotion describes how customers felt during calls. It is a property '
        "of the calls, never a measure of a rep, and this summary holds nothing per rep.</p>"
        "<table><thead><tr><th>part of the call</th><th>mean valence (-1 to +1)</th></tr>"
        f"</thead><tbody><tr><td>opening third</td><td>{_value(third[0])}</td></tr>"
        f"<tr><td>middle third</td><td>{_value(third[1])}</td></tr>"
        f"<tr><td>closing third</td><td>{_value(third[2])}</td></tr></tbody></table>"
        f"<p>{emotion['calls_ending_warmer']} calls ended warmer than they began, "
        f"{emotion['calls_ending_cooler']} cooler.</p>"
    )
    if store is None:
        store_html = (
            '<p class="muted">No session store was opened on this machine (none exists, or no '
            "key): rep choices and trainer ratings are not counted.</p>"
        )
    elif "error" in store:
        store_html = (
            f'<p class="muted">The session store could not be read ({escape(store["error"])}).</p>'
        )
    else:
        store_html = (
            f"<p>{store['live_sessions']} live sessions in this machine's store.</p>"
            + _table("Paths reps chose (live sessions)", store["choices_by_path"], "path")
            + _table("Trainers' ratings of the suggestions", store["ratings"], "rating (1-5)")
        )
    failed = ""
    if summary["failed"]:
        items = "".join(
            f"<li>{escape(f['name'])}: {escape(f['error'])}</li>" for f in summary["failed"]
        )
        failed = f"<h2>Files that could not be replayed</h2><ul>{items}</ul>"
    redaction = (
        "Phone numbers, e-mail addresses, card and ID numbers are redacted."
        if redact
        else "Not redacted: this summary may contain personal data."
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        f'<meta name="generator" content="Parley {escape(__version__)}">'
        f"<title>Parley team summary</title><style>{_CSS}</style></head><body>"
        "<h1>Team summary</h1>"
        f"<p>{summary['calls']} calls, {summary['audio_hours'] * 60:.1f} minutes of "
        f"conversation; {len(summary['failed'])} files failed.</p><p>{redaction}</p>"
        + _table("Objection categories", summary["objections"], "category")
        + _table("Paths suggested", summary["paths"], "strategy")
        + _table("Competitors customers named", summary["competitors"], "competitor (calls)")
        + _table("Decision-makers customers named", summary["decision_makers"], "role (calls)")
        + emotion_html
        + "<h2>Reps' choices and trainers' ratings</h2>"
        + store_html
        + failed
        + "</body></html>\n"
    )
