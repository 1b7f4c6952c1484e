"""Which playbook terms to give Whisper as hotwords.

Hotwords bias the decoder toward their spelling; a long or generic list makes it write them
where nobody said them (a section title, "SLA" heard in "he will agree"). So only names a
general model would not spell right are kept: CamelCase product names, multi-word proper names,
long acronyms, and Chinese names that are not section headings. Numbers and headings go.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from inference.text import has_han

_CAMEL = re.compile(r"[a-z][A-Z]")
_ACRONYM = re.compile(r"^[A-Z]{4,}$")
_PROPER_WORD = re.compile(r"^[A-Z][\w'-]+$")


def _is_name(term: str) -> bool:
    if any(ch.isdigit() for ch in term) or any(ch in term for ch in "%$€£¥—:"):
        return False
    if has_han(term):
        return 2 <= len(term) <= 6 and " " not in term
    words = term.split()
    if len(words) == 1:
        return bool(_CAMEL.search(term) or _ACRONYM.match(term))
    return 2 <= len(words) <= 3 and all(_PROPER_WORD.match(w) for w in words)


def select_hotwords(
    terms: Iterable[str],
    *,
    names: Iterable[str] = (),
    headings: Iterable[str] = (),
    limit: int = 16,
) -> tuple[str, ...]:
    """The terms worth biasing ASR toward, at most `limit`, in the playbook's order.

    Args:
        terms: the playbook's terms.
        names: names the playbook calls out as such (competitors); kept first, even as single
            words, unless they hold digits.
        headings: the playbook's section headings; a term that is one is left out.
        limit: the most hotwords kept.
    """
    heading_set = {h.strip().lower() for h in headings}
    kept: list[str] = [n.strip() for n in names if n.strip() and not any(ch.isdigit() for ch in n)][
        :limit
    ]
    for term in terms:
        term = term.strip()
        if term and term.lower() not in heading_set and _is_name(term) and term not in kept:
            kept.append(term)
        if len(kept) >= limit:
            break
    return tuple(kept)
