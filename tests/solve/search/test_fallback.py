"""The numpy search before the kernel is ready: the sizes DP agrees with the compiled one, starts
keep the size bounds, and the swap search keeps them, never loses its best and reaches the
optimum of tiny problems."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import brute_force, make_problem, unequal_groups
from pilotopt.evaluate import evaluate
from pilotopt.solve.search import fallback
from pilotopt.solve.search.construct import best_sizes


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30), st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)),
                                    min_size=1, max_size=6))
def test_sizes_match_the_compiled_dp(n: int, bounds: list[tuple[int, int]]) -> None:
    lo = np.array([min(a, b) for a, b in bounds], dtype=np.int64)
    hi = np.array([max(a, b) for a, b in bounds], dtype=np.int64)
    ours, theirs = fallback.sizes(n, lo, hi), best_sizes.py_func(n, lo, hi)
    if len(theirs) == 0:
        assert ours is None
        return
    assert ours is not None and ours.sum() == n and np.all((lo <= ours) & (ours <= hi))
    pairs = int((ours * (ours - 1) // 2).sum())
    assert pairs == int((theirs * (theirs - 1) // 2).sum())


def test_sizes_pushes_groups_apart_to_maximise_pairs() -> None:
    # 10 in 3 groups of 2..5: 5 + 3 + 2 gives 10 + 3 + 1 pairs, more than 4 + 3 + 3 (6 + 3 + 3).
    sizes = fallback.sizes(10, np.full(3, 2), np.full(3, 5))
    assert sizes is not None and sorted(sizes.tolist()) == [2, 3, 5]
    assert fallback.sizes(10, np.full(3, 4), np.full(3, 5)) is None


def _after(k: int):  # type: ignore[no-untyped-def]
    """A stop test that is true from the (k + 1)-th call on."""
    steps = iter(range(k))
    return lambda: next(steps, None) is None


def _problem(seed: int, n: int, m: int, size: tuple[int, int]):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    s = rng.integers(-3, 10, size=(n, n))
    return make_problem(np.triu(s, 1) + np.triu(s, 1).T, m, size=size)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_search_keeps_the_sizes_and_its_best_is_what_the_evaluator_says(seed: int) -> None:
    problem = _problem(seed, 12, 3, (3, 5))
    first = fallback.start(problem, seed)
    assert first is not None and evaluate(problem, first).feasible
    best, iterations = fallback.improve(problem, first, seed, _after(40))
    assert iterations == 40
    ev = evaluate(problem, best)
    assert ev.feasible
    assert ev.objective_scaled >= evaluate(problem, first).objective_scaled
    assert sorted(np.bincount(best, minlength=3)) == sorted(np.bincount(first, minlength=3))


def test_search_finds_the_optimum_of_a_tiny_problem() -> None:
    for seed in range(5):
        problem = _problem(seed, 8, 2, (4, 4))
        start = fallback.start(problem, seed)
        assert start is not None
        best, _ = fallback.improve(problem, start, seed, _after(200))
        assert evaluate(problem, best).objective_scaled == brute_force(problem)


def test_search_weighs_each_group_over_its_size_per_member() -> None:
    # tests/helpers.py: sizes 3 + 2, per member {b, c} + {a, d, e} is best (7.666).
    problem = unequal_groups(per_member=True)
    for seed in range(3):
        start = fallback.start(problem, seed)
        assert start is not None
        best, _ = fallback.improve(problem, start, seed, _after(50))
        assert evaluate(problem, best).objective_scaled == brute_force(problem) == 7666


def test_no_sizes_no_start() -> None:
    assert fallback.start(_problem(0, 5, 2, (3, 3)), 0) is None
