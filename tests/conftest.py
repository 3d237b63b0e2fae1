"""Fixtures shared by the tests (builders live in helpers.py)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

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


#: The reproducible mode's calibration for the tests: a fixed machine (no measuring, the same
#: budgets on every run), rated well below any real one's speed on small problems so that the
#: work budget, not the time limit, ends every one-worker search early.
TEST_RATES = {"plain": 5e6, "ruled": 5e6, "startup": 0.0, "fixed": True}


@pytest.fixture(scope="session", autouse=True)
def test_calibration(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """PILOTOPT_CALIBRATION names a file of :data:`TEST_RATES` (for subprocesses too)."""
    file = tmp_path_factory.mktemp("calibration") / "calibration.json"
    file.write_text(json.dumps(TEST_RATES), encoding="utf-8")
    old = os.environ.get("PILOTOPT_CALIBRATION")
    os.environ["PILOTOPT_CALIBRATION"] = str(file)
    yield file
    if old is None:
        os.environ.pop("PILOTOPT_CALIBRATION", None)
    else:
        os.environ["PILOTOPT_CALIBRATION"] = old


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
