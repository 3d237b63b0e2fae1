"""Crossover and pool helpers of the population search: size bounds kept, everyone placed, the
parents' shared groups inherited, copies recognised."""

from __future__ import annotations

import numpy as np

from helpers import random_problem
from pilotopt.solve.search.encode import dense
from pilotopt.solve.search.memetic import align, crossover, same_groups


def parent(lo: np.ndarray, hi: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """A random assignment with sizes within lo..hi (lower bounds first, then random room)."""
    slots = [g for g in range(len(lo)) for _ in range(lo[g])]
    extra = [g for g in range(len(lo)) for _ in range(hi[g] - lo[g])]
    rng.shuffle(extra)
    a = np.array(slots + extra[: n - len(slots)], dtype=np.int64)
    rng.shuffle(a)
    return a


def test_crossover_keeps_each_groups_bounds_and_places_everyone() -> None:
    """Groups with bounds of their own (as MDGPLIB's 'ds' instances), parents of any sizes."""
    for seed in range(40):
        rng = np.random.default_rng(seed)
        n, m = int(rng.integers(6, 30)), int(rng.integers(2, 6))
        P = dense(random_problem(seed, n, m, rules=False)).P
        a, b = parent(P.lo, P.hi, n, rng), parent(P.lo, P.hi, n, rng)
        child = crossover(P.Dp, P.lo, P.hi, a, b, seed % 2)
        size = np.bincount(child, minlength=m)
        assert child.min() >= 0 and np.all(size >= P.lo) and np.all(size <= P.hi), seed


def test_crossover_takes_the_densest_groups_by_hand() -> None:
    """Six organisations, two groups of three. a = {0,1,2}{3,4,5}, b = {0,1,3}{2,4,5}. Pairs
    0-1 and 4-5 score 10, 2-3 scores 8, others 0. From a first: a's densest group is {0,1,2}
    (10 over 3 pairs) against {3,4,5} (10 too, tie: the first name); then b's free group
    {2,4,5} less 2 (placed) gives {4,5}; 3 is left and joins the group with room."""
    D = np.zeros((6, 6), dtype=np.int64)
    for i, j, v in ((0, 1, 10), (4, 5, 10), (2, 3, 8)):
        D[i, j] = D[j, i] = v
    lo, hi = np.array([3, 3]), np.array([3, 3])
    a = np.array([0, 0, 0, 1, 1, 1])
    b = np.array([0, 0, 1, 0, 1, 1])
    assert crossover(D, lo, hi, a, b, 0).tolist() == [0, 0, 0, 1, 1, 1]
    # From b first: {0,1,3} scores 10 over 3 pairs, {2,4,5} too (first name wins: {0,1,3});
    # then a's free group {3,4,5} less 3 is {4,5}; 2 joins it.
    assert crossover(D, lo, hi, a, b, 1).tolist() == [0, 0, 1, 0, 1, 1]


def test_crossover_trims_a_group_the_bounds_cannot_afford() -> None:
    """Seven in three groups of 2 to 3, all pairs 1 but with 6 (0). a = {0,1,2}{3,4}{5,6};
    b = {0,1}{3,4,5}{2,6}, renamed after a: {0,1} -> 0, {3,4,5} -> 1, {2,6} -> 2. a gives
    {0,1,2}; b's {3,4,5} would leave one for the last group's two: trimmed to {3,4} (equal
    scores: the first members stay); a's {5,6} is the last group."""
    n = 7
    D = np.ones((n, n), dtype=np.int64) - np.eye(n, dtype=np.int64)
    D[6, :] = D[:, 6] = 0
    lo, hi = np.array([2, 2, 2]), np.array([3, 3, 3])
    a = np.array([0, 0, 0, 1, 1, 2, 2])
    b = np.array([1, 1, 2, 0, 0, 0, 2])
    assert crossover(D, lo, hi, a, b, 0).tolist() == [0, 0, 0, 1, 1, 2, 2]


def test_align_renames_by_overlap_and_same_groups_ignores_names() -> None:
    a = np.array([0, 0, 1, 1, 2, 2])
    b = np.array([2, 2, 0, 1, 1, 0])
    assert align(a, b, 3).tolist() == [0, 0, 1, 2, 2, 1]  # b's 2 -> 0, then 0 -> 1, 1 -> 2
    assert same_groups(a, np.array([1, 1, 2, 2, 0, 0]))
    assert not same_groups(a, b)
