"""The samples shipped inside the app, the `parley demo` wiring, and a repository that runs on
its own: the demo, the app and the main scripts never reach for `../shared`."""

from __future__ import annotations

import itertools
import json
import re
import tomllib
from pathlib import Path

import pytest

from desktop.commands.demo import replay_argv
from desktop.samples import SAMPLES_DIR, demo_input, demo_sample
from desktop.samples.render import load_script
from inference.playbook import load_playbook
from inference.timed_transcript import load_timed_transcript, looks_like_timed_transcript
from models.errors import ParleyError

ROOT = Path(__file__).resolve().parents[2]
# What a stranger runs first: none of it may read the workplace's `../shared` folder.
STANDALONE = (
    ROOT / "desktop" / "app_main.py",
    ROOT / "desktop" / "commands" / "demo.py",
    *sorted((ROOT / "desktop" / "samples").glob("*.py")),
    ROOT / "scripts" / "run.sh",
    ROOT / "scripts" / "setup.sh",
    ROOT / "scripts" / "screenshot.sh",
)
SHARED_PATH = re.compile(r"\.\./shared|[/\\]shared[/\\]|[\"']shared[\"']|\bSHARED\b")


@pytest.mark.parametrize("path", STANDALONE, ids=lambda p: p.name)
def test_the_demo_the_app_and_the_main_scripts_never_mention_shared(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = [line for line in text.splitlines() if SHARED_PATH.search(line)]
    assert not found, f"{path.relative_to(ROOT)} mentions ../shared: {found}"


def test_the_shared_check_catches_the_ways_a_path_is_written() -> None:
    for line in (
        "SHARED=../shared",
        'EVAL = ROOT.parent / "shared" / "eval"',
        "python3 /work/shared/tools/render_call.py",
    ):
        assert SHARED_PATH.search(line), line
    assert not SHARED_PATH.search("one model cache shared by every test")


@pytest.mark.parametrize(
    ("lang", "cap", "claim"),
    [("en", 10.0, "forbidden_claim:cert:soc2"), ("zh", 10.0, "forbidden_claim:cert:等保三级")],
)
def test_each_sample_playbook_has_facts_answers_cases_and_rules(
    lang: str, cap: float, claim: str
) -> None:
    book = load_playbook([demo_sample(lang).playbook])
    headings = " ".join(e.heading for e in book.entries).lower()
    for words in (
        ("pricing", "价格"),
        ("objections", "异议"),
        ("case studies", "案例"),
        ("rules", "红线"),
    ):
        assert any(w in headings for w in words), (words, headings)
    rules = {r.id: r for r in book.rules}
    assert "max_discount" in rules and claim in rules
    assert f"{cap:g}%" in rules["max_discount"].describe()
    assert book.competitors


def test_the_chinese_demo_is_a_timed_transcript_with_both_parties() -> None:
    call = demo_sample("zh").call
    assert looks_like_timed_transcript(call)
    turns, lang = load_timed_transcript(call)
    assert lang == "zh" and 6 <= len(turns) <= 12
    assert {t.speaker for t in turns} == {"rep", "customer"}
    assert all(a.end <= b.start for a, b in itertools.pairwise(turns))


def test_the_english_demo_is_a_script_with_both_parties() -> None:
    script = load_script(demo_sample("en").call)
    assert not any("start" in t or "end" in t for t in script["turns"])
    assert 6 <= len(script["turns"]) <= 12
    assert {t["speaker"] for t in script["turns"]} == {"rep", "customer"}


def test_a_missing_renderer_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = demo_sample("en")
    monkeypatch.setattr("shutil.which", lambda name: None)
    if sample.recording is not None and sample.recording.is_file():
        assert demo_input(sample, tmp_path) == sample.recording  # rendered at setup time
        return
    with pytest.raises(ParleyError, match="apt-get install espeak-ng"):
        demo_input(sample, tmp_path)


def test_demo_input_of_the_chinese_sample_is_the_transcript(tmp_path: Path) -> None:
    assert demo_input(demo_sample("zh"), tmp_path) == demo_sample("zh").call
    assert not list(tmp_path.iterdir())
    with pytest.raises(ValueError, match="en, zh"):
        demo_sample("fr")


def test_the_demo_replays_with_no_store_and_the_sample_playbook() -> None:
    from desktop.cli import build_parser

    args = build_parser().parse_args(["demo", "--lang", "zh", "--llm-model", "llm-tiny"])
    sample = demo_sample("zh")
    argv = replay_argv(args, sample.call, sample.playbook)
    replay = build_parser().parse_args(argv)
    assert replay.no_store and replay.speed == "1" and replay.language == "zh"
    assert replay.playbook == [sample.playbook] and replay.llm_model == "llm-tiny"


def test_the_samples_are_package_data() -> None:
    """pip (the package data globs) and the bundle (collect_data_files) carry every sample."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["desktop.samples"]
    files = [p for p in SAMPLES_DIR.rglob("*") if p.is_file() and p.suffix in (".json", ".md")]
    assert len(files) >= 4
    for path in files:
        rel = path.relative_to(SAMPLES_DIR)
        assert any(rel.match(g) for g in globs), rel
    spec = (ROOT / "installer" / "parley.spec").read_text(encoding="utf-8")
    assert re.search(r"collect_data_files\(pkg\)", spec) and '"desktop"' in spec


def test_no_sample_names_a_product_or_sentence_of_the_evaluation_set(eval_dir: Path) -> None:
    """The samples are Parley's own: nothing in them comes from the evaluation data."""
    from inference.detectors.overlap import eval_lines, overlaps

    eval_text = "\n".join(
        p.read_text(encoding="utf-8", errors="ignore")
        for p in eval_dir.rglob("*")
        if p.is_file() and p.suffix in (".json", ".jsonl", ".md", ".txt")
    )
    for name in (
        "ChargeNest",
        "VoltPost",
        "Fernbrook",
        "Altamira",
        "冷哨",
        "温卫士",
        "禾安",
        "青岚",
    ):
        assert name not in eval_text, name
    ours = [t["text"] for t in json.loads(demo_sample("zh").call.read_text("utf-8"))["turns"]]
    ours += [t["text"] for t in load_script(demo_sample("en").call)["turns"]]
    for lang in ("en", "zh"):
        for path in demo_sample(lang).playbook.glob("*.md"):
            ours += [line for line in path.read_text("utf-8").splitlines() if len(line) > 12]
    found = overlaps(ours, eval_lines(eval_dir))
    assert not found, [(o.corpus_line, o.score) for o in found]
