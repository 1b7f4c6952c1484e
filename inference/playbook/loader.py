"""Reading a playbook folder: Markdown split into entries by heading, emails and notes.

Markdown files (`.md`, `.markdown`) are product material; `.eml` and `.txt` files, and
Markdown under a folder named like `account`, `notes` or `emails`, are account context for this
customer. A fenced block tagged `parley-rules`, or front matter between `---` lines at the top
of a Markdown file, holds structured rules; it is kept apart and never shown as an entry.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from pathlib import Path

from inference.errors import PlaybookError
from inference.playbook.model import PlaybookEntry
from inference.playbook.text import strip_markdown
from inference.text import guess_lang, has_han

MARKDOWN_SUFFIXES = (".md", ".markdown")
ACCOUNT_SUFFIXES = (".eml", ".txt")
_ACCOUNT_DIRS = re.compile(r"account|notes?|emails?|mail|客户|备注|邮件", re.I)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE_RULES = re.compile(r"^```+\s*parley-rules\s*$(.*?)^```+\s*$", re.M | re.S)
_FRONT_MATTER = re.compile(r"\A\ufeff?---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)
MAX_FILE_BYTES = 2_000_000


@dataclass(frozen=True, slots=True)
class RulesBlock:
    """The text of a structured rules block and the file it was found in."""

    file: str
    text: str


@dataclass(frozen=True, slots=True)
class LoadedFiles:
    entries: tuple[PlaybookEntry, ...]
    blocks: tuple[RulesBlock, ...]
    files: tuple[str, ...]
    move_files: tuple[tuple[str, str], ...] = ()


MOVE_FILE = re.compile(r"^moves_(?:en|zh)\.json$")


def _read_text(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise PlaybookError(
                f"Playbook file {path} is larger than {MAX_FILE_BYTES // 1_000_000} MB; "
                "split it into smaller Markdown files."
            )
        data = path.read_bytes()
    except OSError as e:
        raise PlaybookError(
            f"Could not read playbook file {path} ({e}); check its permissions."
        ) from e
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PlaybookError(
        f"Playbook file {path} is not text in UTF-8 or GB18030; save it as UTF-8 and try again."
    )


_BLOCK_START = re.compile(r"^\s*(?:[-*+]|\d+[.)]|>|\|)\s")


def join_wrapped(lines: list[str]) -> str:
    """Markdown lines with soft-wrapped continuation lines joined to their paragraph or item."""
    out: list[str] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            out.append("")
        elif out and out[-1] and not _BLOCK_START.match(line) and not stripped.startswith("|"):
            sep = "" if has_han(out[-1][-1:]) and has_han(stripped[:1]) else " "
            out[-1] = out[-1].rstrip() + sep + stripped
        else:
            out.append(line.rstrip())
    return "\n".join(out)


def split_markdown(
    text: str, *, file: str, kind: str = "playbook"
) -> tuple[list[PlaybookEntry], list[RulesBlock]]:
    """Entries of one Markdown text (one per heading with text under it) and its rules blocks."""
    blocks: list[RulesBlock] = []
    fm = _FRONT_MATTER.match(text)
    if fm:
        blocks.append(RulesBlock(file, fm.group(1)))
        text = text[fm.end() :]

    def _take(m: re.Match[str]) -> str:
        blocks.append(RulesBlock(file, m.group(1)))
        return ""

    text = _FENCE_RULES.sub(_take, text)
    entries: list[PlaybookEntry] = []
    title = ""
    heading = ""
    lines: list[str] = []
    in_code = False

    def flush() -> None:
        body = strip_markdown(join_wrapped(lines))
        if body:
            name = heading or title or Path(file).stem
            entries.append(PlaybookEntry(file, strip_markdown(name), body, guess_lang(body), kind))

    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        m = None if in_code else _HEADING.match(line)
        if m:
            flush()
            lines = []
            heading = m.group(2).strip()
            if len(m.group(1)) == 1 and not title:
                title = heading
            continue
        lines.append(line)
    flush()
    return entries, blocks


def read_email(path: Path, *, file: str) -> list[PlaybookEntry]:
    """One entry for an .eml message: the subject as heading, the plain-text body as text."""
    raw = path.read_bytes()
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        subject = str(msg.get("subject", "") or "").strip()
        part = msg.get_body(preferencelist=("plain", "html"))
        body = part.get_content() if part is not None else ""
    except Exception as e:
        raise PlaybookError(
            f"Could not read the email {path} ({e}); save it as a plain .eml or .txt file."
        ) from e
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    body = re.sub(r"<[^>]+>", " ", str(body))
    body = "\n".join(line for line in body.splitlines() if not line.startswith(">")).strip()
    if not body:
        return []
    heading = subject or path.stem
    return [PlaybookEntry(file, heading, body, guess_lang(body), "account")]


def read_note(text: str, *, file: str) -> list[PlaybookEntry]:
    """A plain-text note or pasted email: split like Markdown (a `Subject:` line is the heading)."""
    m = re.search(r"^subject:\s*(.+)$", text, re.I | re.M)
    entries, _ = split_markdown(text, file=file, kind="account")
    if m and entries and entries[0].heading == Path(file).stem:
        first = entries[0]
        entries[0] = PlaybookEntry(
            first.file, m.group(1).strip(), first.text, first.lang, "account"
        )
    return entries


def collect(dirs: list[Path]) -> LoadedFiles:
    """Read every playbook file under `dirs` (folders or single files).

    Raises:
        PlaybookError: a folder is missing, holds no playbook files, or a file cannot be read.
    """
    entries: list[PlaybookEntry] = []
    blocks: list[RulesBlock] = []
    files: list[str] = []
    move_files: list[tuple[str, str]] = []
    for root in dirs:
        root = Path(root).expanduser()
        if not root.exists():
            raise PlaybookError(
                f"Playbook folder {root} does not exist; pass a folder of Markdown files "
                "(product sheet, approved answers, case studies)."
            )
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        base = root.parent if root.is_file() else root
        found = 0
        for path in paths:
            suffix = path.suffix.lower()
            if MOVE_FILE.match(path.name):
                move_files.append((path.relative_to(base).as_posix(), _read_text(path)))
                continue
            if path.name.startswith(".") or suffix not in MARKDOWN_SUFFIXES + ACCOUNT_SUFFIXES:
                continue
            rel = path.relative_to(base).as_posix()
            found += 1
            files.append(rel)
            in_account_dir = any(_ACCOUNT_DIRS.search(p) for p in path.relative_to(base).parts[:-1])
            if suffix == ".eml":
                entries.extend(read_email(path, file=rel))
            elif suffix == ".txt":
                entries.extend(read_note(_read_text(path), file=rel))
            else:
                kind = "account" if in_account_dir else "playbook"
                got, blk = split_markdown(_read_text(path), file=rel, kind=kind)
                entries.extend(got)
                blocks.extend(blk)
        if found == 0:
            raise PlaybookError(
                f"Playbook folder {root} has no Markdown (.md), email (.eml) or note (.txt) "
                "files; add your product sheet as Markdown."
            )
    if not any(e.kind == "playbook" for e in entries):
        raise PlaybookError(
            "The playbook has no product material with text (only empty files or account notes); "
            "add a Markdown product sheet with at least one heading and some text under it."
        )
    return LoadedFiles(tuple(entries), tuple(blocks), tuple(files), tuple(move_files))
