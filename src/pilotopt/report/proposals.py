"""Several proposals on the terminal and as tables: alternatives side by side."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from rich import box
from rich.console import Console
from rich.table import Table

from pilotopt.io.tables import safe_cell
from pilotopt.proposals import Alternatives
from pilotopt.report.i18n import Lang, text

__all__ = ["print_alternatives", "rows_csv"]


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
