"""How sure Parley is that a path is usable as it stands.

    score = -1.195 + 1.001 * fit + 0.821 * specific + 0.725 * question + 0.280 * evidence

- `fit`: how well the move fits the situation, the planner's score scaled to [0, 1] (a move
  written for the category, with a fact that bears on the concern, scores about 1.6-1.9).
- `specific`: the path takes up what the customer named (their person, rival, amount, date
  or worry).
- `question`, `evidence`: the move's family (an acknowledgement is neither).
- `refined` (weight 0): the local model rewrote it and the checker passed it. Only 2 of the
  judged paths were rewrites (the model rewrites only the generic lines now), too few to
  weigh; a rewrite that takes up what the customer named counts as specific.

The weights are a logistic fit on the judged dev sets: 414 paths of three blind judgings of
the 48 dev objection turns by the suggestion rubric (rounds 10 and 11 of this release, four
judge sessions), "usable" meaning 2 on "answers this turn" and on "sayable", no 0. The
detector's confidence in the objection and whether the path rests on a fact added nothing
there (fitted weights -0.13 and -0.57, both carried by the family), so they are left out: an
objection the detector is not sure of gets no suggestion at all (the objection read's
`tentative` events).

`calibrate` maps the score to the share of judged paths in its band that were usable, in four
bands of at least 60 judged paths (`CALIBRATION`). So a shown confidence is a probability of
"say it as it stands", and a path is shown as high (>= 0.8) only in the bands whose paths were
judged usable at least that often (see docs/suggestions.md, "Confidence").

The bands were cut on rounds 10 and 11 and checked on round 12 (276 paths, two other judge
sessions: 49%, 46%, 60%, 83% usable). As the paths got better, the share per band was refit on
the 552 judged paths of rounds 13 to 15 (six judge sessions: 47%, 57%, 80%, 83%) and checked on
an independent judging of the final system (round f1, two more judge sessions, 138 paths: 61%,
64%, 85%, 86%; of the 90 paths shown as high, 77 were usable, 86%).
"""

from __future__ import annotations

import bisect

W_BIAS, W_FIT, W_SPECIFIC, W_QUESTION, W_EVIDENCE, W_REFINED = (
    -1.195,
    1.001,
    0.821,
    0.725,
    0.280,
    0.0,
)
FIT_SCALE = 1.8
# (lowest score of the band, share judged usable): 90, 105, 189 and 168 judged paths of
# rounds 13 to 15.
CALIBRATION: tuple[tuple[float, float], ...] = (
    (float("-inf"), 0.47),
    (-0.176, 0.57),
    (0.265, 0.80),
    (1.073, 0.83),
)


def calibrate(score: float) -> float:
    """The share of judged paths with a score in this band that a coach found usable."""
    lows = [low for low, _ in CALIBRATION]
    return CALIBRATION[max(0, bisect.bisect_right(lows, score) - 1)][1]


def path_score(*, fit: float, specific: bool, family: str, refined: bool) -> float:
    """The evidence score of one path (see the module docstring)."""
    fit = min(1.0, max(0.0, fit / FIT_SCALE))
    return (
        W_BIAS
        + W_FIT * fit
        + W_SPECIFIC * float(specific)
        + W_QUESTION * float(family == "question")
        + W_EVIDENCE * float(family == "evidence")
        + W_REFINED * float(refined)
    )


def path_confidence(*, fit: float, specific: bool, family: str, refined: bool) -> float:
    """The confidence of one path: the judged share of usable paths in its score band."""
    return calibrate(path_score(fit=fit, specific=specific, family=family, refined=refined))
