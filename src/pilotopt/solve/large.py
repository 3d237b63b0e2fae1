"""Search for large problems: memory and time per move independent of n x n and n x m.

The dense kernel (:mod:`pilotopt.solve.kernel`) keeps an n x m table and scans every move; CP-SAT
has a boolean per organisation and group. Neither fits 100,000 organisations in 10,000 groups.
Here every structure is O(n * rank + m * rank):

* pair scores come from :class:`~pilotopt.problem.LowRankScore` factors, so what i earns in g
  is ``constant * |g| + x_i . T_g + explicit pairs`` with ``T_g`` the sum of the ``y`` rows of
  g's members (O(nonzeros of x_i) per group, not O(n));
* each group keeps a linked list of its members, sums of GroupSum weights, counts of
  NotExactlyOne members and Coverage offers and needs per tag, MaxDeviation sums and the three
  groups deviating most;
* pair rules are lists per organisation (PairLink) or are checked against the members of the
  group a move enters (Proximity); each organisation keeps how many of its hard pairs are broken
  and how many members of its own group are too far, so a move reads its own side in O(1) and the
  other side from the shorter of its partner list and the group's members;
* Allowed rows are lists of allowed (or forbidden) groups, kept only for restricted rows.

A move is scored as the change of (hard violation, objective), compared lexicographically, so
no big-M weight is needed and hard rules always come first.

Phases, under the caller's clock:

1. Sizes within the hard bounds, as even as they can be; with a travel rule (Proximity) the
   organisations are cut into compact geographic blocks of those sizes by recursive bisection
   (so the groups' numbering is spatial too), else dealt in random order.
2. Repair: the members of each group breaking a hard rule try relocations and swaps towards
   candidate groups (nearby, partners by score, helpers for the broken rule, random); the move
   most reducing the hard violation is made. When the repair stalls, CP-SAT solves the hard
   rules on a small part (a few groups freed, everything else fixed).
3. Search: organisations are visited at random; each tries relocations to and swaps with the
   members of a few candidate groups, the best is made if it improves (or, while the
   temperature is above 0, with the Metropolis probability).

All randomness comes from numba's generator (seeded per run) and numpy's seeded generator, and
the compiled parts run in fixed work units: with a work budget the run repeats exactly.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

from pilotopt.problem import (
    Allowed,
    Coverage,
    GroupSum,
    LeaveOut,
    LowRankScore,
    MaxDeviation,
    NotExactlyOne,
    PairLink,
    Problem,
    Proximity,
    RuleInfo,
    SparseRows,
)
from pilotopt.solve.kernel import _dev_change, _dev_top, _seed, _viol

__all__ = ["LargeSearch", "supported", "warm_up"]

IntArray = npt.NDArray[np.int64]

#: Candidate groups per visit: by spatial order, by pair score, random.
NEAR, PARTNERS, RANDOM = 4, 3, 1
#: CP-SAT's deterministic work limit on one part when runs must repeat (``workers == 1``).
REPAIR_WORK = 2.0
#: Start temperature of the search, times :func:`pair_scale`; it falls linearly to 0 when
#: ``COOL_BY`` of the search (work or time) is done, and the rest is a descent. Measured on
#: flanders-3000 (20 s): 0 (descent throughout) 19.04M, 0.37: 19.26M, 1.2: 19.52M, 3.6: 19.48M.
TEMPERATURE = 1.2
COOL_BY = 0.9
#: Visits between two readings of the clock (and copies of the best assignment) when the work
#: is budgeted, so that the same budget gives the same run.
CHUNK = 1000
#: Half-width of the window of the spatial order that "nearby" candidates come from, in groups.
NEAR_GROUPS = 3

F, HV = 0, 1  # scalar state: search objective, hard violation


class Data(NamedTuple):
    """The problem as flat int64 arrays (read-only during the search). CSR lists are ``*p``
    (row pointers) with ``*i`` / ``*d`` (entries)."""

    lo: IntArray  # hard size bounds per group
    hi: IntArray
    c: int  # pair score constant
    xp: IntArray  # score factors x and y by rows, x_i . y_i, and by columns the rows with y > 0
    xi: IntArray
    xd: IntArray
    yp: IntArray
    yi: IntArray
    yd: IntArray
    xy: IntArray
    cp: IntArray
    ci: IntArray
    ep: IntArray  # explicit pair scores and soft PairLinks folded in, both ends
    ei: IntArray
    ed: IntArray
    hp: IntArray  # hard PairLinks, both ends; ht 1 = together, 0 = apart
    hn: IntArray
    ht: IntArray
    htog: IntArray  # 'together' entries per organisation
    W: IntArray  # GroupSums other than the size bounds: weights (n, K), bounds (m, K)
    GLO: IntArray
    GHI: IntArray
    GPEN: IntArray  # penalty of a soft one, 0 for a hard one
    GHARD: IntArray  # 1 for a hard one
    wp: IntArray  # organisations of positive (wp/wi) and negative (wq/wj) weight per GroupSum
    wi: IntArray
    wq: IntArray
    wj: IntArray
    NW: IntArray  # NotExactlyOne weights (n, L)
    NPEN: IntArray
    NHARD: IntArray
    am: IntArray  # Allowed (P, n): 0 every group, 1 only those listed, 2 all but those listed
    ap: IntArray  # lists: row p * n + i
    ai: IntArray
    APEN: IntArray
    AHARD: IntArray
    qp: IntArray  # Coverage: tags of organisation i for primitive q at row q * n + i
    qt: IntArray
    qf: IntArray  # 1 offers, 2 needs, 3 both
    QPEN: IntArray
    QHARD: IntArray
    XW: IntArray  # MaxDeviation (always soft) weights (X, n), targets, penalties
    XT: IntArray
    XPEN: IntArray
    ZX: IntArray  # Proximity points (Z, n, 3), limits, codes (n, Z)
    ZL: IntArray
    ZC: IntArray
    ZPEN: IntArray
    ZHARD: IntArray
    near: int  # organisations are numbered in spatial order: i's neighbours are i +- near


class State(NamedTuple):
    """The assignment and everything kept incrementally from it."""

    a: IntArray
    size: IntArray
    head: IntArray  # first member of each group, -1 if empty
    nxt: IntArray  # next / previous member in the same group, -1 at the ends
    prv: IntArray
    T: IntArray  # (m, rank): sum of the y rows of the members
    GS: IntArray  # (m, K) GroupSum sums
    NS: IntArray  # (m, L) NotExactlyOne counts
    CO: IntArray  # (Q, m, tags): members offering, needing, both
    CN: IntArray
    CB: IntArray
    XS: IntArray  # (X, m) MaxDeviation sums (the kernel's layout: its functions serve)
    XTOP: IntArray  # (X, 3) the three groups deviating most, -1 if fewer groups
    FAR: IntArray  # (n, Z) members of one's own group too far away, per Proximity
    HB: IntArray  # (n,) one's hard PairLink entries broken
    st: IntArray  # F, HV


# ----------------------------------------------------------------------------------------------
# compiled building blocks
# ----------------------------------------------------------------------------------------------


@njit(cache=True, nogil=True, inline="always")
def _dot(D, i, j):  # type: ignore[no-untyped-def]
    """x_i . y_j (sorted sparse rows)."""
    p, pe, q, qe = D.xp[i], D.xp[i + 1], D.yp[j], D.yp[j + 1]
    s = 0
    while p < pe and q < qe:
        if D.xi[p] == D.yi[q]:
            s += D.xd[p] * D.yd[q]
            p += 1
            q += 1
        elif D.xi[p] < D.yi[q]:
            p += 1
        else:
            q += 1
    return s


@njit(cache=True, nogil=True, inline="always")
def _far(D, z, i, k):  # type: ignore[no-untyped-def]
    if D.ZC[i, z] != D.ZC[k, z]:
        return 1
    d = 0
    for t in range(3):
        e = D.ZX[z, i, t] - D.ZX[z, k, t]
        d += e * e
    return 1 if d > D.ZL[z] else 0


@njit(cache=True, nogil=True, inline="always")
def _far_sum(D, S, z, i, g):  # type: ignore[no-untyped-def]
    """Members of g other than i too far from i (for i's own group, ``S.FAR`` keeps it)."""
    s = 0
    k = S.head[g]
    while k >= 0:
        if k != i:
            s += _far(D, z, i, k)
        k = S.nxt[k]
    return s


@njit(cache=True, nogil=True, inline="always")
def _bad(D, p, i, g):  # type: ignore[no-untyped-def]
    """1 if Allowed primitive p keeps i out of g."""
    mode = D.am[p, i]
    if mode == 0:
        return 0
    row = p * D.am.shape[1] + i
    lo, hi = D.ap[row], D.ap[row + 1]
    while lo < hi:  # binary search in the sorted list
        mid = (lo + hi) // 2
        if D.ai[mid] < g:
            lo = mid + 1
        else:
            hi = mid
    listed = lo < D.ap[row + 1] and D.ai[lo] == g
    return (0 if listed else 1) if mode == 1 else (1 if listed else 0)


@njit(cache=True, nogil=True, inline="always")
def _unmet(o, nd, b):  # type: ignore[no-untyped-def]
    """Needs of a tag unmet in a group with o offering, nd needing, b doing both members."""
    if o == 0:
        return nd
    if o == 1:
        return b  # the only offerer cannot meet its own need
    return 0


@njit(cache=True, nogil=True, inline="always")
def _cov_tag(S, q, g, h, t, fi, fj):  # type: ignore[no-untyped-def]
    """Change of unmet needs of tag t when flags fi leave g for h and fj (if any) go h -> g."""
    oi, ni = fi & 1, (fi >> 1) & 1
    oj, nj = fj & 1, (fj >> 1) & 1
    bi, bj = oi & ni, oj & nj
    d = 0
    o, nd, b = S.CO[q, g, t], S.CN[q, g, t], S.CB[q, g, t]
    d += _unmet(o - oi + oj, nd - ni + nj, b - bi + bj) - _unmet(o, nd, b)
    o, nd, b = S.CO[q, h, t], S.CN[q, h, t], S.CB[q, h, t]
    d += _unmet(o + oi - oj, nd + ni - nj, b + bi - bj) - _unmet(o, nd, b)
    return d


@njit(cache=True, nogil=True, inline="always")
def _cov_delta(D, S, q, i, j, g, h):  # type: ignore[no-untyped-def]
    """Change of unmet needs of Coverage q when i moves g -> h (and j, if >= 0, h -> g): one
    walk over the union of their sorted tag lists."""
    n = S.a.shape[0]
    a, ae = D.qp[q * n + i], D.qp[q * n + i + 1]
    b = be = 0
    if j >= 0:
        b, be = D.qp[q * n + j], D.qp[q * n + j + 1]
    d = 0
    while a < ae or b < be:
        if b >= be or (a < ae and D.qt[a] < D.qt[b]):
            d += _cov_tag(S, q, g, h, D.qt[a], D.qf[a], 0)
            a += 1
        elif a >= ae or D.qt[b] < D.qt[a]:
            d += _cov_tag(S, q, g, h, D.qt[b], 0, D.qf[b])
            b += 1
        else:
            d += _cov_tag(S, q, g, h, D.qt[a], D.qf[a], D.qf[b])
            a += 1
            b += 1
    return d


@njit(cache=True, nogil=True)
def _dev_moved(D, S, g, h):  # type: ignore[no-untyped-def]
    """Keep ``S.XTOP`` after a move between g and h: only when one of them is ranked, or now
    deviates more than the third, can the ranking change (then it is redone, O(m))."""
    for x in range(D.XT.shape[0]):
        t = D.XT[x]
        third = S.XTOP[x, 2]
        limit = abs(S.XS[x, third] - t) if third >= 0 else -1
        for q in (g, h):
            if (q == S.XTOP[x, 0] or q == S.XTOP[x, 1] or q == third
                    or abs(S.XS[x, q] - t) > limit):
                _dev_top(S.XS, D.XT, S.XTOP, x, -1)
                break


@njit(cache=True, nogil=True, inline="always")
def _broken_in(D, S, i, h):  # type: ignore[no-untyped-def]
    """i's hard PairLink entries that would be broken with i in group h (not its own): from
    i's partners, or, when it has more of them than h has members, from h's members found in
    i's sorted partner list, so that many partners (dense competitor lists) stay cheap."""
    lo, hi = D.hp[i], D.hp[i + 1]
    b = D.htog[i]  # every 'together' entry is broken unless its partner is in h
    if hi - lo <= S.size[h]:
        for e in range(lo, hi):
            if S.a[D.hn[e]] == h:
                b += -1 if D.ht[e] == 1 else 1
        return b
    k = S.head[h]
    while k >= 0:
        e = _first(D.hp, D.hn, i, k)
        while e < hi and D.hn[e] == k:
            b += -1 if D.ht[e] == 1 else 1
            e += 1
        k = S.nxt[k]
    return b


@njit(cache=True, nogil=True, inline="always")
def _sep(D, S, i, g, h):  # type: ignore[no-untyped-def]
    """(hard violation change, objective change) of relocating i from g to h, in the terms that
    depend on i alone: pair scores, explicit pairs, hard PairLinks, Allowed, Proximity."""
    df = D.c * (S.size[h] - S.size[g] + 1) + D.xy[i]
    for e in range(D.xp[i], D.xp[i + 1]):
        df += D.xd[e] * (S.T[h, D.xi[e]] - S.T[g, D.xi[e]])
    for e in range(D.ep[i], D.ep[i + 1]):
        gk = S.a[D.ei[e]]
        if gk == h:
            df += D.ed[e]
        elif gk == g:
            df -= D.ed[e]
    dhv = _broken_in(D, S, i, h) - S.HB[i]
    for p in range(D.am.shape[0]):
        v = _bad(D, p, i, h) - _bad(D, p, i, g)
        df -= D.APEN[p] * v
        dhv += D.AHARD[p] * v
    for z in range(D.ZL.shape[0]):
        v = _far_sum(D, S, z, i, h) - S.FAR[i, z]
        df -= D.ZPEN[z] * v
        dhv += D.ZHARD[z] * v
    return dhv, df


@njit(cache=True, nogil=True, inline="always")
def _first(ptr, idx, i, j):  # type: ignore[no-untyped-def]
    """Position of the first entry j in the sorted CSR row i (its end if none)."""
    lo, hi = ptr[i], ptr[i + 1]
    while lo < hi:
        mid = (lo + hi) // 2
        if idx[mid] < j:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True, inline="always")
def _pair(D, S, i, j):  # type: ignore[no-untyped-def]
    """What the separable terms of a swap of i and j count wrongly about the pair itself: each
    side's relocation meets the other in its new group, but after a swap they are apart."""
    df = -2 * D.c - 2 * _dot(D, i, j)
    e = _first(D.ep, D.ei, i, j)
    while e < D.ep[i + 1] and D.ei[e] == j:
        df -= 2 * D.ed[e]
        e += 1
    dhv = 0
    e = _first(D.hp, D.hn, i, j)
    while e < D.hp[i + 1] and D.hn[e] == j:
        dhv += 2 if D.ht[e] == 1 else -2
        e += 1
    for z in range(D.ZL.shape[0]):
        v = -2 * _far(D, z, i, j)
        df -= D.ZPEN[z] * v
        dhv += D.ZHARD[z] * v
    return dhv, df


@njit(cache=True, nogil=True, inline="always")
def _joint(D, S, i, j, g, h):  # type: ignore[no-untyped-def]
    """The terms of group counts (GroupSum, NotExactlyOne, Coverage, MaxDeviation) when i
    moves g -> h and j (if >= 0) h -> g."""
    dhv = 0
    df = _dev_change(D.XW, D.XT, D.XPEN, S.XS, S.XTOP, g, h, i, j, -1)
    for k in range(D.W.shape[1]):
        # As the kernel's GroupSum delta, for hard and soft at once, on (organisation,
        # primitive) tables.
        w = D.W[i, k] - (D.W[j, k] if j >= 0 else 0)
        if w == 0:
            continue
        sg, sh = S.GS[g, k], S.GS[h, k]
        v = (_viol(sg - w, D.GLO[g, k], D.GHI[g, k]) + _viol(sh + w, D.GLO[h, k], D.GHI[h, k])
             - _viol(sg, D.GLO[g, k], D.GHI[g, k]) - _viol(sh, D.GLO[h, k], D.GHI[h, k]))
        df -= D.GPEN[k] * v
        dhv += D.GHARD[k] * v
    for k in range(D.NW.shape[1]):
        w = D.NW[i, k] - (D.NW[j, k] if j >= 0 else 0)
        if w == 0:
            continue
        sg, sh = S.NS[g, k], S.NS[h, k]
        v = ((1 if sg - w == 1 else 0) + (1 if sh + w == 1 else 0)
             - (1 if sg == 1 else 0) - (1 if sh == 1 else 0))
        df -= D.NPEN[k] * v
        dhv += D.NHARD[k] * v
    for q in range(D.QPEN.shape[0]):
        v = _cov_delta(D, S, q, i, j, g, h)
        df -= D.QPEN[q] * v
        dhv += D.QHARD[q] * v
    return dhv, df


@njit(cache=True, nogil=True)
def _delta(D, S, i, h, j):  # type: ignore[no-untyped-def]
    """(hard violation change, objective change) of relocating i to h (j < 0) or of swapping
    i with j (a member of h)."""
    g = S.a[i]
    dhv, df = _sep(D, S, i, g, h)
    if j >= 0:
        v, f = _sep(D, S, j, h, g)
        dhv, df = dhv + v, df + f
        v, f = _pair(D, S, i, j)
        dhv, df = dhv + v, df + f
    v, f = _joint(D, S, i, j, g, h)
    return dhv + v, df + f


@njit(cache=True, nogil=True)
def _link(S, i, h):  # type: ignore[no-untyped-def]
    S.prv[i] = -1
    S.nxt[i] = S.head[h]
    if S.head[h] >= 0:
        S.prv[S.head[h]] = i
    S.head[h] = i
    S.a[i] = h
    S.size[h] += 1


@njit(cache=True, nogil=True)
def _count(D, S, i, g, sign):  # type: ignore[no-untyped-def]
    """Add (sign 1) or remove (-1) i's contributions to the per-group tables of g."""
    for e in range(D.yp[i], D.yp[i + 1]):
        S.T[g, D.yi[e]] += sign * D.yd[e]
    for k in range(D.W.shape[1]):
        S.GS[g, k] += sign * D.W[i, k]
    for k in range(D.NW.shape[1]):
        S.NS[g, k] += sign * D.NW[i, k]
    for x in range(D.XW.shape[0]):
        S.XS[x, g] += sign * D.XW[x, i]
    n = S.a.shape[0]
    for q in range(D.QPEN.shape[0]):
        for e in range(D.qp[q * n + i], D.qp[q * n + i + 1]):
            t, f = D.qt[e], D.qf[e]
            S.CO[q, g, t] += sign * (f & 1)
            S.CN[q, g, t] += sign * ((f >> 1) & 1)
            S.CB[q, g, t] += sign * (f == 3)


@njit(cache=True, nogil=True)
def _far_count(D, S, i, g, sign):  # type: ignore[no-untyped-def]
    """Add (sign 1, i just joined g) or remove (-1, i just left g) the pairs of i with the other
    members of g that are too far apart to their ``S.FAR`` counts, and set i's own."""
    for z in range(D.ZL.shape[0]):
        c = 0
        k = S.head[g]
        while k >= 0:
            if k != i:
                v = _far(D, z, i, k)
                S.FAR[k, z] += sign * v
                c += v
            k = S.nxt[k]
        S.FAR[i, z] = c if sign > 0 else 0


@njit(cache=True, nogil=True)
def _pair_count(D, S, i, g, h):  # type: ignore[no-untyped-def]
    """After i moved from g to h: the broken hard PairLink entries of its partners and its own."""
    b = D.htog[i]
    for e in range(D.hp[i], D.hp[i + 1]):
        k = D.hn[e]
        gk = S.a[k]
        if D.ht[e] == 1:  # together: broken while the groups differ
            S.HB[k] += (1 if gk != h else 0) - (1 if gk != g else 0)
            b -= 1 if gk == h else 0
        else:
            S.HB[k] += (1 if gk == h else 0) - (1 if gk == g else 0)
            b += 1 if gk == h else 0
    S.HB[i] = b


@njit(cache=True, nogil=True)
def _move(D, S, i, h):  # type: ignore[no-untyped-def]
    """Relocate i to h, keeping every table (not F and HV: the caller adds the move's delta)."""
    g = S.a[i]
    if S.prv[i] >= 0:
        S.nxt[S.prv[i]] = S.nxt[i]
    else:
        S.head[g] = S.nxt[i]
    if S.nxt[i] >= 0:
        S.prv[S.nxt[i]] = S.prv[i]
    S.size[g] -= 1
    _count(D, S, i, g, -1)
    _far_count(D, S, i, g, -1)
    _link(S, i, h)
    _count(D, S, i, h, 1)
    _far_count(D, S, i, h, 1)
    _pair_count(D, S, i, g, h)


@njit(cache=True, nogil=True)
def _make(D, S, i, h, j):  # type: ignore[no-untyped-def]
    """Relocate i to h (j < 0) or swap i with j, a member of h (not F and HV)."""
    g = S.a[i]
    _move(D, S, i, h)
    if j >= 0:
        _move(D, S, j, g)
    _dev_moved(D, S, g, h)


@njit(cache=True, nogil=True)
def _recompute(D, S):  # type: ignore[no-untyped-def]
    """Rebuild every table, F and HV from the assignment S.a."""
    n = S.a.shape[0]
    m = S.size.shape[0]
    S.size[:] = 0
    S.head[:] = -1
    S.T[:, :] = 0
    S.GS[:, :] = 0
    S.NS[:, :] = 0
    S.CO[:, :, :] = 0
    S.CN[:, :, :] = 0
    S.CB[:, :, :] = 0
    S.XS[:, :] = 0
    for i in range(n - 1, -1, -1):  # so that lists run in index order
        _link(S, i, S.a[i])
        _count(D, S, i, S.a[i], 1)
    f = 0
    hv = 0
    for g in range(m):
        f += D.c * (S.size[g] * (S.size[g] - 1) // 2)
    ordered = broken = 0
    for i in range(n):
        g = S.a[i]
        for e in range(D.xp[i], D.xp[i + 1]):
            ordered += D.xd[e] * S.T[g, D.xi[e]]
        ordered -= D.xy[i]
        for e in range(D.ep[i], D.ep[i + 1]):
            if S.a[D.ei[e]] == g:
                ordered += D.ed[e]
        S.HB[i] = 0
        for e in range(D.hp[i], D.hp[i + 1]):
            if (S.a[D.hn[e]] == g) != (D.ht[e] == 1):
                S.HB[i] += 1
        broken += S.HB[i]
        for p in range(D.am.shape[0]):
            v = _bad(D, p, i, g)
            f -= D.APEN[p] * v
            hv += D.AHARD[p] * v
    f += ordered // 2
    hv += broken // 2  # each broken pair counted at both ends
    for k in range(D.W.shape[1]):
        for g in range(m):
            v = _viol(S.GS[g, k], D.GLO[g, k], D.GHI[g, k])
            f -= D.GPEN[k] * v
            hv += D.GHARD[k] * v
    for k in range(D.NW.shape[1]):
        for g in range(m):
            v = 1 if S.NS[g, k] == 1 else 0
            f -= D.NPEN[k] * v
            hv += D.NHARD[k] * v
    for q in range(D.QPEN.shape[0]):
        for g in range(m):
            v = 0
            for t in range(S.CO.shape[2]):
                v += _unmet(S.CO[q, g, t], S.CN[q, g, t], S.CB[q, g, t])
            f -= D.QPEN[q] * v
            hv += D.QHARD[q] * v
    for x in range(D.XT.shape[0]):
        _dev_top(S.XS, D.XT, S.XTOP, x, -1)
        f -= D.XPEN[x] * abs(S.XS[x, S.XTOP[x, 0]] - D.XT[x])
    for z in range(D.ZL.shape[0]):
        v = 0
        for i in range(n):
            S.FAR[i, z] = _far_sum(D, S, z, i, S.a[i])
            v += S.FAR[i, z]
        f -= D.ZPEN[z] * (v // 2)
        hv += D.ZHARD[z] * (v // 2)
    S.st[F] = f
    S.st[HV] = hv


@njit(cache=True, nogil=True)
def _hard_groups(D, S):  # type: ignore[no-untyped-def]
    """Groups where some hard rule is broken (or a member breaks one), in random order."""
    n = S.a.shape[0]
    m = S.size.shape[0]
    bad = np.zeros(m, dtype=np.bool_)
    for k in range(D.W.shape[1]):
        if D.GHARD[k]:
            for g in range(m):
                if _viol(S.GS[g, k], D.GLO[g, k], D.GHI[g, k]):
                    bad[g] = True
    for k in range(D.NW.shape[1]):
        if D.NHARD[k]:
            for g in range(m):
                if S.NS[g, k] == 1:
                    bad[g] = True
    for q in range(D.QPEN.shape[0]):
        if D.QHARD[q]:
            for g in range(m):
                for t in range(S.CO.shape[2]):
                    if _unmet(S.CO[q, g, t], S.CN[q, g, t], S.CB[q, g, t]):
                        bad[g] = True
                        break
    for i in range(n):
        g = S.a[i]
        if bad[g]:
            continue
        if S.HB[i] > 0:
            bad[g] = True
        for p in range(D.am.shape[0]):
            if D.AHARD[p] and _bad(D, p, i, g):
                bad[g] = True
        for z in range(D.ZL.shape[0]):
            if D.ZHARD[z] and S.FAR[i, z]:
                bad[g] = True
    out = np.flatnonzero(bad)
    np.random.shuffle(out)
    return out


@njit(cache=True, nogil=True)
def _pick(start, end):  # type: ignore[no-untyped-def]
    """A random position in ``start .. end - 1`` (a CSR row), or -1 if the row is empty."""
    if end <= start:
        return -1
    return start + np.random.randint(end - start)


@njit(cache=True, nogil=True)
def _candidates(D, S, i, repair, out):  # type: ignore[no-untyped-def]
    """Fill ``out`` with candidate groups for i's moves (without i's group or repeats)."""
    n = S.a.shape[0]
    m = S.size.shape[0]
    g = S.a[i]
    cnt = 0
    todo = np.empty(out.shape[0], dtype=np.int64)
    t = 0
    if D.near > 0:
        for _ in range(NEAR):
            r = i + np.random.randint(2 * D.near + 1) - D.near
            todo[t] = S.a[min(n - 1, max(0, r))]
            t += 1
    nx = D.xp[i + 1] - D.xp[i]
    for _ in range(PARTNERS):
        if nx == 0:
            break
        e = D.xp[i] + np.random.randint(nx)
        if D.xd[e] <= 0:
            continue
        col = D.xi[e]
        k = _pick(D.cp[col], D.cp[col + 1])
        if k >= 0:
            todo[t] = S.a[D.ci[k]]
            t += 1
    for p in range(D.am.shape[0]):
        if D.am[p, i] == 1:
            row = p * n + i
            k = _pick(D.ap[row], D.ap[row + 1])
            if k >= 0:
                todo[t] = D.ai[k]
                t += 1
    for _ in range(RANDOM):
        todo[t] = np.random.randint(m)
        t += 1
    if repair:
        for k in range(D.W.shape[1]):
            if D.GHARD[k] == 0 or t >= todo.shape[0]:
                continue
            e = -1
            if S.GS[g, k] < D.GLO[g, k]:  # bring in weight
                e = _pick(D.wp[k], D.wp[k + 1])
                if e >= 0:
                    e = D.wi[e]
            elif S.GS[g, k] > D.GHI[g, k]:  # bring in negative weight, if any
                e = _pick(D.wq[k], D.wq[k + 1])
                if e >= 0:
                    e = D.wj[e]
            if e >= 0:
                todo[t] = S.a[e]
                t += 1
        for k in range(D.NW.shape[1]):
            if D.NHARD[k] and S.NS[g, k] == 1 and t < todo.shape[0]:
                j = np.random.randint(n)
                for _ in range(20):  # a random other member of the kind, if easily found
                    if D.NW[j, k]:
                        break
                    j = np.random.randint(n)
                todo[t] = S.a[j]
                t += 1
    for u in range(t):
        h = todo[u]
        if h == g:
            continue
        seen = False
        for v in range(cnt):
            if out[v] == h:
                seen = True
                break
        if not seen:
            out[cnt] = h
            cnt += 1
    return cnt


@njit(cache=True, nogil=True)
def _visit(D, S, i, repair, temp, cand):  # type: ignore[no-untyped-def]
    """Try i's moves towards candidate groups; make the best if it is accepted. Returns 1 if a
    move was made."""
    g = S.a[i]
    cnt = _candidates(D, S, i, repair, cand)
    bdhv, bdf, bh, bj = 0, 0, -1, -1
    ties = 0
    can_leave = S.size[g] > D.lo[g]
    for u in range(cnt):
        h = cand[u]
        ihv, idf = _sep(D, S, i, g, h)  # i's own part, shared by every move towards h
        if can_leave and S.size[h] < D.hi[h]:
            v, f = _joint(D, S, i, -1, g, h)
            dhv, df = ihv + v, idf + f
            if bh < 0 or dhv < bdhv or (dhv == bdhv and df > bdf):
                bdhv, bdf, bh, bj, ties = dhv, df, h, -1, 1
            elif dhv == bdhv and df == bdf:
                ties += 1
                if np.random.randint(ties) == 0:
                    bh, bj = h, -1
        k = S.head[h]
        while k >= 0:
            v1, f1 = _sep(D, S, k, h, g)
            v2, f2 = _pair(D, S, i, k)
            v3, f3 = _joint(D, S, i, k, g, h)
            dhv, df = ihv + v1 + v2 + v3, idf + f1 + f2 + f3
            if bh < 0 or dhv < bdhv or (dhv == bdhv and df > bdf):
                bdhv, bdf, bh, bj, ties = dhv, df, h, k, 1
            elif dhv == bdhv and df == bdf:
                ties += 1
                if np.random.randint(ties) == 0:
                    bh, bj = h, k
            k = S.nxt[k]
    if bh < 0 or bdhv > 0:
        return 0
    if bdhv == 0 and bdf <= 0:
        if repair or temp <= 0:
            return 0
        if bdf < 0 and np.random.random() >= math.exp(bdf / temp):
            return 0
    _make(D, S, i, bh, bj)
    S.st[F] += bdf
    S.st[HV] += bdhv
    return 1


@njit(cache=True, nogil=True)
def _repair(D, S, cand):  # type: ignore[no-untyped-def]
    """One round: every member of every group breaking a hard rule is visited once."""
    groups = _hard_groups(D, S)
    n = S.a.shape[0]
    members = np.empty(n, dtype=np.int64)
    for g in groups:
        cnt = 0
        k = S.head[g]
        while k >= 0:
            members[cnt] = k
            cnt += 1
            k = S.nxt[k]
        for u in range(cnt):
            if S.st[HV] == 0:
                return
            _visit(D, S, members[u], True, 0.0, cand)


@njit(cache=True, nogil=True)
def _search(D, S, visits, t_from, t_to, cand):  # type: ignore[no-untyped-def]
    """``visits`` visits of random organisations at a temperature going linearly from
    ``t_from`` to ``t_to``; returns the number of moves made."""
    n = S.a.shape[0]
    made = 0
    for v in range(visits):
        temp = t_from + (t_to - t_from) * v / visits
        made += _visit(D, S, np.random.randint(n), False, temp, cand)
    return made


# ----------------------------------------------------------------------------------------------
# Python side: encoding, construction, the phases
# ----------------------------------------------------------------------------------------------


def supported(problem: Problem) -> bool:
    """Whether this search knows every primitive of the problem (LeaveOut it does not)."""
    return not any(isinstance(p, LeaveOut) for p in problem.primitives)


def _csr(rows: int, r: IntArray, c: IntArray, v: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Row pointers, columns and values of the entries (r, c, v), sorted by row and column."""
    at = np.lexsort((c, r))
    ptr = np.zeros(rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=rows), out=ptr[1:])
    return (ptr, np.ascontiguousarray(c[at], dtype=np.int64),
            np.ascontiguousarray(v[at], dtype=np.int64))


def _both_ends(rows: int, pairs: IntArray, v: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """CSR with each pair (i, j) at both i and j."""
    return _csr(rows, np.concatenate([pairs[:, 0], pairs[:, 1]]),
                np.concatenate([pairs[:, 1], pairs[:, 0]]), np.concatenate([v, v]))


def _lists(mask_rows: list[npt.NDArray[np.bool_]]) -> tuple[IntArray, IntArray]:
    """CSR of the nonzero positions of each mask."""
    ptr = np.zeros(len(mask_rows) + 1, dtype=np.int64)
    found = [np.flatnonzero(r).astype(np.int64) for r in mask_rows]
    np.cumsum([len(f) for f in found], out=ptr[1:])
    return ptr, (np.concatenate(found) if found else np.zeros(0, dtype=np.int64))


def _stack(rows: list[IntArray], width: int) -> IntArray:
    """One value per organisation (or group) of each primitive as a (width, primitives) table:
    a move reads every primitive's value of one organisation, side by side in memory."""
    return np.ascontiguousarray(np.array(rows, dtype=np.int64).reshape(len(rows), width).T)


def encode(problem: Problem, spatial: bool) -> Data:
    """The flat arrays of :class:`Data` (``spatial``: organisations are numbered so that
    neighbours in the numbering are near each other)."""
    n, m = problem.n, problem.m
    lo, hi = problem.size_bounds()
    f = problem.factors
    if f is None:  # a dense matrix: its nonzero pairs become explicit pairs
        rows, cols = np.nonzero(np.triu(problem.score, 1))
        empty = SparseRows(np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64),
                           np.zeros(0, dtype=np.int64), 0)
        x = y = empty
        constant = 0
        pairs = np.stack([rows, cols], axis=1).astype(np.int64)
        values = problem.score[rows, cols].astype(np.int64)
    else:
        x, y, constant, pairs, values = f.x, f.y, f.constant, f.pairs, f.values
    # Rows with y > 0 in each column: the organisations a positive x entry pairs well with.
    keep = y.data > 0
    cp = np.zeros(y.width + 1, dtype=np.int64)
    np.cumsum(np.bincount(y.indices[keep], minlength=y.width), out=cp[1:])
    ci = y.entry_rows()[keep][np.argsort(y.indices[keep], kind="stable")]

    soft_pairs, soft_values = [pairs.reshape(-1, 2)], [values]
    hard_pairs, hard_types = [np.zeros((0, 2), dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    gs: list[GroupSum] = []
    neo: list[NotExactlyOne] = []
    allowed: list[Allowed] = []
    cover: list[Coverage] = []
    near: list[Proximity] = []
    dev: list[MaxDeviation] = []
    for p in problem.primitives:
        if isinstance(p, GroupSum):
            if not (p.hard and np.all(p.w == 1)):  # size bounds are kept by the moves
                gs.append(p)
        elif isinstance(p, PairLink):
            # A pair (i, i) no move changes: see :func:`constants`.
            two = np.sort(p.pairs[p.pairs[:, 0] != p.pairs[:, 1]], axis=1)
            if p.hard:
                hard_pairs.append(two)
                hard_types.append(np.full(len(two), int(p.together), dtype=np.int64))
            else:
                soft_pairs.append(two)
                soft_values.append(np.full(len(two), p.penalty if p.together else -p.penalty,
                                           dtype=np.int64))
        elif isinstance(p, NotExactlyOne):
            neo.append(p)
        elif isinstance(p, Allowed):
            allowed.append(p)
        elif isinstance(p, Coverage):
            cover.append(p)
        elif isinstance(p, Proximity):
            near.append(p)
        elif isinstance(p, MaxDeviation):
            dev.append(p)
    # Scores of one pair from several sources add up; pairs summing to 0 are dropped.
    keys = np.concatenate([q[:, 0] * n + q[:, 1] for q in soft_pairs])
    by_key = np.argsort(keys, kind="stable")
    keys = keys[by_key]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else keys
    summed = (np.add.reduceat(np.concatenate(soft_values)[by_key], starts) if len(keys)
              else keys)
    keys = keys[starts]
    keys, summed = keys[summed != 0], summed[summed != 0]
    ep, ei, ed = _both_ends(n, np.stack([keys // n, keys % n], axis=1), summed)
    hp, hn, ht = _both_ends(n, np.concatenate(hard_pairs), np.concatenate(hard_types))

    W = _stack([p.w for p in gs], n)
    wp, wi = _lists([p.w > 0 for p in gs])
    wq, wj = _lists([p.w < 0 for p in gs])

    # Allowed rows: every group (mode 0), the few allowed (1) or the few kept out (2).
    modes = np.zeros((len(allowed), n), dtype=np.int64)
    lists_r, lists_c = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for k, p in enumerate(allowed):  # the table's lists are already in this form
        modes[k, p.table.rows] = np.where(p.table.opens, 1, 2)
        lists_r.append(k * n + p.table.entry_orgs())
        lists_c.append(p.table.groups)
    lr, lc = np.concatenate(lists_r), np.concatenate(lists_c)
    ap, ai, _ = _csr(len(allowed) * n, lr, lc, lc)

    flag_r, flag_t, flag_f = [np.zeros(0, dtype=np.int64)] * 3
    for q, p in enumerate(cover):
        flags = (p.offers > 0).astype(np.int64) + 2 * (p.needs > 0)
        i, t = np.nonzero(flags)
        flag_r = np.concatenate([flag_r, q * n + i])
        flag_t = np.concatenate([flag_t, t])
        flag_f = np.concatenate([flag_f, flags[i, t]])
    qp, qt, qf = _csr(len(cover) * n, flag_r, flag_t, flag_f)

    def pens(prims: list[Any]) -> tuple[IntArray, IntArray]:
        return (np.array([0 if p.hard else p.penalty for p in prims], dtype=np.int64),
                np.array([int(p.hard) for p in prims], dtype=np.int64))

    sizes_mean = n / max(1, m)
    return Data(
        lo=lo.astype(np.int64), hi=hi.astype(np.int64), c=int(constant),
        xp=x.indptr, xi=x.indices, xd=x.data, yp=y.indptr, yi=y.indices, yd=y.data,
        xy=x.row_dots(y) if x.width else np.zeros(n, dtype=np.int64), cp=cp,
        ci=ci.astype(np.int64), ep=ep, ei=ei, ed=ed, hp=hp, hn=hn, ht=ht,
        htog=np.bincount(np.repeat(np.arange(n), np.diff(hp)), weights=ht,
                         minlength=n).astype(np.int64),
        W=W, GLO=_stack([p.lo for p in gs], m), GHI=_stack([p.hi for p in gs], m),
        GPEN=pens(gs)[0], GHARD=pens(gs)[1], wp=wp, wi=wi, wq=wq, wj=wj,
        NW=_stack([p.w for p in neo], n), NPEN=pens(neo)[0], NHARD=pens(neo)[1],
        am=modes, ap=ap, ai=ai, APEN=pens(allowed)[0], AHARD=pens(allowed)[1],
        qp=qp, qt=qt, qf=qf, QPEN=pens(cover)[0], QHARD=pens(cover)[1],
        XW=np.array([p.w for p in dev], dtype=np.int64).reshape(len(dev), n),
        XT=np.array([p.target for p in dev], dtype=np.int64), XPEN=pens(dev)[0],
        ZX=np.ascontiguousarray(np.array([p.points for p in near], dtype=np.int64)
                                .reshape(len(near), n, 3)),
        ZL=np.array([p.limit for p in near], dtype=np.int64),
        ZC=_stack([p.codes for p in near], n), ZPEN=pens(near)[0], ZHARD=pens(near)[1],
        near=int(round(NEAR_GROUPS * sizes_mean)) if spatial else 0,
    )


def new_state(problem: Problem, D: Data, a: IntArray) -> State:
    """The tables of assignment ``a`` (recomputed from scratch)."""
    n, m = problem.n, problem.m
    tags = max([p.offers.shape[1] for p in problem.primitives if isinstance(p, Coverage)],
               default=0)
    S = State(
        a=np.array(a, dtype=np.int64), size=np.zeros(m, dtype=np.int64),
        head=np.full(m, -1, dtype=np.int64), nxt=np.full(n, -1, dtype=np.int64),
        prv=np.full(n, -1, dtype=np.int64),
        T=np.zeros((m, max(1, len(D.cp) - 1)), dtype=np.int64),
        GS=np.zeros((m, D.W.shape[1]), dtype=np.int64),
        NS=np.zeros((m, D.NW.shape[1]), dtype=np.int64),
        CO=np.zeros((len(D.QPEN), m, tags), dtype=np.int64),
        CN=np.zeros((len(D.QPEN), m, tags), dtype=np.int64),
        CB=np.zeros((len(D.QPEN), m, tags), dtype=np.int64),
        XS=np.zeros((len(D.XT), m), dtype=np.int64),
        XTOP=np.full((len(D.XT), 3), -1, dtype=np.int64),
        FAR=np.zeros((n, len(D.ZL)), dtype=np.int64),
        HB=np.zeros(n, dtype=np.int64),
        st=np.zeros(2, dtype=np.int64),
    )
    _recompute(D, S)
    return S


def constants(problem: Problem) -> tuple[int, int]:
    """(search objective minus the evaluator's, hard violation no move changes).

    Soft 'together' pairs are folded into the pair scores as a gain; a pair (i, i) is always
    together: as 'apart' it is always broken.
    """
    gain = broken = 0
    for p in problem.primitives:
        if isinstance(p, PairLink):
            same = int(np.count_nonzero(p.pairs[:, 0] == p.pairs[:, 1]))
            if p.together and not p.hard:
                gain += p.penalty * (len(p.pairs) - same)
            elif not p.together:
                gain += 0 if p.hard else p.penalty * same
                broken += same if p.hard else 0
    return gain, broken


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


class LargeSearch:
    """Construction, repair and search on one problem, driven in chunks from Python.

    Parameters
    ----------
    problem
        Any problem :func:`supported` accepts.
    seed
        Seeds numba's generator (per thread: every call must come from the thread that made
        the object) and numpy's.
    """

    def __init__(self, problem: Problem, seed: int) -> None:
        self.problem = problem
        self.rng = np.random.default_rng(seed)
        _seed(seed)
        n, m = problem.n, problem.m
        lo, hi = problem.size_bounds()
        sizes = even_sizes(n, lo, hi)
        if sizes is None:
            raise ValueError("the group size bounds admit no assignment")
        near = [p for p in problem.primitives if isinstance(p, Proximity)]
        points = near[0].points if near and np.any(near[0].points) else None
        # Inside, organisation k is ``order[k]``: the first blocks of the order are the groups,
        # so members of a group (and, with points, neighbours) sit close in memory.
        self.order = (spatial_order(points, sizes) if points is not None
                      else self.rng.permutation(n).astype(np.int64))
        self.inner = renumbered(problem, self.order)
        self.D = encode(self.inner, points is not None)
        self.S = new_state(self.inner, self.D,
                           np.repeat(np.arange(m, dtype=np.int64), sizes))
        self.offset, self.hv_const = constants(problem)
        self.cand = np.zeros(NEAR + PARTNERS + RANDOM + len(self.D.AHARD) + len(self.D.GHARD)
                             + len(self.D.NHARD) + 4, dtype=np.int64)

    @property
    def assignment(self) -> IntArray:
        """The current assignment (in the problem's numbering)."""
        out = np.empty_like(self.S.a)
        out[self.order] = self.S.a
        return out

    @property
    def objective(self) -> int:
        """The evaluator's objective of the current assignment."""
        return int(self.S.st[F]) - self.offset

    @property
    def hard_violation(self) -> int:
        """Units of hard violation of the current assignment (0: every hard rule holds)."""
        return int(self.S.st[HV]) + self.hv_const

    def set_assignment(self, a: npt.ArrayLike) -> None:
        """Replace the assignment (sizes must be within the bounds) and rebuild the tables."""
        self.S.a[:] = np.asarray(a, dtype=np.int64)[self.order]
        _recompute(self.D, self.S)

    def repair_round(self) -> None:
        """Visit every member of every group breaking a hard rule once."""
        _repair(self.D, self.S, self.cand)

    def search(self, visits: int, temperature: float, until: float | None = None) -> int:
        """Visit ``visits`` random organisations, the temperature going from ``temperature``
        to ``until`` (default: the same); returns the number of moves made."""
        end = temperature if until is None else until
        return int(_search(self.D, self.S, visits, float(temperature), float(end), self.cand))

    def hard_groups(self) -> IntArray:
        """Groups breaking a hard rule (random order)."""
        return np.asarray(_hard_groups(self.D, self.S))

    def neighbourhood(self, g: int, count: int) -> IntArray:
        """g and up to ``count - 1`` groups that its members' candidate moves lead to."""
        chosen = [g]
        members = np.flatnonzero(self.S.a == g).tolist()
        for _ in range(10):
            for i in members:
                k = _candidates(self.D, self.S, i, True, self.cand)
                for h in self.cand[:k].tolist():
                    if h not in chosen:
                        chosen.append(h)
                    if len(chosen) == count:
                        return np.array(chosen, dtype=np.int64)
        return np.array(chosen, dtype=np.int64)


def renumbered(problem: Problem, order: IntArray) -> Problem:
    """The same problem with organisation k of the new numbering being ``order[k]``."""
    where = np.empty(len(order), dtype=np.int64)
    where[order] = np.arange(len(order))

    def pairs(p: IntArray) -> IntArray:
        q = where[p].reshape(-1, 2)
        return np.sort(q, axis=1) if len(q) else q

    prims = tuple(p.renumber(order) for p in problem.primitives)
    f = problem.factors
    factors = None if f is None else LowRankScore(
        f.constant, f.x.take_rows(order), f.y.take_rows(order), pairs(f.pairs), f.values)
    ids = tuple(problem.ids[i] for i in order)
    return Problem(ids, ids, problem.group_names,
                   problem.score[np.ix_(order, order)] if f is None else problem.score,
                   problem.rules, prims, factors=factors)


def warm_up() -> None:
    """Compile (or load from the cache) every compiled function on a tiny problem."""
    n, m = 8, 2
    pts = np.zeros((n, 3), dtype=np.int64)
    pts[:, 0] = np.arange(n) * 1000
    rules = tuple(RuleInfo(f"r{k}", "x", "x", hard=k < 2) for k in range(6))
    allowed = np.ones((n, m), dtype=bool)
    allowed[0, 1] = False
    x = SparseRows.from_dense(np.eye(n, 3, dtype=np.int64))
    prims = (
        GroupSum(0, np.ones(n, dtype=np.int64), np.array([3, 3]), np.array([5, 5]), True),
        PairLink(1, np.array([[1, 2]]), together=False, hard=True),
        NotExactlyOne(2, (np.arange(n) % 3 == 0).astype(np.int64), False, 5),
        Allowed(3, allowed, False, 5),
        Coverage(4, np.eye(n, 2, dtype=np.int64), np.eye(n, 2, 1, dtype=np.int64), False, 3),
        Proximity(5, pts, 2000 ** 2, np.zeros(n, dtype=np.int64), False, 7),
    )
    ids = tuple(str(i) for i in range(n))
    p = Problem(ids, ids, ("A", "B"), np.zeros((0, 0), dtype=np.int64), rules, prims,
                factors=LowRankScore(1, x, x))
    s = LargeSearch(p, 0)
    s.repair_round()
    s.search(50, 1.0, 0.5)
    s.hard_groups()


def pair_scale(problem: Problem, rng: np.random.Generator) -> float:
    """Mean absolute score of a pair (from a sample of at most 300 organisations)."""
    idx = np.sort(rng.choice(problem.n, size=min(problem.n, 300), replace=False))
    block = (problem.factors.block(idx) if problem.factors is not None
             else problem.score[np.ix_(idx, idx)])
    return float(np.abs(block[np.triu_indices(len(idx), 1)]).mean()) if len(idx) > 1 else 1.0


def cpsat_repair(
    problem: Problem, assignment: IntArray, groups: IntArray, *, time_limit: float, seed: int,
    workers: int,
) -> IntArray | None:
    """Reassign the members of ``groups`` among them so that the hard rules hold inside (CP-SAT
    on that part alone); None if it finds no such assignment in time."""
    from pilotopt.solve.cpsat import solve_cpsat
    from pilotopt.solve.lns import restrict

    part, orgs = restrict(problem, assignment, groups.tolist())
    outcome = solve_cpsat(part, time_limit=time_limit, seed=seed, workers=workers,
                          first_solution=True,
                          deterministic_time=REPAIR_WORK if workers == 1 else None)
    if outcome.assignment is None:
        return None
    out = assignment.copy()
    out[orgs] = groups[outcome.assignment]
    return out


def run(
    problem: Problem,
    seed: int,
    *,
    elapsed: Callable[[], float],
    left: Callable[[], float],
    visits: int | None,
    on_improve: Callable[[int, bool], None] | None = None,
    repair_part: Callable[[IntArray, IntArray], IntArray | None] | None = None,
) -> tuple[IntArray, dict[str, Any]]:
    """Construct, repair and search; returns the best assignment and statistics.

    ``elapsed()`` and ``left()`` read the caller's clock (checked between chunks of work);
    ``visits`` bounds the search by work (then, when the clock allows it, a run repeats
    exactly). ``on_improve(objective, feasible)`` hears of each better assignment.
    ``repair_part(assignment, groups)`` may return an assignment meeting the hard rules inside
    ``groups`` (e.g. from CP-SAT), asked when the local repair stalls.

    Statistics: ``constructed_at`` and ``first_feasible_at`` (seconds on the caller's clock),
    ``repair_rounds``, ``repair_parts``, ``visits``, ``moves``, ``search_time`` and
    ``sweep_time`` (seconds per n visits), ``objective``, ``feasible``.
    """
    search = LargeSearch(problem, seed)
    stats: dict[str, Any] = {"constructed_at": round(elapsed(), 3)}
    if on_improve is not None:
        on_improve(search.objective, search.hard_violation == 0)
    stalls = rounds = parts = 0
    while search.S.st[HV] > 0 and left() > 0:
        before = search.hard_violation
        search.repair_round()
        rounds += 1
        stalls = stalls + 1 if search.hard_violation >= before else 0
        if stalls >= 2 and repair_part is not None:
            for g in search.hard_groups()[:4].tolist():
                fixed = repair_part(search.assignment, search.neighbourhood(g, 6))
                parts += 1
                if fixed is not None:
                    search.set_assignment(fixed)
            stalls = 0
    feasible = search.hard_violation == 0
    stats.update(repair_rounds=rounds, repair_parts=parts,
                 first_feasible_at=round(elapsed(), 3) if feasible else None)
    best, best_objective = search.assignment, search.objective
    if on_improve is not None:
        on_improve(best_objective, feasible)

    n = problem.n
    chunk = CHUNK
    done = moves = 0
    t0 = time.perf_counter()
    span = left()
    hot = TEMPERATURE * pair_scale(problem, search.rng)

    def temperature(progress: float) -> float:
        return hot * max(0.0, 1 - progress / COOL_BY)

    while feasible and (visits is None or done < visits) and left() > 0:
        todo = chunk if visits is None else min(chunk, visits - done)
        t1 = time.perf_counter()
        if visits is not None:  # by work: the same temperatures whatever the clock says
            moves += search.search(todo, temperature(done / visits),
                                   temperature((done + todo) / visits))
        else:
            moves += search.search(todo, temperature(1 - left() / span))
        done += todo
        if search.objective > best_objective:
            best, best_objective = search.assignment, search.objective
            if on_improve is not None:
                on_improve(best_objective, True)
        if visits is None:  # chunks of about 0.1 s between reading the clock
            per = max((time.perf_counter() - t1) / todo, 1e-9)
            chunk = int(min(max(1, min(0.1, left() / 2) / per), 4 * chunk + 16))
    spent = time.perf_counter() - t0
    stats.update(visits=done, moves=moves, search_time=round(spent, 3),
                 sweep_time=round(spent / done * n, 4) if done else None,
                 objective=best_objective, feasible=feasible)
    return best, stats
