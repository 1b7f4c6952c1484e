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

That score orders paths; `calibrate` then maps it to the share of such paths a strict coach
judged usable as they stand, on the judged dev sets (270 paths of 90 served objection turns:
two blind rounds of the 48 dev objection turns, by the suggestion rubric), in four bins of 67-68
paths by score: mean score 0.57 usable 27%, 0.67 40%, 0.77 54%, 0.87 54%. So a shown
confidence is a probability of "say it as it stands", and no path is shown as high (>= 0.8)
until paths that score that high are usable that often (see docs/suggestions.md, "Confidence").
"""

from __future__ import annotations

import itertools

W_OBJECTION, W_FIT, W_GROUNDED, W_SPECIFIC, W_REFINED = 0.30, 0.20, 0.20, 0.20, 0.10
FIT_SCALE = 1.8
# (score, share judged usable): the judged dev sets' bins at their mean score; straight lines
# between them, and from the lowest to (0.05, 0.05) and the highest on to 0.95.
CALIBRATION: tuple[tuple[float, float], ...] = (
    (0.05, 0.05),
    (0.569, 0.269),
    (0.665, 0.397),
    (0.768, 0.537),
    (0.869, 0.544),
    (0.95, 0.544),
)


def calibrate(score: float) -> float:
    """The share of paths with this evidence score that a coach judged usable as they stand."""
    points = CALIBRATION
    if score <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if score <= x1:
            return y0 + (y1 - y0) * (score - x0) / (x1 - x0)
    return points[-1][1]


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
    return round(calibrate(min(0.95, max(0.05, value))), 3)
