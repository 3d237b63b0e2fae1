"""Several proposals: on four organisations in two pairs every grouping is known by hand
({a,b},{c,d} earns 18, {a,c},{b,d} 2, {a,d},{b,c} 0, and any two differ in two organisations);
through the command, each proposal's files are re-scored and the differences re-measured."""

from __future__ import annotations

import csv
import importlib
import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from pilotopt.cli import main
from pilotopt.errors import StoppedError
from pilotopt.evaluate import evaluate
from pilotopt.instance import load_instance
from pilotopt.io.assignment import read_assignment
from pilotopt.problem import Problem
from pilotopt.proposals import alternatives, difference
from pilotopt.proposals.alternatives import ATTEMPTS, push
from pilotopt.solve import Params

pytestmark = pytest.mark.usefixtures("loaded_kernel")

DATA = Path(__file__).parents[1] / "data"
ROSTER, SCENARIO = DATA / "roster.csv", DATA / "scenario.toml"


def test_three_proposals_are_the_three_groupings_best_first(four_square: Problem) -> None:
    found = alternatives(four_square, Params(time_limit=8, seed=1, workers=1), 3, 0.5)
    assert [p.result.evaluation.objective_scaled for p in found.proposals] == [18, 2, 0]
    for j, p in enumerate(found.proposals):
        assert p.result.evaluation == evaluate(four_square, p.result.assignment)
        assert found.meets(j)
    assert found.differences() == [[0, 2, 2], [2, 0, 2], [2, 2, 0]]
    assert found.required == 2 and found.proposals[0].weight == 0


def test_a_proposal_that_cannot_differ_enough_is_not_given(four_square: Problem) -> None:
    # Two groupings of four in pairs differ in two organisations at most: 3 of 4 is too many.
    found = alternatives(four_square, Params(time_limit=6, seed=1, workers=1), 2, 0.75)
    (first,) = found.proposals
    assert first.result.evaluation.objective_scaled == 18
    assert found.message.startswith("proposal 2 could not be made to differ enough: the most "
                                    f"different of {ATTEMPTS} tries placed 2 of 4")
    assert "75% asks for 3" in found.message


def test_tries_that_do_not_differ_are_pushed_apart(four_square: Problem,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Without the diversity weight every try finds {a,b},{c,d} again; pushing makes the best
    # grouping two organisations away ({a,c},{b,d}: 2), keeping the size bounds.
    module = importlib.import_module("pilotopt.proposals.alternatives")  # not the function
    monkeypatch.setattr(module, "discouraging", lambda problem, earlier, weight: problem)
    found = alternatives(four_square, Params(time_limit=6, seed=1, workers=1), 2, 0.5)
    first, second = found.proposals
    assert second.pushed == 2 and second.differences == (2,) and found.meets(1)
    assert second.result.evaluation == evaluate(four_square, second.result.assignment)
    assert second.result.evaluation.objective_scaled == 2 and found.message == ""


def test_push_keeps_the_hard_rules_or_gives_up(four_square: Problem) -> None:
    a = np.array([0, 0, 1, 1])
    pushed = push(four_square, a, [a], 2, 0, float("inf"))
    assert pushed is not None and difference(a, pushed, 2) == 2
    assert evaluate(four_square, pushed).feasible
    assert push(four_square, a, [a], 3, 0, float("inf")) is None  # groups of 2: at most 2
    assert push(four_square, a, [a], 2, 0, 0.0) is None  # no time


def test_stopped_before_the_first_proposal_raises(four_square: Problem) -> None:
    stop = threading.Event()
    stop.set()
    with pytest.raises(StoppedError):
        alternatives(four_square, Params(time_limit=2, workers=1), 2, stop=stop)


def test_solve_alternatives_writes_each_proposal_and_the_table(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The command's clock starts at the call, not when the test session imported the package.
    monkeypatch.setattr("pilotopt.cli.STARTED", time.perf_counter() - 60)
    out = tmp_path / "out"
    run = CliRunner().invoke(main, [
        "solve", str(ROSTER), "-s", str(SCENARIO), "--alternatives", "2",
        "--min-difference", "0.25", "-t", "4", "--workers", "1", "--seed", "3",
        "--out", str(out)])
    assert run.exit_code == 0, run.output
    assert "2 alternative proposals" in run.output
    problem = load_instance(ROSTER, SCENARIO).problem
    table = json.loads((out / "alternatives.json").read_text(encoding="utf-8"))
    rows = list(csv.DictReader((out / "alternatives.csv").open(encoding="utf-8")))
    assert table["found"] == len(rows) == 2 and table["required_organisations"] == 2
    assigned = [read_assignment(out / f"alt-{j}" / "assignment.csv", problem) for j in (1, 2)]
    for j, (a, row) in enumerate(zip(assigned, table["alternatives"], strict=True)):
        ev = evaluate(problem, a)
        assert ev.feasible and row["objective"] == ev.objective
        assert float(rows[j]["objective"]) == ev.objective
        result = json.loads((out / f"alt-{j + 1}" / "result.json").read_text(encoding="utf-8"))
        assert result["objective"] == ev.objective
        assert result["alternative"]["index"] == j + 1
        assert result["params"]["seed"] in (3, 4)
    measured = difference(assigned[0], assigned[1], problem.m) / problem.n
    assert table["differences"][0][1] == measured
    assert table["alternatives"][1]["meets_min_difference"] == (measured >= 0.25)
    assert table["alternatives"][0]["objective"] >= table["alternatives"][1]["objective"]


def test_alternatives_refuse_a_run_store(tmp_path: Path) -> None:
    run = CliRunner().invoke(main, [
        "solve", str(ROSTER), "-s", str(SCENARIO), "--alternatives", "2",
        "--store", str(tmp_path / "runs.duckdb"), "--out", str(tmp_path / "out")])
    assert run.exit_code == 2 and not (tmp_path / "out").exists()


def test_the_table_is_bilingual(four_square: Problem) -> None:
    from rich.console import Console

    from pilotopt.proposals import Alternatives, Proposal
    from pilotopt.report.proposals import print_alternatives
    from pilotopt.solve import Result, Status

    a = np.array([0, 0, 1, 1])
    result = Result(a, evaluate(four_square, a), Status.FEASIBLE, 0.02, 0.1, Params())
    found = Alternatives((Proposal(result, 0.0, 1, ()),), 0.5, 4, "no time left")
    console = Console(record=True, width=100)
    print_alternatives(console, found, lang="nl", asked=2)
    shown = console.export_text()
    assert "1 alternatieve voorstellen" in shown and "1 van 2 voorstellen" in shown
    assert "no time left" in shown and "10%" in shown  # the gap to the bound 0.02 (18 scaled units)
