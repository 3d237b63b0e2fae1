"""Compiled iterated tabu search for grouping with pair scores (MDGP and its ruled variants).

Objective: the sum of ``score[i, j]`` over same-group pairs minus the penalties of soft primitives;
hard primitives must hold. Hard group-size bounds (``Problem.size_bounds``) are never broken:
relocations are only made when both sizes stay within bounds, and swaps keep sizes. Every other
primitive is an exact incremental penalty term of the *search objective* ``f``:

* PairLink (together / apart) is folded into the pair matrix ``Dp``: a together pair of weight p
  earns ``+p`` when joined (minus the constant ``p``), an apart pair costs ``-p`` when joined;
* Allowed becomes a unary cost ``U[i, g]``;
* GroupSums other than the hard unit-weight ones (those are the size bounds) are kept as weights
  ``W[k]`` with per-group sums ``S[k, g]``.

Soft primitives weigh their ``penalty``; hard ones a weight ``M`` larger than any organisation's
total score, so the search is drawn to feasibility. ``f = objective + offset - M * hard_violation``,
and ``hard_violation`` is tracked exactly, so the best *feasible* solution is kept.

With ``C[i, g] = sum(Dp[i, j] for j in g)`` the delta of a relocation or a swap costs O(1) (plus
O(#GroupSums)); applying a move updates ``C`` in O(n).

Search (measured on MDGPLIB, see the project notes): a tabu search scanning every feasible
relocation and swap per iteration, tenure ``0.04 n + rand(0..0.04 n)`` forbidding an element's
return to the group it left, aspiration on the phase best, and after ``50 n`` iterations without
improving the phase best a perturbation of 6-12 random moves from the best solution. The start's
group sizes maximise the number of same-group pairs within the bounds (a small DP).

An experimental memetic mode (``TUNING["pool"] >= 2``) files each phase's best in a small pool
and starts the next phase from a group-based crossover of two members; it did not measurably
beat plain ITS on the MDGPLIB n=120 ds instances at 1.8 s, so it is off by default.

All randomness comes from numba's generator seeded with ``seed``; the kernel is driven in chunks
of iterations from Python, so time checks and ``on_improve`` calls do not change the trajectory:
with ``max_iterations`` runs are reproducible.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from pilotopt.problem import (
    Allowed,
    Coverage,
    GroupSum,
    LeaveOut,
    MaxDeviation,
    NotExactlyOne,
    PairLink,
    Problem,
)

__all__ = ["local_search", "warm_up", "best_sizes"]

IntArray = npt.NDArray[np.int64]

#: Search settings (measured on MDGPLIB, see the module docstring); module-level for experiments.
TUNING: dict[str, float] = {
    "tenure_frac": 0.04,  # tenure = frac * n + rand(0..frac * n)
    "perturb_after": 50.0,  # iterations without improving the phase best, times n
    "perturb_min": 6,
    "perturb_max": 12,
    "restart_from_phase": 0,  # 1: perturb the phase's best instead of the overall best
    "perturb_reloc": 0,  # percent of random perturbation moves that are relocations
    "relocate": 1,  # 0: swaps only, group sizes stay those of the start
    "pool": 0,  # >= 2: keep that many phase bests; new phases start from their crossover
    # Searches in threads 1, 2, ... (solve with workers >= 2): "thread_<key>" >= 0 overrides
    # <key> there (thread 0 runs the single search's settings); -1 leaves it as is.
    "thread_pool": -1,
    "thread_restart_from_phase": -1,
    "thread_perturb_min": -1,
    "thread_perturb_max": -1,
    "thread_perturb_after": -1,
}
# Experiments: PILOTOPT_TUNING="pool=8,thread_pool=8" overrides TUNING in any process.
for _item in os.environ.get("PILOTOPT_TUNING", "").split(","):
    if "=" in _item:
        _key, _value = _item.split("=", 1)
        if _key.strip() not in TUNING:
            raise ValueError(f"PILOTOPT_TUNING: unknown key {_key!r}")
        TUNING[_key.strip()] = float(_value)

NEG = -(1 << 62)  # "no move found" sentinel, below any reachable delta

# Layout of the scalar state vector ``st`` shared between Python and the kernel.
IT = 0  # iterations (applied tabu moves) so far
F = 1  # current search objective f
HV = 2  # current hard violation (units)
BEST_F = 3  # f of the best feasible solution (valid when HAVE_FEAS)
HAVE_FEAS = 4  # 1 once a feasible solution has been seen
ANY_F = 5  # best f over all solutions (the fallback when nothing feasible was seen)
PHASE_F = 6  # best f in the current phase (between perturbations)
STALL = 7  # iterations since PHASE_F last improved
IMPROVED = 8  # set by the kernel when the returned best improved; cleared by Python
BEST_IT = 9  # iteration at which the returned best was found
ANY_HV = 10  # hard violation of the solution with f = ANY_F
BENCH = 11  # index of the bench (the group of organisations left out), -1 when there is none
PLAIN_UNTIL = 12  # iteration until which the MDGP scan does not prune
NSTATE = 13

#: A pruned scan that still evaluates more than this share of the swaps is slower than a plain
#: one (measured: geometric scores); then the next PLAIN_SCANS iterations scan plainly.
PRUNE_USELESS = 0.5
PLAIN_SCANS = 200


# ----------------------------------------------------------------------------------------------
# compiled building blocks
# ----------------------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _seed(seed: int) -> None:
    np.random.seed(seed)


@njit(cache=True, nogil=True)
def _viol(s: int, lo: int, hi: int) -> int:
    """Violation of ``lo <= s <= hi``; ``lo > hi`` encodes "s is not lo" (NotExactlyOne)."""
    if lo > hi:
        return 1 if s == lo else 0
    if s < lo:
        return lo - s
    if s > hi:
        return s - hi
    return 0


@njit(cache=True, nogil=True)
def _gs_delta(W, GLO, GHI, GPEN, S, g, h, i, j):  # type: ignore[no-untyped-def]
    """Change of -sum(GPEN * violation) when i leaves g for h (and j, if j >= 0, goes h -> g)."""
    d = 0
    for k in range(W.shape[0]):
        w = W[k, i]
        if j >= 0:
            w -= W[k, j]
        if w == 0:
            continue
        sg, sh = S[k, g], S[k, h]
        before = _viol(sg, GLO[k, g], GHI[k, g]) + _viol(sh, GLO[k, h], GHI[k, h])
        after = _viol(sg - w, GLO[k, g], GHI[k, g]) + _viol(sh + w, GLO[k, h], GHI[k, h])
        d -= GPEN[k] * (after - before)
    return d


@njit(cache=True, nogil=True)
def _gs_hard_delta(W, GLO, GHI, GHARD, S, g, h, i):  # type: ignore[no-untyped-def]
    """Change of the hard GroupSum violation when i moves from g to h."""
    d = 0
    for k in range(W.shape[0]):
        w = W[k, i]
        if w == 0 or GHARD[k] == 0:
            continue
        sg, sh = S[k, g], S[k, h]
        before = _viol(sg, GLO[k, g], GHI[k, g]) + _viol(sh, GLO[k, h], GHI[k, h])
        after = _viol(sg - w, GLO[k, g], GHI[k, g]) + _viol(sh + w, GLO[k, h], GHI[k, h])
        d += after - before
    return d


@njit(cache=True, nogil=True)
def _unmet(oc: int, nc: int, bc: int) -> int:
    """Needs of a group's members for one tag that no *other* member offers."""
    if oc == 0:
        return nc
    if oc == 1:
        return bc  # the only offerer's own need, if it has one
    return 0


@njit(cache=True, nogil=True)
def _cov_delta(ext, g, h, i, j, bench):  # type: ignore[no-untyped-def]
    """Change of (soft coverage penalty part of f, hard coverage violation) when i leaves g for h
    (and j, if j >= 0, goes h -> g). Walks the sorted tag lists of i and j together."""
    cp, cc, co, cn, cpen, chard, OC, NC, BC = ext[:9]
    df = 0
    dhv = 0
    p, pe = cp[i], cp[i + 1]
    q, qe = (cp[j], cp[j + 1]) if j >= 0 else (0, 0)
    while p < pe or q < qe:
        if q >= qe or (p < pe and cc[p] < cc[q]):
            t, o, nd, b = cc[p], co[p], cn[p], co[p] * cn[p]
            p += 1
        elif p >= pe or cc[q] < cc[p]:
            t, o, nd, b = cc[q], -co[q], -cn[q], -co[q] * cn[q]
            q += 1
        else:
            t = cc[p]
            o, nd, b = co[p] - co[q], cn[p] - cn[q], co[p] * cn[p] - co[q] * cn[q]
            p += 1
            q += 1
        d = 0
        if g != bench:
            d += (_unmet(OC[g, t] - o, NC[g, t] - nd, BC[g, t] - b)
                  - _unmet(OC[g, t], NC[g, t], BC[g, t]))
        if h != bench:
            d += (_unmet(OC[h, t] + o, NC[h, t] + nd, BC[h, t] + b)
                  - _unmet(OC[h, t], NC[h, t], BC[h, t]))
        df -= cpen[t] * d
        dhv += chard[t] * d
    return df, dhv


@njit(cache=True, nogil=True)
def _dev_top(XS, XT, XTOP, x, bench):  # type: ignore[no-untyped-def]
    """Rank the three groups (not the bench) deviating most from target x, into XTOP[x]."""
    XTOP[x, :] = -1
    for g in range(XS.shape[1]):
        if g == bench:
            continue
        d = abs(XS[x, g] - XT[x])
        for r in range(3):
            q = XTOP[x, r]
            if q < 0 or d > abs(XS[x, q] - XT[x]):
                for s in range(2, r, -1):
                    XTOP[x, s] = XTOP[x, s - 1]
                XTOP[x, r] = g
                break


@njit(cache=True, nogil=True)
def _dev_delta(ext, g, h, i, j, bench):  # type: ignore[no-untyped-def]
    """Change of f from the largest-deviation terms when i leaves g for h (and j, if j >= 0,
    goes h -> g): O(1) each, from the three groups deviating most."""
    XW, XT, XPEN, XS, XTOP = ext[9:]
    return _dev_change(XW, XT, XPEN, XS, XTOP, g, h, i, j, bench)


@njit(cache=True, nogil=True, inline="always")
def _dev_change(XW, XT, XPEN, XS, XTOP, g, h, i, j, bench):  # type: ignore[no-untyped-def]
    """:func:`_dev_delta` on the arrays themselves: weights (X, n), targets, penalties, sums
    (X, groups) and the top three (X, 3); ``bench`` is a group without a deviation (-1: none)."""
    d = 0
    for x in range(XW.shape[0]):
        w = XW[x, i] - (XW[x, j] if j >= 0 else 0)
        if w == 0:
            continue
        t = XT[x]
        rest = 0  # the largest deviation of the groups other than g and h
        for r in range(3):
            q = XTOP[x, r]
            if q >= 0 and q != g and q != h:
                rest = abs(XS[x, q] - t)
                break
        before = rest
        after = rest
        if g != bench:
            before = max(before, abs(XS[x, g] - t))
            after = max(after, abs(XS[x, g] - w - t))
        if h != bench:
            before = max(before, abs(XS[x, h] - t))
            after = max(after, abs(XS[x, h] + w - t))
        d -= XPEN[x] * (after - before)
    return d


@njit(cache=True, nogil=True)
def _relocate(i, h, a, C, size, S, Dp, U, UH, W, GLO, GHI, GPEN, GHARD, hp, hn, ht, st, ext):  # type: ignore[no-untyped-def]
    """Move i to group h, updating C, sizes, GroupSum sums, coverage counts, f and the hard
    violation exactly. On the bench nobody earns pair scores: ``C[:, bench]`` stays 0."""
    g = a[i]
    n = a.shape[0]
    bench = st[BENCH]
    # Hard violation change, counted before the state changes. A pair on the bench is apart.
    dhv = UH[i, h] - UH[i, g]
    for e in range(hp[i], hp[i + 1]):
        j = hn[e]
        gj = a[j]
        now = gj == g and g != bench
        then = gj == h and h != bench
        if ht[e] == 1:  # together: broken when not in one group
            dhv += (0 if then else 1) - (0 if now else 1)
        else:
            dhv += (1 if then else 0) - (1 if now else 0)
    dhv += _gs_hard_delta(W, GLO, GHI, GHARD, S, g, h, i)
    df = C[i, h] - C[i, g] + U[i, g] - U[i, h] + _gs_delta(W, GLO, GHI, GPEN, S, g, h, i, -1)
    cp, cc, co, cn, cpen, chard, OC, NC, BC = ext[:9]
    if cp[n] > 0:
        cdf, chv = _cov_delta(ext, g, h, i, -1, bench)
        df += cdf
        dhv += chv
        for e in range(cp[i], cp[i + 1]):
            t = cc[e]
            OC[g, t] -= co[e]
            OC[h, t] += co[e]
            NC[g, t] -= cn[e]
            NC[h, t] += cn[e]
            BC[g, t] -= co[e] * cn[e]
            BC[h, t] += co[e] * cn[e]
    XW, XT, XPEN, XS, XTOP = ext[9:]
    if XW.shape[0] > 0:
        df += _dev_delta(ext, g, h, i, -1, bench)
        for x in range(XW.shape[0]):
            if XW[x, i] != 0:
                XS[x, g] -= XW[x, i]
                XS[x, h] += XW[x, i]
                _dev_top(XS, XT, XTOP, x, bench)
    for k in range(W.shape[0]):
        S[k, g] -= W[k, i]
        S[k, h] += W[k, i]
    for k in range(n):
        d = Dp[k, i]
        if g != bench:
            C[k, g] -= d
        if h != bench:
            C[k, h] += d
    size[g] -= 1
    size[h] += 1
    a[i] = h
    st[F] += df
    st[HV] += dhv


@njit(cache=True, nogil=True)
def _recompute(a, Dp, U, W, GLO, GHI, GPEN, GHARD, hp, hn, ht, UH, m, C, size, S, st, ext):  # type: ignore[no-untyped-def]
    """Rebuild C, sizes, sums, coverage counts, f and the hard violation from the assignment."""
    n = a.shape[0]
    bench = st[BENCH]
    C[:, :] = 0
    size[:] = 0
    S[:, :] = 0
    for i in range(n):
        size[a[i]] += 1
        for k in range(W.shape[0]):
            S[k, a[i]] += W[k, i]
    for i in range(n):
        for j in range(n):
            if a[j] != bench:
                C[i, a[j]] += Dp[i, j]
    f = 0
    hv = 0
    for i in range(n):
        f += C[i, a[i]]
    f //= 2
    for i in range(n):
        f -= U[i, a[i]]
        hv += UH[i, a[i]]
        for e in range(hp[i], hp[i + 1]):
            j = hn[e]
            if j < i:
                continue  # each hard pair entry is stored at both ends
            same = a[i] == a[j] and a[i] != bench
            if (ht[e] == 1 and not same) or (ht[e] == 0 and same):
                hv += 1
    for k in range(W.shape[0]):
        for g in range(m):
            v = _viol(S[k, g], GLO[k, g], GHI[k, g])
            f -= GPEN[k] * v
            if GHARD[k] == 1:
                hv += v
    cp, cc, co, cn, cpen, chard, OC, NC, BC = ext[:9]
    OC[:, :] = 0
    NC[:, :] = 0
    BC[:, :] = 0
    for i in range(n):
        for e in range(cp[i], cp[i + 1]):
            OC[a[i], cc[e]] += co[e]
            NC[a[i], cc[e]] += cn[e]
            BC[a[i], cc[e]] += co[e] * cn[e]
    for g in range(m):
        if g == bench:
            continue
        for t in range(OC.shape[1]):
            v = _unmet(OC[g, t], NC[g, t], BC[g, t])
            f -= cpen[t] * v
            hv += chard[t] * v
    XW, XT, XPEN, XS, XTOP = ext[9:]
    XS[:, :] = 0
    for x in range(XW.shape[0]):
        for i in range(n):
            XS[x, a[i]] += XW[x, i]
        _dev_top(XS, XT, XTOP, x, bench)
        if XTOP[x, 0] >= 0:
            f -= XPEN[x] * abs(XS[x, XTOP[x, 0]] - XT[x])
    st[F] = f
    st[HV] = hv


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
def _construct(n, m, lo, hi, U):  # type: ignore[no-untyped-def]
    """A start meeting the size bounds: DP sizes, elements in random order to the cheapest group
    (unary cost U, i.e. Allowed rules) that still has room, ties broken at random."""
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


@njit(cache=True, nogil=True)
def _perturb(  # type: ignore[no-untyped-def]
    a, C, size, S, Dp, U, UH, W, GLO, GHI, GPEN, GHARD, hp, hn, ht, lo, hi, st, count, reloc_pct,
    ext,
):
    """Apply ``count`` random moves: swaps, or (``reloc_pct`` % of the time, when sizes allow)
    relocations."""
    n = a.shape[0]
    m = size.shape[0]
    done = 0
    tries = 0
    while done < count and tries < 100 * count:
        tries += 1
        i = np.random.randint(n)
        g = a[i]
        if np.random.randint(100) < reloc_pct:
            h = np.random.randint(m)
            if h != g and size[g] > lo[g] and size[h] < hi[h]:
                _relocate(i, h, a, C, size, S, Dp, U, UH, W, GLO, GHI, GPEN, GHARD, hp, hn, ht, st,
                          ext)
                done += 1
        else:
            j = np.random.randint(n)
            h = a[j]
            if h != g:
                _relocate(i, h, a, C, size, S, Dp, U, UH, W, GLO, GHI, GPEN, GHARD, hp, hn, ht, st,
                          ext)
                _relocate(j, g, a, C, size, S, Dp, U, UH, W, GLO, GHI, GPEN, GHARD, hp, hn, ht, st,
                          ext)
                done += 1


@njit(cache=True, nogil=True)
def _delta(i, j, h, a, C, Dp, U, W, GLO, GHI, GPEN, S, ext, bench):  # type: ignore[no-untyped-def]
    """Change of f when i moves to h (j < 0), or when i and j (in group h) swap groups: pair
    scores (none on the bench), unary costs, GroupSums and coverage."""
    gi = a[i]
    d = C[i, h] - C[i, gi] + U[i, gi] - U[i, h]
    if j >= 0:
        d += C[j, gi] - C[j, h] + U[j, h] - U[j, gi]
        d -= Dp[i, j] if gi == bench or h == bench else 2 * Dp[i, j]
    d += _gs_delta(W, GLO, GHI, GPEN, S, gi, h, i, j)
    if ext[0][a.shape[0]] > 0:
        d += _cov_delta(ext, gi, h, i, j, bench)[0]
    if ext[9].shape[0] > 0:
        d += _dev_delta(ext, gi, h, i, j, bench)
    return d


@njit(cache=True, nogil=True, inline="always")
def _consider(d, i, j, h, best_d, bi, bj, bh, ties):  # type: ignore[no-untyped-def]
    """Keep move (i, j, h) of delta d if it beats the best, or join a tie (reservoir sampling)."""
    if d > best_d:
        return d, i, j, h, 1
    ties += 1
    if np.random.randint(ties) == 0:
        return best_d, i, j, h, ties
    return best_d, bi, bj, bh, ties


@njit(cache=True, nogil=True)
def _scan_plain(Dp, lo, hi, a, C, size, tabu, it, f, asp, can_reloc, min_d, prune):  # type: ignore[no-untyped-def]
    """Best admissible move for pure MDGP (no penalty terms): ``(i, j, h, scanned)``, j = -1 for
    a relocation of i to h, j >= 0 for a swap of i and j (h = j's group); i = -1 if none;
    ``scanned`` is the share of swaps evaluated.

    A move is admissible when not tabu, or tabu but reaching a search objective above ``asp``.
    Ties are broken uniformly at random (reservoir sampling). With ``prune``, swaps of i with the
    members of a group h are skipped when even the best of them cannot reach the best move so
    far: a swap gains ``gain[i, h] + gain[j, g_i] - 2 Dp[i, j]``, at most ``gain[i, h] +
    top[h, g_i] - 2 min_d`` with ``top[h, g]`` the largest ``gain[j, g]`` over the members j of
    h. That saves most of the scan on random scores, and little on geometric ones.
    """
    n = a.shape[0]
    m = size.shape[0]
    start = np.zeros(m + 1, dtype=np.int64)
    members = np.empty(n, dtype=np.int64)
    top = np.full((m, m), NEG, dtype=np.int64)
    if prune:  # members by group (counting sort), and each group's best gain towards another
        for i in range(n):
            start[a[i] + 1] += 1
        for g in range(m):
            start[g + 1] += start[g]
        fill = start[:m].copy()
        for i in range(n):
            gi = a[i]
            members[fill[gi]] = i
            fill[gi] += 1
            for h in range(m):
                top[gi, h] = max(top[gi, h], C[i, h] - C[i, gi])
    best_d = NEG
    bi = -1
    bj = -1
    bh = -1
    ties = 0
    scanned = 0
    for i in range(n):
        gi = a[i]
        cii = C[i, gi]
        if can_reloc and size[gi] > lo[gi]:
            for h in range(m):
                if h == gi or size[h] >= hi[h]:
                    continue
                d = C[i, h] - cii
                if d < best_d or (tabu[i, h] > it and f + d <= asp):
                    continue
                best_d, bi, bj, bh, ties = _consider(d, i, -1, h, best_d, bi, bj, bh, ties)
        if not prune:
            for j in range(i + 1, n):
                gj = a[j]
                if gj == gi:
                    continue
                d = C[i, gj] - cii + C[j, gi] - C[j, gj] - 2 * Dp[i, j]
                if d < best_d or ((tabu[i, gj] > it or tabu[j, gi] > it) and f + d <= asp):
                    continue
                best_d, bi, bj, bh, ties = _consider(d, i, j, gj, best_d, bi, bj, bh, ties)
            continue
        for gj in range(m):
            if gj == gi or C[i, gj] - cii + top[gj, gi] - 2 * min_d < best_d:
                continue
            scanned += start[gj + 1] - start[gj]
            for e in range(start[gj], start[gj + 1]):
                j = members[e]
                if j < i:
                    continue  # each pair once, from its smaller member
                d = C[i, gj] - cii + C[j, gi] - C[j, gj] - 2 * Dp[i, j]
                if d < best_d or ((tabu[i, gj] > it or tabu[j, gi] > it) and f + d <= asp):
                    continue
                best_d, bi, bj, bh, ties = _consider(d, i, j, gj, best_d, bi, bj, bh, ties)
    share = scanned / max(1, n * (n - 1)) if prune else 1.0
    return bi, bj, bh, share


@njit(cache=True, nogil=True)
def _scan_ruled(Dp, U, W, GLO, GHI, GPEN, S, lo, hi, a, C, size, tabu, it, f, asp, can_reloc,  # type: ignore[no-untyped-def]
                ext, bench):
    """As :func:`_scan_plain`, with the unary (Allowed), GroupSum and coverage penalty terms,
    and the bench (where a swap partner earns no pair score)."""
    n = a.shape[0]
    m = size.shape[0]
    best_d = NEG
    bi = -1
    bj = -1
    bh = -1
    ties = 0
    for i in range(n):
        gi = a[i]
        if can_reloc and size[gi] > lo[gi]:
            for h in range(m):
                if h == gi or size[h] >= hi[h]:
                    continue
                d = _delta(i, -1, h, a, C, Dp, U, W, GLO, GHI, GPEN, S, ext, bench)
                if d < best_d:
                    continue
                if tabu[i, h] > it and f + d <= asp:
                    continue
                if d > best_d:
                    best_d, bi, bj, bh, ties = d, i, -1, h, 1
                else:
                    ties += 1
                    if np.random.randint(ties) == 0:
                        bi, bj, bh = i, -1, h
        for j in range(i + 1, n):
            gj = a[j]
            if gj == gi:
                continue
            d = _delta(i, j, gj, a, C, Dp, U, W, GLO, GHI, GPEN, S, ext, bench)
            if d < best_d:
                continue
            if (tabu[i, gj] > it or tabu[j, gi] > it) and f + d <= asp:
                continue
            if d > best_d:
                best_d, bi, bj, bh, ties = d, i, j, gj, 1
            else:
                ties += 1
                if np.random.randint(ties) == 0:
                    bi, bj, bh = i, j, gj
    return bi, bj, bh



@njit(cache=True, nogil=True)
def _crossover(pa, pb, Dp, U, lo, hi, m):  # type: ignore[no-untyped-def]
    """Group-based crossover: alternately take from each parent its still-unused group with the
    highest mean pair score among unplaced members (into the same group index, so its bounds
    hold), then place the rest greedily (cheapest unary cost, highest score) within the bounds."""
    n = pa.shape[0]
    child = np.full(n, -1, dtype=np.int64)
    cnt = np.zeros(m, dtype=np.int64)
    filled = np.zeros(m, dtype=np.bool_)
    first = np.random.randint(2)
    for step in range(m):
        par = pa if (step + first) % 2 == 0 else pb
        bg = -1
        bv = -1.0e300
        for g in range(m):
            if filled[g]:
                continue
            tot = 0
            k = 0
            for i in range(n):
                if par[i] != g or child[i] >= 0:
                    continue
                k += 1
                for j in range(i + 1, n):
                    if par[j] == g and child[j] < 0:
                        tot += Dp[i, j]
            v = tot / k if k > 0 else -1.0e299
            if v > bv:
                bv, bg = v, g
        if bg < 0:
            break
        filled[bg] = True
        for i in range(n):
            if par[i] == bg and child[i] < 0:
                child[i] = bg
                cnt[bg] += 1
    # Leftovers must first lift every group to its lower bound; free room if they cannot.
    left = 0
    for i in range(n):
        if child[i] < 0:
            left += 1
    deficit = 0
    for g in range(m):
        if cnt[g] < lo[g]:
            deficit += lo[g] - cnt[g]
    while deficit > left:
        i = np.random.randint(n)
        g = child[i]
        if g >= 0 and cnt[g] > lo[g]:
            child[i] = -1
            cnt[g] -= 1
            left += 1
    Cc = np.zeros((n, m), dtype=np.int64)
    for i in range(n):
        if child[i] >= 0:
            for j in range(n):
                Cc[j, child[i]] += Dp[j, i]
    order = np.random.permutation(n)
    for t in range(n):
        i = order[t]
        if child[i] >= 0:
            continue
        need_low = deficit >= left  # every remaining element must go below a lower bound
        bg = -1
        for g in range(m):
            if cnt[g] >= hi[g] or (need_low and cnt[g] >= lo[g]):
                continue
            if bg < 0 or U[i, g] < U[i, bg] or (U[i, g] == U[i, bg] and Cc[i, g] > Cc[i, bg]):
                bg = g
        child[i] = bg
        if cnt[bg] < lo[bg]:
            deficit -= 1
        cnt[bg] += 1
        left -= 1
        for j in range(n):
            Cc[j, bg] += Dp[j, i]
    return child



@njit(cache=True, nogil=True)
def _run(  # type: ignore[no-untyped-def]
    n_iter, Dp, U, UH, W, GLO, GHI, GPEN, GHARD, hp, hn, ht, lo, hi,
    a, C, size, S, tabu, best_a, any_a, phase_a, st, params, pool, pool_f, ext,
):
    """Run ``n_iter`` iterations of the iterated tabu search on the state arrays (in place).

    ``params`` = (tenure_base, tenure_rand, perturb_after, perturb_min, perturb_max, has_unary,
    restart_from_phase, perturb_reloc_percent, relocate, min_d).
    """
    n = a.shape[0]
    m = size.shape[0]
    tt_base, tt_rand, perturb_after, pmin, pmax, has_unary = (
        params[0], params[1], params[2], params[3], params[4], params[5]
    )
    from_phase = params[6] != 0 or pool.shape[0] > 1
    psize = pool.shape[0]
    has_gs = W.shape[0] > 0
    min_d = params[9]  # at most the smallest pair score: bounds the swaps the scan may skip
    can_reloc = False
    for g in range(m * params[8]):
        if lo[g] < hi[g]:
            can_reloc = True
    for _ in range(n_iter):
        it = st[IT]
        f = st[F]
        asp = st[PHASE_F]
        if has_unary or has_gs:
            bi, bj, bh = _scan_ruled(Dp, U, W, GLO, GHI, GPEN, S, lo, hi, a, C, size, tabu,
                                     it, f, asp, can_reloc, ext, st[BENCH])
        else:
            prune = it >= st[PLAIN_UNTIL]
            bi, bj, bh, share = _scan_plain(Dp, lo, hi, a, C, size, tabu, it, f, asp,
                                            can_reloc, min_d, prune)
            if prune and share > PRUNE_USELESS:  # pruning did not pay: plain scans for a while
                st[PLAIN_UNTIL] = it + PLAIN_SCANS
        st[IT] = it + 1
        if bi >= 0:
            gi = a[bi]
            _relocate(bi, bh, a, C, size, S, Dp, U, UH, W, GLO, GHI, GPEN, GHARD, hp, hn, ht, st,
                      ext)
            tabu[bi, gi] = it + tt_base + np.random.randint(tt_rand + 1)
            if bj >= 0:
                _relocate(bj, gi, a, C, size, S, Dp, U, UH, W, GLO, GHI, GPEN, GHARD, hp, hn, ht,
                          st, ext)
                tabu[bj, bh] = it + tt_base + np.random.randint(tt_rand + 1)
        f = st[F]
        if f > st[PHASE_F]:
            st[PHASE_F] = f
            st[STALL] = 0
            if from_phase:
                phase_a[:] = a
        else:
            st[STALL] += 1
        if st[HV] == 0 and (st[HAVE_FEAS] == 0 or f > st[BEST_F]):
            st[BEST_F] = f
            st[HAVE_FEAS] = 1
            best_a[:] = a
            st[IMPROVED] = 1
            st[BEST_IT] = it + 1
        if f > st[ANY_F]:
            st[ANY_F] = f
            st[ANY_HV] = st[HV]
            any_a[:] = a
            if st[HAVE_FEAS] == 0:
                st[IMPROVED] = 1
                st[BEST_IT] = it + 1
        if st[STALL] >= perturb_after and psize > 1:
            # Memetic step: file the phase best in the pool (replacing the worst, unless its
            # value is already there), then start the next phase from a crossover of two members.
            pf = st[PHASE_F]
            worst = 0
            dup = False
            for q in range(psize):
                if pool_f[q] == pf:
                    dup = True
                if pool_f[q] < pool_f[worst]:
                    worst = q
            if not dup and pf > pool_f[worst]:
                pool[worst, :] = phase_a
                pool_f[worst] = pf
            full = True
            for q in range(psize):
                if pool_f[q] == NEG:
                    full = False
            if full:
                x = np.random.randint(psize)
                y = np.random.randint(psize - 1)
                if y >= x:
                    y += 1
                a[:] = _crossover(pool[x], pool[y], Dp, U, lo, hi, m)
            else:  # fill the pool with phases from independent random starts
                a[:] = _construct(n, m, lo, hi, U)
            _recompute(a, Dp, U, W, GLO, GHI, GPEN, GHARD, hp, hn, ht, UH, m, C, size, S, st, ext)
            tabu[:, :] = 0
            st[PHASE_F] = st[F]
            st[STALL] = 0
            phase_a[:] = a
            continue
        if st[STALL] >= perturb_after:
            # Restart from the best solution (the best feasible one once seen) and shake it.
            if from_phase and psize <= 1:
                a[:] = phase_a
            elif st[HAVE_FEAS] == 1:
                a[:] = best_a
            else:
                a[:] = any_a
            _recompute(a, Dp, U, W, GLO, GHI, GPEN, GHARD, hp, hn, ht, UH, m, C, size, S, st, ext)
            count = pmin + np.random.randint(pmax - pmin + 1)
            _perturb(a, C, size, S, Dp, U, UH, W, GLO, GHI, GPEN, GHARD, hp, hn, ht, lo, hi, st,
                     count, params[7], ext)
            st[PHASE_F] = st[F]
            st[STALL] = 0
            if from_phase:
                phase_a[:] = a


# ----------------------------------------------------------------------------------------------
# Python side: encoding the primitives and driving the kernel
# ----------------------------------------------------------------------------------------------


class _Encoded:
    """Flat int64 arrays the kernel reads (built once per problem)."""

    def __init__(self, problem: Problem) -> None:
        if problem.factors is not None:
            raise ValueError("the search kernel needs dense pair scores (see solve.large)")
        n, m = problem.n, problem.m
        optional = problem.optional
        # Organisations left out sit on a bench: an extra group m without pair scores or rules.
        self.bench = m if optional.any() else -1
        mk = m + (self.bench >= 0)
        score = np.asarray(problem.score, dtype=np.int64)
        lo, hi = problem.size_bounds()
        self.lo = np.ascontiguousarray(np.append(lo, [0] * (mk - m)), dtype=np.int64)
        self.hi = np.ascontiguousarray(np.append(hi, [n] * (mk - m)), dtype=np.int64)
        # A hard violation must outweigh anything one organisation can earn or lose.
        row = int(np.abs(score).sum(axis=1).max()) if n else 0
        soft_pen = 0
        for p in problem.primitives:
            if isinstance(p, LeaveOut):
                soft_pen += int(p.cost.sum())
            if not p.hard:
                units = (len(p.pairs) if isinstance(p, PairLink)
                         else int(p.needs.sum()) if isinstance(p, Coverage)
                         else m if isinstance(p, NotExactlyOne)
                         else p.lo if isinstance(p, LeaveOut)
                         # one move changes two groups' sums by at most the largest weight
                         else 2 * int(np.abs(p.w).max(initial=0))
                         if isinstance(p, GroupSum | MaxDeviation) else 1)
                soft_pen += abs(int(p.penalty)) * max(1, units)
        self.M = 1 + row + min(soft_pen, 1 << 40)

        Dp = score.copy()
        U = np.zeros((n, mk), dtype=np.int64)
        UH = np.zeros((n, mk), dtype=np.int64)
        if self.bench >= 0:
            UH[~optional, self.bench] = 1
            U[~optional, self.bench] = self.M
        self.offset = 0  # f = objective + offset - M * hard_violation
        self.hv_const = 0  # hard violation no move can change (an 'apart' pair i == i)
        hard_adj: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        gs: list[tuple[IntArray, IntArray, IntArray, int, int]] = []  # w, lo, hi, weight, hard

        def group_sum(w: IntArray, glo: IntArray, ghi: IntArray, weight: int, hard: bool,
                      on_bench: tuple[int, int] | None = None) -> None:
            """A GroupSum over the real groups; free on the bench unless ``on_bench`` says."""
            free = (int(w[w < 0].sum()), int(w[w > 0].sum()))
            b = on_bench or free
            gs.append((np.asarray(w, dtype=np.int64),
                       np.append(glo, [b[0]] * (mk - m)).astype(np.int64),
                       np.append(ghi, [b[1]] * (mk - m)).astype(np.int64), weight, int(hard)))

        cov_cols: list[tuple[IntArray, IntArray, int, int]] = []  # offers, needs, weight, hard
        devs: list[MaxDeviation] = []
        for p in problem.primitives:
            weight = self.M if p.hard else int(p.penalty)
            if isinstance(p, GroupSum):
                if p.hard and np.all(p.w == 1):
                    continue  # a size bound: always kept by the moves themselves
                if np.any(p.lo > p.hi):
                    raise ValueError("a GroupSum with lo > hi cannot hold")
                group_sum(p.w, p.lo, p.hi, weight, p.hard)
            elif isinstance(p, NotExactlyOne):
                # lo > hi encodes "not exactly lo" (see _viol).
                group_sum(p.w, np.ones(m, np.int64), np.zeros(m, np.int64), weight, p.hard)
            elif isinstance(p, LeaveOut):
                U[:, self.bench] += p.cost
                if p.lo > 0:  # at most (chosen - lo) of the chosen on the bench
                    top = int(p.w.sum())
                    group_sum(p.w, np.zeros(m, np.int64), np.full(m, top, np.int64), weight,
                              p.hard, on_bench=(0, top - p.lo))
            elif isinstance(p, MaxDeviation):
                devs.append(p)
            elif isinstance(p, Coverage):
                for t in range(p.needs.shape[1]):
                    if p.needs[:, t].any():
                        cov_cols.append((p.offers[:, t], p.needs[:, t], weight, int(p.hard)))
            elif isinstance(p, PairLink):
                for x, y in np.asarray(p.pairs, dtype=np.int64).tolist():
                    if x == y:  # together holds and apart is broken, unless x is left out
                        if optional[x]:
                            where = slice(m, None) if p.together else slice(0, m)
                            U[x, where] += weight
                            UH[x, where] += p.hard
                        elif not p.together and p.hard:
                            self.hv_const += 1
                        elif not p.together:
                            self.offset += weight
                        continue
                    sign = 1 if p.together else -1
                    Dp[x, y] += sign * weight
                    Dp[y, x] += sign * weight
                    if p.together:
                        self.offset += weight
                    if p.hard:
                        hard_adj[x].append((y, 1 if p.together else 0))
                        hard_adj[y].append((x, 1 if p.together else 0))
            elif isinstance(p, Allowed):
                bad = ~np.asarray(p.allowed, dtype=bool)
                U[:, :m] += weight * bad
                if p.hard:
                    UH[:, :m] += bad
        self.Dp = np.ascontiguousarray(Dp)
        self.U, self.UH = U, UH
        self.has_unary = int(np.any(U != 0) or bool(cov_cols) or self.bench >= 0)
        k = len(gs)
        self.W = np.ascontiguousarray(np.array([x[0] for x in gs], dtype=np.int64).reshape(k, n))
        self.GLO = np.ascontiguousarray(np.array([x[1] for x in gs], dtype=np.int64).reshape(k, mk))
        self.GHI = np.ascontiguousarray(np.array([x[2] for x in gs], dtype=np.int64).reshape(k, mk))
        self.GPEN = np.array([x[3] for x in gs], dtype=np.int64).reshape(k)
        self.GHARD = np.array([x[4] for x in gs], dtype=np.int64).reshape(k)
        self.hp = np.zeros(n + 1, dtype=np.int64)
        self.hp[1:] = np.cumsum([len(x) for x in hard_adj])
        self.hn = np.array([y for x in hard_adj for y, _ in x], dtype=np.int64)
        self.ht = np.array([t for x in hard_adj for _, t in x], dtype=np.int64)
        # Coverage: per organisation, the (tag column, offers, needs) it has, sorted by column.
        offers = np.array([c[0] for c in cov_cols], dtype=np.int64).reshape(-1, n).T
        needs = np.array([c[1] for c in cov_cols], dtype=np.int64).reshape(-1, n).T
        rows, cols = np.nonzero(offers | needs)
        self.cov_static = (
            np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]).astype(np.int64),
            cols.astype(np.int64),
            offers[rows, cols].astype(np.int64),
            needs[rows, cols].astype(np.int64),
            np.array([c[2] for c in cov_cols], dtype=np.int64),
            np.array([c[3] for c in cov_cols], dtype=np.int64),
        )
        self.tags = len(cov_cols)
        # Largest deviations: weights, targets, penalties (state: sums and the top three).
        self.dev_static = (
            np.array([d.w for d in devs], dtype=np.int64).reshape(len(devs), n),
            np.array([d.target for d in devs], dtype=np.int64),
            np.array([d.penalty for d in devs], dtype=np.int64),
        )

    def unbench(self, a: IntArray) -> IntArray:
        """A copy of the assignment with the bench as -1 (left out)."""
        out = a.copy()
        if self.bench >= 0:
            out[out == self.bench] = -1
        return out

    def ext(self) -> tuple[IntArray, ...]:
        """The coverage and largest-deviation arrays the kernel reads, with fresh state: the
        per-group tag counts, deviation sums and top three."""
        counts = tuple(np.zeros((len(self.lo), self.tags), dtype=np.int64) for _ in range(3))
        k = len(self.dev_static[1])
        dev_state = (np.zeros((k, len(self.lo)), dtype=np.int64),
                     np.full((k, 3), -1, dtype=np.int64))
        return self.cov_static + counts + self.dev_static + dev_state

    def objective(self, f: int, hv: int) -> int:
        """The evaluator's objective of a state with search objective f and hard violation hv."""
        return f - self.offset + self.M * hv


def local_search(
    problem: Problem,
    start: npt.ArrayLike | None,
    time_limit: float | None,
    seed: int,
    *,
    on_improve: Callable[[IntArray, int, bool], None] | None = None,
    max_iterations: int | None = None,
    tuning: dict[str, float] | None = None,
    stop: threading.Event | None = None,
) -> tuple[IntArray, dict[str, Any]]:
    """Iterated tabu search; returns the best assignment found and statistics.

    Parameters
    ----------
    problem
        The compiled problem. Its hard size bounds are kept at every step.
    start
        Group index per organisation meeting every hard rule, or ``None`` to build a start (DP
        group sizes, then a random fill preferring allowed groups).
    time_limit
        Seconds of search (wall clock, measured from the call); ``None`` for no limit.
    seed
        Seeds every random choice; with ``max_iterations`` (and no binding time limit) the result
        is reproducible.
    on_improve
        Called as ``on_improve(assignment, objective, feasible)`` when the best solution
        improves (checked between chunks of iterations, at most every ~20 ms).
    max_iterations
        Iteration budget (one tabu move each); at least one of it and ``time_limit`` is needed.
    tuning
        Overrides of :data:`TUNING` entries for this search.
    stop
        When set (from another thread), the search returns its best at the end of the current
        chunk of iterations (~20 ms).

    The compiled functions release the GIL, so searches in several threads run in parallel
    (numba's random generator is per thread: each thread's search is seeded by its call).

    Returns
    -------
    (assignment, stats)
        ``assignment``: int64 group per organisation, the best feasible one seen (else the least
        penalised). ``stats``: ``iterations``, ``time_to_best`` (s), ``iterations_to_best``,
        ``objective`` (scaled, as :func:`pilotopt.evaluate.evaluate` computes it), ``feasible``,
        ``time`` (s).
    """
    t0 = time.perf_counter()
    if time_limit is None and max_iterations is None:
        raise ValueError("give a time_limit or max_iterations")
    n = problem.n
    enc = _Encoded(problem)
    m = len(enc.lo)  # with the bench, if any
    if np.any(enc.lo > enc.hi) or enc.lo.sum() > n or enc.hi.sum() < n:
        raise ValueError("the group size bounds admit no assignment")
    _seed(seed)
    if start is None:
        lo, hi = enc.lo.copy(), enc.hi.copy()
        if enc.bench >= 0:  # place as many as the groups hold
            lo[enc.bench] = hi[enc.bench] = max(0, n - int(hi[:enc.bench].sum()))
        a = _construct(n, m, lo, hi, enc.U)
        if n and a[0] < 0:
            raise ValueError("the group size bounds admit no assignment")
    else:
        a = np.array(start, dtype=np.int64)
        if a.shape != (n,) or (n and (a.min() < -1 or a.max() >= problem.m)):
            raise ValueError(f"start must give a group in 0..{problem.m - 1} (or -1: left out) "
                             f"to each of {n} organisations")
        a[a < 0] = enc.bench
        if np.any(a < 0):
            raise ValueError("start leaves out an organisation no optional rule names")
        sizes = np.bincount(a, minlength=m)
        if np.any(sizes < enc.lo) or np.any(sizes > enc.hi):
            raise ValueError("start breaks the hard group size bounds")

    k = enc.W.shape[0]
    C = np.zeros((n, m), dtype=np.int64)
    size = np.zeros(m, dtype=np.int64)
    S = np.zeros((k, m), dtype=np.int64)
    st = np.zeros(NSTATE, dtype=np.int64)
    st[BENCH] = enc.bench
    ext = enc.ext()
    _recompute(a, enc.Dp, enc.U, enc.W, enc.GLO, enc.GHI, enc.GPEN, enc.GHARD, enc.hp, enc.hn,
               enc.ht, enc.UH, m, C, size, S, st, ext)
    st[ANY_F] = st[PHASE_F] = st[F]
    st[ANY_HV] = st[HV]
    best_a = a.copy()
    any_a = a.copy()
    phase_a = a.copy()
    if st[HV] == 0:
        st[HAVE_FEAS], st[BEST_F] = 1, st[F]

    tune = TUNING if not tuning else {**TUNING, **tuning}
    span = max(1, int(tune["tenure_frac"] * n))
    params = np.array(
        [span, span, int(tune["perturb_after"] * max(n, 1)), tune["perturb_min"],
         tune["perturb_max"], enc.has_unary, tune["restart_from_phase"],
         tune["perturb_reloc"], tune["relocate"], min(0, int(enc.Dp.min(initial=0)))],
        dtype=np.int64,
    )
    tabu = np.zeros((n, m), dtype=np.int64)
    npool = int(tune["pool"])
    pool_a = np.zeros((npool, n), dtype=np.int64)
    pool_f = np.full(npool, NEG, dtype=np.int64)
    deadline = None if time_limit is None else t0 + time_limit
    time_to_best = time.perf_counter() - t0
    chunk = 16
    can_move = m > 1 and n > 1
    while can_move:
        todo = chunk if max_iterations is None else min(chunk, max_iterations - int(st[IT]))
        if todo <= 0:
            break
        if deadline is not None and time.perf_counter() >= deadline:
            break
        if stop is not None and stop.is_set():
            break
        t1 = time.perf_counter()
        _run(todo, enc.Dp, enc.U, enc.UH, enc.W, enc.GLO, enc.GHI, enc.GPEN, enc.GHARD, enc.hp,
             enc.hn, enc.ht, enc.lo, enc.hi, a, C, size, S, tabu, best_a, any_a, phase_a, st,
             params, pool_a, pool_f, ext)
        now = time.perf_counter()
        if st[IMPROVED]:
            st[IMPROVED] = 0
            time_to_best = now - t0
            if on_improve is not None:
                feas = bool(st[HAVE_FEAS])
                out = enc.unbench(best_a if feas else any_a)
                on_improve(out, _result_objective(enc, st, feas), feas)
        # Size the next chunk to about 20 ms, or less near the deadline.
        per_it = max((now - t1) / todo, 1e-9)
        target = 0.02 if deadline is None else max(1e-3, min(0.02, (deadline - now) / 2))
        chunk = int(min(max(1, target / per_it), 4 * chunk + 16))

    feas = bool(st[HAVE_FEAS])
    result = enc.unbench(best_a if feas else any_a)
    stats = {  # an 'apart' pair (i, i) can never hold: such a problem is never feasible
        "iterations": int(st[IT]),
        "iterations_to_best": int(st[BEST_IT]),
        "time_to_best": time_to_best,
        "objective": _result_objective(enc, st, feas),
        "feasible": feas and enc.hv_const == 0,
        "time": time.perf_counter() - t0,
    }
    return result, stats


def _result_objective(enc: _Encoded, st: IntArray, feasible: bool) -> int:
    """Evaluator objective of the returned best (feasible best, else least penalised)."""
    if feasible:
        return enc.objective(int(st[BEST_F]), 0)
    return enc.objective(int(st[ANY_F]), int(st[ANY_HV]))


def warm_up() -> None:
    """Compile (or load from the cache) every kernel function on a tiny ruled problem."""
    from pilotopt.problem import RuleInfo

    n, m = 6, 2
    rng = np.random.default_rng(0)
    s = rng.integers(0, 10, size=(n, n))
    score = np.triu(s, 1) + np.triu(s, 1).T
    allowed = np.ones((n, m), dtype=bool)
    allowed[0, 1] = False
    rules = tuple(RuleInfo(id=f"r{k}", kind="x", label="x", hard=k < 2) for k in range(4))
    prims = (
        GroupSum(0, np.ones(n, dtype=np.int64), np.array([2, 2]), np.array([4, 4]), True),
        PairLink(1, np.array([[1, 2]]), together=True, hard=True),
        GroupSum(2, np.arange(n, dtype=np.int64), np.zeros(m, np.int64), np.full(m, 8), False, 1),
        Allowed(3, allowed, False, 5),
    )
    ids = tuple(str(i) for i in range(n))
    p = Problem(ids, ids, ("A", "B"), score.astype(np.int64), rules, prims)
    local_search(p, None, None, 0, max_iterations=200)
