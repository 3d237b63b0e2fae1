"""Read a roster (CSV, XLSX, JSON) into validated organisations, listing every problem at once."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pilotopt.compile.complementarity import known_tags
from pilotopt.errors import InputError, InputProblem
from pilotopt.io.municipalities import find_municipality, suggest_municipalities
from pilotopt.io.tables import Row, Table, read_table
from pilotopt.schema.roster import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, Organisation

__all__ = ["Roster", "read_roster"]

_COUNTS = ("fte", "target_group_fte")
_NUMERIC = (*_COUNTS, "lat", "lon")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
#: ``1.200``: twelve hundred with a thousands separator, or 1.2 with three decimals.
_GROUPED = re.compile(r"^-?\d{1,3}(\.\d{3})+$")
#: ``1.200,5``: a thousands separator and a decimal comma, unambiguous.
_GROUPED_COMMA = re.compile(r"^-?\d{1,3}(\.\d{3})+,\d+$")
#: Dutch names of columns, any case, read as the English ones.
_DUTCH = {"capaciteit": "capacity"}


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


def _read_json(file: str, path: Path) -> Table:
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("organisations")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ValueError("expected a list of organisations, or {\"organisations\": [...]}")
    columns = tuple(dict.fromkeys(k for r in data for k in r))
    # Items are numbered from 1 (there is no header row).
    return Table(file, columns, tuple(Row(k, r) for k, r in enumerate(data, start=1)), 0)


def _cell(value: Any) -> Any:
    """Empty cells are missing values."""
    if value is None or (isinstance(value, str) and value == ""):
        return None
    return value


def _decimal_comma(table: Table) -> bool:
    """Whether the numbers of ``table`` are written with a decimal comma: a ';'-separated file
    (a Dutch or French locale) or one with a number like ``35,5``."""
    return table.delimiter == ";" or any(
        isinstance(v := r.cells.get(c), str) and _DECIMAL_COMMA.match(v)
        for r in table.rows for c in _NUMERIC
    )


def _number(column: str, value: Any, decimal_comma: bool) -> tuple[Any, str | None]:
    """A numeric cell as pydantic reads it, or a reason to refuse it."""
    if not isinstance(value, str):
        return value, None
    if _DECIMAL_COMMA.match(value) or _GROUPED_COMMA.match(value):
        return value.replace(".", "").replace(",", "."), None
    # Coordinates never run into thousands: 4.123 is a longitude, only FTE counts are in doubt.
    if decimal_comma and column in _COUNTS and _GROUPED.match(value):
        whole = value.replace(".", "")
        point = value.replace(".", ",", 1).rstrip("0").rstrip(",")
        return value, (f"ambiguous in a file with decimal commas: write {whole} (without the "
                       f"thousands separator) or {point}")
    return value, None


def _problem_from_error(
    table: Table, row: int, org_id: str | None, err: Any
) -> InputProblem:
    column = str(err["loc"][0]) if err["loc"] else None
    value = err.get("input")
    message = str(err["msg"]).removeprefix("Value error, ")
    if value is None and err["type"] != "value_error":  # keep our own validators' messages
        message = "a value is required"
    elif isinstance(value, dict):
        value = None
    return table.problem(message, row=row, id=org_id, column=column, value=value)


def _validate_rows(table: Table) -> tuple[list[Organisation], list[int], list[InputProblem]]:
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    decimal_comma = _decimal_comma(table)
    orgs: list[Organisation] = []
    where: list[int] = []
    ids: list[tuple[str | None, int]] = []
    problems: list[InputProblem] = []
    for raw in table.rows:
        row_no = raw.number
        if all(_cell(v) is None for v in raw.cells.values()):
            continue  # blank line in a spreadsheet
        org_id = str(raw.cells.get("id") or "").strip() or None
        if raw.extra:
            problems.append(table.problem(
                f"this row has more cells than the {len(table.columns)} named header columns",
                row=row_no, id=org_id, value=raw.extra[0],
            ))
            continue
        ids.append((org_id, row_no))
        fields: dict[str, Any] = {}
        attributes: dict[str, str] = {}
        refused: list[InputProblem] = []
        for col in table.columns:
            value = _cell(raw.cells.get(col))
            if col in _NUMERIC:
                value, why = _number(col, value, decimal_comma)
                if why is not None:
                    refused.append(table.problem(why, row=row_no, id=org_id, column=col,
                                                 value=value))
                    value = None  # not read as 1.2 by the checks that follow
            if col in known:
                fields[col] = value
            elif value is not None:
                attributes[col] = str(value)
        problems += refused
        try:
            org = Organisation(**fields, attributes=attributes)
        except ValidationError as exc:
            errors = [e for e in exc.errors()
                      if not any(p.column == str(e["loc"][0]) for p in refused if e["loc"])]
            problems.extend(_problem_from_error(table, row_no, org_id, e) for e in errors)
            # Report an unknown municipality here too: every problem of the row at once.
            mun = fields.get("municipality")
            if isinstance(mun, str) and all(e["loc"][:1] != ("municipality",) for e in errors):
                problems += _municipality_problem(table, row_no, org_id, mun.strip())
            continue
        if not refused:
            orgs.append(org)
            where.append(row_no)
    problems += _duplicates(table, ids)
    return orgs, where, problems


def _locate(
    table: Table, orgs: list[Organisation], rows: list[int]
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
            problems += _municipality_problem(table, row, org.id, org.municipality)
            located.append(org)
            continue
        attributes = {"province": mun.province, **org.attributes}
        update: dict[str, Any] = {"municipality": mun.name, "attributes": attributes}
        if org.lat is None:
            update |= {"lat": mun.lat, "lon": mun.lon}
        located.append(org.model_copy(update=update))
    return located, problems


def _municipality_problem(
    table: Table, row: int, org_id: str | None, name: str
) -> list[InputProblem]:
    """A located problem when ``name`` is no known municipality, else nothing."""
    if find_municipality(name) is not None:
        return []
    near = suggest_municipalities(name)
    hint = f"; did you mean {' or '.join(near)}?" if near else ""
    return [table.problem(
        f"not a Flemish or Brussels municipality name or NIS code{hint}",
        row=row, id=org_id, column="municipality", value=name,
    )]


def _duplicates(table: Table, ids: Iterable[tuple[str | None, int]]) -> list[InputProblem]:
    """Ids used on more than one row (rows with other problems included)."""
    first: dict[str, int] = {}
    problems = []
    for org_id, row in ids:
        if org_id is None:
            continue
        if org_id in first:
            problems.append(table.problem(
                f"duplicate id (first used on row {first[org_id]})",
                row=row, id=org_id, column="id", value=org_id,
            ))
        else:
            first[org_id] = row
    return problems


def _english(table: Table) -> Table:
    """The table with its Dutch column names (:data:`_DUTCH`) read as the English ones."""
    names = {c: _DUTCH[c.casefold()] for c in table.columns if c.casefold() in _DUTCH}
    if not names:
        return table
    rows = tuple(replace(r, cells={names.get(k, k): v for k, v in r.cells.items()})
                 for r in table.rows)
    return replace(table, columns=tuple(names.get(c, c) for c in table.columns), rows=rows)


def _read(path: Path) -> Table:
    """The roster's table, from whichever format the extension names."""
    return _english(_read_any(path))


def _read_any(path: Path) -> Table:
    file = str(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            return _read_json(file, path)
        except FileNotFoundError:
            raise InputError([InputProblem(file, "file not found")]) from None
        except (OSError, ValueError) as exc:
            raise InputError([InputProblem(file, f"cannot be read: {exc}")]) from None
    if suffix not in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm"):
        raise InputError([InputProblem(
            file, f"unsupported roster format '{path.suffix}'; use .csv, .xlsx or .json"
        )])
    return read_table(path, REQUIRED_COLUMNS, OPTIONAL_COLUMNS, what="roster")


def _nearest_tags(tag: str) -> list[str]:
    """Taxonomy tags ``tag`` may have meant: those it begins (``repair`` for
    ``repair_refurbish``), else the closest spellings (``packing`` for ``packaging``)."""
    taxonomy = sorted(known_tags())
    prefix = [k for k in taxonomy if k.startswith(tag) or tag.startswith(k)]
    if prefix:
        return prefix[:3]
    scored = sorted(((difflib.SequenceMatcher(None, tag, k).ratio(), k) for k in taxonomy),
                    reverse=True)
    best = scored[0][0] if scored else 0.0
    # Only spellings about as close as the best: 'financing' is no second guess for 'packing'.
    return [k for r, k in scored if r >= 0.6 and r >= best - 0.05][:2]


def _tag_warnings(
    file: str, orgs: Sequence[Organisation], rows: Sequence[int], extra_tags: Iterable[str]
) -> list[str]:
    """One warning per tag neither in the capability taxonomy nor declared by the scenario:
    such a tag only ever matches the same word, so a misspelling silently scores nothing."""
    known = known_tags() | set(extra_tags)
    seen: dict[str, list[tuple[int, str, str]]] = {}
    for org, row in zip(orgs, rows, strict=True):
        for column in ("offers", "needs"):
            for tag in getattr(org, column):
                if tag not in known:
                    seen.setdefault(tag, []).append((row, org.id, column))
    warnings = []
    for tag, places in seen.items():
        row, org_id, column = places[0]
        near = _nearest_tags(tag)
        hint = f"did you mean {' or '.join(near)}? " if near else ""
        more = ""
        if len(places) > 1:
            others = ", ".join(str(r) for r, _, _ in places[1:6])
            more = f" (also on row{'s' if len(places) > 2 else ''} {others}"
            more += ", ...)" if len(places) > 6 else ")"
        warnings.append(
            f"{file}, row {row}, id {org_id}, column '{column}', value {tag!r}: not a tag of "
            f"the capability taxonomy{more}; {hint}Declare a tag of your own in the "
            "scenario's [complementarity] extra_tags"
        )
    return warnings


def read_roster(path: str | Path, extra_tags: Iterable[str] = ()) -> Roster:
    """Read and validate a roster file.

    ``extra_tags`` are tags of the scenario's own, beside the capability taxonomy: any other
    tag in ``offers`` or ``needs`` gives a warning.

    Raises
    ------
    InputError
        Listing every problem found, each with file, row, id, column and value.
    """
    path = Path(path)
    file = str(path)
    table = _read(path)
    columns = list(table.columns)
    problems: list[InputProblem] = [
        table.problem("the header has this column more than once", column=c)
        for c in dict.fromkeys(c for c in columns if columns.count(c) > 1)
    ]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    problems.extend(table.problem("required column is missing", column=c) for c in missing)
    if "municipality" not in columns and not {"lat", "lon"} <= set(columns):
        problems.append(table.problem(
            "a location column is missing: give 'municipality' or 'lat' and 'lon'",
            column="municipality",
        ))
    if not table.rows:
        problems.append(table.problem("the roster has no organisations"))
    if problems:
        raise InputError(problems)

    orgs, where, problems = _validate_rows(table)
    orgs, located_problems = _locate(table, orgs, where)
    problems += located_problems
    if not orgs and not problems:
        problems.append(table.problem("the roster has no organisations"))
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
    warnings += _tag_warnings(file, orgs, where, extra_tags)
    return Roster(file, tuple(orgs), tuple(columns), tuple(where), tuple(warnings))
