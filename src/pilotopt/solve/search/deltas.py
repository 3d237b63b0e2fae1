"""Move deltas of the rules on group counts, shared by both search engines.

GroupSum (with NotExactlyOne and the placed minimum of LeaveOut written as GroupSums), Coverage,
MaxDeviation and Stay (a count of moves over all groups) are functions of per-group counts.
Their tables, their change when an organisation moves and the delta of a move are written here
once; :mod:`.tabu` (dense scores, full scans) and :mod:`.sampled` (low-rank scores, sampled
moves) call the same functions.

A delta is ``(hard violation change, soft objective change)``: hard rules count units of
violation, soft ones ``penalty`` per unit. Layout: one row per organisation or group, one
column per rule, so a move reads one organisation's weights side by side.

An optional *bench* group (organisations left out, :class:`~pilotopt.problem.LeaveOut`) takes
part in GroupSums with its own bounds but in no Coverage or MaxDeviation (``bench = -1``: none).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

__all__ = ["GroupCounts", "GroupRules", "away", "count", "delta", "hard_groups", "new_counts",
           "recount", "rerank", "unmet", "viol"]

IntArray = npt.NDArray[np.int64]


class GroupRules(NamedTuple):
    """The rules on group counts as flat int64 arrays (read-only during a search)."""

    W: IntArray  # (n, K) GroupSum weights
    GLO: IntArray  # (groups, K) bounds; lo > hi encodes "not exactly lo" (NotExactlyOne)
    GHI: IntArray
    GPEN: IntArray  # (K,) penalty of a soft one, 0 for a hard one
    GHARD: IntArray  # (K,) 1 for a hard one
    cp: IntArray  # Coverage: organisation i's (column, offers, needs) at cp[i]:cp[i + 1],
    cc: IntArray  # sorted by column; a column is one tag of one Coverage
    co: IntArray
    cn: IntArray
    CPEN: IntArray  # (T,) per column
    CHARD: IntArray
    XW: IntArray  # MaxDeviation (always soft): weights (X, n), targets, penalties
    XT: IntArray
    XPEN: IntArray
    SH: IntArray  # Stay: home per organisation (n, Y), -1 for none; most moves, penalties
    SK: IntArray
    SPEN: IntArray
    SHARD: IntArray
    bench: int  # the group without Coverage or MaxDeviation, -1 if none


class GroupCounts(NamedTuple):
    """The per-group counts of one assignment."""

    S: IntArray  # (groups, K) GroupSum sums
    OC: IntArray  # (groups, T) members offering, needing, doing both, per Coverage column
    NC: IntArray
    BC: IntArray
    XS: IntArray  # (X, groups) MaxDeviation sums
    XTOP: IntArray  # (X, 3) the three groups deviating most, -1 if fewer groups
    SC: IntArray  # (Y,) organisations away from their home, per Stay
    SG: IntArray  # (groups, Y) of them, per group they are in


def new_counts(R: GroupRules, groups: int) -> GroupCounts:
    """Zeroed counts for ``groups`` groups (fill them with :func:`recount`)."""
    tags = R.CPEN.shape[0]
    return GroupCounts(
        S=np.zeros((groups, R.W.shape[1]), dtype=np.int64),
        OC=np.zeros((groups, tags), dtype=np.int64),
        NC=np.zeros((groups, tags), dtype=np.int64),
        BC=np.zeros((groups, tags), dtype=np.int64),
        XS=np.zeros((R.XT.shape[0], groups), dtype=np.int64),
        XTOP=np.full((R.XT.shape[0], 3), -1, dtype=np.int64),
        SC=np.zeros(R.SK.shape[0], dtype=np.int64),
        SG=np.zeros((groups, R.SK.shape[0]), dtype=np.int64),
    )


@njit(cache=True, nogil=True, inline="always")
def viol(s: int, lo: int, hi: int) -> int:
    """Violation of ``lo <= s <= hi``; ``lo > hi`` encodes "s is not lo" (NotExactlyOne)."""
    if lo > hi:
        return 1 if s == lo else 0
    if s < lo:
        return lo - s
    if s > hi:
        return s - hi
    return 0


@njit(cache=True, nogil=True, inline="always")
def unmet(o: int, nd: int, b: int) -> int:
    """Needs of one tag in a group with o offering, nd needing and b doing both members that no
    *other* member offers."""
    if o == 0:
        return nd
    if o == 1:
        return b  # the only offerer cannot meet its own need
    return 0


@njit(cache=True, nogil=True, inline="always")
def away(R, y, i, g):  # type: ignore[no-untyped-def]
    """1 if organisation i placed in g is away from its home of Stay y (the bench is no
    group: left out has not moved)."""
    home = R.SH[i, y]
    return 1 if home >= 0 and g != home and g != R.bench else 0


@njit(cache=True, nogil=True)
def _top(R, G, x):  # type: ignore[no-untyped-def]
    """Rank the three groups (not the bench) deviating most from MaxDeviation x's target."""
    G.XTOP[x, :] = -1
    t = R.XT[x]
    for g in range(G.XS.shape[1]):
        if g == R.bench:
            continue
        d = abs(G.XS[x, g] - t)
        for r in range(3):
            q = G.XTOP[x, r]
            if q < 0 or d > abs(G.XS[x, q] - t):
                for s in range(2, r, -1):
                    G.XTOP[x, s] = G.XTOP[x, s - 1]
                G.XTOP[x, r] = g
                break


@njit(cache=True, nogil=True, inline="always")
def delta(R, G, i, j, g, h):  # type: ignore[no-untyped-def]
    """(hard violation change, soft objective change) when i moves g -> h and j (if j >= 0)
    h -> g. O(K + tags of i and j + X)."""
    dhv = 0
    df = 0
    for k in range(R.W.shape[1]):
        w = R.W[i, k] - (R.W[j, k] if j >= 0 else 0)
        if w == 0:
            continue
        sg, sh = G.S[g, k], G.S[h, k]
        v = (viol(sg - w, R.GLO[g, k], R.GHI[g, k]) + viol(sh + w, R.GLO[h, k], R.GHI[h, k])
             - viol(sg, R.GLO[g, k], R.GHI[g, k]) - viol(sh, R.GLO[h, k], R.GHI[h, k]))
        df -= R.GPEN[k] * v
        dhv += R.GHARD[k] * v
    # Coverage: one walk over the union of i's and j's sorted column lists.
    p, pe = R.cp[i], R.cp[i + 1]
    q = qe = 0
    if j >= 0:
        q, qe = R.cp[j], R.cp[j + 1]
    while p < pe or q < qe:
        if q >= qe or (p < pe and R.cc[p] < R.cc[q]):
            t, o, nd, b = R.cc[p], R.co[p], R.cn[p], R.co[p] * R.cn[p]
            p += 1
        elif p >= pe or R.cc[q] < R.cc[p]:
            t, o, nd, b = R.cc[q], -R.co[q], -R.cn[q], -R.co[q] * R.cn[q]
            q += 1
        else:
            t = R.cc[p]
            o, nd, b = R.co[p] - R.co[q], R.cn[p] - R.cn[q], R.co[p] * R.cn[p] - R.co[q] * R.cn[q]
            p += 1
            q += 1
        v = 0
        if g != R.bench:
            v += (unmet(G.OC[g, t] - o, G.NC[g, t] - nd, G.BC[g, t] - b)
                  - unmet(G.OC[g, t], G.NC[g, t], G.BC[g, t]))
        if h != R.bench:
            v += (unmet(G.OC[h, t] + o, G.NC[h, t] + nd, G.BC[h, t] + b)
                  - unmet(G.OC[h, t], G.NC[h, t], G.BC[h, t]))
        df -= R.CPEN[t] * v
        dhv += R.CHARD[t] * v
    # MaxDeviation: O(1) each, from the three groups deviating most.
    for x in range(R.XW.shape[0]):
        w = R.XW[x, i] - (R.XW[x, j] if j >= 0 else 0)
        if w == 0:
            continue
        t = R.XT[x]
        rest = 0  # the largest deviation of the groups other than g and h
        for r in range(3):
            k = G.XTOP[x, r]
            if k >= 0 and k != g and k != h:
                rest = abs(G.XS[x, k] - t)
                break
        before = rest
        after = rest
        if g != R.bench:
            before = max(before, abs(G.XS[x, g] - t))
            after = max(after, abs(G.XS[x, g] - w - t))
        if h != R.bench:
            before = max(before, abs(G.XS[x, h] - t))
            after = max(after, abs(G.XS[x, h] + w - t))
        df -= R.XPEN[x] * (after - before)
    # Stay: O(1) each, from the count of moves.
    for y in range(R.SK.shape[0]):
        step = away(R, y, i, h) - away(R, y, i, g)
        if j >= 0:
            step += away(R, y, j, g) - away(R, y, j, h)
        if step == 0:
            continue
        c, k = G.SC[y], R.SK[y]
        v = max(0, c + step - k) - max(0, c - k)
        df -= R.SPEN[y] * v
        dhv += R.SHARD[y] * v
    return dhv, df


@njit(cache=True, nogil=True, inline="always")
def count(R, G, i, g, sign):  # type: ignore[no-untyped-def]
    """Add (sign 1) or remove (-1) i's part of g's counts (the ranking: :func:`rerank`)."""
    for k in range(R.W.shape[1]):
        G.S[g, k] += sign * R.W[i, k]
    for e in range(R.cp[i], R.cp[i + 1]):
        t = R.cc[e]
        G.OC[g, t] += sign * R.co[e]
        G.NC[g, t] += sign * R.cn[e]
        G.BC[g, t] += sign * R.co[e] * R.cn[e]
    for x in range(R.XW.shape[0]):
        G.XS[x, g] += sign * R.XW[x, i]
    for y in range(R.SK.shape[0]):
        if away(R, y, i, g):
            G.SC[y] += sign
            G.SG[g, y] += sign


@njit(cache=True, nogil=True)
def rerank(R, G, g, h):  # type: ignore[no-untyped-def]
    """Keep ``G.XTOP`` after moves between g and h: only when one of them is ranked, or now
    deviates more than the third, can the ranking change (then it is redone, O(groups))."""
    for x in range(R.XT.shape[0]):
        t = R.XT[x]
        third = G.XTOP[x, 2]
        limit = abs(G.XS[x, third] - t) if third >= 0 else -1
        for q in (g, h):
            if q != R.bench and (q == G.XTOP[x, 0] or q == G.XTOP[x, 1] or q == third
                                 or abs(G.XS[x, q] - t) > limit):
                _top(R, G, x)
                break


@njit(cache=True, nogil=True)
def recount(R, G, a):  # type: ignore[no-untyped-def]
    """Rebuild the counts of assignment ``a``; returns (hard violation, soft objective)."""
    G.S[:, :] = 0
    G.OC[:, :] = 0
    G.NC[:, :] = 0
    G.BC[:, :] = 0
    G.XS[:, :] = 0
    G.SC[:] = 0
    G.SG[:, :] = 0
    for i in range(a.shape[0]):
        count(R, G, i, a[i], 1)
    hv = 0
    f = 0
    for g in range(G.S.shape[0]):
        for k in range(R.W.shape[1]):
            v = viol(G.S[g, k], R.GLO[g, k], R.GHI[g, k])
            f -= R.GPEN[k] * v
            hv += R.GHARD[k] * v
        if g == R.bench:
            continue
        for t in range(R.CPEN.shape[0]):
            v = unmet(G.OC[g, t], G.NC[g, t], G.BC[g, t])
            f -= R.CPEN[t] * v
            hv += R.CHARD[t] * v
    for x in range(R.XT.shape[0]):
        _top(R, G, x)
        if G.XTOP[x, 0] >= 0:
            f -= R.XPEN[x] * abs(G.XS[x, G.XTOP[x, 0]] - R.XT[x])
    for y in range(R.SK.shape[0]):
        v = max(0, G.SC[y] - R.SK[y])
        f -= R.SPEN[y] * v
        hv += R.SHARD[y] * v
    return hv, f


@njit(cache=True, nogil=True)
def hard_groups(R, G, bad):  # type: ignore[no-untyped-def]
    """Set ``bad[g]`` for the groups where a hard rule on counts is broken."""
    for g in range(G.S.shape[0]):
        for k in range(R.W.shape[1]):
            if R.GHARD[k] and viol(G.S[g, k], R.GLO[g, k], R.GHI[g, k]):
                bad[g] = True
        if g == R.bench:
            continue
        for t in range(R.CPEN.shape[0]):
            if R.CHARD[t] and unmet(G.OC[g, t], G.NC[g, t], G.BC[g, t]):
                bad[g] = True
        for y in range(R.SK.shape[0]):  # too many moved: the groups holding one of them
            if R.SHARD[y] and G.SC[y] > R.SK[y] and G.SG[g, y] > 0:
                bad[g] = True
