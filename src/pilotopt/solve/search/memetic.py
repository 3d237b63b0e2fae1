"""The population part of the dense search on pair scores: crossover and pool update.

A child takes whole groups from its parents: the second parent's groups are first renamed after
the first's they overlap most (:func:`align`), then the child takes, alternately from each parent,
that parent's densest group (score per pair) among the names it has not filled yet, restricted
to the organisations not yet placed, and places the rest greedily (:func:`crossover`). The hard
size bounds of each group hold, whatever the parents (groups may have bounds of their own).
The pool keeps distinct solutions: a child replaces the worst member when it is better and no
member has the same groups (:func:`same_groups`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["align", "crossover", "same_groups"]

IntArray = npt.NDArray[np.int64]


def align(a: IntArray, b: IntArray, m: int) -> IntArray:
    """``b`` with its groups renamed after the groups of ``a`` they share most members with
    (greedily, largest overlap first; ties by the smaller names).

    >>> align(np.array([0, 0, 1, 1]), np.array([1, 1, 0, 0]), 2).tolist()
    [0, 0, 1, 1]
    """
    overlap = np.zeros((m, m), dtype=np.int64)  # [group of b, group of a]
    np.add.at(overlap, (b, a), 1)
    name = np.full(m, -1, dtype=np.int64)
    free = np.ones(m, dtype=bool)
    for k in np.argsort(-overlap, axis=None, kind="stable"):
        gb, ga = divmod(int(k), m)
        if name[gb] < 0 and free[ga]:
            name[gb] = ga
            free[ga] = False
    return name[b]


def crossover(D: IntArray, lo: IntArray, hi: IntArray, a: IntArray, b: IntArray,
              first: int) -> IntArray:
    """A child of ``a`` and ``b`` (groups 0..m-1, sizes within ``lo..hi``) on pair scores ``D``.

    Parent ``first`` (0: a, 1: b) gives the first group. Each turn's parent gives its densest
    group (sum of pair scores over pairs) among the names still free, restricted to the
    organisations still unplaced; when that group would leave too few organisations for the
    lower bounds of the groups to come, or holds more than its name's upper bound, its members
    with the least score to the others leave it. The organisations left are then placed one at a
    time, the largest gain first, in groups below their lower bound while those need all that is
    left, else in any group with room.
    """
    n, m = len(a), len(lo)
    parents = (a, align(a, b, m))
    child = np.full(n, -1, dtype=np.int64)
    free = np.ones(m, dtype=bool)
    committed = int(lo.sum())  # sum of max(lo, size) over filled names plus lo over free ones
    turn = first
    for _ in range(m):
        p = parents[turn]
        turn ^= 1
        best_g, best_v, best_members = -1, -np.inf, np.zeros(0, dtype=np.int64)
        for h in range(m):
            if not free[h]:
                continue
            members = np.flatnonzero((p == h) & (child < 0))
            s = len(members)
            v = D[np.ix_(members, members)].sum() / (s * (s - 1)) if s > 1 else -np.inf
            if best_g < 0 or v > best_v:
                best_g, best_v, best_members = h, v, members
        g, members = best_g, best_members
        cap = min(int(hi[g]), n - committed + int(lo[g]))
        if len(members) > cap:
            inner = D[np.ix_(members, members)].sum(axis=1)
            members = members[np.sort(np.argsort(-inner, kind="stable")[:cap])]
        child[members] = g
        free[g] = False
        committed += max(0, len(members) - int(lo[g]))
    size = np.bincount(child[child >= 0], minlength=m)
    C = np.zeros((n, m), dtype=np.int64)  # pair score of each organisation with each group
    for g in range(m):
        C[:, g] = D[:, child == g].sum(axis=1)
    rest = np.flatnonzero(child < 0)
    while len(rest):
        short = np.maximum(lo - size, 0)
        open_ = size < lo if short.sum() >= len(rest) else size < hi
        gain = np.where(open_[None, :], C[rest], np.iinfo(np.int64).min)
        k, to = divmod(int(np.argmax(gain)), m)
        i = int(rest[k])
        child[i] = to
        size[to] += 1
        C[:, to] += D[:, i]
        rest = np.delete(rest, k)
    return child


def same_groups(a: IntArray, b: IntArray) -> bool:
    """Whether ``a`` and ``b`` put the same organisations together (whatever the groups' names).

    >>> same_groups(np.array([0, 0, 1]), np.array([2, 2, 0])), same_groups(np.array([0, 1, 1]),
    ...                                                                      np.array([0, 0, 1]))
    (True, False)
    """
    return bool(np.array_equal(_by_first(a), _by_first(b)))


def _by_first(a: IntArray) -> IntArray:
    """The groups renamed 0, 1, ... in the order of their first member."""
    _, first, inverse = np.unique(a, return_index=True, return_inverse=True)
    return np.asarray(np.argsort(np.argsort(first))[inverse], dtype=np.int64)

