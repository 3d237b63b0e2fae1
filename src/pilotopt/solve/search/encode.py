"""The primitives of a :class:`~pilotopt.problem.Problem` as the flat arrays the searches read.

* :func:`group_rules`: the rules on group counts, for both engines (:mod:`.deltas`);
* :func:`dense`: the dense search's tables (:mod:`.tabu`): pair scores with PairLinks folded
  in, unary costs (Allowed, LeaveOut), hard pair lists, a *bench* group for organisations left
  out, and the weight ``M`` of a unit of hard violation;
* :func:`sparse`: the large search's lists (:mod:`.sampled`): low-rank score factors, explicit
  pairs, hard pair lists, Allowed rows, Proximity points.

Every primitive is dispatched by one ``match`` per encoder, so a new primitive that an encoder
does not know is a type error (``assert_never``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, assert_never

import numpy as np
import numpy.typing as npt

from pilotopt.problem import (
    Allowed,
    Coverage,
    GroupSum,
    LeaveOut,
    LowRankScore,
    MaxDeviation,
    NotExactlyOne,
    PairLink,
    Primitive,
    Problem,
    Proximity,
    SparseRows,
    Stay,
)
from pilotopt.solve.search.deltas import GroupRules

__all__ = ["Dense", "DenseProblem", "Sparse", "constants", "dense", "group_rules",
           "renumbered", "sparse", "supported"]

IntArray = npt.NDArray[np.int64]


def _is_size_bound(p: GroupSum) -> bool:
    """A hard unit-weight GroupSum: the size bounds, kept by the moves themselves."""
    return p.hard and bool(np.all(p.w == 1))


def _penalties(prims: list[Any]) -> tuple[IntArray, IntArray]:
    """(penalty of each soft one, 0 when hard) and (1 when hard)."""
    return (np.array([0 if p.hard else p.penalty for p in prims], dtype=np.int64),
            np.array([int(p.hard) for p in prims], dtype=np.int64))


def _columns(rows: list[IntArray], width: int) -> IntArray:
    """One value per organisation (or group) of each rule as a (width, rules) table: a move
    reads every rule's value of one organisation side by side in memory."""
    return np.ascontiguousarray(np.array(rows, dtype=np.int64).reshape(len(rows), width).T)


def group_rules(problem: Problem, bench: int) -> GroupRules:
    """GroupSum (but the size bounds), NotExactlyOne, LeaveOut's placed minimum, Coverage and
    MaxDeviation as :class:`GroupRules`. With a bench (group index ``bench = m``), GroupSums
    are free there, but a LeaveOut's, which bounds who sits on it."""
    n, m = problem.n, problem.m
    benched = int(bench >= 0)
    w_rows: list[IntArray] = []
    lo_rows: list[IntArray] = []
    hi_rows: list[IntArray] = []
    sums: list[Any] = []  # the primitive of each GroupSum column (for its penalty)

    def group_sum(p: Any, w: IntArray, lo: IntArray, hi: IntArray,
                  on_bench: tuple[int, int] | None = None) -> None:
        b = on_bench or (int(w[w < 0].sum()), int(w[w > 0].sum()))
        w_rows.append(np.asarray(w, dtype=np.int64))
        lo_rows.append(np.append(lo, [b[0]] * benched).astype(np.int64))
        hi_rows.append(np.append(hi, [b[1]] * benched).astype(np.int64))
        sums.append(p)

    cover: list[tuple[IntArray, IntArray, Coverage]] = []  # offers, needs of one tag
    devs: list[MaxDeviation] = []
    stays: list[Stay] = []
    for p in problem.primitives:
        match p:
            case GroupSum():
                if _is_size_bound(p):
                    continue
                if np.any(p.lo > p.hi):
                    raise ValueError("a GroupSum with lo > hi cannot hold")
                group_sum(p, p.w, p.lo, p.hi)
            case NotExactlyOne():  # lo > hi encodes "not exactly lo" (see deltas.viol)
                group_sum(p, p.w, np.ones(m, np.int64), np.zeros(m, np.int64))
            case LeaveOut():
                if p.lo > 0:  # at most (chosen - lo) of the chosen on the bench
                    top = int(p.w.sum())
                    group_sum(p, p.w, np.zeros(m, np.int64), np.full(m, top, np.int64),
                              on_bench=(0, top - p.lo))
            case Coverage():
                for t in range(p.needs.shape[1]):
                    if p.needs[:, t].any():
                        cover.append((p.offers[:, t], p.needs[:, t], p))
            case MaxDeviation():
                devs.append(p)
            case Stay():
                stays.append(p)
            case PairLink() | Allowed() | Proximity():
                pass  # not on group counts
            case _:
                assert_never(p)
    groups = m + benched
    offers = np.array([c[0] for c in cover], dtype=np.int64).reshape(-1, n).T
    needs = np.array([c[1] for c in cover], dtype=np.int64).reshape(-1, n).T
    rows, cols = np.nonzero(offers | needs)  # row-major: by organisation, then column
    gpen, ghard = _penalties(sums)
    cpen, chard = _penalties([c[2] for c in cover])
    return GroupRules(
        W=_columns(w_rows, n), GLO=_columns(lo_rows, groups), GHI=_columns(hi_rows, groups),
        GPEN=gpen, GHARD=ghard,
        cp=np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]).astype(np.int64),
        cc=cols.astype(np.int64), co=offers[rows, cols].astype(np.int64),
        cn=needs[rows, cols].astype(np.int64), CPEN=cpen, CHARD=chard,
        XW=np.array([d.w for d in devs], dtype=np.int64).reshape(len(devs), n),
        XT=np.array([d.target for d in devs], dtype=np.int64),
        XPEN=_penalties(devs)[0],
        SH=_columns([s.home for s in stays], n), SK=np.array([s.most for s in stays],
                                                            dtype=np.int64),
        SPEN=_penalties(stays)[0], SHARD=_penalties(stays)[1], bench=bench,
    )


def _csr(rows: int, r: IntArray, c: IntArray, v: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Row pointers, columns and values of the entries (r, c, v), sorted by row and column."""
    at = np.lexsort((c, r))
    ptr = np.zeros(rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=rows), out=ptr[1:])
    return (ptr, np.ascontiguousarray(c[at], dtype=np.int64),
            np.ascontiguousarray(v[at], dtype=np.int64))


def _both_ends(rows: int, pairs: IntArray, v: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """CSR with each pair (i, j) at both i and j."""
    pairs = pairs.reshape(-1, 2)
    return _csr(rows, np.concatenate([pairs[:, 0], pairs[:, 1]]),
                np.concatenate([pairs[:, 1], pairs[:, 0]]), np.concatenate([v, v]))


# ----------------------------------------------------------------------------------------------
# the dense search
# ----------------------------------------------------------------------------------------------


class DenseProblem(NamedTuple):
    """What the dense search reads (groups: the problem's, then the bench if any)."""

    Dp: IntArray  # (n, n) pair scores, PairLinks folded in (hard ones weigh M)
    U: IntArray  # (n, groups) unary cost (Allowed, LeaveOut cost; hard ones weigh M)
    UH: IntArray  # (n, groups) unary hard violation
    lo: IntArray  # hard size bounds
    hi: IntArray
    hp: IntArray  # hard PairLinks at both ends: pointers, partners, 1 together / 0 apart
    hn: IntArray
    ht: IntArray
    R: GroupRules
    M: int  # weight of a unit of hard violation in the search objective
    bench: int  # group of the organisations left out, -1 if none
    # The size-fair objective (pm = 1): the pair scores alone (Dp then holds the PairLinks
    # only), each group earning their sum over its size; (0, 0) and pm = 0 without it.
    Sc: IntArray
    pm: int


@dataclass(frozen=True)
class Dense:
    """:class:`DenseProblem` and the constants that relate its search objective
    ``f = objective + offset - M * hard violation`` to the evaluator's."""

    P: DenseProblem
    offset: int
    hv_const: int  # hard violation no move changes (an 'apart' pair i == i)
    ruled: bool  # any term beyond pair scores (else the plain, pruned scan serves)

    def unbench(self, a: IntArray) -> IntArray:
        """A copy of the assignment with the bench as -1 (left out)."""
        out = a.copy()
        if self.P.bench >= 0:
            out[out == self.P.bench] = -1
        return out

    def objective(self, f: int, hv: int) -> int:
        """The evaluator's objective of a state with search objective f and hard violation hv."""
        return f - self.offset + self.P.M * hv


def _units(p: Primitive, m: int) -> int:
    """Most units of violation of a soft primitive one move can change (for ``M``)."""
    match p:
        case PairLink():
            return len(p.pairs)
        case Coverage():
            return int(p.needs.sum())
        case NotExactlyOne():
            return m
        case LeaveOut():
            return p.lo
        case GroupSum() | MaxDeviation():  # two groups' sums, by at most the largest weight
            return 2 * int(np.abs(p.w).max(initial=0))
        case Allowed() | Proximity():
            return 1
        case Stay():  # a swap moves two
            return 2
        case _:
            assert_never(p)


def _benched(UH: IntArray, hp: IntArray, R: GroupRules) -> IntArray:
    """The hard units of leaving out each organisation that must be placed: one more than
    placing it anywhere can break (closed groups, its hard pairs, its weight in each hard
    GroupSum, its hard needs, a move from home). Cheaper, and a search in a state it cannot
    make feasible would leave out someone to spare the units that one breaks where it is, and
    return an assignment the evaluator refuses."""
    needs = np.zeros(len(hp) - 1, dtype=np.int64)
    at = np.repeat(np.arange(len(needs)), np.diff(R.cp))
    np.add.at(needs, at, R.cn * R.CHARD[R.cc])
    return np.asarray(1 + UH.max(axis=1, initial=0) + np.diff(hp) + np.abs(R.W) @ R.GHARD
                      + needs + (R.SH >= 0) @ R.SHARD, dtype=np.int64)


def dense(problem: Problem) -> Dense:
    """The dense search's tables (needs dense pair scores)."""
    if problem.factors is not None:
        raise ValueError("the dense search needs dense pair scores (see solve.search.sampled)")
    n, m = problem.n, problem.m
    optional = problem.optional
    # Organisations left out sit on a bench: an extra group m without pair scores or rules.
    bench = m if optional.any() else -1
    mk = m + (bench >= 0)
    score = np.asarray(problem.score, dtype=np.int64)
    lo, hi = problem.size_bounds()
    # A hard violation must outweigh anything one organisation can earn or lose. Per member,
    # a move changes a group's figure (P - s c) / (s (s - 1)) by at most 1.5 of a row's sum.
    row = int(np.abs(score).sum(axis=1).max()) if n else 0
    if problem.per_member:
        row *= 4
    soft_pen = 0
    for p in problem.primitives:
        if isinstance(p, LeaveOut):
            soft_pen += int(p.cost.sum())
        if not p.hard:
            soft_pen += abs(int(p.penalty)) * max(1, _units(p, m))
    M = 1 + row + min(soft_pen, 1 << 40)

    Dp = np.zeros_like(score) if problem.per_member else score.copy()
    U = np.zeros((n, mk), dtype=np.int64)
    UH = np.zeros((n, mk), dtype=np.int64)
    offset = hv_const = 0
    hard_pairs: list[IntArray] = [np.zeros((0, 2), dtype=np.int64)]
    hard_types: list[IntArray] = [np.zeros(0, dtype=np.int64)]

    def pair_link(pairs: IntArray, together: bool, hard: bool, weight: int) -> None:
        nonlocal offset, hv_const
        for x, y in np.asarray(pairs, dtype=np.int64).reshape(-1, 2).tolist():
            if x == y:  # together holds and apart is broken, unless x is left out
                if optional[x]:
                    where = slice(m, None) if together else slice(0, m)
                    U[x, where] += weight
                    UH[x, where] += hard
                elif not together and hard:
                    hv_const += 1
                elif not together:
                    offset += weight
                continue
            sign = 1 if together else -1
            Dp[x, y] += sign * weight
            Dp[y, x] += sign * weight
            if together:
                offset += weight
        if hard:
            two = pairs[pairs[:, 0] != pairs[:, 1]]
            hard_pairs.append(two)
            hard_types.append(np.full(len(two), int(together), dtype=np.int64))

    for p in problem.primitives:
        weight = M if p.hard else int(p.penalty)
        match p:
            case PairLink():
                pair_link(p.pairs, p.together, p.hard, weight)
            case Proximity():  # its pairs, listed (dense problems are small)
                pair_link(p.pairs(np.arange(n)), False, p.hard, weight)
            case Allowed():
                bad = ~np.asarray(p.allowed, dtype=bool)
                U[:, :m] += weight * bad
                if p.hard:
                    UH[:, :m] += bad
            case LeaveOut():
                U[:, bench] += p.cost
            case GroupSum() | NotExactlyOne() | Coverage() | MaxDeviation() | Stay():
                pass  # group_rules
            case _:
                assert_never(p)
    R = group_rules(problem, bench)
    hp, hn, ht = _both_ends(n, np.concatenate(hard_pairs).astype(np.int64),
                            np.concatenate(hard_types))
    if bench >= 0:
        out = _benched(UH[:, :m], hp, R)[~optional]
        UH[~optional, bench] = out
        U[~optional, bench] = M * out
    ruled = bool(np.any(U != 0) or R.W.shape[1] or R.CPEN.shape[0] or R.XT.shape[0]
                 or R.SK.shape[0] or bench >= 0 or problem.per_member)
    P = DenseProblem(
        Dp=np.ascontiguousarray(Dp), U=U, UH=UH,
        lo=np.append(lo, [0] * (mk - m)).astype(np.int64),
        hi=np.append(hi, [n] * (mk - m)).astype(np.int64),
        hp=hp, hn=hn, ht=ht, R=R, M=M, bench=bench,
        Sc=score if problem.per_member else np.zeros((0, 0), dtype=np.int64),
        pm=int(problem.per_member),
    )
    return Dense(P, offset, hv_const, ruled)


# ----------------------------------------------------------------------------------------------
# the large search
# ----------------------------------------------------------------------------------------------


class Sparse(NamedTuple):
    """What the large search reads: O(n * rank + m * rank + listed pairs). CSR lists are ``*p``
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
    R: GroupRules
    wp: IntArray  # organisations of positive (wp/wi) and negative (wq/wj) weight per GroupSum
    wi: IntArray
    wq: IntArray
    wj: IntArray
    am: IntArray  # Allowed (P, n): 0 every group, 1 only those listed, 2 all but those listed
    ap: IntArray  # lists: row p * n + i
    ai: IntArray
    APEN: IntArray
    AHARD: IntArray
    ZX: IntArray  # Proximity points (Z, n, 3), limits, codes (n, Z)
    ZL: IntArray
    ZC: IntArray
    ZPEN: IntArray
    ZHARD: IntArray
    near: int  # organisations are numbered in spatial order: i's neighbours are i +- near


def supported(problem: Problem) -> bool:
    """Whether the large search knows every primitive of the problem (LeaveOut it does not)
    and its objective (not the size-fair one, ``per_member``: the dense search takes that)."""
    if problem.per_member:
        return False
    for p in problem.primitives:
        match p:
            case LeaveOut():
                return False
            case (GroupSum() | PairLink() | Allowed() | NotExactlyOne() | Coverage()
                  | MaxDeviation() | Proximity() | Stay()):
                pass
            case _:
                assert_never(p)
    return True


def _lists(mask_rows: list[npt.NDArray[np.bool_]]) -> tuple[IntArray, IntArray]:
    """CSR of the nonzero positions of each mask."""
    ptr = np.zeros(len(mask_rows) + 1, dtype=np.int64)
    found = [np.flatnonzero(r).astype(np.int64) for r in mask_rows]
    np.cumsum([len(f) for f in found], out=ptr[1:])
    return ptr, (np.concatenate(found) if found else np.zeros(0, dtype=np.int64))


def sparse(problem: Problem, near: int) -> Sparse:
    """The large search's lists (``near`` > 0: organisations are numbered so that i's
    neighbours are about ``i +- near``)."""
    if not supported(problem):
        raise ValueError("the large search knows neither LeaveOut nor the size-fair objective")
    n = problem.n
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
    allowed: list[Allowed] = []
    close: list[Proximity] = []
    for p in problem.primitives:
        match p:
            case PairLink():
                # A pair (i, i) no move changes: see :func:`constants`.
                two = np.sort(p.pairs[p.pairs[:, 0] != p.pairs[:, 1]], axis=1)
                if p.hard:
                    hard_pairs.append(two)
                    hard_types.append(np.full(len(two), int(p.together), dtype=np.int64))
                else:
                    soft_pairs.append(two)
                    soft_values.append(np.full(len(two), p.penalty if p.together
                                               else -p.penalty, dtype=np.int64))
            case Allowed():
                allowed.append(p)
            case Proximity():
                close.append(p)
            case GroupSum() | NotExactlyOne() | Coverage() | MaxDeviation() | LeaveOut() \
                    | Stay():
                pass  # group_rules
            case _:
                assert_never(p)
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

    R = group_rules(problem, -1)
    wp, wi = _lists([w > 0 for w in R.W.T])
    wq, wj = _lists([w < 0 for w in R.W.T])

    # Allowed rows: every group (mode 0), the few allowed (1) or the few kept out (2).
    modes = np.zeros((len(allowed), n), dtype=np.int64)
    lists_r, lists_c = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for k, a in enumerate(allowed):  # the table's lists are already in this form
        modes[k, a.table.rows] = np.where(a.table.opens, 1, 2)
        lists_r.append(k * n + a.table.entry_orgs())
        lists_c.append(a.table.groups)
    lr, lc = np.concatenate(lists_r), np.concatenate(lists_c)
    ap, ai, _ = _csr(len(allowed) * n, lr, lc, lc)

    return Sparse(
        lo=lo.astype(np.int64), hi=hi.astype(np.int64), c=int(constant),
        xp=x.indptr, xi=x.indices, xd=x.data, yp=y.indptr, yi=y.indices, yd=y.data,
        xy=x.row_dots(y) if x.width else np.zeros(n, dtype=np.int64), cp=cp,
        ci=ci.astype(np.int64), ep=ep, ei=ei, ed=ed, hp=hp, hn=hn, ht=ht,
        htog=np.bincount(np.repeat(np.arange(n), np.diff(hp)), weights=ht,
                         minlength=n).astype(np.int64),
        R=R, wp=wp, wi=wi, wq=wq, wj=wj,
        am=modes, ap=ap, ai=ai, APEN=_penalties(allowed)[0], AHARD=_penalties(allowed)[1],
        ZX=np.ascontiguousarray(np.array([p.points for p in close], dtype=np.int64)
                                .reshape(len(close), n, 3)),
        ZL=np.array([p.limit for p in close], dtype=np.int64),
        ZC=_columns([p.codes for p in close], n), ZPEN=_penalties(close)[0],
        ZHARD=_penalties(close)[1], near=near,
    )


def constants(problem: Problem) -> tuple[int, int]:
    """The large search's (search objective minus the evaluator's, hard violation no move
    changes).

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
                   problem.rules, prims, factors=factors, per_member=problem.per_member)
