"""A start and a swap search in plain numpy, for the seconds before the compiled kernel is ready.

When group sizes are the only hard rules no CP-SAT construction runs, and the compiled search
(:mod:`.tabu`) builds its own start; until numba has loaded it (a second on a quiet machine,
several on a busy one, minutes the first time after installation) this module keeps the run
going without compiled code: :func:`start` deals the organisations to the group sizes that
maximise same-group pairs, and :func:`improve` makes the best swap of two members of different
groups (pair scores only: the sizes stay, so every hard rule keeps holding) with a short tabu
list, until it is told to stop. Each iteration is a few n x n numpy operations.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pilotopt.problem import IntArray, Problem

__all__ = ["improve", "sizes", "start"]


def sizes(n: int, lo: IntArray, hi: IntArray) -> IntArray | None:
    """Group sizes within ``lo..hi`` summing to n that maximise the number of same-group pairs
    (the DP of :func:`.construct.best_sizes`, vectorised over the count placed); None if none
    fit."""
    m = len(lo)
    neg = np.iinfo(np.int64).min // 4
    best = np.full((m + 1, n + 1), neg, dtype=np.int64)
    choice = np.zeros((m + 1, n + 1), dtype=np.int64)
    best[0, 0] = 0
    for g in range(m):
        for s in range(int(lo[g]), min(int(hi[g]), n) + 1):
            v = np.full(n + 1, neg, dtype=np.int64)
            v[s:] = best[g, : n + 1 - s] + s * (s - 1) // 2
            better = v > best[g + 1]
            best[g + 1][better], choice[g + 1][better] = v[better], s
    if best[m, n] < 0:
        return None
    out, t = np.zeros(m, dtype=np.int64), n
    for g in range(m, 0, -1):
        out[g - 1] = choice[g, t]
        t -= int(choice[g, t])
    return out


def start(problem: Problem, seed: int) -> IntArray | None:
    """Organisations in random order to the groups, each group filled to its size from
    :func:`sizes` (groups in random order); None when no sizes fit the bounds."""
    lo, hi = problem.size_bounds()
    chosen = sizes(problem.n, lo, hi)
    if chosen is None:
        return None
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(problem.m), chosen)
    assignment = np.empty(problem.n, dtype=np.int64)
    assignment[rng.permutation(problem.n)] = groups
    return assignment


def improve(problem: Problem, assignment: IntArray, seed: int,
            stop: Callable[[], bool]) -> tuple[IntArray, int]:
    """Best-swap tabu search on the pair scores from ``assignment`` (every organisation in a
    group) until ``stop()`` is true; returns the best assignment and the iterations made.

    An organisation swapped may not be swapped again for a few iterations; after ``n``
    iterations without a new best, a few random swaps from the best assignment. With the
    size-fair objective (``problem.per_member``) each group's pairs weigh one over its size,
    which swaps keep.
    """
    n, m = problem.n, problem.m
    S = problem.score.astype(np.float64)
    rng = np.random.default_rng(seed)
    a = assignment.copy()
    w = np.ones(m)
    if problem.per_member:
        w = 1 / np.maximum(np.bincount(a, minlength=m), 1)
    C = S @ np.eye(m)[a]  # C[i, g]: organisation i's score with group g's members
    value = best_value = float((C[np.arange(n), a] * w[a]).sum()) / 2
    best = a.copy()
    tabu_until = np.zeros(n, dtype=np.int64)
    tenure = max(2, n // 25)
    idle = 0
    iteration = 0
    while not stop():
        iteration += 1
        own = C[np.arange(n), a]
        A = C[:, a]  # A[i, j]: i's score with j's group
        # i's group gains j and loses i, j's group the other way round; each weighs w.
        delta = ((A.T - own[:, None] - S) * w[a][:, None]
                 + (A - own[None, :] - S) * w[a][None, :])
        frozen = (a[:, None] == a[None, :]) | (tabu_until[:, None] > iteration)
        frozen |= tabu_until[None, :] > iteration
        delta[frozen] = -np.inf
        k = int(np.argmax(delta))
        i, j = divmod(k, n)
        if not np.isfinite(delta[i, j]):
            break  # every swap tabu or within one group: nothing to do
        _swap(S, C, a, i, j)
        value += float(delta[i, j])
        tabu_until[[i, j]] = iteration + tenure + rng.integers(0, tenure + 1, size=2)
        if value > best_value + 1e-9:
            best_value, best, idle = value, a.copy(), 0
        else:
            idle += 1
        if idle > n:  # perturb from the best
            a[:] = best
            C = S @ np.eye(m)[a]
            for _ in range(max(2, n // 40)):
                i, j = rng.integers(0, n, size=2)
                if a[i] != a[j]:
                    _swap(S, C, a, int(i), int(j))
            value = float((C[np.arange(n), a] * w[a]).sum()) / 2
            idle = 0
    return best, iteration


def _swap(S: np.ndarray, C: np.ndarray, a: IntArray, i: int, j: int) -> None:
    gi, gj = a[i], a[j]
    C[:, gi] += S[:, j] - S[:, i]
    C[:, gj] += S[:, i] - S[:, j]
    a[i], a[j] = gj, gi
