"""Reading an assignment file, and `pilotopt score` reproducing a solve's breakdown."""

import json
from pathlib import Path
from typing import Literal

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner

from pilotopt.cli import main
from pilotopt.errors import InputError
from pilotopt.instance import read_problem
from pilotopt.io.assignment import read_assignment, read_pins, read_previous
from pilotopt.io.outputs import assignment_csv

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


ROUND = [0, 0, 1, 1, 0, 1, 1, 0]  # a grouping of the test roster, by problem.ids


def _groups_xlsx(problem, path: Path, lang: Literal["en", "nl"] = "en") -> Path:
    """groups.xlsx as ``solve --xlsx`` writes it, through the report writer."""
    from pilotopt.evaluate import evaluate
    from pilotopt.report.xlsx import write_xlsx

    a = np.array(ROUND)
    return write_xlsx(path, problem, a, evaluate(problem, a), lang=lang)


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_groups_xlsx_reads_back_as_the_assignment_it_shows(problem, tmp_path: Path,
                                                          lang: Literal["en", "nl"]) -> None:
    path = _groups_xlsx(problem, tmp_path / "groups.xlsx", lang)
    assert read_assignment(path, problem).tolist() == ROUND


def test_a_member_moved_to_another_group_sheet_moves(problem, tmp_path: Path) -> None:
    path = _groups_xlsx(problem, tmp_path / "groups.xlsx")
    wb = openpyxl.load_workbook(path)
    first, second = wb.worksheets[1], wb.worksheets[2]
    row = next(r for r in range(1, first.max_row + 1) if first.cell(r, 1).value == "se01")
    second.append([c.value for c in first[row]])
    first.delete_rows(row)
    wb.save(path)
    moved = read_assignment(path, problem).tolist()
    assert moved == [1, *ROUND[1:]]


def test_a_member_on_no_group_sheet_has_no_group(problem, tmp_path: Path) -> None:
    path = _groups_xlsx(problem, tmp_path / "groups.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[1]
    ws.delete_rows(next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "se01"))
    wb.save(path)
    with pytest.raises(InputError) as err:
        read_assignment(path, problem)
    [p] = err.value.problems
    assert p.id == "se01" and "on no group's sheet" in p.message


def test_any_sheet_with_id_and_group_and_names_in_any_case(problem, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Indeling na overleg"])
    ws.append(["ID", "Group"])
    for i, g in zip(problem.ids, ROUND, strict=True):
        ws.append([i, 2 if g else "g1"])  # a number, as Excel stores it, or a name in lowercase
    wb.save(tmp_path / "a.xlsx")
    assert read_assignment(tmp_path / "a.xlsx", problem).tolist() == ROUND


def _dutch_csv(problem, path: Path) -> Path:
    """The assignment as Excel saves it on a Dutch Windows: ';', Windows-1252, CRLF."""
    names = ["Zoë & Söhne" if i == "se01" else n for i, n in zip(problem.ids, problem.names,
                                                                  strict=True)]
    rows = ["id;name;group"] + [f"{i};{n};{problem.group_names[g]}"
                                for i, n, g in zip(problem.ids, names, ROUND, strict=True)]
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    return path


def test_a_dutch_excel_csv_with_accents(problem, tmp_path: Path) -> None:
    path = _dutch_csv(problem, tmp_path / "a.csv")
    assert b"\xf6" in path.read_bytes()  # the byte utf-8 chokes on
    assert read_assignment(path, problem).tolist() == ROUND


def test_a_utf16_csv(problem, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    rows = "".join(f"{i}\t{g + 1}\r\n" for i, g in zip(problem.ids, ROUND, strict=True))
    path.write_text("id\tgroup\r\n" + rows, encoding="utf-16")
    assert read_assignment(path, problem).tolist() == ROUND


def test_formula_like_names_are_written_safely_and_read_back(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    text = (DATA / "roster.csv").read_text(encoding="utf-8")
    roster.write_text(text.replace("Atelier Kempen", "=HYPERLINK(\"x\")"), encoding="utf-8")
    scenario = tmp_path / "s.toml"
    scenario.write_text('[groups]\ncount = 2\nnames = ["-Noord", "@Zuid"]\n', encoding="utf-8")
    problem = read_problem(roster, scenario)
    written = assignment_csv(problem, np.array(ROUND))
    assert "'=HYPERLINK" in written and "'-Noord" in written and "'@Zuid" in written
    assert not any(line.split(",")[-1].startswith(("=", "+", "-", "@"))
                   for line in written.splitlines())
    assert read_assignment(write(tmp_path, written), problem).tolist() == ROUND


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("solved")
    result = CliRunner().invoke(main, ["solve", str(DATA / "roster.csv"), "-s",
                                       str(DATA / "scenario.toml"), "-t", "2", "-q", "--workers",
                                       "1", "--xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("form", ["groups.xlsx", "dutch.csv"])
def test_score_reads_the_workbook_and_the_dutch_csv(solved: Path, form: str, problem,
                                                    tmp_path: Path) -> None:
    if form == "dutch.csv":
        rows = (solved / "assignment.csv").read_text(encoding="utf-8").splitlines()
        text = "\r\n".join(r.replace(",", ";") for r in rows) + "\r\n"
        (tmp_path / form).write_bytes(text.replace("Kempen", "Kempen Zoë").encode("cp1252"))
        path = tmp_path / form
    else:
        path = solved / form
    scored = CliRunner().invoke(main, ["score", str(DATA / "roster.csv"), "-s",
                                       str(DATA / "scenario.toml"), "-a", str(path),
                                       "--out", str(tmp_path / "c")])
    assert scored.exit_code == 0, scored.output
    result = json.loads((solved / "result.json").read_text())
    score = json.loads((tmp_path / "c" / "score.json").read_text())
    assert score["objective"] == result["objective"]
    assert [g["complementarity"] for g in score["groups"]] == [
        g["complementarity"] for g in result["groups"]]
    assert read_assignment(path, problem).tolist() == read_assignment(
        solved / "assignment.csv", problem).tolist()


def test_previous_matches_group_names_in_any_case_and_keeps_drop_outs(tmp_path: Path) -> None:
    text = "id,group\nse01,g2\nse02,G1\nxx99,2\nse03,\n"
    previous = read_previous(write(tmp_path, text), ("G1", "G2"))
    # xx99 is not in any roster read here: a drop-out is kept; se03 was left out.
    assert previous == {"se01": 1, "se02": 0, "xx99": 1, "se03": -1}


def test_previous_problems_are_located_all_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, "id,group\nse01,Kempen\nse02,G1\nse02,G2\n")
    with pytest.raises(InputError) as err:
        read_previous(path, ("G1", "G2"))
    messages = [str(p) for p in err.value.problems]
    assert len(messages) == 2
    assert "row 2" in messages[0] and "'Kempen'" in messages[0] and "G1, G2" in messages[0]
    assert "row 4" in messages[1] and "assigned twice (first on row 3)" in messages[1]
    assert all(str(path) in m for m in messages)


def test_pins_keep_their_rows_and_skip_rows_without_a_group(tmp_path: Path) -> None:
    pins = read_pins(write(tmp_path, "id,group\nse01,kempen\nse02,\nxx99,2\n"),
                     ("Kempen", "Gent"))
    assert [(p.org_id, p.group) for p in pins] == [("se01", 0), ("xx99", 1)]
    assert pins[1].place.where() == f"{tmp_path / 'a.csv'}, row 4, id xx99, column 'group', " \
                                    "value 'Gent'"
    with pytest.raises(InputError, match="'Leuven'"):
        read_pins(write(tmp_path, "id,group\nse01,Leuven\n"), ("Kempen", "Gent"))


@pytest.fixture
def city_twice(tmp_path: Path) -> Path:
    """The test roster with Stad Mechelen (pb01) free to join both groups."""
    rows = (DATA / "roster.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "roster.csv"
    path.write_text("\n".join([rows[0] + ",capaciteit"] + [
        r + (",2" if r.startswith("pb01,") else ",") for r in rows[1:]]) + "\n", encoding="utf-8")
    return path


def test_an_id_once_per_group_it_joins(city_twice: Path, tmp_path: Path) -> None:
    problem = read_problem(city_twice, DATA / "scenario.toml")
    assert problem.ids[-2:] == ("pb01", "pb01")
    body = "".join(f"{i},{g}\n" for i, g in zip(problem.ids[:-2], [1, 2, 1, 2, 1, 2, 1],
                                                  strict=True))
    both = read_assignment(write(tmp_path, f"id,group\npb01,G2\n{body}pb01,1\n"), problem)
    assert both[-2:].tolist() == [0, 1]  # copies in group order, whatever the file's order
    assert assignment_csv(problem, both).count("pb01,Stad Mechelen,") == 2
    from pilotopt.evaluate import evaluate
    from pilotopt.report.xlsx import write_xlsx

    sheets = write_xlsx(tmp_path / "groups.xlsx", problem, both, evaluate(problem, both))
    assert read_assignment(sheets, problem).tolist() == both.tolist()  # on both groups' sheets
    one = read_assignment(write(tmp_path, f"id,group\n{body}pb01,G2\n"), problem)
    assert one[-2:].tolist() == [1, -1]
    assert assignment_csv(problem, one).count("pb01") == 1  # the membership not taken: no row
    with pytest.raises(InputError) as err:
        read_assignment(write(tmp_path, f"id,group\npb01,G2\n{body}pb01,g2\n"), problem)
    assert [(p.row, p.message) for p in err.value.problems] == [
        (10, "in group G2 twice (first on row 2)")]


def test_score_of_an_organisation_in_two_groups(city_twice: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    args = [str(city_twice), "-s", str(DATA / "scenario.toml")]
    solved = runner.invoke(main, ["solve", *args, "-t", "2", "-q", "--out", str(tmp_path / "s")])
    assert solved.exit_code == 0, solved.output
    rows = (tmp_path / "s" / "assignment.csv").read_text().splitlines()
    assert sorted(r for r in rows if r.startswith("pb01")) == [
        "pb01,Stad Mechelen,G1", "pb01,Stad Mechelen,G2"]  # joining both earns more
    result = json.loads((tmp_path / "s" / "result.json").read_text())
    assert all("pb01" in g["members"] for g in result["groups"])
    assert result["organisations"] == 8  # of the roster, not memberships
    scored = runner.invoke(main, ["score", *args, "-a", str(tmp_path / "s" / "assignment.csv"),
                                  "--out", str(tmp_path / "c")])
    assert scored.exit_code == 0, scored.output
    score = json.loads((tmp_path / "c" / "score.json").read_text())
    assert score["objective"] == result["objective"] and score["left_out"] == []
    twice = "id,group\n" + "".join(r.rsplit(",", 2)[0] + ",G1\n" for r in rows[1:])
    broken = runner.invoke(main, ["score", *args, "-a", str(write(tmp_path, twice))])
    assert broken.exit_code == 2 and "in group G1 twice" in broken.output
