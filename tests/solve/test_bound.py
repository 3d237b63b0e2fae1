"""The gap between an objective and a bound reads as a share, whatever their signs."""


from dataclasses import replace

import numpy as np
import pytest

from helpers import brute_force, make_problem, random_problem, unequal_groups
from pilotopt.problem import Allowed, PairLink, Proximity, RuleInfo
from pilotopt.solve.bound import apart, gap, pair_bound

STAR = [[0, 9, 9, 9], [9, 0, 1, 1], [9, 1, 0, 1], [9, 1, 1, 0]]  # a is everyone's best partner


@pytest.mark.parametrize(("objective", "bound", "expected"), [
    (90.0, 100.0, 0.1),
    (100.0, 100.0, 0.0),
    (-35.0, 0.0, 1.0),  # was 3.5e12 (divided by the bound, 0)
    (-10.0, -5.0, 0.5),
    (0.0, 0.0, 0.0),
    (101.0, 100.0, 0.0),  # an objective above a bound never gives a negative gap
])
def test_gap(objective: float, bound: float, expected: float) -> None:
    assert gap(objective, bound) == pytest.approx(expected)


def test_pair_bound_is_each_members_best_partners(four_square) -> None:
    # Groups of 2: each member's best partner is worth 9; the four pairs count twice: 18.
    assert pair_bound(four_square) == 18
    negative = make_problem(-np.ones((4, 4), dtype=np.int64) + np.eye(4, dtype=np.int64), 2)
    assert pair_bound(negative) == 0  # negative scores are never counted


def test_pair_bound_is_above_every_assignment() -> None:
    rng = np.random.default_rng(5)
    for _ in range(20):
        s = rng.integers(-5, 10, size=(6, 6))
        s = np.triu(s, 1) + np.triu(s, 1).T
        p = make_problem(s, 2, size=(2, 4))
        best = brute_force(p)
        assert best is not None and best <= pair_bound(p)


def test_per_member_bound_is_above_every_assignment() -> None:
    # tests/helpers.py: per member the best is 7.666. Each member's best share over sizes 2
    # (its best score over 4) and 3 (its two best over 6): a 8 / 6, b and c 10 / 4, d and e
    # 5 / 6; 8 in all (give or take the rounding up).
    assert brute_force(unequal_groups(per_member=True)) == 7666
    assert 8000 <= pair_bound(unequal_groups(per_member=True)) <= 8001
    rng = np.random.default_rng(6)
    for _ in range(20):
        s = rng.integers(-5, 10, size=(6, 6)) * 1000
        s = np.triu(s, 1) + np.triu(s, 1).T
        p = replace(make_problem(s, 2, size=(1, 5)), per_member=True)
        best = brute_force(p)
        assert best is not None and best <= pair_bound(p)


def _rule(name: str) -> RuleInfo:
    return RuleInfo(name, name, name, True)


def test_apart_are_the_pairs_hard_rules_never_let_meet() -> None:
    points = np.array([[0, 0, 0], [1000, 0, 0], [5000, 0, 0], [0, 900, 0]], dtype=np.int64)
    allowed = np.array([[1, 0], [1, 1], [1, 1], [0, 1]], dtype=bool)
    p = make_problem(STAR, 2, extra=[
        (_rule("competitors"), PairLink(1, np.array([[1, 2]]), together=False, hard=True)),
        (_rule("km"), Proximity(2, points, 2000 ** 2, np.zeros(4, np.int64), hard=True)),
        (_rule("where"), Allowed(3, allowed, hard=True)),
        (RuleInfo("soft", "x", "x", False), PairLink(4, np.array([[0, 1]]), False, False, 5)),
    ])
    far = {(0, 2), (1, 2), (2, 3)}  # c is 4-5 km from the others
    expected = {(1, 2)} | far | {(0, 3)}  # b-c competitors; a and d share no allowed group
    got = apart(p)
    assert (got == got.T).all()
    assert {(int(i), int(j)) for i, j in zip(*np.nonzero(np.triu(got)), strict=True)} == expected


def test_pair_bound_leaves_out_pairs_that_never_meet() -> None:
    free = make_problem(STAR, 2, size=(2, 2))
    assert pair_bound(free) == 18  # a: 9, b, c, d: 9 each (a), halved
    kept = make_problem(STAR, 2, size=(2, 2), extra=[
        (_rule("apart"), PairLink(1, np.array([[0, 1], [0, 2]]), together=False, hard=True))])
    assert pair_bound(kept) == (9 + 1 + 1 + 9) // 2  # a-b and a-c never meet


def test_pair_bound_counts_the_pairs_the_groups_hold() -> None:
    # Four alike organisations in two groups of 1 to 3: each has 2 partners at best (pair bound
    # 4 x 2 / 2 = 4), but the groups hold 3 pairs at most (3 + 1): the bound is 3, the optimum.
    p = make_problem(np.ones((4, 4), dtype=np.int64) - np.eye(4, dtype=np.int64), 2, size=(1, 3))
    assert brute_force(p) == 3
    assert pair_bound(p) == 3


def test_pair_bound_is_above_every_assignment_with_rules_and_unequal_sizes() -> None:
    for seed in range(16):
        p = random_problem(seed, 7, 3, rules=seed % 2 == 1)
        best = brute_force(p)
        if best is not None:
            assert best <= pair_bound(p)
    rng = np.random.default_rng(7)
    for _ in range(20):
        s = rng.integers(-3, 10, size=(7, 7))
        p = make_problem(np.triu(s, 1) + np.triu(s, 1).T, 3, size=(1, 4))
        assert brute_force(p) <= pair_bound(p)  # type: ignore[operator]
