"""The batch's bookkeeping without Ray: which report is complete for which key, atomic writes,
report names, the team totals, and the guard's one allowance (the named cluster)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from desktop.batch import keys, runner, team
from desktop.privacy import netguard
from desktop.privacy.errors import NetworkBlockedError


def test_a_report_is_complete_only_for_its_key_and_while_it_exists(tmp_path: Path) -> None:
    keys.write_atomic(tmp_path / "a.html", b"<html></html>")
    keys.write_record(tmp_path, "a.html", {"key": "k1", "report": "a.html"})
    assert keys.complete_record(tmp_path, "a.html", "k1") is not None
    assert keys.complete_record(tmp_path, "a.html", "k2") is None  # another key
    (tmp_path / "a.html").unlink()
    assert keys.complete_record(tmp_path, "a.html", "k1") is None  # the report is gone
    keys.record_path(tmp_path, "b.html").write_text("{half", encoding="utf-8")
    (tmp_path / "b.html").write_text("x", encoding="utf-8")
    assert keys.complete_record(tmp_path, "b.html", "k1") is None  # a record that does not parse
    assert not [p for p in tmp_path.rglob("*.part")]


def test_the_key_changes_with_input_playbook_models_and_options(tmp_path: Path) -> None:
    settings = {
        "redact": True,
        "language": "en",
        "mono_party": "customer",
        "hotwords": [],
        "use_llm": True,
        "device": "cpu",
    }
    base = keys.settings_key(settings, {"llm": "m1"}, "p1")
    assert keys.settings_key(settings, {"llm": "m2"}, "p1") != base
    assert keys.settings_key(settings, {"llm": "m1"}, "p2") != base
    assert keys.settings_key(settings | {"redact": False}, {"llm": "m1"}, "p1") != base
    assert keys.file_key(base, "h1") != keys.file_key(base, "h2")
    pb = tmp_path / "pb"
    pb.mkdir()
    (pb / "a.md").write_text("one", encoding="utf-8")
    before = keys.tree_hash([pb])
    (pb / "a.md").write_text("two", encoding="utf-8")
    assert keys.tree_hash([pb]) != before


def test_inputs_with_one_stem_keep_their_suffix_in_the_report_name() -> None:
    names = runner.report_names([Path("a.wav"), Path("a.json"), Path("b.flac")])
    assert names == {
        Path("a.wav"): "a.wav.html",
        Path("a.json"): "a.json.html",
        Path("b.flac"): "b.html",
    }


def test_team_totals_count_calls_and_emotion_by_part_of_the_call() -> None:
    records = [
        {"audio_s": 600, "facts": {"objections": {"price": 2}, "competitors": ["Rival"],
                                    "emotion_thirds": [-0.5, 0.0, 0.5]}},
        {"audio_s": 300, "facts": {"objections": {"price": 1, "timing": 1},
                                    "emotion_thirds": [0.2, None, -0.2]}},
    ]  # fmt: skip
    summary = team.summarize(records, [{"name": "x.wav", "error": "unreadable"}])
    assert summary["calls"] == 2 and summary["audio_hours"] == 0.25
    assert summary["objections"] == {"price": 3, "timing": 1}
    assert summary["competitors"] == {"Rival": 1}
    assert summary["emotion"] == {
        "mean_by_third": [-0.15, 0.0, 0.15],
        "calls_ending_warmer": 1,
        "calls_ending_cooler": 1,
    }
    html = team.render(summary, None, redact=True)
    assert "x.wav" in html and "never a measure of a rep" in html


def test_the_guard_lets_only_the_named_cluster_through() -> None:
    with netguard.no_network():
        with netguard.allowing(["203.0.113.9"]):
            assert netguard.permits("203.0.113.9") and not netguard.permits("203.0.113.10")
            with pytest.raises(NetworkBlockedError):
                socket.getaddrinfo("203.0.113.10", 80)
        assert not netguard.permits("203.0.113.9")
        with pytest.raises(NetworkBlockedError):
            socket.getaddrinfo("203.0.113.9", 80)


def test_a_cluster_host_is_read_from_its_address() -> None:
    assert runner._cluster_host("10.0.0.5:6379") == "10.0.0.5"
    assert runner._cluster_host("ray://head.example:10001") == "head.example"
    with pytest.raises(runner.BatchError):
        runner._cluster_host(":6379")


def test_the_store_gives_choices_and_ratings_of_live_sessions_as_totals(tmp_path: Path) -> None:
    from desktop.privacy.keys import DataKey, ephemeral_key
    from desktop.store import SessionMeta, SessionStore
    from tests.unit.review_events import PRICE_OBJECTION, scripted_events

    raw = ephemeral_key()
    key = DataKey(secret=raw.secret, key_id=raw.key_id, source="passphrase")
    with SessionStore.open(key=key, directory=tmp_path) as store:
        for kind, path in (("live", 1), ("live", 2), ("replay", 0)):
            writer = store.begin(SessionMeta(kind=kind, title="call"))
            for event in scripted_events():
                writer(event)
            writer.record_choice(PRICE_OBJECTION, path, t=7.0)
            assert writer.close()
            store.add_review_note(writer.session_id, PRICE_OBJECTION, rating=path + 2, text="")
    totals = team.store_totals(key, tmp_path)
    assert totals == {
        "live_sessions": 2,
        "choices_by_path": {"2": 1, "3": 1},
        "ratings": {"3": 1, "4": 1},
    }
    assert team.store_totals(None, tmp_path) is None
    html = team.render(team.summarize([], []), totals, redact=True)
    assert "Paths reps chose" in html and "2 live sessions" in html
