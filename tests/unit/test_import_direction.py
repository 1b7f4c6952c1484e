"""The packages point one way: models <- audio <- inference <- overlays <- desktop.

Every `.py` file of the packages is parsed with `ast` (imports inside functions count too: a
lazy import is still a dependency), and each import of another Parley package or of Qt is
checked against the table below, which `docs/architecture.md` describes.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("models", "audio", "inference", "overlays", "desktop")
# What each package may import of the others (its own modules always).
ALLOWED: dict[str, set[str]] = {
    "models": set(),
    "audio": {"models"},
    "inference": {"audio", "models"},
    "overlays": {"inference", "models"},
    "desktop": {"models", "audio", "inference", "overlays"},
}
QT = "PySide6"
QT_PACKAGES = {"desktop", "overlays"}
# Narrower rules inside a package: (importing module prefix, forbidden module prefix).
INNER_RULES = (
    ("overlays", "inference.", "inference.events"),  # overlays see only the events
    ("desktop.ui", "desktop.commands", None),  # the GUI does not import the command line
)


def _imports(rel: Path, source: str) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in `source`, the file at `rel`."""
    module = ".".join(rel.with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if rel.name != "__init__.py" else module
    tree = ast.parse(source, filename=str(rel))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            yield node.lineno, name


def _files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def _violations(rel: Path, source: str) -> list[str]:
    own = rel.parts[0]
    module = ".".join(rel.with_suffix("").parts)
    out = []
    for line, name in _imports(rel, source):
        top = name.split(".")[0]
        where = f"{rel}:{line} imports {name}"
        if top == QT and own not in QT_PACKAGES:
            out.append(f"{where}: only {sorted(QT_PACKAGES)} may import Qt")
        if top in PACKAGES and top != own and top not in ALLOWED[own]:
            out.append(f"{where}: {own} may import only {sorted(ALLOWED[own]) or 'nothing'}")
        for importer, forbidden, allowed in INNER_RULES:
            if not module.startswith(importer) or not name.startswith(forbidden):
                continue
            if allowed is None or not name.startswith(allowed):
                out.append(f"{where}: {importer} may not import {forbidden}")
    return out


def test_the_scan_sees_every_package() -> None:
    files = _files()
    for pkg in PACKAGES:
        assert any(p.relative_to(ROOT).parts[0] == pkg for p in files), pkg
    assert len(files) > 100


def test_imports_point_one_way() -> None:
    problems = [
        v
        for path in _files()
        for v in _violations(path.relative_to(ROOT), path.read_text(encoding="utf-8"))
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("where", "source", "expected"),
    [
        ("audio/x.py", "from inference.events import Event\n", "audio may import only"),
        ("models/x.py", "def f():\n    import audio.source\n", "models may import only"),
        ("inference/x.py", "from PySide6 import QtCore\n", "may import Qt"),
        ("inference/x.py", "from desktop.store import start_session\n", "inference may"),
        ("overlays/x.py", "import desktop.bridge\n", "overlays may import only"),
        ("overlays/x.py", "from inference.bus import EventBus\n", "may not import inference."),
        ("desktop/ui/x.py", "from desktop.commands.common import f\n", "may not import desktop"),
        ("desktop/ui/x.py", "from ..commands import common\n", "may not import desktop"),
    ],
)
def test_a_wrong_import_is_caught(where: str, source: str, expected: str) -> None:
    found = _violations(Path(where), source)
    assert any(expected in v for v in found), found


def test_allowed_imports_pass() -> None:
    source = "from inference.events import Event\nfrom PySide6 import QtCore\nfrom . import cards\n"
    assert _violations(Path("overlays/x.py"), source) == []
    assert _violations(Path("desktop/ui/x.py"), "from ..store import start_session\n") == []
