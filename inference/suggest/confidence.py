"""How sure Parley is that a path is usable as it stands.

    confidence = 0.05 + 0.9 * (0.30 * objection + 0.20 * fit + 0.20 * grounded
                               + 0.20 * specific + 0.10 * refined)

- `objection`: the detector's confidence in the objection's category (a misread objection
  makes every path answer the wrong concern).
- `fit`: how well the move fits the situation, the planner's score scaled to [0, 1] (a move
  written for the category, with a fact that bears on the concern, scores about 1.6-1.9).
- `grounded`: the path rests on a playbook fact, or asks (a question needs none).
- `specific`: the path takes up what the customer named (their person, rival, amount or date).
- `refined`: the local model wrote it for this conversation and the checker passed it.

The weights were set from judged dev sets (see docs/suggestions.md, "Confidence"); paths shown
as high (>= 0.8) are those that combine a clear objection, a fitting move and the customer's
own terms.
"""

from __future__ import annotations

W_OBJECTION, W_FIT, W_GROUNDED, W_SPECIFIC, W_REFINED = 0.30, 0.20, 0.20, 0.20, 0.10
FIT_SCALE = 1.8


def path_confidence(
    *, objection: float, fit: float, grounded: bool, specific: bool, refined: bool
) -> float:
    """The confidence of one path (see the module docstring)."""
    objection = min(1.0, max(0.0, objection))
    fit = min(1.0, max(0.0, fit / FIT_SCALE))
    value = 0.05 + 0.9 * (
        W_OBJECTION * objection
        + W_FIT * fit
        + W_GROUNDED * float(grounded)
        + W_SPECIFIC * float(specific)
        + W_REFINED * float(refined)
    )
    return round(min(0.95, max(0.05, value)), 3)
