"""Decision-maker mentions (ceo, cfo, cto, procurement, legal, it, board, manager)."""

from __future__ import annotations

from inference.detectors.lexicon import role_patterns


def find_roles(text: str, lang: str) -> tuple[str, ...]:
    """Roles that `text` mentions, each once, in order of first mention.

    Overlapping mentions resolve to the longest one (ties: the earlier pattern), so
    "vice president" is a manager and not a ceo, and 财务总监 is a cfo and not a 总监.

    Args:
        text: the utterance as spoken (case kept: "IT" the department differs from "it").
        lang: "zh" or "en".
    """
    candidates: list[tuple[int, int, int, str]] = []  # (start, -length, priority, role)
    for priority, rp in enumerate(role_patterns(lang)):
        for m in rp.pattern.finditer(text):
            if m.end() > m.start():
                candidates.append((m.start(), -(m.end() - m.start()), priority, rp.role))
    # Longest first, then pattern priority; accept spans that do not overlap accepted ones.
    taken: list[tuple[int, int, str]] = []
    for start, neg_len, _prio, role in sorted(candidates, key=lambda c: (c[1], c[2], c[0])):
        end = start - neg_len
        if any(start < e and s < end for s, e, _ in taken):
            continue
        taken.append((start, end, role))
    roles: list[str] = []
    for _s, _e, role in sorted(taken):
        if role not in roles:
            roles.append(role)
    return tuple(roles)
