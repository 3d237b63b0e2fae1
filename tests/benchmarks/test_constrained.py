"""The pure helpers of benchmarks/constrained.py, and its plain CP-SAT model on tiny problems."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from helpers import make_problem
from pilotopt.problem import (
    SCALE,
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


def test_baseline_outcome_as_json_values() -> None:
    problem = make_problem([[0, 9, 1, 0], [9, 0, 0, 1], [1, 0, 0, 9], [0, 1, 9, 0]], 2, size=(2, 2))
    out = constrained.solve_plain(problem, time_limit=10, seed=0, workers=1,
                                  started=constrained.time.perf_counter())
    assert out["status"] == "optimal" and out["hard_ok"] == "yes"
    assert out["objective"] == pytest.approx(18 / SCALE)
