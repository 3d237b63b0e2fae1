"""The size-fair objective in the dense search: each group earns its pairs' scores over its size.

With ``Problem.per_member`` the dense search (:mod:`.tabu`) keeps, besides its tables, ``CS[i,
g]`` (the pair scores alone of i with the members of g) and ``Q[g]`` (the sum of g's pairs'
scores); a group's figure is ``Q[g] // size[g]`` (0 when empty), as the evaluator counts it
(:func:`pilotopt.evaluate.per_member`). A move's change is exact: O(1) to price, O(n) to make.
The bench (organisations left out) earns nothing. Without the objective (``P.pm == 0``) every
function here returns at once.
"""

from __future__ import annotations

from numba import njit

__all__ = ["delta", "move", "recompute", "share"]


@njit(cache=True, nogil=True, inline="always")
def share(q: int, s: int) -> int:
    """A group's figure: its pairs' scores ``q`` over its size ``s``, rounded down."""
    return q // s if s > 0 else 0


@njit(cache=True, nogil=True, inline="always")
def delta(P, S, i, j, g, h):  # type: ignore[no-untyped-def]
    """Change of the groups' figures when i moves g -> h and j (if j >= 0) h -> g."""
    if P.pm == 0:
        return 0
    CS, Q, size = S.CS, S.Q, S.size
    d = 0
    if j < 0:
        if g != P.bench:
            d += share(Q[g] - CS[i, g], size[g] - 1) - share(Q[g], size[g])
        if h != P.bench:
            d += share(Q[h] + CS[i, h], size[h] + 1) - share(Q[h], size[h])
        return d
    # i and j trade places: each leaves its group and joins the other one without the other.
    x = P.Sc[i, j]
    if g != P.bench:
        d += share(Q[g] - CS[i, g] + CS[j, g] - x, size[g]) - share(Q[g], size[g])
    if h != P.bench:
        d += share(Q[h] - CS[j, h] + CS[i, h] - x, size[h]) - share(Q[h], size[h])
    return d


@njit(cache=True, nogil=True)
def move(P, S, i, g, h):  # type: ignore[no-untyped-def]
    """Keep ``CS`` and ``Q`` when i moves g -> h (before the assignment changes)."""
    if P.pm == 0:
        return
    CS, Q, Sc = S.CS, S.Q, P.Sc
    if g != P.bench:
        Q[g] -= CS[i, g]
    if h != P.bench:
        Q[h] += CS[i, h]
    for k in range(CS.shape[0]):
        if g != P.bench:
            CS[k, g] -= Sc[k, i]
        if h != P.bench:
            CS[k, h] += Sc[k, i]


@njit(cache=True, nogil=True)
def recompute(P, S):  # type: ignore[no-untyped-def]
    """Rebuild ``CS`` and ``Q`` from the assignment and sizes; returns the groups' figures."""
    if P.pm == 0:
        return 0
    a, CS, Q = S.a, S.CS, S.Q
    n = a.shape[0]
    CS[:, :] = 0
    Q[:] = 0
    for i in range(n):
        for j in range(n):
            if a[j] != P.bench:
                CS[i, a[j]] += P.Sc[i, j]
    for i in range(n):
        if a[i] != P.bench:
            Q[a[i]] += CS[i, a[i]]
    f = 0
    for g in range(Q.shape[0]):
        Q[g] //= 2  # each pair counted from both ends
        if g != P.bench:
            f += share(Q[g], S.size[g])
    return f
