"""Upper bounds on the objective and the gap between an objective and a bound."""

from __future__ import annotations

import math

import numpy as np

from pilotopt.problem import Problem

__all__ = ["gap", "pair_bound"]


def pair_bound(problem: Problem) -> int:
    """An upper bound on the objective of a dense problem from its pair scores alone.

    A member of a group of at most ``h`` members (``h`` the largest size bound) has at most
    ``h - 1`` partners, so it earns at most the sum of its ``h - 1`` best positive scores. Every
    pair is counted from both ends, a left-out organisation earns nothing and soft rules only
    subtract. O(n^2), independent of the seed and the time limit.

    With the size-fair objective (``problem.per_member``) a member of a group of ``s`` earns
    its pair scores there over ``2 s``: each earns at most the best, over the sizes the bounds
    allow, of its ``s - 1`` best positive scores over ``2 s``.
    """
    lo, hi = problem.size_bounds()
    k = min(problem.n - 1, int(hi.max()) - 1)
    if k <= 0:
        return 0
    s = np.maximum(problem.score, 0)
    np.fill_diagonal(s, 0)
    if not problem.per_member:
        return int(np.partition(s, s.shape[1] - k, axis=1)[:, -k:].sum()) // 2
    best = np.cumsum(-np.sort(-s, axis=1), axis=1)  # best[i, t - 1]: i's t best scores
    sizes = np.arange(max(2, int(lo.min())), k + 2)
    share = best[:, sizes - 2] / (2 * sizes)
    # Rounded up (and one more, against floating-point error): a bound never falls short.
    return math.floor(float(share.max(axis=1).sum())) + 1


def gap(objective: float, bound: float) -> float:
    """How far ``objective`` may be from the best, as a share of the larger of the two in size.

    ``(bound - objective) / max(|bound|, |objective|)``: 0 when the objective meets the bound,
    at most 1 while both are positive, and still a plain share when the bound is 0 or negative
    (bound 0, objective -35: 1, i.e. 100 %), where dividing by the bound alone would explode.

    >>> gap(90.0, 100.0), gap(-35.0, 0.0), gap(5.0, 5.0)
    (0.1, 1.0, 0.0)
    """
    scale = max(abs(bound), abs(objective))
    if bound <= objective or scale == 0:
        return 0.0
    return (bound - objective) / scale
