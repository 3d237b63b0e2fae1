"""The XLSX report: a Summary sheet and one sheet per group, for matchmakers who live in Excel.

It shows the same figures as the HTML report (:func:`pilotopt.report.html.report_context`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy.typing as npt
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from pilotopt.evaluate import Evaluation
from pilotopt.io.outputs import atomic_write
from pilotopt.problem import Problem
from pilotopt.report.html import report_context
from pilotopt.schema.roster import Organisation

__all__ = ["sheet_names", "write_xlsx"]

_BAD = re.compile(r"[\[\]:*?/\\]")
#: Member fields in column order, with their header.
_MEMBER_COLUMNS = {"id": "id", "name": "name", "economy": "economy", "type": "type",
                   "sector": "sector", "municipality": "municipality", "fte": "FTE",
                   "target_group_fte": "target-group FTE", "gives": "gives", "gets": "gets",
                   "unmet": "needs not met here"}


def sheet_names(names: Iterable[str], reserved: Iterable[str] = ("Summary",)) -> list[str]:
    """Names Excel accepts: at most 31 characters, none of ``[]:*?/\\``, no leading or trailing
    apostrophe, not empty, unique regardless of case (and apart from ``reserved``).

    >>> sheet_names(["1 a/b", "x" * 40, "summary"])
    ['1 a_b', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'summary~2']
    """
    taken = {r.casefold() for r in reserved}
    out = []
    for name in names:
        base = _BAD.sub("_", name).strip("'")[:31] or "group"
        candidate, k = base, 1
        while candidate.casefold() in taken:
            k += 1
            candidate = f"{base[:31 - len(str(k)) - 1]}~{k}"
        taken.add(candidate.casefold())
        out.append(candidate)
    return out


def _rows(ws: Worksheet, rows: Iterable[Sequence[Any]], header: bool = False) -> None:
    """Append rows; text stays text, even when it starts with '=' (no formula from user data)."""
    for k, row in enumerate(rows):
        ws.append([", ".join(map(str, v)) if isinstance(v, list | tuple) else v for v in row])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
            if header and k == 0:
                cell.font = Font(bold=True)


def _where(broken_in: Sequence[tuple[str, int]]) -> str:
    return ", ".join(f"{g}: {v}" for g, v in broken_in)


def write_xlsx(
    path: str | Path,
    problem: Problem,
    assignment: npt.ArrayLike,
    evaluation: Evaluation,
    orgs: Sequence[Organisation] | None = None,
    analysis: Mapping[str, Any] | None = None,
    meta: Mapping[str, Any] | None = None,
    rule_notes: Mapping[str, str] | None = None,
) -> Path:
    """Write the workbook to ``path`` whole or not at all; returns the path.

    The inputs are those of :func:`pilotopt.report.html.render_html`.
    """
    ctx = report_context(problem, assignment, evaluation, orgs, analysis, meta, rule_notes)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Summary"
    _rows(ws, [
        [ctx["title"]],
        ["description", ctx["description"]],
        ["objective", ctx["objective"]],
        ["complementarity", ctx["complementarity"]],
        ["penalty", ctx["penalty"]],
        ["every hard rule holds", "yes" if ctx["feasible"] else "no"],
        ["organisations", ctx["n"]],
        ["groups", ctx["m"]],
        *ctx["run"],
        *ctx["sources"].items(),
        ["left out", [f"{name} ({oid})" for oid, name in ctx["left_out"]]],
        [],
    ])
    ws["A1"].font = Font(bold=True, size=14)
    _rows(ws, [["rule", "meaning", "kind", "hard", "weight", "status", "violation", "penalty",
                "where", "what it asks"]]
          + [[r["id"], r["label"], r["kind"], "hard" if r["hard"] else "soft", r["weight"],
              "holds" if r["satisfied"] else "broken", r["violation"], r["penalty"],
              _where(r["broken_in"]), r["note"]] for r in ctx["rules"]]
          + [[]], header=True)
    names = sheet_names(f"{g['number']} {g['name']}" for g in ctx["groups"])
    _rows(ws, [["group", "sheet", "members", "complementarity", "mix", "rules off"]]
          + [[g["name"], name, len(g["members"]), g["complementarity"],
              [f"{k} {e}" for e, k in g["mix"]],
              [f"{label}: {v}" for _, label, _, v in g["broken"]]]
             for g, name in zip(ctx["groups"], names, strict=True)], header=True)
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 40

    for g, name in zip(ctx["groups"], names, strict=True):
        sheet = wb.create_sheet(name)
        columns = [c for c in _MEMBER_COLUMNS if any(c in m for m in g["members"])] or ["id"]
        _rows(sheet, [
            [f"{g['number']}. {g['name']}"],
            ["complementarity", g["complementarity"]],
            ["rules off", [f"{label}: {v}" for _, label, _, v in g["broken"]] or "none"],
            [],
        ])
        sheet["A1"].font = Font(bold=True, size=14)
        _rows(sheet, [[_MEMBER_COLUMNS[c] for c in columns]]
              + [[m.get(c, "") for c in columns] for m in g["members"]], header=True)
        sheet.freeze_panes = "A6"
        sheet.column_dimensions["B"].width = 36

    out = Path(path)
    buf = io.BytesIO()
    wb.save(buf)
    atomic_write(out, buf.getvalue())
    return out
