"""Read an assignment, e.g. one made or edited by hand: a table with ``id`` and ``group`` (CSV as
any spreadsheet saves it, or a sheet of a workbook), or the ``groups.xlsx`` that ``solve --xlsx``
writes (a sheet per group). :func:`read_memberships` reads the same files without a roster (an
earlier wave, whose groups and organisations may differ from today's)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pilotopt.errors import InputError, InputProblem
from pilotopt.io.tables import Grid, Table, find_table, is_workbook, read_sheets, read_table
from pilotopt.problem import IntArray, Problem

__all__ = ["OUTCOMES", "GroupRefs", "Membership", "Pin", "read_assignment", "read_memberships",
           "read_pins", "read_previous"]

_COLUMNS = ("id", "group")
#: A column read where present: what became of the organisation in its group (earlier waves).
_OUTCOME = "outcome"
#: The outcomes of a membership, from worst to best.
OUTCOMES = ("dropped", "ongoing", "done")
_OUTCOME_WORDS = {"dropped": "dropped", "ongoing": "ongoing", "done": "done",
                  "afgehaakt": "dropped", "lopend": "ongoing", "afgerond": "done"}
_LEADING_NUMBER = re.compile(r"^(\d+)\b")


@dataclass(frozen=True)
class _Placement:
    """One row of the file: an organisation and the group it names."""

    table: Table
    row: int
    org_id: str
    group: int | None  # None: left out (or a group the file names wrongly)
    outcome: str = ""


class GroupRefs:
    """Group references as a person writes them: the name in any case, or the number from 1."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.exact = {name: g for g, name in enumerate(self.names)}
        self.folded: dict[str, int] = {}
        for g, name in enumerate(self.names):
            self.folded.setdefault(name.casefold(), g)

    def find(self, ref: str) -> int | None:
        """The group ``ref`` names, or None."""
        g = self.exact.get(ref, self.folded.get(ref.casefold()))
        if g is None and ref.isdigit() and 1 <= int(ref) <= len(self.names):
            g = int(ref) - 1
        return g

    def of_sheet(self, title: str) -> int | None:
        """The group of a sheet titled like ``groups.xlsx`` does: ``"3 Gent"`` or ``"Gent"``."""
        g = self.find(title.strip())
        number = _LEADING_NUMBER.match(title.strip())
        if g is None and number is not None:
            g = self.find(number.group(1))
        return g

    def listing(self) -> str:
        return f"groups are {', '.join(self.names)} (or 1 to {len(self.names)})"


class _Labels:
    """Group references of a file read without a roster: each distinct text (any case) is a
    group of its own."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.index: dict[str, int] = {}

    def find(self, ref: str) -> int:
        """The group ``ref`` names (a new one for a new text)."""
        key = ref.strip().casefold()
        if key not in self.index:
            self.index[key] = len(self.names)
            self.names.append(ref.strip())
        return self.index[key]

    def of_sheet(self, title: str) -> int:
        return self.find(title)

    def listing(self) -> str:
        return ""


def _from_table(table: Table, groups: GroupRefs | _Labels, optional: Callable[[str], bool]
                ) -> tuple[list[_Placement], list[InputProblem]]:
    """Placements of an ``id``/``group`` table."""
    placements: list[_Placement] = []
    problems: list[InputProblem] = []
    for row in table.rows:
        org_id, ref = row.cells.get("id", ""), row.cells.get("group", "")
        if not org_id:
            problems.append(table.problem("this row has a group but no id", row=row.number,
                                          column="id", value=ref or None))
            continue
        g = groups.find(ref) if ref else None
        if ref and g is None:
            problems.append(table.problem(f"no such group; {groups.listing()}", row=row.number,
                                          id=org_id, column="group", value=ref))
        elif not ref and not optional(org_id):
            problems.append(table.problem(
                f"no group, and this organisation may not be left out; {groups.listing()}",
                row=row.number, id=org_id, column="group", value=ref))
        # Placed even so: the organisation is in the file, its problem told once.
        placements.append(_Placement(table, row.number, org_id, g,
                                     row.cells.get(_OUTCOME, "")))
    return placements, problems


def _summary_sheets(sheets: list[tuple[str, Grid]], file: str) -> dict[str, str]:
    """Sheet name -> group name, from the Summary's ``group | sheet`` table of groups.xlsx."""
    for name, grid in sheets:
        table = find_table(file, grid, ("group", "sheet"), sheet=name)
        if table is not None and {"group", "sheet"} <= set(table.columns):
            return {r.cells["sheet"]: r.cells["group"] for r in table.rows if r.cells["sheet"]}
    return {}


def _from_group_sheets(
    file: str, sheets: list[tuple[str, Grid]], groups: GroupRefs | _Labels
) -> tuple[list[_Placement], list[InputProblem]]:
    """Placements of a groups.xlsx: every member row of a group's sheet is in that group."""
    named = _summary_sheets(sheets, file)
    placements: list[_Placement] = []
    problems: list[InputProblem] = []
    for name, grid in sheets:
        table = find_table(file, grid, ("id",), (_OUTCOME,), sheet=name)
        if table is None or "id" not in table.columns or "group" in table.columns:
            continue  # the Summary, or a sheet of notes
        group_name = named.get(name)
        g = groups.find(group_name) if group_name is not None else groups.of_sheet(name)
        if g is None:
            problems.append(table.problem(
                f"the sheet's name is no group's name or number; {groups.listing()}"))
        # Rows without an id (a total, a note) are no members. The members of a sheet that is
        # no group are placed nowhere, with that one problem rather than one each.
        placements += [_Placement(table, row.number, row.cells["id"], g,
                                  row.cells.get(_OUTCOME, ""))
                       for row in table.rows if row.cells.get("id")]
    return placements, problems


def _placements(
    path: Path, groups: GroupRefs | _Labels, optional: Callable[[str], bool]
) -> tuple[list[_Placement], list[InputProblem], bool]:
    """Every placement the file makes, its problems, and whether organisations on no group
    sheet count as left out (a groups.xlsx). ``optional(id)``: whether a row may name no
    group."""
    file = str(path)
    if not is_workbook(path):
        table = read_table(path, _COLUMNS, (_OUTCOME,), what="assignment")
        _require(table)
        return (*_from_table(table, groups, optional), False)
    sheets = read_sheets(path)
    tables = [find_table(file, grid, _COLUMNS, (_OUTCOME,), sheet=name) for name, grid in sheets]
    plain = [t for t in tables if t is not None and set(_COLUMNS) <= set(t.columns)]
    if plain:
        return (*_from_table(plain[0], groups, optional), False)
    placements, problems = _from_group_sheets(file, sheets, groups)
    if not placements and not problems:
        names = ", ".join(f"'{name}'" for name, _ in sheets)
        raise InputError([InputProblem(
            file, "no sheet has the columns id and group, and no sheet lists group members "
            f"under an id column as the groups.xlsx of 'solve --xlsx' does; sheets: {names}")])
    return placements, problems, True


def _require(table: Table) -> None:
    missing = [c for c in _COLUMNS if c not in table.columns]
    if missing:
        raise InputError([table.problem("required column is missing", column=c)
                          for c in missing])


def _twice(first: _Placement, again: _Placement, why: str = "assigned twice") -> InputProblem:
    where = f"row {first.row}" if first.table is again.table else (
        f"sheet '{first.table.sheet}', row {first.row}")
    return again.table.problem(f"{why} (first on {where})", row=again.row,
                               id=again.org_id, column="id", value=again.org_id)


def read_assignment(
    path: str | Path, problem: Problem, absent: Collection[str] = ()
) -> IntArray:
    """Group index of each organisation of ``problem`` (-1: left out), read from a file.

    The file is a table with the columns ``id`` and ``group`` (CSV, or the first sheet of a
    workbook that has them): ``group`` is a group's name, in any case, or its number from 1, or
    empty for an organisation left out (where an ``optional`` rule allows it); every
    organisation appears once, or once per group it joins where it may join several
    (``capacity``). Or it is the ``groups.xlsx`` that ``solve --xlsx`` writes: each
    member row of a group's sheet is in that group (moved rows move members), and an
    organisation on no sheet is left out (where allowed). Organisations of ``absent`` (e.g. a
    late registration) may be missing from the file (group -1). Every problem is reported at
    once.
    """
    path = Path(path)
    file = str(path)
    index: dict[str, int] = {}  # the first copy of each id (see Problem.roster_index)
    copies: dict[str, int] = {}
    for i, org_id in enumerate(problem.ids):
        index.setdefault(org_id, i)
        copies[org_id] = copies.get(org_id, 0) + 1
    groups = GroupRefs(problem.group_names)
    optional = problem.optional
    placements, problems, absent_left_out = _placements(
        path, groups, lambda org_id: org_id not in index or bool(optional[index[org_id]]))
    assignment = np.full(problem.n, -1, dtype=np.int64)
    seen: dict[str, list[_Placement]] = {}
    for p in placements:
        if p.org_id not in index:
            problems.append(p.table.problem("no organisation with this id in the roster",
                                            row=p.row, column="id", value=p.org_id))
            continue
        earlier = seen.setdefault(p.org_id, [])
        cap = copies[p.org_id]
        clash = next((q for q in earlier if q.group == p.group or cap == 1), None)
        joined = [q for q in earlier if q.group is not None]
        if clash is None and p.group is not None and len(joined) >= cap:
            clash = joined[0]
        if clash is not None:
            problems.append(_twice(clash, p, "assigned twice" if cap == 1 or p.group is None
                                   else f"in group {groups.names[p.group]} twice"
                                   if clash.group == p.group
                                   else f"in more than the {cap} groups it may join"))
            continue
        earlier.append(p)
    for org_id, found in seen.items():
        # An id once per group it joins: its copies take those groups in ascending order.
        joined_groups = sorted(q.group for q in found if q.group is not None)
        assignment[index[org_id]:index[org_id] + len(joined_groups)] = joined_groups
    for org_id, i in index.items():
        if org_id in seen or org_id in absent or (absent_left_out and optional[i]):
            continue
        where = " (it is on no group's sheet)" if absent_left_out else ""
        problems.append(InputProblem(
            file, f"this organisation of the roster has no group{where}", id=org_id))
    if problems:
        raise InputError(problems)
    return assignment


@dataclass(frozen=True)
class Membership:
    """An organisation in a group of an assignment read without a roster: the group's label as
    the file writes it, the ``outcome`` column (one of :data:`OUTCOMES`, "" when absent or
    empty) and the row."""

    org_id: str
    group: str
    outcome: str
    row: int
    sheet: str | None = None


def read_memberships(path: str | Path) -> list[Membership]:
    """Every organisation placed in a group by an assignment file (the forms
    :func:`read_assignment` reads), without a roster: any group label and any id go, rows
    without a group are skipped, and an id may be in several groups. An ``outcome`` column, if
    any, says what became of it there: done, ongoing or dropped (Dutch afgerond, lopend,
    afgehaakt too), any case.

    Raises
    ------
    InputError
        When the file cannot be read, a row has a group but no id, or an outcome is none of
        those: every problem at once.
    """
    labels = _Labels()
    placements, problems, _ = _placements(Path(path), labels, lambda _: True)
    found = []
    for p in placements:
        outcome = _OUTCOME_WORDS.get(p.outcome.strip().casefold(), "")
        if p.outcome.strip() and not outcome:
            problems.append(p.table.problem("an outcome is done, ongoing or dropped (or empty)",
                                            row=p.row, id=p.org_id, column=_OUTCOME,
                                            value=p.outcome))
        if p.group is not None:
            found.append(Membership(p.org_id, labels.names[p.group], outcome, p.row,
                                    p.table.sheet))
    if problems:
        raise InputError(sorted(problems, key=lambda q: q.row or 0))
    return found


def read_previous(path: str | Path, group_names: tuple[str, ...]) -> dict[str, int]:
    """The group index (-1: left out) of each organisation id of an earlier assignment.

    Read like :func:`read_assignment`, group names matched in any case, but against no roster:
    ids the roster no longer has (drop-outs) are kept, and organisations the file lacks (late
    registrations) are simply absent. A group the scenario does not have, or an id assigned
    twice, is a problem; every problem is reported at once.
    """
    placements, problems, _ = _placements(Path(path), GroupRefs(group_names), lambda _: True)
    previous: dict[str, int] = {}
    seen: dict[str, _Placement] = {}
    for p in placements:
        first = seen.setdefault(p.org_id, p)
        if first is not p:
            problems.append(_twice(first, p))
            continue
        previous[p.org_id] = -1 if p.group is None else p.group
    if problems:
        raise InputError(problems)
    return previous


@dataclass(frozen=True)
class Pin:
    """An organisation fixed to a group (index) by a pins file, and the row that says so
    (``place``: a located problem without its message)."""

    org_id: str
    group: int
    place: InputProblem


def read_pins(path: str | Path, group_names: tuple[str, ...]) -> list[Pin]:
    """The pins of a file (``solve --pins``): a table with ``id`` and ``group`` read like an
    assignment, group names in any case or numbers; a row without a group pins nothing. Ids are
    checked against the roster, and pins against each other, when the problem is compiled.
    """
    placements, problems, _ = _placements(Path(path), GroupRefs(group_names), lambda _: True)
    if problems:
        raise InputError(problems)
    return [Pin(p.org_id, p.group, p.table.problem("", row=p.row, id=p.org_id, column="group",
                                                    value=group_names[p.group]))
            for p in placements if p.group is not None]
