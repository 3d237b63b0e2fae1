"""Shared builders of tiny problems and the brute force that checks solvers on them.

``make_problem`` names every organisation and group for hand-written cases; ``random_problem``
(dense pair scores) and ``factored_problem`` (low-rank scores) draw one of every primitive from
a seed; ``brute_force`` enumerates every assignment of a tiny problem through the evaluator.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from pilotopt.evaluate import Evaluation, evaluate
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
    RuleInfo,
    SparseRows,
    Stay,
)
from pilotopt.solve import Result

__all__ = [
    "brute_force",
    "checked",
    "copies_problem",
    "factored_problem",
    "hard_violation",
    "make_problem",
    "random_problem",
    "stay_problem",
    "unequal_groups",
]


def make_problem(
    score: npt.ArrayLike,
    m: int,
    *,
    size: tuple[int, int] | None = None,
    extra: Sequence[tuple[RuleInfo, Primitive]] = (),
) -> Problem:
    """A problem over ``len(score)`` organisations named a, b, c, ... in ``m`` groups of
    ``size`` (hard, rule 0; default 1 to n) and the rules ``extra`` (numbered from 1)."""
    s = np.asarray(score, dtype=np.int64)
    n = len(s)
    ids = tuple(chr(ord("a") + i) for i in range(n))
    lo, hi = size or (1, n)
    rules = [RuleInfo("groups.size", "size", f"groups of {lo} to {hi}", True)]
    prims: list[Primitive] = [GroupSum(0, np.ones(n, dtype=np.int64), np.full(m, lo),
                                       np.full(m, hi), True)]
    for info, prim in extra:
        rules.append(info)
        prims.append(prim)
    return Problem(ids, ids, tuple(f"G{g + 1}" for g in range(m)), s, tuple(rules), tuple(prims))


def unequal_groups(per_member: bool = False) -> Problem:
    """Five organisations in two groups of 2 to 3 where the two objectives disagree: b-c 10,
    a with b and c 4 each, a with d and e 3 each, d-e 2. Summing pairs, {a, b, c} + {d, e} is
    best (18 + 2 = 20 against 10 + 8 = 18 for {b, c} + {a, d, e}); per member, {b, c} +
    {a, d, e} is (10 / 2 + 8 / 3 = 7.666 against 18 / 3 + 2 / 2 = 7)."""
    s = np.zeros((5, 5), dtype=np.int64)
    s[0, 1] = s[0, 2] = 4000
    s[1, 2] = 10_000
    s[0, 3] = s[0, 4] = 3000
    s[3, 4] = 2000
    return replace(make_problem(s + s.T, 2, size=(2, 3)), per_member=per_member)


def copies_problem(
    score: npt.ArrayLike, m: int, capacity: Sequence[int], *, size: tuple[int, int] | None = None,
    exact: bool = False,
) -> Problem:
    """:func:`make_problem` over the roster of ``score`` with organisation k free to join up to
    (or, ``exact``, exactly) ``capacity[k]`` groups: one copy per group, linked by the
    membership rule (see :mod:`pilotopt.compile.membership`)."""
    from pilotopt.compile.membership import membership_rule

    rows = np.repeat(np.arange(len(capacity)), capacity)
    s = np.asarray(score, dtype=np.int64)[np.ix_(rows, rows)]
    s[rows[:, None] == rows[None, :]] = 0
    base = make_problem(s, m, size=size)
    linked = membership_rule(rows, exact, len(base.rules))
    assert linked is not None, "give some organisation a capacity above 1"
    ids = tuple(chr(ord("a") + int(k)) for k in rows)
    return Problem(ids, ids, base.group_names, s, (*base.rules, linked[0]),
                   (*base.primitives, *linked[1]), roster_index=rows)


def brute_force(problem: Problem) -> int | None:
    """The best objective over every assignment meeting every hard rule (None: there is none).

    Organisations that may be left out are tried in no group (-1) too: (m + 1)^n evaluations at
    most, so keep n and m tiny.
    """
    best = None
    choices = [range(-1 if o else 0, problem.m) for o in problem.optional]
    for combo in itertools.product(*choices):
        ev = evaluate(problem, np.array(combo, dtype=np.int64))
        if ev.feasible and (best is None or ev.objective_scaled > best):
            best = ev.objective_scaled
    return best


def checked(problem: Problem, result: Result) -> Evaluation:
    """The evaluator's verdict on a solve's assignment, once it is shown that the solve told the
    truth: every hard rule holds, and the best objective any phase reported (its own count)
    is the evaluator's count of the assignment returned, neither more nor less."""
    ev = evaluate(problem, result.assignment)
    assert ev.feasible, [r.label for r in ev.broken_hard_rules()]
    trace = result.stats.trace
    assert isinstance(trace, list)
    assert max(objective for _, objective, feasible in trace if feasible) == ev.objective
    return ev


def hard_violation(problem: Problem, a: npt.ArrayLike) -> int:
    """Units of violation of the hard rules, as the evaluator counts them."""
    return sum(r.violation for r in evaluate(problem, a).rules if r.hard)


def random_problem(seed: int, n: int, m: int, *, rules: bool, optional: bool = False,
                   with_hard: bool = True) -> Problem:
    """Random symmetric scores, per-group size bounds and (optionally) every other primitive,
    soft and (with ``with_hard``) hard; with ``optional``, about half may be left out."""
    rng = np.random.default_rng(seed)
    s = np.triu(rng.integers(-20, 100, size=(n, n)), 1)
    score = (s + s.T).astype(np.int64)
    base = n // m
    lo = rng.integers(max(0, base - 2), base + 1, size=m)
    hi = lo + rng.integers(0, 3, size=m)
    while hi.sum() < n:
        hi[rng.integers(m)] += 1
    infos = [RuleInfo("groups.size", "size", "size", True)]
    prims: list[Primitive] = [GroupSum(0, np.ones(n, np.int64), lo.astype(np.int64),
                                       hi.astype(np.int64), True)]

    def rule(kind: str, hard: bool) -> tuple[int, int]:
        """A new rule's index and penalty (0 when hard)."""
        infos.append(RuleInfo(f"r{len(infos)}", kind, kind, hard))
        return len(infos) - 1, 0 if hard else int(rng.integers(1, 50))

    if rules:
        for hard in (False, True)[: 1 + with_hard]:
            k, pen = rule("quota", hard)
            w = rng.integers(0, 4, size=n).astype(np.int64)
            prims.append(GroupSum(k, w, np.full(m, 1, np.int64), np.full(m, 5, np.int64),
                                  hard, pen))
            for together in (True, False):
                k, pen = rule("pair", hard)
                pairs = rng.integers(0, n, size=(3, 2)).astype(np.int64)
                prims.append(PairLink(k, pairs, together, hard, pen))
            k, pen = rule("allowed", hard)
            prims.append(Allowed(k, rng.random((n, m)) > 0.2, hard, pen))
            k, pen = rule("no_isolation", hard)
            prims.append(NotExactlyOne(k, (rng.random(n) < 0.3).astype(np.int64), hard, pen))
            k, pen = rule("coverage", hard)
            offers = (rng.random((n, 4)) < 0.3).astype(np.int64)
            needs = (rng.random((n, 4)) < 0.2).astype(np.int64)
            prims.append(Coverage(k, needs, offers, hard, pen))
        k, pen = rule("balance", False)
        w = rng.integers(0, 30, size=n).astype(np.int64)
        prims.append(MaxDeviation(k, w, int(w.sum() // m), False, pen))
    if optional:
        hard = bool(rng.random() < 0.5)
        k, pen = rule("optional", hard)
        chosen = (rng.random(n) < 0.5).astype(np.int64)
        cost = rng.integers(0, 40, size=n).astype(np.int64) * chosen
        prims.append(LeaveOut(k, chosen, cost, int(rng.integers(0, chosen.sum() + 1)), hard, pen))
    ids = tuple(str(i) for i in range(n))
    return Problem(ids, ids, tuple(f"G{g}" for g in range(m)), score, tuple(infos), tuple(prims))


def factored_problem(seed: int, n: int, m: int) -> Problem:
    """Random offers/needs factors, explicit pairs and every primitive but LeaveOut, hard and
    soft (the large-instance search's kind of problem)."""
    rng = np.random.default_rng(seed)
    tags = 4
    offers = (rng.random((n, tags)) < 0.3).astype(np.int64)
    needs = (rng.random((n, tags)) < 0.3).astype(np.int64)
    w = rng.integers(1, 5, size=tags) * 100
    kind = np.eye(3, dtype=np.int64)[rng.integers(0, 3, size=n)]
    x = np.hstack([offers * w, needs, -70 * kind])
    y = np.hstack([needs, offers * w, kind])
    pairs = np.array(sorted({(int(a), int(b)) for a, b in rng.integers(0, n, size=(4, 2))
                             if a < b}), dtype=np.int64).reshape(-1, 2)
    factors = LowRankScore(90, SparseRows.from_dense(x), SparseRows.from_dense(y), pairs,
                           rng.integers(-300, 300, size=len(pairs)))
    lo = np.full(m, max(1, n // m - 1), dtype=np.int64)
    hi = np.full(m, n // m + 2, dtype=np.int64)
    infos = [RuleInfo("groups.size", "size", "size", True)]
    prims: list[Primitive] = [GroupSum(0, np.ones(n, np.int64), lo, hi, True)]

    def add(hard: bool, make: Callable[[int, bool, int], Primitive]) -> None:
        infos.append(RuleInfo(f"r{len(infos)}", "x", "x", hard))
        prims.append(make(len(infos) - 1, hard, 0 if hard else int(rng.integers(1, 400))))

    points = np.zeros((n, 3), dtype=np.int64)
    points[:, :2] = rng.integers(0, 10, size=(n, 2))
    for hard in (False, True):
        add(hard, lambda k, h, pen: GroupSum(k, rng.integers(-1, 3, size=n), np.full(m, 0),
                                             np.full(m, 4), h, pen))
        add(hard, lambda k, h, pen: PairLink(k, rng.integers(0, n, size=(3, 2)), True, h, pen))
        add(hard, lambda k, h, pen: PairLink(k, rng.integers(0, n, size=(3, 2)), False, h, pen))
        add(hard, lambda k, h, pen: Allowed(k, rng.random((n, m)) > 0.3, h, pen))
        add(hard, lambda k, h, pen: NotExactlyOne(k, (rng.random(n) < 0.3).astype(np.int64),
                                                  h, pen))
        add(hard, lambda k, h, pen: Coverage(k, needs, offers, h, pen))
        add(hard, lambda k, h, pen: Proximity(k, points, 30, rng.integers(0, 2, size=n), h, pen))
    add(False, lambda k, h, pen: MaxDeviation(k, rng.integers(0, 5, size=n), 4, h, pen))
    ids = tuple(str(i) for i in range(n))
    return Problem(ids, ids, tuple(f"G{g}" for g in range(m)), np.zeros((0, 0), np.int64),
                   tuple(infos), tuple(prims), factors=factors)


def stay_problem(most: int, hard: bool, penalty: int = 0) -> Problem:
    """a-c and b-d attract (9 each); groups of two; before: {a, b} in G1, {c, d} in G2. The
    best grouping ({a, c}, {b, d}) moves two; a Stay of rule 1 allows at most ``most``."""
    stay = Stay(1, np.array([0, 0, 1, 1]), most, hard, penalty)
    return make_problem([[0, 0, 9, 0], [0, 0, 0, 9], [9, 0, 0, 0], [0, 9, 0, 0]], 2,
                        size=(2, 2), extra=[(RuleInfo("rule 1", "stability", "stay", hard),
                                             stay)])
