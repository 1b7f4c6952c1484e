"""The HTML report opens in headless Chromium (Debian's `chromium`) with no console errors, and
its screenshot (decoded with ImageMagick) shows the page: text, the charts and the cards.

Console messages are read from Chromium's own log (`--enable-logging=stderr --v=0` prints each
one as `CONSOLE`); the report runs no script, so any console line at all is an error (a page
error, or a Content-Security-Policy refusal of something it tried to load). The screenshots are
kept under `PARLEY_SCREENSHOT_DIR` when that is set (CI artefacts), else in the test's temp dir.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from desktop.report import ReviewNote, Timeline, write_report
from tests.unit.test_report_scripted import objection_ids, scripted_events

WIDTH, HEIGHT = 1000, 2400
_CONSOLE = re.compile(r"CONSOLE|Uncaught|SyntaxError|TypeError|ReferenceError")
NOTES = {
    "en": ("Path 2 fits better: it asks before it argues.", "The real concern is still unnamed."),
    "zh": ("路径二更合适：先提问，再谈价值。", "客户还没有说出真正的顾虑。"),
}


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("Debian's chromium is needed for this test: apt-get install -y chromium")


def _run_chromium(url: str, tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    args = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={tmp / 'chromium-profile'}",
        "--enable-logging=stderr",
        "--v=0",
        f"--window-size={WIDTH},{HEIGHT}",
        *extra,
        url,
    ]
    env = {**os.environ, "LANG": "C.UTF-8"}
    return subprocess.run(args, capture_output=True, text=True, timeout=120, env=env, check=False)


def _console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if _CONSOLE.search(line)]


def _report(lang: str, tmp: Path) -> Path:
    first, _ = objection_ids(lang)
    text, why = NOTES[lang]
    timeline = Timeline.from_events(
        scripted_events(lang),
        choices={first: 2},
        review_notes=[ReviewNote(first, rating=4, text=text, preferred_path=1, why=why)],
    )
    return write_report(timeline, tmp / f"report_{lang}.html", title=f"Call review ({lang})")


def _pixels(png: Path) -> np.ndarray:
    """The screenshot as an H x W x 3 RGB array, decoded by ImageMagick (a test dependency)."""
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{png} is not a PNG"
    convert = shutil.which("convert") or pytest.fail("ImageMagick's convert is needed")
    size = subprocess.run(
        [convert, str(png), "-format", "%w %h", "info:"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    width, height = int(size[0]), int(size[1])
    raw = subprocess.run(
        [convert, str(png), "-depth", "8", "rgb:-"], capture_output=True, check=True, timeout=60
    ).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3)


def _near(pixels: np.ndarray, rgb: tuple[int, int, int], tol: int = 40) -> int:
    diff = np.abs(pixels.astype(np.int16) - np.array(rgb, dtype=np.int16)).max(axis=2)
    return int((diff <= tol).sum())


def test_the_console_detector_sees_page_errors(tmp_path: Path) -> None:
    """The check below can fail: a page with a script error and a blocked load is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'">'
        "<title>bad</title></head><body><p>x</p>"
        '<img src="https://example.invalid/a.png"></body></html>',
        encoding="utf-8",
    )
    result = _run_chromium(bad.as_uri(), tmp_path, "--dump-dom")
    assert _console_lines(result.stderr), result.stderr[-2000:]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_opens_in_headless_chromium_without_console_errors(
    tmp_path: Path, lang: str
) -> None:
    report = _report(lang, tmp_path)
    shots = Path(os.environ.get("PARLEY_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    shot = shots / f"report_{lang}.png"

    result = _run_chromium(report.as_uri(), tmp_path, f"--screenshot={shot}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert _console_lines(result.stderr) == []

    dom = _run_chromium(report.as_uri(), tmp_path, "--dump-dom")
    assert _console_lines(dom.stderr) == []
    # Every objection card, with three path rows, made it into the rendered document.
    assert dom.stdout.count('<section class="objection"') == len(objection_ids(lang))
    assert dom.stdout.count('<td class="slot">Path 3') == len(objection_ids(lang))
    assert NOTES[lang][0] in dom.stdout
    assert "[PHONE]" in dom.stdout and "13812345678" not in dom.stdout

    pixels = _pixels(shot)
    assert pixels.shape == (HEIGHT, WIDTH, 3)
    white = _near(pixels, (255, 255, 255), tol=8)
    assert white < pixels.shape[0] * pixels.shape[1] * 0.97, "the screenshot is blank"
    assert _near(pixels, (31, 35, 40), tol=60) > 2000, "no dark text drawn"
    assert _near(pixels, (9, 105, 218), tol=30) > 100, "the term density line is missing"
    assert _near(pixels, (130, 80, 223), tol=30) > 50, "the arousal line is missing"
    assert _near(pixels, (192, 57, 43), tol=30) > 20, "the negative emotion point is missing"
