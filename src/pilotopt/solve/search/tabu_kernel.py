"""The compiled part of the iterated tabu search (:mod:`.tabu` drives it and documents it).

Kept apart from the Python driver so that editing the driver does not invalidate numba's cache
of these functions.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

from pilotopt.solve.search import deltas, fair
from pilotopt.solve.search.construct import NEG
from pilotopt.solve.search.deltas import GroupCounts

IntArray = npt.NDArray[np.int64]

#: A pruned scan that still evaluates more than this share of the swaps is slower than a plain
#: one (measured: geometric scores); then the next PLAIN_SCANS iterations scan plainly.
PRUNE_USELESS = 0.5
PLAIN_SCANS = 200


class State(NamedTuple):
    """The current assignment and what is kept incrementally from it."""

    a: IntArray
    C: IntArray  # (n, groups) pair score of i with the members of g
    size: IntArray
    G: GroupCounts
    f: IntArray  # (1,) search objective
    hv: IntArray  # (1,) hard violation (units)
    CS: IntArray  # the size-fair objective's tables (see :mod:`.fair`), (0, 0) without it
    Q: IntArray


class Memory(NamedTuple):
    """What the search remembers besides the current state; scalars are (1,) arrays."""

    tabu: IntArray  # (n, groups) iteration until which i may not return to g
    best_a: IntArray  # the best feasible assignment (valid when ``feasible``)
    any_a: IntArray  # the best one by f (the fallback when nothing feasible was seen)
    it: IntArray  # iterations (applied tabu moves) so far
    best_f: IntArray
    feasible: IntArray  # 1 once a feasible solution has been seen
    any_f: IntArray
    any_hv: IntArray
    phase_f: IntArray  # best f in the current phase (between perturbations)
    stall: IntArray  # work since phase_f last improved
    improved: IntArray  # set when the returned best improved; cleared by Python
    best_it: IntArray  # iteration at which the returned best was found
    plain_until: IntArray  # iteration until which the plain scan does not prune
    work: IntArray  # work units done (candidate moves scanned, see ``_iterate``)
    strength: IntArray  # random swaps of the next perturbation
    kept_f: IntArray  # best_f at the last perturbation


class Settings(NamedTuple):
    tenure: int
    perturb_after: int  # work without improving the phase best before a perturbation
    ruled: bool  # any term beyond pair scores
    min_d: int  # at most the smallest pair score: bounds the swaps the plain scan may skip
    can_reloc: bool  # some group's size may change
    unit: int  # work units of one candidate move of a ruled scan (1 for a pair-score one)
    max_work: int  # the search ends once it has done this much work (0: no work limit)
    perturb_min: int  # random swaps of a perturbation after one that improved the best
    perturb_max: int  # at most this many, one more after each that did not
    perturb_spread: int  # plus a random 0..perturb_spread



@njit(cache=True, nogil=True)
def _seed(seed: int) -> None:
    np.random.seed(seed)


@njit(cache=True, nogil=True)
def _relocate(P, S, i, h):  # type: ignore[no-untyped-def]
    """Move i to group h, updating every table, f and the hard violation exactly. On the bench
    nobody earns pair scores: ``C[:, bench]`` stays 0."""
    a, C = S.a, S.C
    g = a[i]
    bench = P.bench
    # Hard violation change, counted before the state changes. A pair on the bench is apart.
    dhv = P.UH[i, h] - P.UH[i, g]
    for e in range(P.hp[i], P.hp[i + 1]):
        gj = a[P.hn[e]]
        now = gj == g and g != bench
        then = gj == h and h != bench
        if P.ht[e] == 1:  # together: broken when not in one group
            dhv += (0 if then else 1) - (0 if now else 1)
        else:
            dhv += (1 if then else 0) - (1 if now else 0)
    ghv, gdf = deltas.delta(P.R, S.G, i, -1, g, h)
    df = C[i, h] - C[i, g] + P.U[i, g] - P.U[i, h] + gdf - P.M * ghv
    df += fair.delta(P, S, i, -1, g, h)
    fair.move(P, S, i, g, h)
    deltas.count(P.R, S.G, i, g, -1)
    deltas.count(P.R, S.G, i, h, 1)
    deltas.rerank(P.R, S.G, g, h)
    for k in range(a.shape[0]):
        d = P.Dp[k, i]
        if g != bench:
            C[k, g] -= d
        if h != bench:
            C[k, h] += d
    S.size[g] -= 1
    S.size[h] += 1
    a[i] = h
    S.f[0] += df
    S.hv[0] += dhv + ghv


@njit(cache=True, nogil=True)
def _recompute(P, S):  # type: ignore[no-untyped-def]
    """Rebuild C, sizes, counts, f and the hard violation from the assignment."""
    a, C = S.a, S.C
    n = a.shape[0]
    C[:, :] = 0
    S.size[:] = 0
    for i in range(n):
        S.size[a[i]] += 1
    for i in range(n):
        for j in range(n):
            if a[j] != P.bench:
                C[i, a[j]] += P.Dp[i, j]
    f = 0
    hv = 0
    for i in range(n):
        f += C[i, a[i]]
    f //= 2
    f += fair.recompute(P, S)
    for i in range(n):
        f -= P.U[i, a[i]]
        hv += P.UH[i, a[i]]
        for e in range(P.hp[i], P.hp[i + 1]):
            j = P.hn[e]
            if j < i:
                continue  # each hard pair is stored at both ends
            same = a[i] == a[j] and a[i] != P.bench
            if (P.ht[e] == 1 and not same) or (P.ht[e] == 0 and same):
                hv += 1
    ghv, gf = deltas.recount(P.R, S.G, a)
    S.f[0] = f + gf - P.M * ghv
    S.hv[0] = hv + ghv


@njit(cache=True, nogil=True, inline="always")
def _delta(P, S, R, G, i, j, h):  # type: ignore[no-untyped-def]
    """Change of f when i moves to h (j < 0), or when i and j (in group h) swap groups; R and G
    are ``P.R`` and ``S.G`` (taken out of P and S once per scan, not per move)."""
    return _delta_without_fair(P, S, R, G, i, j, h) + fair.delta(P, S, i, j, S.a[i], h)


@njit(cache=True, nogil=True, inline="always")
def _delta_without_fair(P, S, R, G, i, j, h):  # type: ignore[no-untyped-def]
    """:func:`_delta` less the size-fair term (:func:`.fair.delta`), which the scan adds only
    when the problem has it: a test per candidate on a flag read once per scan keeps the usual
    scan as fast as before the term existed (about 20 % faster than the whole delta)."""
    a, C, U = S.a, S.C, P.U
    gi = a[i]
    d = C[i, h] - C[i, gi] + U[i, gi] - U[i, h]
    if j >= 0:
        d += C[j, gi] - C[j, h] + U[j, h] - U[j, gi]
        d -= P.Dp[i, j] if gi == P.bench or h == P.bench else 2 * P.Dp[i, j]
    ghv, gdf = deltas.delta(R, G, i, j, gi, h)
    return d + gdf - P.M * ghv


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
def _scan_plain(P, S, T, X, prune):  # type: ignore[no-untyped-def]
    """Best admissible move with pair scores alone: ``(i, j, h, scanned)``, j = -1 for a
    relocation of i to h, j >= 0 for a swap of i and j (h = j's group); i = -1 if none;
    ``scanned`` is the number of swaps evaluated (all n (n - 1) / 2 without pruning).

    A move is admissible when not tabu, or tabu but reaching a search objective above the phase
    best. Ties are broken uniformly at random (reservoir sampling). With ``prune``, swaps of i
    with the members of a group h are skipped when even the best of them cannot reach the best
    move so far: a swap gains ``gain[i, h] + gain[j, g_i] - 2 Dp[i, j]``, at most ``gain[i, h] +
    top[h, g_i] - 2 min_d`` with ``top[h, g]`` the largest ``gain[j, g]`` over the members j of
    h. That saves most of the scan on random scores, and little on geometric ones.
    """
    a, C, size, tabu, Dp = S.a, S.C, S.size, T.tabu, P.Dp
    it, f, asp = T.it[0], S.f[0], T.phase_f[0]
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
        at = start[:m].copy()
        for i in range(n):
            gi = a[i]
            members[at[gi]] = i
            at[gi] += 1
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
        if X.can_reloc and size[gi] > P.lo[gi]:
            for h in range(m):
                if h == gi or size[h] >= P.hi[h]:
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
            if gj == gi or C[i, gj] - cii + top[gj, gi] - 2 * X.min_d < best_d:
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
    if not prune:
        scanned = n * (n - 1) // 2
    return bi, bj, bh, scanned


@njit(cache=True, nogil=True)
def _scan_ruled(P, S, T, X):  # type: ignore[no-untyped-def]
    """As :func:`_scan_plain` (without pruning), every term of f counted."""
    a, size, tabu, R, G = S.a, S.size, T.tabu, P.R, S.G
    it, f, asp = T.it[0], S.f[0], T.phase_f[0]
    fair_term = P.pm != 0
    n = a.shape[0]
    m = size.shape[0]
    best_d = NEG
    bi = -1
    bj = -1
    bh = -1
    ties = 0
    for i in range(n):
        gi = a[i]
        if X.can_reloc and size[gi] > P.lo[gi]:
            for h in range(m):
                if h == gi or size[h] >= P.hi[h]:
                    continue
                d = _delta_without_fair(P, S, R, G, i, -1, h)
                if fair_term:
                    d += fair.delta(P, S, i, -1, gi, h)
                if d < best_d or (tabu[i, h] > it and f + d <= asp):
                    continue
                best_d, bi, bj, bh, ties = _consider(d, i, -1, h, best_d, bi, bj, bh, ties)
        for j in range(i + 1, n):
            gj = a[j]
            if gj == gi:
                continue
            d = _delta_without_fair(P, S, R, G, i, j, gj)
            if fair_term:
                d += fair.delta(P, S, i, j, gi, gj)
            if d < best_d or ((tabu[i, gj] > it or tabu[j, gi] > it) and f + d <= asp):
                continue
            best_d, bi, bj, bh, ties = _consider(d, i, j, gj, best_d, bi, bj, bh, ties)
    return bi, bj, bh


@njit(cache=True, nogil=True)
def _perturb(P, S, count):  # type: ignore[no-untyped-def]
    """Apply ``count`` random swaps (of organisations in different groups)."""
    n = S.a.shape[0]
    done = 0
    tries = 0
    while done < count and tries < 100 * count:
        tries += 1
        i = np.random.randint(n)
        j = np.random.randint(n)
        g, h = S.a[i], S.a[j]
        if h != g:
            _relocate(P, S, i, h)
            _relocate(P, S, j, g)
            done += 1


@njit(cache=True, nogil=True)
def _iterate(P, S, T, X, iterations):  # type: ignore[no-untyped-def]
    """Run ``iterations`` iterations of the iterated tabu search (in place)."""
    span = X.tenure
    n, m = S.a.shape[0], S.size.shape[0]
    for _ in range(iterations):
        if X.max_work > 0 and T.work[0] >= X.max_work:
            break
        it = T.it[0]
        w0 = T.work[0]
        # Work: the candidates a scan evaluates, and the n x m reads a move's updates cost.
        if X.ruled:
            bi, bj, bh = _scan_ruled(P, S, T, X)
            T.work[0] += n * m + X.unit * (n * m + n * (n - 1) // 2)
        else:
            prune = it >= T.plain_until[0]
            bi, bj, bh, scanned = _scan_plain(P, S, T, X, prune)
            T.work[0] += 2 * n * m + scanned
            if prune and scanned > PRUNE_USELESS * n * (n - 1) / 2:
                T.plain_until[0] = it + PLAIN_SCANS  # pruning did not pay: plain for a while
        T.it[0] = it + 1
        if bi >= 0:
            gi = S.a[bi]
            _relocate(P, S, bi, bh)
            T.tabu[bi, gi] = it + span + np.random.randint(span + 1)
            if bj >= 0:
                _relocate(P, S, bj, gi)
                T.tabu[bj, bh] = it + span + np.random.randint(span + 1)
        f = S.f[0]
        if f > T.phase_f[0]:
            T.phase_f[0] = f
            T.stall[0] = 0
        else:
            T.stall[0] += T.work[0] - w0
        if S.hv[0] == 0 and (T.feasible[0] == 0 or f > T.best_f[0]):
            T.best_f[0] = f
            T.feasible[0] = 1
            T.best_a[:] = S.a
            T.improved[0] = 1
            T.best_it[0] = it + 1
        if f > T.any_f[0]:
            T.any_f[0] = f
            T.any_hv[0] = S.hv[0]
            T.any_a[:] = S.a
            if T.feasible[0] == 0:
                T.improved[0] = 1
                T.best_it[0] = it + 1
        if T.stall[0] >= X.perturb_after:
            # Restart from the best solution (the best feasible one once seen) and shake it:
            # harder after each phase that did not improve it (it fell back into its basin).
            if T.best_f[0] > T.kept_f[0]:
                T.strength[0] = X.perturb_min
            else:
                T.strength[0] = min(T.strength[0] + 1, X.perturb_max)
            T.kept_f[0] = T.best_f[0]
            S.a[:] = T.best_a if T.feasible[0] == 1 else T.any_a
            _recompute(P, S)
            _perturb(P, S, T.strength[0] + np.random.randint(X.perturb_spread + 1))
            T.phase_f[0] = S.f[0]
            T.stall[0] = 0
