"""Fixtures shared by the tests (builders live in helpers.py)."""

from __future__ import annotations

import pytest

from helpers import make_problem
from pilotopt.problem import Problem
from pilotopt.solve.search import sampled as large
from pilotopt.solve.search import tabu as kernel


@pytest.fixture(scope="session", autouse=True)
def compiled_searches() -> None:
    """Compile (or load from numba's cache) both searches before any test: a solve's clock
    must not pay for compiling, whether the cache is warm or cold."""
    kernel.warm_up()
    large.warm_up()


@pytest.fixture
def four_square() -> Problem:
    """a-b and c-d attract strongly; two groups of two: the optimum is {a,b},{c,d} = 18."""
    return make_problem(
        [[0, 9, 1, 0], [9, 0, 0, 1], [1, 0, 0, 9], [0, 1, 9, 0]], 2, size=(2, 2)
    )


@pytest.fixture(scope="session")
def loaded_kernel() -> None:
    """Wait for the process's kernel loader (pilotopt.solve.loader): tests that solve many times
    under one limit must not spend the first solve's share waiting for it."""
    from pilotopt.solve.loader import kernel as loader

    loader().ready.wait()
