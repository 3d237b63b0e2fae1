"""The XLSX report opens with openpyxl and has a Summary sheet and a sheet per group."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from openpyxl import load_workbook
from report_cases import EVIL, Case, demo, flanders300, mdgplib

from pilotopt.report.xlsx import sheet_names, write_xlsx


def cells(ws: object) -> list[object]:
    return [c for row in ws.iter_rows(values_only=True) for c in row]  # type: ignore[attr-defined]


def check(case: Case, path: Path) -> object:
    write_xlsx(path, *case.args())
    wb = load_workbook(path)
    assert wb.sheetnames == ["Summary"] + [f"{g + 1} {name}" for g, name in
                                           enumerate(case.problem.group_names)]
    summary = cells(wb["Summary"])
    assert case.evaluation.objective in summary
    assert all(r.label in summary for r in case.evaluation.rules)
    for g in range(case.problem.m):
        ids = {case.problem.ids[i] for i in range(case.problem.n) if case.assignment[i] == g}
        found = {c for c in cells(wb.worksheets[g + 1]) if c in set(case.problem.ids)}
        assert found == ids
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    return wb


def test_demo_workbook(tmp_path: Path) -> None:
    case = demo()
    wb = check(case, tmp_path / "report.xlsx")
    first = wb.worksheets[1 + int(case.assignment[0])]  # type: ignore[attr-defined]
    assert EVIL in cells(first)
    header = next(r for r in first.iter_rows(values_only=True) if r[0] == "id")
    assert {"economy", "sector", "gives", "gets"} <= set(header)
    assert "yes" in cells(wb["Summary"])  # type: ignore[index]
    assert not any(str(c).startswith("Group names are labels") for c in cells(wb["Summary"]))  # type: ignore[index]


def test_infeasible_flanders_300_workbook(tmp_path: Path) -> None:
    wb = check(flanders300(), tmp_path / "f.xlsx")
    assert "broken" in cells(wb["Summary"])  # type: ignore[index]


def test_mdgplib_workbook_and_no_formula_from_a_name(tmp_path: Path) -> None:
    case = mdgplib()
    names = ("=1+1",) + case.problem.names[1:]
    groups = tuple(f"Gemeente {g + 1}" for g in range(case.problem.m))
    case = dataclasses.replace(case, problem=dataclasses.replace(
        case.problem, names=names, group_names=groups))
    wb = check(case, tmp_path / "m.xlsx")
    # Named groups, no anchor rule: the summary says the names are only labels.
    assert any(str(c).startswith("Group names are labels") for c in cells(wb["Summary"]))  # type: ignore[index]
    values = cells(wb.worksheets[1])  # type: ignore[attr-defined]
    assert "=1+1" in values
    assert wb.worksheets[1]["B6"].data_type == "s"  # type: ignore[attr-defined]


def test_sheet_names_are_valid_for_excel() -> None:
    names = sheet_names(["1 a/b:c", "x" * 40, "summary", "'quoted'", "Y" * 35, "y" * 35, ""])
    assert names[:4] == ["1 a_b_c", "x" * 31, "summary~2", "quoted"]
    assert names[4] == "Y" * 31 and names[5] == "y" * 29 + "~2" and names[6] == "group"
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    assert len({n.casefold() for n in names}) == len(names)


def test_workbook_for_a_funder(tmp_path: Path) -> None:
    # The roster's own columns (here ``province``, as ``contact`` would be) are kept; NACE names
    # beside codes; economies and tags by their labels; totals against the mean in per cent.
    case = dataclasses.replace(demo(), meta={**demo().meta, "gap": 0.125})
    path = tmp_path / "g.xlsx"
    write_xlsx(path, *case.args())
    wb = load_workbook(path)
    sheet = wb.worksheets[1]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(r for r in rows if r[0] == "id")
    assert "province" in header and "sector (NACE)" in header
    values = cells(sheet)
    assert any(isinstance(v, str) and "social economy" in v for v in values)
    assert any(isinstance(v, str) and ("Manufacture" in v or "activities" in v)
               for v in values)
    assert "FTE" in values and "Target-group FTE" in values
    fte_row = next(r for r in sheet.iter_rows() if r[0].value == "FTE")
    assert fte_row[2].number_format == "0.0%"
    assert all(sheet.column_dimensions[c].width >= 6 for c in "ABCD")
    summary = wb["Summary"]
    gap = next(r for r in summary.iter_rows() if r[0].value == "gap")
    assert gap[1].value == 0.125 and gap[1].number_format == "0.0%"


def test_dutch_workbook(tmp_path: Path) -> None:
    case = demo()
    write_xlsx(tmp_path / "nl.xlsx", *case.args(), lang="nl")
    wb = load_workbook(tmp_path / "nl.xlsx")
    assert wb.sheetnames[0] == "Overzicht"
    assert "elke harde regel gehaald" in cells(wb["Overzicht"])
    # The rules by their Dutch labels, none by its English one.
    summary = cells(wb["Overzicht"])
    assert "groepen van 6 tot 10 leden" in summary and "quotum economy=social min 2" in summary
    assert all(r.label_nl in summary and r.label not in summary for r in case.problem.rules)
    assert any(isinstance(v, str) and "sociale economie" in v for v in cells(wb.worksheets[1]))


def test_member_sheets_carry_the_explanations_and_the_summary_the_gain(tmp_path: Path) -> None:
    from pilotopt.explain import explain
    from pilotopt.report.html import _alternative

    case = demo()
    found = explain(case.problem, case.assignment, None, case.orgs)
    meta = {**case.meta, "gain": "By hand: objective 1; pilotopt 2: +1 (+100%)."}
    write_xlsx(tmp_path / "r.xlsx", *case.args()[:5], meta, explanations=found)
    wb = load_workbook(tmp_path / "r.xlsx")
    assert meta["gain"] in cells(wb["Summary"])
    e = found[0]
    sheet = wb.worksheets[1 + int(case.assignment[e.organisation])]
    header = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "id")
    assert {"share", "best elsewhere", "better, but blocked"} <= set(header)
    row = next(r for r in sheet.iter_rows(values_only=True)
               if r[0] == case.problem.ids[e.organisation])
    assert row[header.index("best elsewhere")] == _alternative(case.problem,
                                                               e.alternatives[0], "en")
    assert row[header.index("share")] == round(e.share, 3)
