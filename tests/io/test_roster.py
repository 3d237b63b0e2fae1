"""Roster readers: every format gives the same organisations; every problem is located."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from pilotopt.errors import InputError, InputProblem
from pilotopt.io.roster import read_roster

DATA = Path(__file__).parents[1] / "data"
FORMATS = ["roster.csv", "roster_semicolon.csv", "roster.xlsx", "roster.json"]
HEADER = "id,name,economy,sector,municipality,fte,target_group_fte,offers,needs"


def _problems(path: Path) -> list[InputProblem]:
    with pytest.raises(InputError) as info:
        read_roster(path)
    return info.value.problems


def _csv(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "r.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("name", FORMATS[1:])
def test_every_format_gives_the_same_organisations(name: str) -> None:
    reference = read_roster(DATA / "roster.csv")
    other = read_roster(DATA / name)
    assert other.organisations == reference.organisations
    assert other.ids == reference.ids
    assert set(other.columns) == set(reference.columns)


def test_the_csv_is_read_as_written() -> None:
    roster = read_roster(DATA / "roster.csv", extra_tags=["cleaning"])
    assert roster.ids == ("se01", "se02", "se03", "se04", "rg01", "rg02", "rg03", "pb01")
    assert roster.rows == tuple(range(2, 10))
    se02 = roster.organisations[1]
    assert se02.fte == 35.5 and se02.target_group_fte == 20.5
    assert se02.offers == ("repair_refurbish", "logistics_warehousing")
    assert se02.competitors == ("se01",)
    assert se02.attributes == {"province": "Antwerpen", "type": "kringwinkel"}
    assert se02.municipality == "Lier" and se02.lat is not None and se02.lon is not None
    assert roster.warnings == ()


def test_semicolon_csv_reads_decimal_commas() -> None:
    text = (DATA / "roster_semicolon.csv").read_text(encoding="utf-8")
    assert ";35,5;" in text  # the file really is what a Dutch-locale Excel writes
    se02 = read_roster(DATA / "roster_semicolon.csv").organisations[1]
    assert se02.fte == 35.5


def test_xlsx_sector_without_leading_zero(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(DATA / "roster.xlsx")
    ws = wb.active
    assert ws is not None and ws["E1"].value == "sector"
    ws["E2"] = 1  # NACE division 01, typed as a number
    wb.save(tmp_path / "r.xlsx")
    assert read_roster(tmp_path / "r.xlsx").organisations[0].sector == "01"


def test_cp1252_csv_as_excel_on_windows_saves_it(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(
        f"{HEADER}\na1,Café Één,social,56,Gent,3,1,,\n".encode("cp1252", errors="replace")
    )
    assert read_roster(path).organisations[0].name.startswith("Café")


def test_blank_lines_are_skipped_and_rows_keep_their_number(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a1,A,social,56,Gent,3,1,,", ",,,,,,,,", "b1,B,regular,56,Gent,x,1,,")
    problems = _problems(path)
    assert [(p.row, p.id, p.column, p.value) for p in problems] == [(4, "b1", "fte", "x")]


def test_unknown_competitor_is_a_warning_naming_row_and_id(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a1,A,social,56,Gent,3,1,,,zz9", header=HEADER + ",competitors")
    roster = read_roster(path)
    assert len(roster.warnings) == 1
    assert "row 2, id a1, column 'competitors'" in roster.warnings[0]
    assert "zz9" in roster.warnings[0]


def test_location_missing_names_the_real_problem(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a1,A,social,56,,3,1,,")
    [problem] = _problems(path)
    assert (problem.row, problem.id) == (2, "a1")
    assert "municipality" in problem.message and "lat" in problem.message


def test_lat_without_lon(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a1,A,social,56,,3,1,,,51.0,",
                header=HEADER + ",lat,lon")
    [problem] = _problems(path)
    assert problem.column == "lon" and "both lat and lon" in problem.message


def test_every_problem_of_a_row_is_reported(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a1,A,sociaal,56,Gentt,-3,1,,", "a1,B,social,56,Gent,3,1,,")
    problems = _problems(path)
    found = {(p.row, p.column, p.value) for p in problems}
    assert (2, "economy", "sociaal") in found
    assert (2, "municipality", "Gentt") in found
    assert (2, "fte", "-3") in found
    assert (3, "id", "a1") in found  # duplicate of a row that itself has problems
    assert [p.row for p in problems] == sorted(p.row or 0 for p in problems)


def test_duplicate_header_column(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a1,A,social,56,Gent,3,1,,,5", header=HEADER + ",fte")
    [problem] = _problems(path)
    assert problem.column == "fte" and "more than once" in problem.message


def test_more_cells_than_header(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a1,A,social,56,Gent,3,1,,,extra")
    [problem] = _problems(path)
    assert (problem.row, problem.id) == (2, "a1") and "more cells" in problem.message


def test_missing_columns_are_all_listed(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a1,A", header="id,name")
    columns = {p.column for p in _problems(path)}
    assert {"economy", "sector", "fte", "target_group_fte", "offers", "needs"} <= columns
    assert "municipality" in columns  # no location column either


def test_header_only_roster(tmp_path: Path) -> None:
    [problem] = _problems(_csv(tmp_path))
    assert "no organisations" in problem.message


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("r.parquet", b"x", "unsupported roster format '.parquet'"),
        ("r.xlsx", b"id,name\n", "not an Excel workbook"),
        ("r.xlsx", b"PK\x03\x04 broken zip", "cannot be read"),
        ("r.json", b"{bad json", "cannot be read"),
        ("r.json", b'{"organisations": 5}', "expected a list of organisations"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: bytes, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    [problem] = _problems(path)
    assert problem.file == str(path)
    assert words in problem.message


def test_missing_file(tmp_path: Path) -> None:
    [problem] = _problems(tmp_path / "nope.csv")
    assert problem.message == "file not found"


def test_json_items_are_numbered_from_one(tmp_path: Path) -> None:
    items = json.loads((DATA / "roster.json").read_text(encoding="utf-8"))["organisations"]
    items[2]["fte"] = -1
    path = tmp_path / "r.json"
    path.write_text(json.dumps(items), encoding="utf-8")  # a plain list works too
    [problem] = _problems(path)
    assert (problem.row, problem.id, problem.column, problem.value) == (3, "se03", "fte", -1)


def test_reading_does_not_touch_the_file(tmp_path: Path) -> None:
    for name in FORMATS:
        shutil.copy(DATA / name, tmp_path / name)
        before = (tmp_path / name).stat().st_mtime_ns, (tmp_path / name).read_bytes()
        read_roster(tmp_path / name)
        assert ((tmp_path / name).stat().st_mtime_ns, (tmp_path / name).read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FORMATS)


def test_a_tag_outside_the_taxonomy_warns_with_a_suggestion(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a1,A,social,56,Gent,3,1,packing,", "b1,B,regular,56,Gent,3,1,,packing",
                "c1,C,regular,56,Gent,3,1,packaging,")
    [warning] = read_roster(path).warnings
    assert "row 2, id a1, column 'offers', value 'packing'" in warning
    assert "did you mean packaging" in warning and "also on row 3" in warning
    assert read_roster(path, extra_tags=["packing"]).warnings == ()


def test_a_thousands_separator_is_refused_where_decimal_commas_are_used(tmp_path: Path) -> None:
    header = HEADER.replace(",", ";")
    path = _csv(tmp_path, "a1;A;social;56;Gent;1.200;1,5;;", "b1;B;social;56;Gent;1.200,5;2;;",
                header=header)
    [problem] = _problems(path)
    assert (problem.row, problem.id, problem.column, problem.value) == (2, "a1", "fte", "1.200")
    assert "ambiguous" in problem.message and "1200" in problem.message


def test_with_decimal_points_1_200_is_one_point_two(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a1,A,social,56,Gent,1.200,1,,", "b1,B,social,56,Gent,\"1.200,5\",2,,")
    assert [o.fte for o in read_roster(path).organisations] == [1.2, 1200.5]


def test_a_title_row_above_the_header(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a1,A,social,56,Gent,3,1,,", header="Ledenlijst 2026\n" + HEADER)
    roster = read_roster(path)
    assert roster.ids == ("a1",) and roster.rows == (3,)


def test_utf16_roster_as_excel_saves_unicode_text(tmp_path: Path) -> None:
    text = (DATA / "roster.csv").read_text(encoding="utf-8").replace(",", "\t")
    text = text.replace("Atelier Kempen", "Atelier Zoë")  # tags keep their ';'
    (tmp_path / "r.txt").write_text(text, encoding="utf-16")
    roster = read_roster(tmp_path / "r.txt")
    assert roster.organisations[0].name == "Atelier Zoë"
    assert roster.ids == read_roster(DATA / "roster.csv").ids


def test_the_roster_on_the_second_sheet(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(DATA / "roster.xlsx")
    notes = wb.create_sheet("Uitleg", 0)
    notes.append(["Ledenlijst, zie het tweede blad"])
    wb.save(tmp_path / "r.xlsx")
    assert read_roster(tmp_path / "r.xlsx").ids == read_roster(DATA / "roster.xlsx").ids


def test_problems_in_a_workbook_name_the_sheet(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(DATA / "roster.xlsx")
    ws = wb.active
    assert ws is not None
    ws.title = "Leden"
    ws["G3"] = -5  # fte of se02
    wb.save(tmp_path / "r.xlsx")
    [problem] = _problems(tmp_path / "r.xlsx")
    assert str(problem).startswith(f"{tmp_path / 'r.xlsx'}, sheet 'Leden', row 3, id se02")


@pytest.mark.parametrize(("tag", "meant"), [("repair", "repair_refurbish"), ("asembly", "assembly"),
                                            ("packing", "packaging")])
def test_the_suggested_tag_is_the_one_meant(tmp_path: Path, tag: str, meant: str) -> None:
    [warning] = read_roster(_csv(tmp_path, f"a1,A,social,56,Gent,3,1,{tag},")).warnings
    assert f"did you mean {meant}? " in warning


def test_capacity_by_its_english_or_dutch_header(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a1,A,public,84,Gent,3,1,,,2", "a2,B,social,56,Gent,3,1,,,",
                header=HEADER + ",Capaciteit")
    roster = read_roster(path)
    assert "capacity" in roster.columns
    assert [o.capacity for o in roster.organisations] == [2, None]
    path = _csv(tmp_path, '"a3",C,social,56,Gent,3,1,,,"3,0"', header=HEADER + ",capacity")
    assert read_roster(path).organisations[0].capacity == 3  # as a Dutch spreadsheet writes 3


def test_a_capacity_below_one_is_located(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a1,A,public,84,Gent,3,1,,,0", "a2,B,social,56,Gent,3,1,,,two",
                header=HEADER + ",capaciteit")
    found = [(p.row, p.id, p.column, p.value) for p in _problems(path)]
    assert found == [(2, "a1", "capacity", "0"), (3, "a2", "capacity", "two")]
