"""One cell run in-process: outcomes, the guard, overruns, errors kept in the row."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from pilotopt.batch.cells import Overran, guarded, overran, run_cell
from pilotopt.batch.plan import Cell, Plan, read_plan

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"


@pytest.fixture(autouse=True, scope="module")
def _warm_kernel() -> None:
    """As a batch worker does before its first cell (the tests' limits are short)."""
    from pilotopt.solve.search.tabu import warm_up

    warm_up()


def _plan(tmp_path: Path, roster: Path, scenario: Path, conf: str = "") -> Plan:
    path = tmp_path / "plan.toml"
    path.write_text(f"""
name = "cells"
time_limit = 2
[[instances]]
name = "x"
roster = "{roster}"
scenario = "{scenario}"
[[configurations]]
name = "one"
workers = 1
{conf}
""")
    return read_plan(path)


def _cell(plan: Plan, configuration: str = "one") -> Cell:
    return next(c for c in plan.cells() if c.configuration.name == configuration)


def test_a_solved_cell_has_its_result_and_context(tmp_path: Path) -> None:
    plan = _plan(tmp_path, DATA / "roster.csv", DATA / "scenario.toml")
    row = run_cell(_cell(plan), cluster_workers=3)
    assert row["outcome"] == "ok" and row["feasible"] is True
    assert row["objective"] > 0 and row["status"] in ("optimal", "feasible")
    assert row["trace"] and row["trace"][-1][1] == pytest.approx(row["objective"])
    assert row["organisations"] == 8 and row["groups"] == 2
    assert row["cluster_workers"] == 3 and row["workers"] == 1
    assert row["inputs"]["roster"]["sha256"] == plan.instances[0].inputs["roster"]
    assert row["ortools_version"] and row["numba_version"] and row["host"]
    assert row["peak_memory_mb"] > 0 and row["wall_time"] > 0


def test_overrides_and_baselines_run_on_the_same_instance(tmp_path: Path) -> None:
    plan = _plan(tmp_path, DATA / "roster.csv", DATA / "scenario.toml", """
[[configurations]]
name = "no-mix"
workers = 1
overrides = { complementarity = { economy_mix = 0.0, sector_diversity = 0.0 } }
[[configurations]]
name = "deal"
solver = "sort-deal"
[[configurations]]
name = "plain"
solver = "plain-cpsat"
workers = 1
""")
    rows = {c.configuration.name: run_cell(c) for c in plan.cells()}
    assert {k: r["outcome"] for k, r in rows.items()} == dict.fromkeys(rows, "ok")
    assert rows["no-mix"]["objective"] < rows["one"]["objective"]  # fewer pair terms
    assert rows["plain"]["status"] == "optimal"
    assert rows["plain"]["objective"] >= rows["one"]["objective"] - 1e-9
    assert rows["deal"]["status"] == "heuristic"
    assert rows["deal"]["objective"] <= rows["one"]["objective"]


def test_bad_input_and_infeasible_rules_are_outcomes_not_exceptions(tmp_path: Path) -> None:
    plan = _plan(tmp_path, DATA / "broken" / "duplicate_id.csv", DATA / "scenario.toml")
    row = run_cell(_cell(plan))
    assert row["outcome"] == "error" and row["error"].startswith("input: ")
    assert "duplicate_id.csv" in row["error"]
    demo = ROOT / "instances" / "demo"
    row = run_cell(_cell(_plan(tmp_path, demo / "roster.csv", demo / "infeasible.toml")))
    assert row["outcome"] == "infeasible" and row.get("objective") is None


def test_guard_returns_values_and_reraises_errors() -> None:
    assert guarded(lambda stop: 42, 5) == 42
    with pytest.raises(ZeroDivisionError):
        guarded(lambda stop: 1 // 0, 5)


def test_guard_stops_a_long_run_and_gives_up_on_a_deaf_one() -> None:
    def polite(stop: threading.Event) -> str:
        stop.wait(30)
        return "stopped"

    assert guarded(polite, 0.05) == "stopped"
    release = threading.Event()
    try:
        with pytest.raises(Overran, match="did not stop"):
            guarded(lambda stop: release.wait(30), 0.05, stop_wait=0.05)
    finally:
        release.set()


def test_overrun_allows_five_percent_and_a_grace() -> None:
    assert not overran(10.4, 10)
    assert not overran(11.4, 10)
    assert overran(11.6, 10)


def test_time_counts_from_the_start_of_the_cell() -> None:
    t0 = time.perf_counter()
    assert guarded(lambda stop: time.perf_counter() - t0, 1) < 1


def test_a_generated_roster_runs_with_its_own_or_another_scenario(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(f"""
name = "gen"
time_limit = 2
[[instances]]
name = "own"
generate = {{ organisations = 24, seed = 3 }}
[[instances]]
name = "other"
generate = {{ organisations = 24, seed = 3 }}
scenario = "{DATA}/scenario.toml"
[[configurations]]
name = "deal"
solver = "sort-deal"
""")
    own, other = (run_cell(c) for c in read_plan(path).cells())
    assert own["outcome"] == other["outcome"] == "ok"
    assert own["organisations"] == other["organisations"] == 24
    assert own["scenario"] == "generated" and other["scenario"] == "scenario"
    assert other["groups"] == 2 and own["groups"] != 2
    assert own["inputs"]["generate"]["organisations"] == 24
    assert other["inputs"]["scenario"]["path"] == str(DATA / "scenario.toml")
