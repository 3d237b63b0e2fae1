"""Sensitivity on four organisations in two pairs, known by hand: {a,b},{c,d} earns 18 with a and
b together against a soft apart rule (penalty 7), {a,c},{b,d} earns 10. At 1.5 times the weight
(10.5) the pairs swap; at 0.5 times nothing moves. Through the command, every reported change is
re-priced by the evaluator."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from helpers import make_problem
from pilotopt.cli import main
from pilotopt.evaluate import evaluate
from pilotopt.instance import load_instance
from pilotopt.problem import SCALE, PairLink, Problem, RuleInfo
from pilotopt.proposals.sensitivity import sensitivity

pytestmark = pytest.mark.usefixtures("loaded_kernel")

DATA = Path(__file__).parents[1] / "data"
ROSTER, SCENARIO = DATA / "roster.csv", DATA / "scenario.toml"


def pairs_with_apart(weight: int) -> Problem:
    s = np.zeros((4, 4), dtype=np.int64)
    for (i, j), v in {(0, 1): 9, (2, 3): 9, (0, 2): 5, (1, 3): 5}.items():
        s[i, j] = s[j, i] = v * SCALE
    apart = (RuleInfo("rule 1", "apart", "a and b apart", False, weight),
             PairLink(1, np.array([[0, 1]]), False, False, weight * SCALE))
    return make_problem(s, 2, size=(2, 2), extra=[apart])


def test_the_weight_that_decides_a_placement_and_the_rules_that_bind() -> None:
    problem = pairs_with_apart(7)
    start = np.array([0, 0, 1, 1])
    found = sensitivity(problem, start, time_limit=0.5, seed=1)
    assert found.control.tolist() == start.tolist()  # 11 beats 10: already the best
    lower, higher = found.changes
    assert (lower.factor, lower.moved, lower.objective) == (0.5, (), 0)
    assert higher.factor == 1.5 and len(higher.moved) == 2
    assert (higher.objective, higher.violation) == (-1 * SCALE, -1)  # 10 instead of 11
    size, apart = found.bindings
    # Without sizes all four share a group: 28 - 7 = 21 against 11.
    assert (size.binds, size.gain, size.penalty) == (True, 10 * SCALE, 0)
    # Without the apart rule {a,b},{c,d} stays and earns 18: its penalty 7 is the gain.
    assert (apart.binds, apart.gain, apart.penalty, apart.moved) == (True, 7 * SCALE,
                                                                      7 * SCALE, 0)


def test_a_rule_that_holds_without_cost_does_not_bind() -> None:
    problem = pairs_with_apart(7)
    found = sensitivity(problem, np.array([0, 1, 0, 1]), time_limit=0.3, seed=1, rules=[1])
    assert found.control.tolist() in ([0, 0, 1, 1], [1, 1, 0, 0])  # 11: better than 10
    (apart,) = found.bindings
    assert apart.gain == 7 * SCALE and apart.binds


def test_sensitivity_command_reports_changes_the_evaluator_confirms(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pilotopt.cli.STARTED", time.perf_counter() - 60)
    problem = load_instance(ROSTER, SCENARIO).problem
    a = tmp_path / "a.csv"
    a.write_text("id,group\n" + "".join(f"{i},{1 + k % 2}\n" for k, i in enumerate(problem.ids)),
                 encoding="utf-8")
    out = tmp_path / "sens"
    run = CliRunner().invoke(main, ["sensitivity", str(ROSTER), "-s", str(SCENARIO), "-a", str(a),
                                    "-t", "1", "--out", str(out)])
    assert run.exit_code == 0, run.output
    report = json.loads((out / "sensitivity.json").read_text(encoding="utf-8"))
    assert "heuristic" in report["method"]
    index = {g: k for k, g in enumerate(problem.group_names)}
    control = np.array([index[g] for g in (
        next((m["to"] for m in report["control"]["moved"] if m["id"] == i),
             problem.group_names[k % 2]) for k, i in enumerate(problem.ids))])
    base = evaluate(problem, control)
    assert report["control"]["objective"] == base.objective
    (change_low, change_high) = report["weights"]  # the one soft rule, x 0.5 and x 1.5
    for change in (change_low, change_high):
        after = control.copy()
        for m in change["moved"]:
            after[problem.ids.index(m["id"])] = index[m["to"]]
        assert change["objective_change"] == (evaluate(problem, after).objective_scaled
                                              - base.objective_scaled) / SCALE
    assert [r["rule"] for r in report["rules"]] == [r.id for r in problem.rules]
    assert all(r["gain"] >= 0 and r["binds"] == (r["gain"] > 0) for r in report["rules"])
    assert "rule" in run.output
