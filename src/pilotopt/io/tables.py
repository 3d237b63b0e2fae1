"""One reader for the tables users give: rosters, assignments and pair lists, as CSV the way any
spreadsheet saves it, or as a sheet of an Excel workbook.

CSV text may be UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark (Excel's
"Unicode text") or Windows-1252 (Excel's "CSV" on a Western-European Windows); cells may be
separated by ``,``, ``;`` (a Dutch or French locale), a tab or ``|``. The header is the first row
with the columns the caller needs, so a title row above it is skipped; rows keep the number a
spreadsheet shows. Every problem names the file, the sheet and the row.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pilotopt.errors import InputError, InputProblem

__all__ = ["Row", "Table", "find_table", "is_workbook", "read_sheets", "read_table",
           "safe_cell", "unsafe_start"]

#: Cells of a text table; each row as the spreadsheet holds it.
Grid = list[list[str]]

_DELIMITERS = (",", ";", "\t", "|")
#: The header is looked for in this many rows (a title and a few notes may sit above it).
HEADER_ROWS = 20
#: What makes a spreadsheet read a cell as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@")
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # the old binary .xls


def unsafe_start(text: str) -> bool:
    """Whether a spreadsheet would take ``text`` for a formula."""
    return text.startswith(_FORMULA_START)


def safe_cell(value: object) -> object:
    """``value`` ready for a CSV cell: text a spreadsheet would run as a formula (``=``, ``+``,
    ``-``, ``@``) gets the apostrophe that keeps it text. Numbers pass unchanged.

    The table reader drops that apostrophe again, so names round-trip.

    >>> safe_cell("=HYPERLINK(1)"), safe_cell("Gent"), safe_cell(-3)
    ("'=HYPERLINK(1)", 'Gent', -3)
    """
    if isinstance(value, str) and unsafe_start(value):
        return "'" + value
    return value


@dataclass(frozen=True)
class Row:
    """One row under the header."""

    number: int  # as a spreadsheet shows it: the first line of the file or sheet is 1
    cells: dict[str, str]  # by column name; cells beyond the row's end are ""
    extra: tuple[str, ...] = ()  # non-empty cells under no column name
    values: tuple[str, ...] = ()  # every cell, in file order


@dataclass(frozen=True)
class Table:
    """The header and the non-blank rows under it."""

    file: str
    columns: tuple[str, ...]  # as in the header (known names in their usual case); may repeat
    rows: tuple[Row, ...]
    header_row: int
    sheet: str | None = None  # workbooks only
    delimiter: str | None = None  # CSV only

    def problem(
        self, message: str, row: int | None = None, id: str | None = None,
        column: str | None = None, value: object = None,
    ) -> InputProblem:
        """A problem located in this table: file, sheet, row, id, column and value."""
        return InputProblem(self.file, message, row=row, id=id, column=column, value=value,
                            sheet=self.sheet)


def _fail(file: str, message: str, row: int | None = None) -> InputError:
    return InputError([InputProblem(file, message, row=row)])


def _decode(file: str, data: bytes) -> str:
    """Text of a CSV file in whichever encoding a spreadsheet saved it."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _fail(file, f"starts as UTF-16 text but breaks off ({exc.reason})") from None
    head = data[:400]
    if head.count(0) > len(head) // 4:
        # Every other byte zero: UTF-16 without the byte-order mark that says which order.
        order = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
        try:
            return data.decode(order)
        except UnicodeDecodeError:
            raise _fail(file, "looks like UTF-16 text without a byte-order mark, and cannot be "
                        "read as such; save it from the spreadsheet as CSV (UTF-8)") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise _fail(file, f"byte 0x{data[exc.start]:02x} is not text in UTF-8 or Windows-1252; "
                    "save the file from the spreadsheet as CSV (UTF-8)", row=line) from None


def _undo_safe(cell: str) -> str:
    """Drop the apostrophe :func:`safe_cell` put before a formula-like text."""
    return cell[1:] if cell.startswith("'") and unsafe_start(cell[1:]) else cell


def _parse(text: str, delimiter: str, file: str | None = None) -> Grid:
    """The cells of CSV text; with ``file``, what the csv module refuses (e.g. a cell over
    128 KB) is an :class:`InputError` naming the line."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [[_undo_safe(c.strip()) for c in cells] for cells in reader]
    except csv.Error as exc:
        if file is None:
            raise
        raise _fail(file, f"cannot be read as CSV: {exc}", row=reader.line_num) from None


def _canonical(cell: str, names: Iterable[str]) -> str:
    """The column name a header cell means: known names match whatever their case."""
    wanted = cell.strip().casefold()
    return next((n for n in names if n.casefold() == wanted), cell.strip())


def _header_score(cells: Sequence[str], required: Sequence[str]) -> int:
    have = {c.strip().casefold() for c in cells}
    return sum(r.casefold() in have for r in required)


def _find_header(grid: Grid, required: Sequence[str]) -> int | None:
    """Index of the header: the first row with the most required columns (at least one), or
    the first non-blank row when nothing is required."""
    best, best_score = None, 0
    for k, cells in enumerate(grid[:HEADER_ROWS]):
        if not required:
            if any(cells):
                return k
            continue
        score = _header_score(cells, required)
        if score > best_score:
            best, best_score = k, score
    return best


def _sniff(text: str, required: Sequence[str]) -> str:
    """The delimiter under which a header with the most required columns appears; between
    equals, the one the first lines use most."""
    sample = "\n".join(text.split("\n", HEADER_ROWS)[:HEADER_ROWS])

    def score(d: str) -> tuple[int, int]:
        try:
            grid = _parse(sample, d)
        except csv.Error:
            return -1, 0
        found = max((_header_score(r, required) for r in grid), default=0) if required else 0
        first = next((line for line in sample.splitlines() if line.strip()), "")
        return found, first.count(d) * HEADER_ROWS + sample.count(d)

    return max(_DELIMITERS, key=score)


def find_table(
    file: str, grid: Grid, required: Sequence[str], known: Iterable[str] = (),
    sheet: str | None = None, delimiter: str | None = None,
) -> Table | None:
    """The table of ``grid`` under its header (see :func:`read_table`), or None without one."""
    k = _find_header(grid, required)
    if k is None:
        return None
    names = [*required, *known]
    header = [_canonical(c, names) for c in grid[k]]
    named = [(j, c) for j, c in enumerate(header) if c]
    rows = []
    for number, cells in enumerate(grid[k + 1:], start=k + 2):
        if not any(cells):
            continue  # a blank line, e.g. at the end of a spreadsheet
        values: dict[str, str] = {}
        for j, c in named:  # a repeated column keeps its first cell (the reader reports it)
            values.setdefault(c, cells[j] if j < len(cells) else "")
        extra = tuple(v for j, v in enumerate(cells) if v and (j >= len(header) or not header[j]))
        rows.append(Row(number, values, extra, tuple(cells)))
    return Table(file, tuple(c for _, c in named), tuple(rows), k + 1, sheet, delimiter)


def _cell_text(value: object) -> str:
    """A workbook cell as the text a CSV export would show."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


def read_sheets(path: str | Path) -> list[tuple[str, Grid]]:
    """Every sheet of a workbook, by name, as text cells.

    Raises :class:`InputError` when the file is no workbook.
    """
    from openpyxl import load_workbook  # only workbooks need it; keeps start-up short

    file = str(path)
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
        if magic == _OLE:
            raise _fail(file, "an old Excel workbook (.xls); save it as .xlsx or as CSV")
        if magic != _ZIP:
            raise _fail(file, "not an Excel workbook (.xlsx); save it from a spreadsheet as "
                        ".xlsx, or name a CSV file .csv")
        wb = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise _fail(file, "file not found") from None
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise _fail(file, f"cannot be read as an Excel workbook: {exc}") from None
    try:
        sheets = []
        for ws in wb.worksheets:
            grid = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            while grid and not any(grid[-1]):
                grid.pop()
            sheets.append((ws.title, grid))
        return sheets
    finally:
        wb.close()


def _read_csv(file: str, path: Path, required: Sequence[str]) -> tuple[Grid, str]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _fail(file, "file not found") from None
    except OSError as exc:
        raise _fail(file, f"cannot be read: {exc.strerror or exc}") from None
    if data.startswith(_ZIP):
        raise _fail(file, "an Excel workbook saved under a CSV name; name it .xlsx")
    if data.startswith(_OLE):
        raise _fail(file, "an old Excel workbook (.xls); save it as .xlsx or as CSV")
    text = _decode(file, data)
    delimiter = _sniff(text, required)
    return _parse(text, delimiter, file), delimiter


def is_workbook(path: str | Path) -> bool:
    """Whether ``path`` names an Excel workbook (by its extension)."""
    return Path(path).suffix.lower() in (".xlsx", ".xlsm")


def read_table(
    path: str | Path, required: Sequence[str] = (), known: Iterable[str] = (), what: str = "table"
) -> Table:
    """Read a CSV file or a workbook's first sheet with a header naming ``required`` columns.

    Column names in ``required`` and ``known`` match whatever their case. With nothing required,
    the header is the first non-blank row.

    Raises
    ------
    InputError
        When the file cannot be read, or no row in the first :data:`HEADER_ROWS` (of any sheet)
        names a required column: one problem that says why.
    """
    path = Path(path)
    file = str(path)
    if is_workbook(path):
        sheets = read_sheets(path)
        tables = [find_table(file, grid, required, known, sheet=name) for name, grid in sheets]
        found = [t for t in tables if t is not None]
        if found:
            # The sheet with the most required columns; between equals, the first.
            return max(found, key=lambda t: _header_score(t.columns, required))
        names = ", ".join(f"'{name}'" for name, _ in sheets)
        raise _fail(file, f"no sheet has a header row naming the {what}'s columns "
                    f"({', '.join(required)}) in its first {HEADER_ROWS} rows; sheets: {names}")
    grid, delimiter = _read_csv(file, path, required)
    table = find_table(file, grid, required, known, delimiter=delimiter)
    if table is not None:
        return table
    first = next((r for r in grid if any(r)), None)
    if first is None:
        raise _fail(file, f"the file is empty; expected a header row ({', '.join(required)})")
    shown = delimiter.join(first)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    raise _fail(file, f"no header row naming the {what}'s columns ({', '.join(required)}) in "
                f"the first {HEADER_ROWS} rows; the first row reads {shown!r}")
