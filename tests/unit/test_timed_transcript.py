"""Timed transcripts: turns become final utterances; labels never travel; bad files explain."""

from __future__ import annotations

import json

import pytest

from inference.text import guess_lang
from inference.timed_transcript import TranscriptFileError, load_timed_transcript


def test_turns_sorted_by_end_and_labels_ignored(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(
        json.dumps(
            {
                "lang": "zh",
                "turns": [
                    {
                        "speaker": "customer",
                        "text": "太贵了",
                        "start": 3.0,
                        "end": 4.0,
                        "objection": "price",
                    },
                    {"speaker": "rep", "text": "您好", "start": 0.0, "end": 1.5},
                ],
            }
        ),
        encoding="utf-8",
    )
    turns, lang = load_timed_transcript(path)
    assert lang == "zh"
    assert [t.speaker for t in turns] == ["rep", "customer"]
    assert not hasattr(turns[1], "objection")


@pytest.mark.parametrize(
    "content, needle",
    [
        ("not json", "not a readable timed transcript"),
        ('{"turns": []}', 'no "turns"'),
        ('{"turns": [{"speaker": "rep", "text": "hi"}]}', "numeric start and end"),
        ('{"turns": [{"speaker": "boss", "text": "hi", "start": 0, "end": 1}]}', "speaker"),
    ],
)
def test_malformed_transcripts_say_what_to_do(tmp_path, content, needle):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(TranscriptFileError, match=needle):
        load_timed_transcript(path)


def test_language_guess():
    assert guess_lang("这个价格太高了") == "zh"
    assert guess_lang("The price is too high") == "en"
