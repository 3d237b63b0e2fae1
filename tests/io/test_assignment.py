"""Reading an assignment file, and `pilotopt score` reproducing a solve's breakdown."""

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from pilotopt.cli import main
from pilotopt.errors import InputError
from pilotopt.instance import read_problem
from pilotopt.io.assignment import read_assignment

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="module")
def problem():
    return read_problem(DATA / "roster.csv", DATA / "scenario.toml")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "a.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_groups_by_name_or_number(problem, tmp_path: Path) -> None:
    rows = "".join(f"{i},{'G1' if k < 4 else 2}\n" for k, i in enumerate(problem.ids))
    a = read_assignment(write(tmp_path, "id,group\n" + rows), problem)
    assert a.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]


def test_every_problem_is_located(problem, tmp_path: Path) -> None:
    text = "id,group\nse01,G1\nse01,G2\nxx99,G1\nse02,G7\n"
    with pytest.raises(InputError) as err:
        read_assignment(write(tmp_path, text), problem)
    messages = [str(p) for p in err.value.problems]
    assert any("row 3" in m and "assigned twice" in m for m in messages)
    assert any("row 4" in m and "'xx99'" in m for m in messages)
    assert any("row 5" in m and "'G7'" in m for m in messages)
    assert sum("has no group" in m for m in messages) == 6  # se03, se04, rg01-03, pb01


def test_score_reproduces_the_solve_breakdown(tmp_path: Path) -> None:
    runner = CliRunner()
    roster, scenario = str(DATA / "roster.csv"), str(DATA / "scenario.toml")
    solved = runner.invoke(main, ["solve", roster, "-s", scenario, "-t", "2", "-q",
                                  "--out", str(tmp_path / "s")])
    assert solved.exit_code == 0, solved.output
    scored = runner.invoke(main, ["score", roster, "-s", scenario, "-a",
                                  str(tmp_path / "s" / "assignment.csv"),
                                  "--out", str(tmp_path / "c")])
    assert scored.exit_code == 0, scored.output
    result = json.loads((tmp_path / "s" / "result.json").read_text())
    score = json.loads((tmp_path / "c" / "score.json").read_text())
    for key in ("objective", "complementarity", "penalty", "rules", "all_hard_rules_hold"):
        assert score[key] == result[key]
    assert [g["complementarity"] for g in score["groups"]] == [
        g["complementarity"] for g in result["groups"]]


def test_score_exits_1_when_a_hard_rule_is_broken(tmp_path: Path) -> None:
    # se01 and se02 are competitors (hard apart): put them together, everyone in two groups.
    text = "id,group\nse01,G1\nse02,G1\nrg01,G1\nrg02,G2\nse03,G2\nse04,G2\nrg03,G1\npb01,G2\n"
    args = ["score", str(DATA / "roster.csv"), "-s", str(DATA / "scenario.toml"),
            "-a", str(write(tmp_path, text))]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "HARD RULES BROKEN" in result.output


def test_left_out_organisations_round_trip_through_solve_and_score(tmp_path: Path) -> None:
    scenario = tmp_path / "optional.toml"
    scenario.write_text('[groups]\ncount = 2\nsize = { min = 3, max = 3 }\n\n'
                        '[[rules]]\nkind = "optional"\npriority = "fte"\nweight = 0.001\n',
                        encoding="utf-8")
    runner = CliRunner()
    args = [str(DATA / "roster.csv"), "-s", str(scenario)]
    solved = runner.invoke(main, ["solve", *args, "-t", "2", "-q", "--out", str(tmp_path / "s")])
    assert solved.exit_code == 0, solved.output
    rows = (tmp_path / "s" / "assignment.csv").read_text().splitlines()
    assert sum(r.endswith(",") for r in rows) == 2  # two left out, with an empty group
    scored = runner.invoke(main, ["score", *args, "-a", str(tmp_path / "s" / "assignment.csv"),
                                  "--out", str(tmp_path / "c")])
    assert scored.exit_code == 0, scored.output
    result = json.loads((tmp_path / "s" / "result.json").read_text())
    score = json.loads((tmp_path / "c" / "score.json").read_text())
    assert score["left_out"] == result["left_out"] and len(result["left_out"]) == 2
    assert score["objective"] == result["objective"]


def test_an_empty_group_is_a_problem_where_no_one_may_be_left_out(problem, tmp_path) -> None:
    text = "id,group\n" + "".join(f"{i},{'' if i == 'se01' else 'G1'}\n" for i in problem.ids)
    with pytest.raises(InputError, match="may not be left out"):
        read_assignment(write(tmp_path, text), problem)


def test_organisations_named_absent_may_be_missing(problem, tmp_path: Path) -> None:
    rows = "".join(f"{i},G1\n" for i in problem.ids if i != "rg03")
    a = read_assignment(write(tmp_path, "id,group\n" + rows), problem, absent={"rg03"})
    late = problem.ids.index("rg03")
    assert a[late] == -1 and (np.delete(a, late) == 0).all()
    with pytest.raises(InputError) as err:
        read_assignment(write(tmp_path, "id,group\n" + rows), problem)
    assert [p.id for p in err.value.problems] == ["rg03"]
