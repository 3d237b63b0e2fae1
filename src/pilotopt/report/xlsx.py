"""The XLSX report: a Summary sheet and one sheet per group, for matchmakers who live in Excel.

It shows the same figures as the HTML report (:func:`pilotopt.report.html.report_context`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy.typing as npt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pilotopt.analysis import Analysis
from pilotopt.evaluate import Evaluation
from pilotopt.io.outputs import atomic_write
from pilotopt.problem import Problem
from pilotopt.report.html import report_context
from pilotopt.report.i18n import Lang, text
from pilotopt.schema.roster import Organisation

if TYPE_CHECKING:
    from pilotopt.explain import Explanation

__all__ = ["sheet_names", "write_xlsx"]

_BAD = re.compile(r"[\[\]:*?/\\]")
#: Member fields in column order, with the catalogue key of their header.
_MEMBER_COLUMNS = {"id": "col.id", "name": "col.name", "economy_label": "col.economy",
                   "type": "col.type", "sector": "col.sector", "sector_name": "xlsx.sector_name",
                   "municipality": "col.municipality", "fte": "group.fte",
                   "target_group_fte": "group.target_fte", "gives": "col.gives",
                   "gets": "col.gets", "unmet": "col.unmet_here", "share": "col.share",
                   "elsewhere": "col.elsewhere", "blocked": "col.blocked"}
#: Excel number formats: per cent with one decimal, and whole or decimal numbers.
_PERCENT = "0.0%"
_WIDTH = (6, 60)  # narrowest and widest column, in characters


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


def _rows(ws: Worksheet, rows: Iterable[Sequence[Any]], header: bool = False,
          percent: Sequence[int] = ()) -> None:
    """Append rows; text stays text, even when it starts with '=' (no formula from user data).
    Columns ``percent`` (0-based) of numbers show as per cent."""
    for k, row in enumerate(rows):
        ws.append(["; ".join(map(str, v)) if isinstance(v, list | tuple) else v for v in row])
        for c, cell in enumerate(ws[ws.max_row]):
            if isinstance(cell.value, str):
                cell.data_type = "s"
            elif c in percent and isinstance(cell.value, float):
                cell.number_format = _PERCENT
            if header and k == 0:
                cell.font = Font(bold=True)


def _fit(ws: Worksheet) -> None:
    """Columns as wide as their longest line (within :data:`_WIDTH`); long text wraps."""
    widest: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                longest = max(len(line) for line in str(cell.value).split("\n"))
                widest[cell.column] = max(widest.get(cell.column, 0), longest)
                if longest > _WIDTH[1]:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in widest.items():
        ws.column_dimensions[get_column_letter(column)].width = min(max(width + 2, _WIDTH[0]),
                                                                     _WIDTH[1])


def _where(broken_in: Sequence[tuple[str, int]]) -> str:
    return ", ".join(f"{g}: {v}" for g, v in broken_in)


def write_xlsx(
    path: str | Path,
    problem: Problem,
    assignment: npt.ArrayLike,
    evaluation: Evaluation,
    orgs: Sequence[Organisation] | None = None,
    analysis: Analysis | None = None,
    meta: Mapping[str, Any] | None = None,
    rule_notes: Mapping[str, str] | None = None,
    lang: Lang = "en",
    explanations: Sequence[Explanation] = (),
) -> Path:
    """Write the workbook to ``path`` whole or not at all; returns the path.

    A summary sheet (run, rules and who breaks them, a row per group with its totals against
    the mean) and a sheet per group (its figures, then a row per member: economy and tags by
    their labels, NACE names beside the codes, and every extra column of the roster). The
    inputs are those of :func:`pilotopt.report.html.render_html`.
    """
    ctx = report_context(problem, assignment, evaluation, orgs, analysis, meta, rule_notes, lang,
                         explanations)

    def t(key: str, **values: object) -> str:
        return text(key, lang, **values)

    summary = t("xlsx.summary")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = summary
    _rows(ws, [
        [ctx["title"]],
        [t("xlsx.description"), ctx["description"]],
        [t("xlsx.objective"), ctx["objective"]],
        [t("eco.complementarity") + (f" ({t('per_member')})" if ctx["per_member"] else ""),
         ctx["complementarity"]],
        [t("col.penalty"), ctx["penalty"]],
        [t("xlsx.hard_hold"), t("xlsx.yes") if ctx["feasible"] else t("xlsx.no")],
        *([[ctx["gain"]]] if ctx["gain"] else []),
        [t("xlsx.organisations"), ctx["n"]],
        [t("xlsx.groups"), ctx["m"]],
    ])
    for key, label, value in ctx["run_values"]:
        _rows(ws, [[label, value]], percent=(1,) if key == "gap" else ())
    _rows(ws, [*ctx["sources"].items(),
               [t("xlsx.left_out"), [f"{name} ({oid})" for oid, name in ctx["left_out"]]],
               []])
    ws["A1"].font = Font(bold=True, size=14)
    _rows(ws, [[t("col.rule"), t("col.kind"), "", t("col.status"), t("xlsx.violation"),
                t("col.penalty"), t("xlsx.where"), t("col.who"), t("xlsx.asks")]]
          + [[r["label"], r["kind"], t("rule.hard") if r["hard"] else t("rule.soft"),
              t("rule.holds") if r["satisfied"] else t("xlsx.broken"), r["violation"],
              r["penalty"], _where(r["broken_in"]), "\n".join(r["offences"]), r["note"]]
             for r in ctx["rules"]]
          + [[]], header=True)
    names = sheet_names((f"{g['number']} {g['name']}" for g in ctx["groups"]),
                        reserved=(summary,))
    roster = bool(orgs)
    head = [t("col.group"), t("xlsx.sheet"), t("xlsx.members"), t("eco.complementarity")]
    if roster:
        head += [t("group.mix"), t("group.fte"), t("xlsx.vs_mean"), t("group.target_fte"),
                 t("xlsx.vs_mean"), t("xlsx.farthest_km")]
    head.append(t("xlsx.rules_off"))
    body = []
    for g, name in zip(ctx["groups"], names, strict=True):
        row: list[Any] = [g["name"], name, len(g["members"]), g["complementarity"]]
        if roster:
            row += [[f"{k} {label}" for _, k, label in g["mix"]], g["fte"], g["fte_vs_mean"],
                    g["target_group_fte"], g["target_vs_mean"],
                    None if g["farthest_km"] is None else round(g["farthest_km"], 1)]
        row.append([t("group.off_by", label=label, v=v) for _, label, _, v in g["broken"]])
        body.append(row)
    _rows(ws, [head] + body, header=True, percent=(6, 8) if roster else ())
    if ctx["names_are_labels"]:
        _rows(ws, [[t("groups.labels")]])
    _fit(ws)

    extra = sorted({k for g in ctx["groups"] for m in g["members"] for k in m.get("extra", {})})
    for g, name in zip(ctx["groups"], names, strict=True):
        sheet = wb.create_sheet(name)
        columns = [c for c in _MEMBER_COLUMNS if any(c in m for m in g["members"])] or ["id"]
        top: list[list[Any]] = [[f"{g['number']}. {g['name']}"],
                                [t("eco.complementarity"), g["complementarity"]]]
        percent_rows = []
        if g["mix"]:
            top += [[t("group.mix"), [f"{k} {label}" for _, k, label in g["mix"]]],
                    [t("group.fte"), g["fte"], g["fte_vs_mean"]],
                    [t("group.target_fte"), g["target_group_fte"], g["target_vs_mean"]]]
            percent_rows = [len(top) - 1, len(top)]
            if g["farthest"]:
                top.append([t("group.farthest"), t("group.farthest_pair", a=g["farthest"][0],
                            b=g["farthest"][1], km=f"{g['farthest_km']:.0f}")])
        top += [[t("xlsx.rules_off"), "\n".join(w for _, w in g["offences"])
                 or t("group.all_hold")], []]
        for k, row in enumerate(top, start=1):
            _rows(sheet, [row], percent=(2,) if k in percent_rows else ())
        sheet["A1"].font = Font(bold=True, size=14)
        _rows(sheet, [[t(_MEMBER_COLUMNS[c]) for c in columns] + extra]
              + [[m.get(c, "") for c in columns] + [m.get("extra", {}).get(k, "") for k in extra]
                 for m in g["members"]], header=True)
        sheet.freeze_panes = f"A{len(top) + 2}"
        _fit(sheet)

    out = Path(path)
    buf = io.BytesIO()
    wb.save(buf)
    atomic_write(out, buf.getvalue())
    return out
