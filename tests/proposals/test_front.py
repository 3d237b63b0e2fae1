"""The trade-off front on four organisations in two pairs, known by hand: {a,b},{c,d} earns 18
but puts a and b together against a soft apart rule (penalty 4); {a,c},{b,d} earns 10 and keeps
it; {a,d},{b,c} earns 0. Through the command: the page, its links and the files they open."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from helpers import make_problem
from pilotopt.cli import main
from pilotopt.evaluate import evaluate
from pilotopt.instance import load_instance
from pilotopt.io.assignment import read_assignment
from pilotopt.problem import SCALE, PairLink, Problem, RuleInfo
from pilotopt.proposals.front import Point, _dominated, factors, front
from pilotopt.solve import Params, Result, Status

pytestmark = pytest.mark.usefixtures("loaded_kernel")

DATA = Path(__file__).parents[1] / "data"
ROSTER, SCENARIO = DATA / "roster.csv", DATA / "scenario.toml"


def pairs_with_apart() -> Problem:
    s = np.zeros((4, 4), dtype=np.int64)
    for (i, j), v in {(0, 1): 9, (2, 3): 9, (0, 2): 5, (1, 3): 5}.items():
        s[i, j] = s[j, i] = v * SCALE
    apart = (RuleInfo("rule 1", "apart", "a and b apart", False, 4.0),
             PairLink(1, np.array([[0, 1]]), False, False, 4 * SCALE))
    return make_problem(s, 2, size=(2, 2), extra=[apart])


def test_the_sweep_finds_both_ends_of_the_trade_off() -> None:
    problem = pairs_with_apart()
    found = front(problem, Params(time_limit=6, seed=1, workers=1), points=5)
    assert [p.factor for p in found.points] == [0, 0.25, 1, 4, 16]
    # Up to the weight 4 x 1 keeping a and b apart costs more (18 - 10) than it saves.
    assert [(p.complementarity, p.penalty) for p in found.points] == [
        (18 * SCALE, 4 * SCALE)] * 3 + [(10 * SCALE, 0)] * 2
    assert found.rules == (1,) and not any(p.dominated for p in found.points)
    for p in found.points:
        assert p.result.evaluation == evaluate(problem, p.result.assignment)


def test_a_point_beaten_on_both_counts_is_dominated() -> None:
    problem = pairs_with_apart()

    def point(c: int, pen: int) -> Point:
        a = np.array([0, 0, 1, 1])
        result = Result(a, evaluate(problem, a), Status.FEASIBLE, None, 0.0, Params())
        return Point(1.0, result, c, pen)

    assert _dominated([point(18, 4), point(10, 0), point(10, 4), point(18, 4)]) == [
        False, False, True, False]


def test_factors_keep_the_scenarios_own_weights() -> None:
    assert factors(3) == [0.0, 1.0, 4.0]
    assert 1.0 in factors(8) and len(factors(8)) == 8
    with pytest.raises(ValueError):
        factors(0)


def test_front_command_writes_a_page_whose_points_open_their_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pilotopt.cli.STARTED", time.perf_counter() - 60)
    out = tmp_path / "front"
    run = CliRunner().invoke(main, ["front", str(ROSTER), "-s", str(SCENARIO), "--points", "3",
                                    "-t", "3", "--workers", "1", "--out", str(out)])
    assert run.exit_code == 0, run.output
    page = (out / "front.html").read_text(encoding="utf-8")
    assert "<svg" in page and "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    links = set(re.findall(r'href="([^"]+)"', page))
    assert {"point-1/assignment.csv", "point-3/result.json"} <= links
    assert all((out / link).is_file() for link in links)
    problem = load_instance(ROSTER, SCENARIO).problem
    table = json.loads((out / "front.json").read_text(encoding="utf-8"))
    assert [p["factor"] for p in table["points"]] == [0, 1, 4]
    for j, row in enumerate(table["points"]):
        ev = evaluate(problem, read_assignment(out / f"point-{j + 1}" / "assignment.csv",
                                               problem))
        assert row["complementarity"] == ev.complementarity
        assert row["penalty"] == ev.penalty  # the scenario's one soft rule
        assert ev.feasible


def test_front_names_an_unknown_rule_and_needs_a_soft_one(tmp_path: Path) -> None:
    run = CliRunner().invoke(main, ["front", str(ROSTER), "-s", str(SCENARIO), "--rule", "9",
                                    "--out", str(tmp_path / "f")])
    assert run.exit_code == 2 and "no rule '9'" in run.output
    hard_only = tmp_path / "hard.toml"
    text = SCENARIO.read_text(encoding="utf-8")
    hard_only.write_text(text[:text.rindex("[[rules]]")], encoding="utf-8")
    run = CliRunner().invoke(main, ["front", str(ROSTER), "-s", str(hard_only),
                                    "--out", str(tmp_path / "f")])
    assert run.exit_code == 2 and "no soft rule" in run.output
    assert not (tmp_path / "f").exists()
