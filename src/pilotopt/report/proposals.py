"""Several proposals on the terminal and as tables: alternatives side by side, sensitivity."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

import numpy as np
from rich import box
from rich.console import Console
from rich.table import Table

from pilotopt.evaluate import evaluate
from pilotopt.io.tables import safe_cell
from pilotopt.problem import SCALE, Problem
from pilotopt.proposals import Alternatives
from pilotopt.proposals.sensitivity import Sensitivity
from pilotopt.report.i18n import Lang, text

__all__ = ["MOVES_SHOWN", "print_alternatives", "print_sensitivity", "rows_csv"]


def rows_csv(rows: Sequence[Mapping[str, object]]) -> str:
    """Rows of plain values as CSV, a column per key (in the first row's order, then any new
    ones); empty cells for missing values."""
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell("" if row.get(c) is None else row.get(c)) for c in columns])
    return buf.getvalue()


def _share(x: object) -> str:
    return "-" if not isinstance(x, float | int) else f"{100 * x:.0f}%"


def print_alternatives(console: Console, alts: Alternatives, *, lang: Lang = "en",
                       asked: int | None = None) -> None:
    """The proposals side by side: objective and its parts, gap, rules off, how far each lies
    from the closest other proposal, and the diversity weight it was found with."""
    table = Table(title=text("alt.title", lang, count=len(alts.proposals)), box=box.SIMPLE_HEAD,
                  caption=text("alt.caption", lang, share=_share(alts.min_difference)),
                  caption_justify="left")
    for key in ("alt.col", "alt.objective", "alt.complementarity", "alt.penalty", "alt.gap",
                "col.rules_off", "alt.closest", "alt.weight"):
        table.add_column(text(key, lang), justify="left" if key == "alt.col" else "right")
    for j, row in enumerate(alts.rows()):
        meets = "" if alts.meets(j) else " ✗"
        table.add_row(str(row["alternative"]), f"{row['objective']:g}",
                      f"{row['complementarity']:g}", f"{row['penalty']:g}", _share(row["gap"]),
                      str(row["soft_rules_not_met"]), _share(row["closest_difference"]) + meets,
                      f"{row['diversity_weight']:g}")
    console.print(table)
    if asked is not None and len(alts.proposals) < asked:
        console.print(text("alt.fewer", lang, found=len(alts.proposals), asked=asked,
                           why=alts.message or "-"))


#: Organisations named per weight change on the terminal (all of them are in the JSON).
MOVES_SHOWN = 6


def print_sensitivity(console: Console, problem: Problem, found: Sensitivity, *,
                      lang: Lang = "en") -> None:
    """What re-optimising moves at all, the placements each weight change moves, and the
    rules that bind with what removing them would add."""
    base = evaluate(problem, found.start).objective
    control = evaluate(problem, found.control).objective
    console.print(text("sens.control", lang, count=int(np.count_nonzero(
        found.start != found.control)), before=f"{base:g}", after=f"{control:g}"))
    if found.changes:
        table = Table(title=text("sens.weights", lang), box=box.SIMPLE_HEAD)
        for key in ("sens.rule", "sens.factor", "sens.objective", "sens.moved"):
            table.add_column(text(key, lang), justify="right" if key == "sens.objective"
                             else "left", overflow="fold")
        for c in found.changes:
            names = [f"{problem.ids[i]} {_group(problem, a)}→{_group(problem, b)}"
                     for i, a, b in c.moved[:MOVES_SHOWN]]
            more = len(c.moved) - MOVES_SHOWN
            moved = ", ".join(names) + (f" (+{more})" if more > 0 else "") or "-"
            table.add_row(problem.rules[c.rule].label_in(lang), f"×{c.factor:g}",
                          f"{c.objective / SCALE:+g}", moved)
        console.print(table)
    table = Table(title=text("sens.rules", lang), box=box.SIMPLE_HEAD)
    for key in ("sens.rule", "sens.gain", "sens.penalty", "sens.binds"):
        table.add_column(text(key, lang), justify="left" if key == "sens.rule" else "right",
                         overflow="fold")
    for b in sorted(found.bindings, key=lambda b: -b.gain):
        table.add_row(problem.rules[b.rule].label_in(lang), f"{b.gain / SCALE:+g}",
                      f"{b.penalty / SCALE:g}", "✓" if b.binds else "")
    console.print(table)
    console.print(text("sens.note", lang, iterations=found.iterations, seed=found.seed))


def _group(problem: Problem, g: int) -> str:
    return problem.group_names[g] if g >= 0 else "-"
