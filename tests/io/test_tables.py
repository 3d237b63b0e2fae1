"""The table reader: whichever encoding, separator and layout a spreadsheet saved, the same table;
what it cannot read, it says why, in one located problem."""

from __future__ import annotations

import codecs
from pathlib import Path

import openpyxl
import pytest

from pilotopt.errors import InputError, InputProblem
from pilotopt.io.tables import read_table, safe_cell

NEEDED = ("id", "name", "group")
ROWS = [["id", "name", "group"], ["a1", "Café Zoë", "G1"], ["b2", "Bäckerei, Söhne", "g2"]]


def _problem(path: Path, required: tuple[str, ...] = NEEDED) -> InputProblem:
    with pytest.raises(InputError) as info:
        read_table(path, required)
    [problem] = info.value.problems
    return problem


def _as_text(rows: list[list[str]], delimiter: str) -> str:
    def cell(c: str) -> str:
        return f'"{c}"' if delimiter in c or "," in c else c
    return "".join(delimiter.join(cell(c) for c in row) + "\r\n" for row in rows)


@pytest.mark.parametrize(
    ("encoding", "delimiter", "bom"),
    [
        ("utf-8", ",", b""),
        ("utf-8", ";", codecs.BOM_UTF8),  # Excel's "CSV UTF-8"
        ("cp1252", ";", b""),  # Excel's "CSV" on a Dutch Windows
        ("utf-16-le", "\t", codecs.BOM_UTF16_LE),  # Excel's "Unicode text"
        ("utf-16-be", ",", codecs.BOM_UTF16_BE),
        ("utf-16-le", ";", b""),  # UTF-16 that lost its byte-order mark
        ("utf-8", "|", b""),
    ],
)
def test_every_encoding_and_separator_gives_the_same_table(
    tmp_path: Path, encoding: str, delimiter: str, bom: bytes
) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(bom + _as_text(ROWS, delimiter).encode(encoding))
    table = read_table(path, NEEDED)
    assert table.columns == ("id", "name", "group")
    assert [r.cells for r in table.rows] == [dict(zip(ROWS[0], r, strict=True)) for r in ROWS[1:]]
    assert [r.number for r in table.rows] == [2, 3]
    assert table.delimiter == delimiter


def test_a_title_above_the_header_is_skipped_and_rows_keep_their_number(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("Indeling proeftuinen 2026;;\n;;\n" + _as_text(ROWS, ";"), encoding="utf-8")
    table = read_table(path, NEEDED)
    assert table.header_row == 3
    assert [r.number for r in table.rows] == [4, 5]
    assert table.rows[0].cells["id"] == "a1"


def test_known_columns_match_whatever_their_case(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("ID,Name,Group,Contact\na1,A,G1,x@y.be\n", encoding="utf-8")
    table = read_table(path, NEEDED)
    assert table.columns == ("id", "name", "group", "Contact")


def test_cells_beyond_the_header_are_extra_and_empty_trailing_cells_are_not(
    tmp_path: Path
) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id;name;group;;\na1;A;G1;;\nb2;B;G2;;oops\n", encoding="utf-8")
    table = read_table(path, NEEDED)
    assert [r.extra for r in table.rows] == [(), ("oops",)]


def test_workbook_sheet_with_the_columns_is_read_not_the_first(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Uitleg"
    ws.append(["Lees dit eerst"])
    data = wb.create_sheet("Blad2")
    data.append(["Indeling"])
    for row in [["id", "name", "group"], ["a1", "A", 1], ["b2", "B", 2.0]]:
        data.append(row)
    wb.save(tmp_path / "t.xlsx")
    table = read_table(tmp_path / "t.xlsx", NEEDED)
    assert table.sheet == "Blad2"
    assert [(r.number, r.cells["group"]) for r in table.rows] == [(3, "1"), (4, "2")]


def test_formula_like_text_round_trips_through_safe_cell(tmp_path: Path) -> None:
    names = ["=SUM(A1)", "+32 9 123", "-Noord", "@home", "Gent"]
    assert [safe_cell(n) for n in names] == ["'=SUM(A1)", "'+32 9 123", "'-Noord", "'@home",
                                             "Gent"]
    path = tmp_path / "t.csv"
    path.write_text("id,name\n" + "".join(f"a{k},{safe_cell(n)}\n" for k, n in enumerate(names)),
                    encoding="utf-8")
    assert [r.cells["name"] for r in read_table(path, ("id",)).rows] == names


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"PK\x03\x04rest of a zip", "Excel workbook saved under a CSV name"),
        (b"\xd0\xcf\x11\xe0 old xls", "old Excel workbook (.xls)"),
        (b"", "the file is empty"),
        (b"se01,A,G1\nse02,B,G2\n", "no header row naming the table's columns"),
    ],
)
def test_what_cannot_be_read_is_one_problem_saying_why(
    tmp_path: Path, content: bytes, words: str
) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    problem = _problem(path)
    assert problem.file == str(path) and words in problem.message


def test_a_byte_that_is_no_text_is_located(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"id,name,group\na1,A,G1\nb2,B\x81,G2\n")
    problem = _problem(path)
    assert problem.row == 3 and "0x81" in problem.message


def test_a_workbook_without_the_columns_names_its_sheets(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["nothing", "here"])
    wb.create_sheet("Tweede")
    wb.save(tmp_path / "t.xlsx")
    problem = _problem(tmp_path / "t.xlsx")
    assert "no sheet" in problem.message and "'Sheet', 'Tweede'" in problem.message


def test_reading_does_not_touch_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    data = codecs.BOM_UTF16_LE + _as_text(ROWS, "\t").encode("utf-16-le")
    path.write_bytes(data)
    read_table(path, NEEDED)
    assert path.read_bytes() == data


def test_a_cell_the_csv_module_refuses_is_located(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,name,group\na1,A,G1\nb2,\"" + "x" * 200_000 + "\",G2\n", encoding="utf-8")
    problem = _problem(path)
    assert problem.row == 3 and "field larger than field limit" in problem.message
