"""Search for large problems: memory and time per move independent of n x n and n x m.

The dense search (:mod:`.tabu`) keeps an n x m table and scans every move; CP-SAT
has a boolean per organisation and group. Neither fits 100,000 organisations in 10,000 groups.
Here every structure is O(n * rank + m * rank):

* pair scores come from :class:`~pilotopt.problem.LowRankScore` factors, so what i earns in g
  is ``constant * |g| + x_i . T_g + explicit pairs`` with ``T_g`` the sum of the ``y`` rows of
  g's members (O(nonzeros of x_i) per group, not O(n));
* each group keeps a linked list of its members and the counts of the rules on group counts
  (GroupSum, NotExactlyOne, Coverage, MaxDeviation: :mod:`.deltas`, shared with the dense
  search);
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
   (so the groups' numbering is spatial too), else dealt in random order. When rules steer
   organisations to one group (the previous assignment under a stability rule, pins), they
   start there instead, as far as the size bounds allow (:func:`.construct.preferred_start`).
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
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

from pilotopt.problem import Problem, Proximity
from pilotopt.solve.search import deltas
from pilotopt.solve.search.construct import even_sizes, preferred_start, spatial_order
from pilotopt.solve.search.deltas import GroupCounts
from pilotopt.solve.search.encode import Sparse, constants, renumbered, sparse, supported

__all__ = ["LargeSearch", "cpsat_repair", "run", "supported", "warm_up"]

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
#: is budgeted, so that the same budget gives the same run (and a stop is heard soon).
CHUNK = 250
#: Groups repaired between two looks at the stop event.
REPAIR_GROUPS = 32
#: Half-width of the window of the spatial order that "nearby" candidates come from, in groups.
NEAR_GROUPS = 3

F, HV = 0, 1  # scalar state: search objective, hard violation


@njit(cache=True, nogil=True)
def _seed(seed: int) -> None:
    np.random.seed(seed)


class State(NamedTuple):
    """The assignment and everything kept incrementally from it."""

    a: IntArray
    size: IntArray
    head: IntArray  # first member of each group, -1 if empty
    nxt: IntArray  # next / previous member in the same group, -1 at the ends
    prv: IntArray
    T: IntArray  # (m, rank): sum of the y rows of the members
    G: GroupCounts
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
    v, f = deltas.delta(D.R, S.G, i, j, g, h)
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
    """Add (sign 1) or remove (-1) i's contributions to the per-group tables of g (the
    MaxDeviation ranking: :func:`deltas.rerank`)."""
    for e in range(D.yp[i], D.yp[i + 1]):
        S.T[g, D.yi[e]] += sign * D.yd[e]
    deltas.count(D.R, S.G, i, g, sign)


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
    deltas.rerank(D.R, S.G, g, h)


@njit(cache=True, nogil=True)
def _recompute(D, S):  # type: ignore[no-untyped-def]
    """Rebuild every table, F and HV from the assignment S.a."""
    n = S.a.shape[0]
    m = S.size.shape[0]
    S.size[:] = 0
    S.head[:] = -1
    S.T[:, :] = 0
    for i in range(n - 1, -1, -1):  # so that lists run in index order
        _link(S, i, S.a[i])
        for e in range(D.yp[i], D.yp[i + 1]):
            S.T[S.a[i], D.yi[e]] += D.yd[e]
    hv, f = deltas.recount(D.R, S.G, S.a)
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
    deltas.hard_groups(D.R, S.G, bad)
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
    for y in range(D.R.SK.shape[0]):  # back to its home (a stability rule)
        if D.R.SH[i, y] >= 0:
            todo[t] = D.R.SH[i, y]
            t += 1
    for _ in range(RANDOM):
        todo[t] = np.random.randint(m)
        t += 1
    if repair:
        R = D.R
        for k in range(R.W.shape[1]):
            if R.GHARD[k] == 0 or t >= todo.shape[0]:
                continue
            s, lo, hi = S.G.S[g, k], R.GLO[g, k], R.GHI[g, k]
            e = -1
            # Bring in weight (below the minimum, or alone of a kind that must not be alone).
            if s < lo or (lo > hi and s == lo):
                e = _pick(D.wp[k], D.wp[k + 1])
                if e >= 0:
                    e = D.wi[e]
            elif lo <= hi < s:  # bring in negative weight, if any
                e = _pick(D.wq[k], D.wq[k + 1])
                if e >= 0:
                    e = D.wj[e]
            if e >= 0:
                todo[t] = S.a[e]
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
            v, f = deltas.delta(D.R, S.G, i, -1, g, h)
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
            v3, f3 = deltas.delta(D.R, S.G, i, k, g, h)
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
def _repair(D, S, cand, groups):  # type: ignore[no-untyped-def]
    """Every member of each of ``groups`` is visited once (until every hard rule holds)."""
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


def new_state(D: Sparse, a: IntArray) -> State:
    """The tables of assignment ``a`` (recomputed from scratch)."""
    n, m = len(a), len(D.lo)
    S = State(
        a=np.array(a, dtype=np.int64), size=np.zeros(m, dtype=np.int64),
        head=np.full(m, -1, dtype=np.int64), nxt=np.full(n, -1, dtype=np.int64),
        prv=np.full(n, -1, dtype=np.int64),
        T=np.zeros((m, max(1, len(D.cp) - 1)), dtype=np.int64),
        G=deltas.new_counts(D.R, m),
        FAR=np.zeros((n, len(D.ZL)), dtype=np.int64),
        HB=np.zeros(n, dtype=np.int64),
        st=np.zeros(2, dtype=np.int64),
    )
    _recompute(D, S)
    return S


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
        preferred = problem.preferred_groups()
        start = (preferred_start(preferred, lo, hi, self.rng) if np.any(preferred >= 0)
                 else None)
        # Inside, organisation k is ``order[k]``: the first blocks of the order are the groups,
        # so members of a group (and, with points, neighbours) sit close in memory. A start
        # from the preferred groups (the previous assignment, pins) keeps them in its groups.
        if start is not None:
            mixed = self.rng.permutation(n)
            self.order = mixed[np.argsort(start[mixed], kind="stable")].astype(np.int64)
            first = start[self.order]
        else:
            self.order = (spatial_order(points, sizes) if points is not None
                          else self.rng.permutation(n).astype(np.int64))
            first = np.repeat(np.arange(m, dtype=np.int64), sizes)
        self.inner = renumbered(problem, self.order)
        near_count = int(round(NEAR_GROUPS * n / max(1, m))) if points is not None else 0
        self.D = sparse(self.inner, near_count)
        self.S = new_state(self.D, first)
        self.offset, self.hv_const = constants(problem)
        self.cand = np.zeros(NEAR + PARTNERS + RANDOM + len(self.D.AHARD)
                             + len(self.D.R.GHARD) + len(self.D.R.SK) + 4, dtype=np.int64)

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

    def repair_round(self, stop: threading.Event | None = None) -> None:
        """Visit every member of every group breaking a hard rule once (``stop``: heard
        between parts of the round)."""
        groups = self.hard_groups()
        for k in range(0, len(groups), REPAIR_GROUPS):
            if self.S.st[HV] == 0 or (stop is not None and stop.is_set()):
                return
            _repair(self.D, self.S, self.cand, groups[k:k + REPAIR_GROUPS])

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


def visit_rate(search: LargeSearch, seconds: float) -> float:
    """Visits per CPU second of ``search`` at the start of its search phase (it searches for
    about ``seconds`` of CPU time, at the phase's first temperature, changing its state)."""
    temperature = TEMPERATURE * pair_scale(search.problem, np.random.default_rng(0))
    c0 = time.thread_time()
    done, chunk = 0, CHUNK
    while (spent := time.thread_time() - c0) < seconds:
        search.search(chunk, temperature)
        done += chunk
        chunk *= 2
    return done / max(spent, 1e-6)


#: The compiled entry point whose cached compilation tells whether the search loads at once.
KERNELS = (_search,)


def warm_up() -> None:
    """Compile (or load from the cache) every compiled function on a tiny problem."""
    from pilotopt.problem import (
        Allowed,
        Coverage,
        GroupSum,
        LowRankScore,
        NotExactlyOne,
        PairLink,
        RuleInfo,
        SparseRows,
    )

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
    visits: int | Callable[[LargeSearch], int] | None,
    on_improve: Callable[[int, bool], None] | None = None,
    repair_part: Callable[[IntArray, IntArray], IntArray | None] | None = None,
    stop: threading.Event | None = None,
) -> tuple[IntArray, dict[str, Any]]:
    """Construct, repair and search; returns the best assignment and statistics.

    ``elapsed()`` and ``left()`` read the caller's clock (checked between chunks of work);
    ``visits`` bounds the search by work (then, when the clock allows it, a run repeats
    exactly); a callable gives it once the search phase starts, from the search (it may search
    to measure it: the phase then starts from the same tables and generator state whatever was
    done). ``on_improve(objective, feasible)`` hears of each better assignment.
    ``repair_part(assignment, groups)`` may return an assignment meeting the hard rules inside
    ``groups`` (e.g. from CP-SAT), asked when the local repair stalls. When ``stop`` is set,
    the run returns its best soon (within about 0.1 s, outside a ``repair_part`` call).

    Statistics: ``constructed_at`` and ``first_feasible_at`` (seconds on the caller's clock),
    ``repair_rounds``, ``repair_parts``, ``visits``, ``moves``, ``search_time`` and
    ``sweep_time`` (seconds per n visits), ``objective``, ``feasible``.
    """
    search = LargeSearch(problem, seed)
    stats: dict[str, Any] = {"constructed_at": round(elapsed(), 3)}
    if on_improve is not None:
        on_improve(search.objective, search.hard_violation == 0)
    stalls = rounds = parts = 0

    def stopped() -> bool:
        return stop is not None and stop.is_set()

    while search.S.st[HV] > 0 and left() > 0 and not stopped():
        before = search.hard_violation
        search.repair_round(stop)
        rounds += 1
        stalls = stalls + 1 if search.hard_violation >= before else 0
        if stalls >= 2 and repair_part is not None:
            for g in search.hard_groups()[:4].tolist():
                if stopped():
                    break
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
    hot = TEMPERATURE * pair_scale(problem, search.rng)
    if callable(visits):
        visits = visits(search) if feasible else None
        # Every run starts the phase from rebuilt tables and a fresh generator state, so a
        # budget that searched to measure its rate leaves no trace.
        search.set_assignment(best)
        _seed(seed + 1)
    t0 = time.perf_counter()
    span = left()

    def temperature(progress: float) -> float:
        return hot * max(0.0, 1 - progress / COOL_BY)

    while feasible and (visits is None or done < visits) and left() > 0 and not stopped():
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
        if visits is None:  # chunks of about 0.05 s between reading the clock
            per = max((time.perf_counter() - t1) / todo, 1e-9)
            chunk = int(min(max(1, min(0.05, left() / 2) / per), 4 * chunk + 16))
    spent = time.perf_counter() - t0
    stats.update(visits=done, moves=moves, search_time=round(spent, 3),
                 sweep_time=round(spent / done * n, 4) if done else None,
                 objective=best_objective, feasible=feasible)
    return best, stats
