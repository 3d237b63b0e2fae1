"""Read a roster (CSV, XLSX, JSON) into validated organisations, listing every problem at once."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pilotopt.errors import InputError, InputProblem
from pilotopt.io.municipalities import find_municipality, suggest_municipalities
from pilotopt.schema.roster import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, Organisation

__all__ = ["Roster", "read_roster"]

_NUMERIC = ("fte", "target_group_fte", "lat", "lon")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")


@dataclass(frozen=True)
class Roster:
    """The organisations of a roster, located, with the columns the file had."""

    path: str
    organisations: tuple[Organisation, ...]
    columns: tuple[str, ...]
    rows: tuple[int, ...]  # file row of each organisation, for messages
    warnings: tuple[str, ...] = field(default=())

    @property
    def ids(self) -> tuple[str, ...]:
        """Organisation ids in roster order."""
        return tuple(o.id for o in self.organisations)


def _sniff_delimiter(header: str) -> str:
    # Spreadsheets set to a Dutch locale write ';'-separated CSV; the header tells which.
    return max((",", ";", "\t"), key=header.count)


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="cp1252")
    lines = text.splitlines()
    if not lines:
        return [], []
    reader = csv.DictReader(lines, delimiter=_sniff_delimiter(lines[0]))
    columns = [c.strip() for c in (reader.fieldnames or [])]
    rows = []
    for raw in reader:
        row = {
            k.strip(): (v.strip() if isinstance(v, str) else v)
            for k, v in raw.items()
            if k is not None
        }
        if None in raw:  # more cells than header columns
            row["__extra__"] = raw[None]
        rows.append(row)
    return columns, rows


def _read_xlsx(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    import pandas as pd  # only spreadsheets need it; keeps start-up short

    with path.open("rb") as fh:
        if fh.read(2) != b"PK":  # every .xlsx is a zip archive
            raise ValueError("not an Excel workbook (.xlsx); save it from a spreadsheet as .xlsx")
    frame = pd.read_excel(path, sheet_name=0, dtype=str, keep_default_na=False)
    columns = [str(c).strip() for c in frame.columns]
    frame.columns = pd.Index(columns)
    return columns, [{k: v.strip() for k, v in r.items()} for r in frame.to_dict("records")]


def _read_json(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("organisations")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ValueError("expected a list of organisations, or {\"organisations\": [...]}")
    columns = list(dict.fromkeys(k for r in data for k in r))
    return columns, data


_READERS = {".csv": _read_csv, ".txt": _read_csv, ".xlsx": _read_xlsx, ".json": _read_json}


def _cell(value: Any) -> Any:
    """Empty cells are missing values; a decimal comma is a decimal point."""
    if value is None or (isinstance(value, str) and value == ""):
        return None
    return value


def _problem_from_error(file: str, row: int, org_id: str | None, err: Any) -> InputProblem:
    column = str(err["loc"][0]) if err["loc"] else None
    value = err.get("input")
    message = str(err["msg"]).removeprefix("Value error, ")
    if value is None and err["type"] != "value_error":  # keep our own validators' messages
        message = "a value is required"
    elif isinstance(value, dict):
        value = None
    return InputProblem(file, message, row=row, id=org_id, column=column, value=value)


def _validate_rows(
    file: str, columns: list[str], rows: list[dict[str, Any]], first_row: int
) -> tuple[list[Organisation], list[int], list[InputProblem]]:
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    orgs: list[Organisation] = []
    where: list[int] = []
    ids: list[tuple[str | None, int]] = []
    problems: list[InputProblem] = []
    for k, raw in enumerate(rows):
        row_no = first_row + k
        if all(_cell(v) is None for v in raw.values()):
            continue  # blank line in a spreadsheet
        org_id = str(raw.get("id") or "").strip() or None
        if "__extra__" in raw:
            problems.append(InputProblem(
                file, f"this row has more cells than the {len(columns)} header columns",
                row=row_no, id=org_id,
            ))
            continue
        ids.append((org_id, row_no))
        fields: dict[str, Any] = {}
        attributes: dict[str, str] = {}
        for col in columns:
            value = _cell(raw.get(col))
            if col in _NUMERIC and isinstance(value, str) and _DECIMAL_COMMA.match(value):
                value = value.replace(",", ".")
            if col in known:
                fields[col] = value
            elif value is not None:
                attributes[col] = str(value)
        try:
            orgs.append(Organisation(**fields, attributes=attributes))
            where.append(row_no)
        except ValidationError as exc:
            errors = exc.errors()
            problems.extend(_problem_from_error(file, row_no, org_id, e) for e in errors)
            # Report an unknown municipality here too: every problem of the row at once.
            mun = fields.get("municipality")
            if isinstance(mun, str) and all(e["loc"][:1] != ("municipality",) for e in errors):
                problems += _municipality_problem(file, row_no, org_id, mun.strip())
    problems += _duplicates(file, ids)
    return orgs, where, problems


def _locate(
    file: str, orgs: list[Organisation], rows: list[int]
) -> tuple[list[Organisation], list[InputProblem]]:
    """Fill coordinates and province from the municipality table."""
    located: list[Organisation] = []
    problems: list[InputProblem] = []
    for org, row in zip(orgs, rows, strict=True):
        if org.municipality is None:
            located.append(org)
            continue
        mun = find_municipality(org.municipality)
        if mun is None:
            problems += _municipality_problem(file, row, org.id, org.municipality)
            located.append(org)
            continue
        attributes = {"province": mun.province, **org.attributes}
        update: dict[str, Any] = {"municipality": mun.name, "attributes": attributes}
        if org.lat is None:
            update |= {"lat": mun.lat, "lon": mun.lon}
        located.append(org.model_copy(update=update))
    return located, problems


def _municipality_problem(file: str, row: int, org_id: str | None, name: str) -> list[InputProblem]:
    """A located problem when ``name`` is no known municipality, else nothing."""
    if find_municipality(name) is not None:
        return []
    near = suggest_municipalities(name)
    hint = f"; did you mean {' or '.join(near)}?" if near else ""
    return [InputProblem(
        file, f"not a Flemish or Brussels municipality name or NIS code{hint}",
        row=row, id=org_id, column="municipality", value=name,
    )]


def _duplicates(file: str, ids: Iterable[tuple[str | None, int]]) -> list[InputProblem]:
    """Ids used on more than one row (rows with other problems included)."""
    first: dict[str, int] = {}
    problems = []
    for org_id, row in ids:
        if org_id is None:
            continue
        if org_id in first:
            problems.append(InputProblem(
                file, f"duplicate id (first used on row {first[org_id]})",
                row=row, id=org_id, column="id", value=org_id,
            ))
        else:
            first[org_id] = row
    return problems


def read_roster(path: str | Path) -> Roster:
    """Read and validate a roster file.

    Raises
    ------
    InputError
        Listing every problem found, each with file, row, id, column and value.
    """
    path = Path(path)
    file = str(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise InputError([InputProblem(
            file, f"unsupported roster format '{path.suffix}'; use .csv, .xlsx or .json"
        )])
    try:
        columns, rows = reader(path)
    except FileNotFoundError:
        raise InputError([InputProblem(file, "file not found")]) from None
    except (OSError, ValueError, KeyError, csv.Error, zipfile.BadZipFile) as exc:
        raise InputError([InputProblem(file, f"cannot be read: {exc}")]) from None

    problems: list[InputProblem] = [
        InputProblem(file, "the header has this column more than once", column=c)
        for c in dict.fromkeys(c for c in columns if columns.count(c) > 1)
    ]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    problems.extend(
        InputProblem(file, "required column is missing", column=c) for c in missing
    )
    if "municipality" not in columns and not {"lat", "lon"} <= set(columns):
        problems.append(InputProblem(
            file, "a location column is missing: give 'municipality' or 'lat' and 'lon'",
            column="municipality",
        ))
    if not rows:
        problems.append(InputProblem(file, "the roster has no organisations"))
    if problems:
        raise InputError(problems)

    first_row = 1 if path.suffix.lower() == ".json" else 2  # JSON: item number
    orgs, where, problems = _validate_rows(file, columns, rows, first_row)
    orgs, located_problems = _locate(file, orgs, where)
    problems += located_problems
    if not orgs and not problems:
        problems.append(InputProblem(file, "the roster has no organisations"))
    if problems:
        raise InputError(sorted(problems, key=lambda p: p.row or 0))  # in file order

    warnings = []
    ids = {o.id for o in orgs}
    for org, row in zip(orgs, where, strict=True):
        unknown = [c for c in org.competitors if c not in ids]
        if unknown:
            warnings.append(
                f"{file}, row {row}, id {org.id}, column 'competitors': "
                f"{', '.join(unknown)} not in the roster (ignored)"
            )
    return Roster(file, tuple(orgs), tuple(columns), tuple(where), tuple(warnings))
