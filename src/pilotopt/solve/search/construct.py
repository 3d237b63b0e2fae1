"""Starting assignments: group sizes within the hard bounds, and who goes where first.

The dense search starts from the sizes that maximise the number of same-group pairs
(:func:`best_sizes`, then :func:`fill`); the large search from sizes as even as they can be
(:func:`even_sizes`), cut into compact geographic blocks when there are points
(:func:`spatial_order`), or, when rules steer organisations to one group (a previous
assignment under a stability rule, pins), from those groups (:func:`preferred_start`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

__all__ = ["best_sizes", "even_sizes", "fill", "preferred_start", "spatial_order"]

IntArray = npt.NDArray[np.int64]

NEG = -(1 << 62)  # below any reachable value


@njit(cache=True, nogil=True)
def best_sizes(n: int, lo: IntArray, hi: IntArray) -> IntArray:
    """Group sizes within ``lo..hi`` summing to n that maximise the number of same-group pairs.

    A knapsack-like DP over groups and the count placed so far; sizes are convex so the optimum
    pushes sizes apart, which a tabu search cannot do by itself (it needs worsening relocations).
    Returns an empty array when no sizes fit.
    """
    m = lo.shape[0]
    best = np.full((m + 1, n + 1), NEG, dtype=np.int64)
    choice = np.zeros((m + 1, n + 1), dtype=np.int64)
    best[0, 0] = 0
    for g in range(m):
        for t in range(n + 1):
            if best[g, t] == NEG:
                continue
            for s in range(lo[g], min(hi[g], n - t) + 1):
                v = best[g, t] + s * (s - 1) // 2
                if v > best[g + 1, t + s]:
                    best[g + 1, t + s] = v
                    choice[g + 1, t + s] = s
    sizes = np.zeros(m, dtype=np.int64)
    if best[m, n] == NEG:
        return sizes[:0]
    t = n
    for g in range(m, 0, -1):
        sizes[g - 1] = choice[g, t]
        t -= choice[g, t]
    return sizes


@njit(cache=True, nogil=True)
def fill(lo, hi, U):  # type: ignore[no-untyped-def]
    """A start meeting the size bounds: :func:`best_sizes`, then organisations in random order
    to the cheapest group (unary cost ``U``, i.e. Allowed rules) that still has room, ties
    broken at random. All -1 when no sizes fit."""
    n, m = U.shape
    sizes = best_sizes(n, lo, hi)
    a = np.full(n, -1, dtype=np.int64)
    if sizes.shape[0] == 0:
        return a
    room = sizes.copy()
    order = np.random.permutation(n)
    for t in range(n):
        i = order[t]
        bg = -1
        bc = 0
        ties = 0
        for g in range(m):
            if room[g] == 0:
                continue
            c = U[i, g]
            if bg == -1 or c < bc:
                bg, bc, ties = g, c, 1
            elif c == bc:
                ties += 1
                if np.random.randint(ties) == 0:
                    bg = g
        a[i] = bg
        room[bg] -= 1
    return a


def even_sizes(n: int, lo: IntArray, hi: IntArray) -> IntArray | None:
    """Group sizes within ``lo..hi`` summing to n, as even as they can be (None if none fit)."""
    if lo.sum() > n or hi.sum() < n:
        return None
    # The largest level L with sum(clip(L, lo, hi)) <= n, then one more for some groups.
    a, b = 0, int(hi.max())
    while a < b:
        mid = (a + b + 1) // 2
        if np.clip(mid, lo, hi).sum() <= n:
            a = mid
        else:
            b = mid - 1
    sizes = np.clip(a, lo, hi).astype(np.int64)
    room = np.flatnonzero(sizes < hi)
    sizes[room[: n - int(sizes.sum())]] += 1
    return np.asarray(sizes, dtype=np.int64)


def preferred_start(
    preferred: IntArray, lo: IntArray, hi: IntArray, rng: np.random.Generator
) -> IntArray | None:
    """A start within the size bounds that keeps organisations in their ``preferred`` group
    (-1: none) wherever the bounds allow: the sizes are as even as they can be with each group
    holding at least its minimum and, where the total allows, everyone who prefers it (at most
    its maximum); a group with more takers keeps a random choice of them, and the others fill
    the room left in random order. None if no sizes fit.

    >>> preferred_start(np.array([0, 0, 0, 1, -1, -1]), np.array([2, 2]), np.array([3, 3]),
    ...                 np.random.default_rng(0)).tolist()
    [0, 0, 0, 1, 1, 1]
    """
    n = len(preferred)
    if lo.sum() > n or hi.sum() < n:
        return None
    wanted = np.minimum(np.bincount(preferred[preferred >= 0], minlength=len(lo)), hi)
    floor = np.maximum(lo, wanted)
    for k in np.flatnonzero(floor > lo).tolist():  # more takers than the minimums leave room
        floor[k] -= min(int(floor[k] - lo[k]), max(0, int(floor.sum()) - n))
    sizes = even_sizes(n, floor, hi)
    assert sizes is not None  # lo <= floor <= hi and floor.sum() <= n <= hi.sum()
    out = np.full(n, -1, dtype=np.int64)
    for g in range(len(lo)):
        takers = np.flatnonzero(preferred == g)
        out[rng.permutation(takers)[: sizes[g]]] = g
    room = sizes - np.bincount(out[out >= 0], minlength=len(lo))
    rest = rng.permutation(np.flatnonzero(out < 0))
    out[rest] = np.repeat(np.arange(len(lo)), room)
    return out


def spatial_order(points: IntArray, sizes: IntArray) -> IntArray:
    """Organisations in an order whose consecutive blocks of ``sizes`` are compact: recursive
    bisection along the widest axis, splitting the groups in halves and the points to match."""
    out: list[IntArray] = []
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    stack = [(np.arange(len(points), dtype=np.int64), 0, len(sizes))]
    while stack:  # depth first, left half first: blocks come out in group order
        idx, g0, g1 = stack.pop()
        if g1 - g0 <= 1 or len(idx) <= 1:
            out.append(idx)
            continue
        gm = (g0 + g1) // 2
        cut = int(bounds[gm] - bounds[g0])
        pts = points[idx]
        axis = int(np.argmax(pts.max(axis=0) - pts.min(axis=0)))
        if 0 < cut < len(idx):
            part = np.argpartition(pts[:, axis], cut)
            stack.append((idx[part[cut:]], gm, g1))
            stack.append((idx[part[:cut]], g0, gm))
        else:
            out.append(idx)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)
