"""The pure helpers of benchmarks/constrained.py, and its plain CP-SAT model on tiny problems."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import make_problem
from pilotopt.evaluate import evaluate
from pilotopt.problem import (
    SCALE,
    Allowed,
    Coverage,
    GroupSum,
    NotExactlyOne,
    PairLink,
    Problem,
    RuleInfo,
)

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "constrained.py"
_spec = importlib.util.spec_from_file_location("constrained", _PATH)
assert _spec is not None and _spec.loader is not None
constrained = importlib.util.module_from_spec(_spec)
sys.modules["constrained"] = constrained
_spec.loader.exec_module(constrained)


def row(instance: str, seed: int, ours: str, ok: str, theirs: str, their_ok: str,
        n: int = 120) -> dict[str, object]:
    r = constrained.ratio(float(ours) if ours else None, float(theirs) if theirs else None)
    return {"instance": instance, "scenario": "scenario", "n": n, "groups": 13,
            "time_limit": "30", "seed": seed, "pilotopt_objective": ours,
            "pilotopt_hard_ok": ok, "baseline_objective": theirs, "baseline_hard_ok": their_ok,
            "ratio": "" if r is None else f"{r:.4f}"}


def test_ratio_needs_both_and_a_positive_baseline() -> None:
    assert constrained.ratio(110.0, 100.0) == pytest.approx(1.1)
    assert constrained.ratio(110.0, None) is None
    assert constrained.ratio(None, 100.0) is None
    assert constrained.ratio(5.0, 0.0) is None
    assert constrained.ratio(5.0, -2.0) is None


def test_beats_takes_the_margin_of_the_baseline_size() -> None:
    assert constrained.beats(105.0, 100.0)
    assert not constrained.beats(104.9, 100.0)
    assert constrained.beats(-95.0, -100.0)  # 5 above a negative baseline
    assert not constrained.beats(-96.0, -100.0)
    assert constrained.beats(1.0, None)  # the baseline found nothing
    assert not constrained.beats(None, None)


def test_hard_ok_words() -> None:
    assert constrained.hard_ok(True, True) == "yes"
    assert constrained.hard_ok(True, False) == "no"
    assert constrained.hard_ok(False, False) == "none"


def test_limits_by_size() -> None:
    assert constrained.limit_for(40) == 10
    assert constrained.limit_for(99) == 10
    assert constrained.limit_for(100) == 30
    assert constrained.limit_for(300, 0.5) == 15


def test_summary_per_case_and_target() -> None:
    rows = [
        row("a", 1, "120", "yes", "100", "yes"),
        row("a", 2, "130", "yes", "", "none"),
        row("b", 1, "104", "yes", "100", "yes"),
        row("c", 1, "50", "yes", "60", "yes", n=40),
    ]
    a, b, c = constrained.summarise(rows)
    assert (a.instance, a.runs, a.pilotopt_ok, a.baseline_ok, a.baseline_none) == ("a", 2, 2, 1, 1)
    assert a.pilotopt_mean == pytest.approx(125)
    assert a.baseline_mean == pytest.approx(100)
    assert a.ratio_mean == pytest.approx(1.2) and a.ratio_min == pytest.approx(1.2)
    assert a.target_met and not b.target_met
    assert not c.target_met
    assert constrained.target_holds([a, c]) is True  # c is below 100 organisations
    assert constrained.target_holds([a, b]) is False
    assert constrained.target_holds([c]) is None


def test_broken_hard_rule_misses_the_target() -> None:
    (a,) = constrained.summarise([row("a", 1, "200", "no", "100", "yes")])
    assert not a.target_met


def test_table_row_and_insertion() -> None:
    (a,) = constrained.summarise([row("a", 1, "120", "yes", "", "none")])
    line = constrained.table_row(a, "2026-01-01", "abc1234", "x.csv")
    assert line.startswith("| 2026-01-01 | abc1234 | a | scenario | 120 | 13 | 30 | 1 | 120.0 |")
    assert "| 0/1 (1 none) | - | yes | x.csv |" in line
    text = "head\n| h |\n" + constrained.TABLE_END + "\ntail\n"
    out = constrained.insert_rows(text, ["| r1 |", "| r2 |"])
    assert out == "head\n| h |\n| r1 |\n| r2 |\n" + constrained.TABLE_END + "\ntail\n"
    with pytest.raises(ValueError):
        constrained.insert_rows("no marker", ["| r |"])


def brute_force(problem: Problem) -> int | None:
    best = None
    for a in itertools.product(range(problem.m), repeat=problem.n):
        ev = evaluate(problem, a)
        if ev.feasible and (best is None or ev.objective > best):
            best = ev.objective
    return best


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
    extra = [
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
    out = constrained.solve_plain(problem, time_limit=10, seed=0, workers=1,
                                  started=constrained.time.perf_counter())
    assert out["status"] == "optimal"
    assert out["hard_ok"] == "yes"
    assert out["objective"] == pytest.approx(best / SCALE)
    assert out["cpsat_objective"] == pytest.approx(best / SCALE)


def test_plain_model_reports_infeasible() -> None:
    problem = _tiny(True, lonely=(2, 3))
    assert brute_force(problem) is None
    out = constrained.solve_plain(problem, time_limit=10, seed=0, workers=1,
                                  started=constrained.time.perf_counter())
    assert out["status"] == "infeasible"
    assert out["objective"] is None and out["hard_ok"] == "none"


def test_plain_model_out_of_time_is_no_solution() -> None:
    out = constrained.solve_plain(_tiny(False), time_limit=0.0, seed=0, workers=1,
                                  started=constrained.time.perf_counter() - 1)
    assert out["status"] == "model not built in time"
    assert out["objective"] is None and out["hard_ok"] == "none"
