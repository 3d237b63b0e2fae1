"""The what-if API: every change it prices equals the evaluator's figures after minus before.

Tiny hand-checked cases per primitive first, then a property over random problems with every
primitive, random assignments and random sequences of moves, swaps and applied changes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import copies_problem, stay_problem
from pilotopt.evaluate import Evaluation, evaluate
from pilotopt.moves import Change, WhatIf
from pilotopt.problem import (
    SCALE,
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
)

I64 = np.int64


def problem(
    n: int, m: int, prims: list[Primitive], score: Any = None, factors: LowRankScore | None = None
) -> Problem:
    """Organisations a, b, c, ... in groups G1.. with one rule per primitive (rule k: prims[k])."""
    ids = tuple(chr(ord("a") + i) for i in range(n))
    rules = tuple(RuleInfo(f"rule {k}", type(p).__name__, f"rule {k}", p.hard)
                  for k, p in enumerate(prims))
    dense = np.zeros((0, 0) if factors else (n, n), dtype=I64) if score is None else np.asarray(
        score, dtype=I64)
    return Problem(ids, ids, tuple(f"G{g + 1}" for g in range(m)), dense, rules, tuple(prims),
                   factors=factors)


def assert_exact(change: Change, before: Evaluation, after: Evaluation) -> None:
    """Every figure of ``change`` is ``after - before``, rule by rule and group by group."""
    assert change.complementarity_scaled == (after.complementarity_scaled
                                             - before.complementarity_scaled)
    assert change.penalty_scaled == after.penalty_scaled - before.penalty_scaled
    assert change.objective_scaled == after.objective_scaled - before.objective_scaled
    m = len(before.group_sizes)
    comp = np.zeros(m, dtype=I64)
    for g, c in change.group_complementarity_scaled:
        comp[g] += c
    assert comp.tolist() == (np.subtract(after.group_complementarity_scaled,
                                         before.group_complementarity_scaled)).tolist()
    hard = 0
    for rb, ra in zip(before.rules, after.rules, strict=True):
        r = change.rule(rb.rule)
        assert r.violation == ra.violation - rb.violation, rb.id
        assert r.penalty_scaled == ra.penalty_scaled - rb.penalty_scaled, rb.id
        per_group = np.zeros(m, dtype=I64)
        for g, v in r.per_group:
            per_group[g] += v
        assert per_group.tolist() == np.subtract(ra.per_group, rb.per_group).tolist(), rb.id
        hard += r.violation if rb.hard else 0
    assert change.hard_violation == hard


def check_move(p: Problem, a: list[int], i: int, g: int) -> Change:
    """Price moving i to g, check it against the evaluator and return it."""
    change = WhatIf(p, a).move(i, g)
    after = list(a)
    after[i] = g
    assert_exact(change, evaluate(p, a), evaluate(p, after))
    return change


def ones(n: int) -> np.ndarray:
    return np.ones(n, dtype=I64)


# ----------------------------------------------------------------------------------------------
# hand-checked, one primitive at a time
# ----------------------------------------------------------------------------------------------


def test_dense_scores_move_and_swap() -> None:
    score = [[0, 5, 1, 0], [5, 0, 2, 0], [1, 2, 0, 3], [0, 0, 3, 0]]
    p = problem(4, 2, [], score)
    c = check_move(p, [0, 0, 1, 1], 0, 1)  # a leaves b (-5), joins c and d (+1)
    assert (c.complementarity_scaled, c.group_complementarity_scaled) == (-4, ((0, -5), (1, 1)))
    w = WhatIf(p, [0, 0, 1, 1])
    s = w.swap(1, 2)  # {a,c} 1 + {b,d} 0 instead of {a,b} 5 + {c,d} 3
    assert s.objective_scaled == -7
    assert_exact(s, evaluate(p, [0, 0, 1, 1]), evaluate(p, [0, 1, 0, 1]))
    assert w.assignment.tolist() == [0, 0, 1, 1]  # pricing changes nothing


def test_factor_scores_with_explicit_pairs() -> None:
    # score(i, j) = 2 + x_i . y_j with x = y = one-hot categories (same category: +1), and an
    # explicit 10 for (a, c).
    x = SparseRows.from_dense([[1, 0], [1, 0], [0, 1]])
    f = LowRankScore(2, x, x, np.array([[0, 2]], dtype=I64), np.array([10], dtype=I64))
    p = problem(3, 2, [], factors=f)
    c = check_move(p, [0, 0, 1], 2, 0)  # c joins a (2 + 10) and b (2)
    assert c.complementarity_scaled == 14
    c = check_move(p, [0, 0, 1], 0, 1)  # a leaves b (2 + 1), joins c (2 + 10)
    assert c.complementarity_scaled == 9


def test_stay_counts_moves_beyond_the_most() -> None:
    p = stay_problem(1, True)
    w = WhatIf(p, [0, 0, 1, 1])
    c = check_move(p, [0, 0, 1, 1], 1, 1)  # one move: within the most (sizes break)
    assert c.rule(1).violation == 0 and c.hard_violation == 2
    s = w.swap(1, 2)  # two moves: one too many, counted in no group
    assert s.hard_violation == 1 and s.rule(1).per_group == ()
    assert_exact(s, evaluate(p, [0, 0, 1, 1]), evaluate(p, [0, 1, 0, 1]))


def test_group_sum_violation_falls_in_each_group() -> None:
    size = GroupSum(0, ones(3), np.array([1, 1]), np.array([2, 2]), hard=True)
    c = check_move(problem(3, 2, [size]), [0, 0, 1], 2, 0)  # G1 gets 3 (> 2), G2 gets 0 (< 1)
    assert c.rule(0).per_group == ((0, 1), (1, 1))
    assert c.hard_violation == 2
    soft = GroupSum(0, np.array([3, 0, 1], dtype=I64), np.array([0, 0]), np.array([2, 2]),
                    hard=False, penalty=7)
    c = check_move(problem(3, 2, [soft]), [0, 0, 1], 0, 1)  # G2: 1 + 3 = 4, two over
    assert (c.rule(0).violation, c.penalty_scaled, c.hard_violation) == (-1 + 2, 7, 0)


def test_pair_links_together_and_apart() -> None:
    together = PairLink(0, np.array([[0, 1]], dtype=I64), together=True, hard=True)
    apart = PairLink(1, np.array([[2, 0]], dtype=I64), together=False, hard=False, penalty=4)
    leave = LeaveOut(2, ones(3), np.zeros(3, dtype=I64), 0, hard=True)
    p = problem(3, 2, [together, apart, leave])
    c = check_move(p, [0, 0, 1], 0, 1)  # breaks a-b (counted in a's new group), meets c
    assert (c.rule(0).per_group, c.rule(1).per_group, c.penalty_scaled) == (((1, 1),), ((1, 1),), 4)
    c = check_move(p, [0, 0, 1], 0, -1)  # a left out: a-b broken, counted in b's group
    assert c.rule(0).per_group == ((0, 1),)


def test_allowed() -> None:
    allowed = Allowed(0, np.array([[True, False], [True, True]]), hard=False, penalty=3)
    c = check_move(problem(2, 2, [allowed]), [0, 1], 0, 1)
    assert (c.rule(0).per_group, c.penalty_scaled) == (((1, 1),), 3)


def test_not_exactly_one() -> None:
    lone = NotExactlyOne(0, np.array([1, 1, 0], dtype=I64), hard=True)
    c = check_move(problem(3, 2, [lone]), [0, 0, 1], 0, 1)  # both G1 and G2 get a lone one
    assert c.rule(0).per_group == ((0, 1), (1, 1))


def test_coverage() -> None:
    # a needs t0; b offers t0; c offers and needs t1 (its own offer does not count).
    needs = np.array([[1, 0], [0, 0], [0, 1]], dtype=I64)
    offers = np.array([[0, 0], [1, 0], [0, 1]], dtype=I64)
    cover = Coverage(0, needs, offers, hard=False, penalty=1000)
    p = problem(3, 2, [cover])
    c = check_move(p, [0, 0, 1], 1, 1)  # a loses b's t0; c still alone with t1
    assert (c.rule(0).per_group, c.penalty_scaled) == (((0, 1),), 1000)
    c = check_move(p, [0, 1, 1], 2, 0)  # c leaves G2: a still unmet in G1, c's t1 unmet in G1
    assert c.rule(0).per_group == ((0, 1), (1, -1))


def test_leave_out_cost_and_minimum() -> None:
    leave = LeaveOut(0, np.array([1, 1, 0], dtype=I64), np.array([500, 700, 0], dtype=I64), 2,
                     hard=False, penalty=100)
    p = problem(3, 1, [leave])
    c = check_move(p, [0, 0, 0], 1, -1)  # b out: costs 700, and one short of the minimum 2
    assert (c.rule(0).violation, c.rule(0).per_group, c.penalty_scaled) == (1, (), 800)
    with pytest.raises(ValueError, match="c may not be left out"):
        WhatIf(p, [0, 0, 0]).move(2, -1)


def test_max_deviation_moves_between_groups() -> None:
    dev = MaxDeviation(0, np.array([4, 1, 1], dtype=I64), 2, hard=False, penalty=10)
    p = problem(3, 2, [dev])
    # sums 5, 1: largest deviation 3 in G1. Moving b: sums 4, 2: 2 in G1.
    c = check_move(p, [0, 0, 1], 1, 1)
    assert (c.rule(0).per_group, c.penalty_scaled) == (((0, -1),), -10)
    # Moving a: sums 1, 5: 3 in G2 (ties go to the first group, as in the evaluator).
    c = check_move(p, [0, 0, 1], 0, 1)
    assert c.rule(0).per_group == ((0, -3), (1, 3))


def test_proximity() -> None:
    points = np.array([[0, 0, 0], [1, 0, 0], [100, 0, 0]], dtype=I64)
    near = Proximity(0, points, 4, np.zeros(3, dtype=I64), hard=True)
    c = check_move(problem(3, 2, [near]), [0, 0, 1], 2, 0)  # c is far from a and b
    assert c.rule(0).per_group == ((0, 2),)


def test_apply_keeps_the_figures_and_refuses_nothing_stale() -> None:
    size = GroupSum(0, ones(4), np.array([1, 1]), np.array([3, 3]), hard=True)
    p = problem(4, 2, [size], [[0, 5, 1, 0], [5, 0, 2, 0], [1, 2, 0, 3], [0, 0, 3, 0]])
    w = WhatIf(p, [0, 0, 1, 1])
    first, second = w.move(0, 1), w.move(3, 0)
    w.apply(first)
    made = w.apply(second)  # priced before the first was made: priced again
    assert w.assignment.tolist() == [1, 0, 1, 0]
    assert w.evaluation() == evaluate(p, [1, 0, 1, 0])
    assert_exact(made, evaluate(p, [1, 0, 1, 1]), evaluate(p, [1, 0, 1, 0]))


def test_bad_moves_are_refused() -> None:
    w = WhatIf(problem(2, 2, []), [0, 1])
    with pytest.raises(ValueError, match="no group 2"):
        w.move(0, 2)
    with pytest.raises(ValueError, match="no organisation 5"):
        w.swap(5, 0)


def test_to_dict_speaks_user_units() -> None:
    p = problem(3, 2, [PairLink(0, np.array([[0, 1]], dtype=I64), True, False, 1500)],
                [[0, 2000, 0], [2000, 0, 0], [0, 0, 0]])
    d = WhatIf(p, [0, 0, 1]).move(0, 1).to_dict(p)
    assert d["moves"] == [{"organisation": "a", "from": "G1", "to": "G2"}]
    assert (d["complementarity"], d["penalty"], d["objective"]) == (-2.0, 1.5, -3.5)
    assert d["rules"] == [{"id": "rule 0", "label": "rule 0", "hard": False, "violation": 1,
                           "penalty": 1.5, "violation_per_group": {"G2": 1}}]
    assert SCALE == 1000


# ----------------------------------------------------------------------------------------------
# property: random problems with every primitive
# ----------------------------------------------------------------------------------------------


@st.composite
def random_problems(draw: st.DrawFn) -> tuple[Problem, list[int]]:
    """2-8 organisations, 1-4 groups, dense or factored scores, every primitive at least once
    (hard or soft), and an assignment (organisations of a LeaveOut sometimes left out)."""
    n, m = draw(st.integers(2, 8)), draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    ints = rng.integers

    def hard() -> bool:
        return bool(ints(0, 2))

    def pen() -> int:
        return int(ints(1, 2000))

    prims: list[Primitive] = []
    for _ in range(draw(st.integers(1, 2))):
        lo = ints(-2, 4, m)
        prims.append(GroupSum(0, ints(-3, 6, n), lo, lo + ints(0, 6, m), hard(), pen()))
        k = int(ints(0, 5))
        prims.append(PairLink(0, ints(0, n, (k, 2)), bool(ints(0, 2)), hard(), pen()))
        prims.append(Allowed(0, ints(0, 4, (n, m)) > 0, hard(), pen()))
        prims.append(NotExactlyOne(0, ints(0, 2, n), hard(), pen()))
        tags = int(ints(1, 4))
        prims.append(Coverage(0, ints(0, 2, (n, tags)), ints(0, 2, (n, tags)), hard(), pen()))
        prims.append(LeaveOut(0, ints(0, 2, n), ints(0, 3000, n), int(ints(0, n + 1)), hard(),
                              pen()))
        prims.append(MaxDeviation(0, ints(-2, 9, n), int(ints(-3, 10)), False, pen()))
        prims.append(Proximity(0, ints(0, 6, (n, 3)), int(ints(0, 40)), ints(0, 2, n), hard(),
                               pen()))
    # Rules of several primitives, and primitives of both kinds in one rule, happen too.
    rules = int(ints(1, len(prims) + 1))
    prims = [type(q)(**{**q.__dict__, "rule": int(ints(0, rules))}) for q in prims]
    infos = tuple(RuleInfo(f"rule {k}", "x", f"rule {k}", hard()) for k in range(rules))
    ids = tuple(f"o{i}" for i in range(n))
    groups = tuple(f"G{g}" for g in range(m))
    if draw(st.booleans()):
        s = ints(-5, 10, (n, n))
        s = np.triu(s, 1) + np.triu(s, 1).T
        p = Problem(ids, ids, groups, s, infos, tuple(prims))
    else:
        r = int(ints(1, 4))
        x = ints(-2, 3, (n, r))
        sym = ints(-2, 3, (r, r))
        y = x @ (sym + sym.T)  # x y^T = x (S + S^T) x^T is symmetric
        k = int(ints(0, 4))
        a, b = ints(0, n, k), ints(0, n, k)
        keep = a != b
        pairs = np.sort(np.stack([a[keep], b[keep]], axis=1), axis=1)
        f = LowRankScore(int(ints(-3, 4)), SparseRows.from_dense(x), SparseRows.from_dense(y),
                         pairs.astype(I64), ints(-5, 10, len(pairs)))
        p = Problem(ids, ids, groups, np.zeros((0, 0), dtype=I64), infos, tuple(prims), factors=f)
    p = replace(p, per_member=draw(st.booleans()))  # the size-fair objective half the time
    optional = p.optional
    return p, [int(ints(-1 if optional[i] else 0, m)) for i in range(n)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_problems(), st.lists(st.tuples(st.sampled_from(["move", "swap", "apply"]),
                                             st.integers(0, 7), st.integers(-1, 7)),
                                   min_size=1, max_size=12))
def test_every_change_is_after_minus_before(
    case: tuple[Problem, list[int]], steps: list[tuple[str, int, int]]
) -> None:
    p, a = case
    n, m = p.n, p.m
    w = WhatIf(p, a)
    current = np.array(a)
    for kind, i, x in steps:
        i = i % n
        after = current.copy()
        if kind == "swap":
            j = x % n
            after[i], after[j] = current[j], current[i]
        else:
            g = x % (m + 1) - 1  # -1..m-1
            after[i] = g if g >= 0 or p.optional[i] else 0
        if (after < 0).any() and not p.optional[after < 0].all():
            continue  # a swap would leave out one that may not be
        change = w.swap(i, j) if kind == "swap" else w.move(i, int(after[i]))
        assert_exact(change, evaluate(p, current), evaluate(p, after))
        if kind == "apply":
            w.apply(change)
            current = after
            assert w.assignment.tolist() == current.tolist()
            assert w.evaluation() == evaluate(p, current)
    assert w.assignment.tolist() == current.tolist()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_problems())
def test_pair_scores_and_earnings_agree_with_the_pricing(case: tuple[Problem, list[int]]) -> None:
    p, a = case
    w = WhatIf(p, a)
    dense = p.score if p.factors is None else p.factors.dense()
    for i in range(p.n):
        assert w.pair_scores(i).tolist() == dense[i].tolist()
        assert w.earnings(i).tolist() == [w.earns(i, g) for g in range(p.m)]
    for g in range(p.m):
        assert w.earnings_with(g).tolist() == [w.earns(i, g) for i in range(p.n)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_problems(), st.integers(0, 7), st.lists(st.integers(0, 7), max_size=8))
def test_swaps_and_into_price_as_each_move_and_swap(case: tuple[Problem, list[int]], i: int,
                                         partners: list[int]) -> None:
    p, a = case
    i, js = i % p.n, [j % p.n for j in partners]
    # Only swaps that leave out nobody who may not be left out.
    js = [j for j in js if (a[j] >= 0 or p.optional[i]) and (a[i] >= 0 or p.optional[j])]
    w = WhatIf(p, a)
    assert w.swaps(i, js) == [w.swap(i, j) for j in js]
    for g in {a[j] for j in js if a[j] >= 0}:
        move, _ = w.into(i, g, [j for j in js if a[j] == g])
        assert move == w.move(i, g)
    assert w.assignment.tolist() == a and w.evaluation() == evaluate(p, a)


def test_per_member_prices_each_group_over_its_size() -> None:
    # a-b 10, c-d-e a triangle of 4s: in G1 {a, b} and G2 {c, d, e} the figures are 10 / 2 and
    # 12 / 3. Moving e to G1 leaves G2 with 4 / 2 and gives G1 (10 + 0 + 0) / 3 = 3.333.
    s = np.zeros((5, 5), dtype=I64)
    s[0, 1] = 10_000
    s[2, 3] = s[2, 4] = s[3, 4] = 4_000
    p = replace(problem(5, 2, [], s + s.T), per_member=True)
    a = [0, 0, 1, 1, 1]
    assert evaluate(p, a).group_complementarity_scaled == (5000, 4000)
    change = check_move(p, a, 4, 0)
    assert change.group_complementarity_scaled == ((0, 3333 - 5000), (1, 2000 - 4000))
    assert change.group_pairs_scaled == ((1, -8000),)
    w = WhatIf(p, a)
    w.apply(change)
    assert w.evaluation() == evaluate(p, [0, 0, 1, 1, 0])
    assert w.group_pairs().tolist() == [10_000, 4000]
    # A swap keeps the sizes: G1 {c, b, e} keeps c-e (4 / 3), G2 {a, d} nothing.
    assert w.swap(0, 2).group_complementarity_scaled == ((0, 1333 - 3333), (1, 0 - 2000))


def test_copies_of_an_organisation_in_several_groups() -> None:
    p = copies_problem([[0, 2, 1], [2, 0, 3], [1, 3, 0]], 2, [1, 2, 1])  # b may join both
    c = check_move(p, [0, 0, -1, 1], 2, 0)  # b's further copy into b's own group
    assert c.rule(len(p.rules) - 1).violation == 1 and c.hard_violation == 1
    c = check_move(p, [0, 0, -1, 1], 2, 1)  # ... into the other group: joins c there
    assert (c.objective_scaled, c.hard_violation) == (3, 0)
    c = check_move(p, [0, 0, 1, 1], 2, -1)  # and leaving it again costs nothing but the score
    assert (c.objective_scaled, c.penalty_scaled) == (-3, 0)
