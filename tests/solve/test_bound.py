"""The gap between an objective and a bound reads as a share, whatever their signs."""


from dataclasses import replace

import numpy as np
import pytest

from helpers import brute_force, make_problem, unequal_groups
from pilotopt.solve.bound import gap, pair_bound


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
