"""Baselines: the plain CP-SAT model against brute force (sort-and-deal: tests/test_baseline.py)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from helpers import brute_force, make_problem
from pilotopt.batch.baselines import PlainModel, solve_plain
from pilotopt.problem import (
    SCALE,
    Allowed,
    Coverage,
    GroupSum,
    LeaveOut,
    NotExactlyOne,
    PairLink,
    Primitive,
    Problem,
    RuleInfo,
)


def _rule(k: int, kind: str, hard: bool) -> RuleInfo:
    return RuleInfo(f"rule {k}", kind, kind, hard)


def _tiny(hard: bool, lonely: tuple[int, int] = (2, 4), seed: int = 7) -> Problem:
    """Six organisations, two groups, one rule of every primitive kind, all hard or all soft.

    ``lonely`` are the two organisations that no_isolation speaks of: hard, (2, 4) is feasible
    and (2, 3) is not (2 and 3 must be apart). ``seed`` draws the pair scores.
    """
    n, m = 6, 2
    rng = np.random.default_rng(seed)
    s = np.triu(rng.integers(-3, 9, size=(n, n)), 1)
    pen = 0 if hard else 4
    extra: list[tuple[RuleInfo, Primitive]] = [
        (_rule(1, "quota", hard), GroupSum(1, np.array([1, 1, 0, 0, 1, 0]), np.full(m, 1),
                                           np.full(m, 2), hard, pen)),
        (_rule(2, "apart", hard), PairLink(2, np.array([[0, 1], [3, 2]]), False, hard, pen)),
        (_rule(3, "together", hard), PairLink(3, np.array([[0, 5]]), True, hard, pen)),
        (_rule(4, "pin", hard), Allowed(4, np.array([[1, 1]] * 4 + [[0, 1], [1, 1]], dtype=bool),
                                        hard, pen)),
        (_rule(5, "no_isolation", hard), NotExactlyOne(5, np.isin(np.arange(n), lonely)
                                                      .astype(np.int64), hard, pen)),
        (_rule(6, "coverage", hard), Coverage(6, np.array([[1], [0], [0], [0], [0], [0]]),
                                              np.array([[0], [0], [1], [0], [1], [0]]), hard,
                                              pen)),
    ]
    return make_problem(s + s.T, m, size=(2, 4), extra=extra)


@pytest.mark.parametrize(("hard", "seed"), [(True, 7), (False, 7), (False, 8), (False, 9)])
def test_plain_model_finds_the_brute_force_optimum(hard: bool, seed: int) -> None:
    problem = _tiny(hard, seed=seed)
    best = brute_force(problem)
    assert best is not None
    out = solve_plain(problem, time_limit=10, seed=0, workers=1, started=time.perf_counter())
    assert out.status == "optimal"
    assert out.evaluation is not None and out.evaluation.feasible
    assert out.objective == pytest.approx(best / SCALE)
    assert out.cpsat_objective == pytest.approx(best / SCALE)


def test_plain_model_reports_infeasible() -> None:
    problem = _tiny(True, lonely=(2, 3))
    assert brute_force(problem) is None
    out = solve_plain(problem, time_limit=10, seed=0, workers=1, started=time.perf_counter())
    assert out.status == "infeasible"
    assert out.objective is None and out.assignment is None


def test_plain_model_out_of_time_is_no_solution() -> None:
    out = solve_plain(_tiny(False), time_limit=0.0, seed=0, workers=1,
                      started=time.perf_counter() - 1)
    assert out.status == "model not built in time"
    assert out.objective is None


def test_plain_model_refuses_a_rule_it_has_no_form_of() -> None:
    problem = make_problem(np.zeros((4, 4), dtype=np.int64), 2, size=(1, 4), extra=[(
        _rule(1, "optional", False),
        LeaveOut(1, np.ones(4, dtype=np.int64), np.zeros(4, dtype=np.int64), 2, False, 1))])
    with pytest.raises(ValueError, match="no form of the optional rule"):
        PlainModel(problem)
