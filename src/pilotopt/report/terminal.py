"""Terminal tables: one row per group, then the rule status."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from pilotopt.evaluate import Evaluation
from pilotopt.problem import SCALE, IntArray, Problem
from pilotopt.schema.roster import Organisation
from pilotopt.solve import Result

__all__ = ["print_evaluation", "print_result"]


def _mix(orgs: Sequence[Organisation]) -> str:
    counts = Counter(o.economy.value for o in orgs)
    order = ("social", "regular", "public", "knowledge")
    return " ".join(f"{e[0].upper()}{counts[e]}" for e in order)


def print_result(
    console: Console, problem: Problem, orgs: Sequence[Organisation] | None, result: Result
) -> None:
    """Print the tables of a solve result and its summary line."""
    print_evaluation(console, problem, orgs, result.assignment, result.evaluation)
    console.print(result.summary())


def print_evaluation(
    console: Console,
    problem: Problem,
    orgs: Sequence[Organisation] | None,
    assignment: IntArray,
    ev: Evaluation,
) -> None:
    """Print a table per group (members, economy mix, complementarity, rules) and the rules."""
    groups = Table(title="Pilot groups", show_lines=True,
                   caption="mix: S social, R regular, P public, K knowledge")
    for col in ("group", "size", "mix", "score", "rules"):
        groups.add_column(col, no_wrap=True)
    groups.add_column("members", overflow="fold", ratio=1)
    for g, name in enumerate(problem.group_names):
        idx = [i for i in range(problem.n) if assignment[i] == g]
        broken = [f"{r.id} ({r.per_group[g]})" for r in ev.rules if r.per_group[g]]
        groups.add_row(
            name,
            str(len(idx)),
            _mix([orgs[i] for i in idx]) if orgs else "-",
            f"{ev.group_complementarity[g] / SCALE:g}",
            "[green]ok[/]" if not broken else "[yellow]" + ", ".join(broken) + "[/]",
            ", ".join(f"{problem.names[i]} ({problem.ids[i]})" for i in idx),
        )
    console.print(groups)

    rules = Table(title="Rules")
    for col in ("rule", "kind", "meaning", "hard", "status", "penalty"):
        rules.add_column(col)
    for r in ev.rules:
        status = "[green]holds[/]" if r.satisfied else (
            f"[red]broken by {r.violation}[/]" if r.hard else f"[yellow]off by {r.violation}[/]"
        )
        rules.add_row(r.id, r.kind, r.label, "hard" if r.hard else "soft", status,
                      f"{r.penalty / SCALE:g}")
    console.print(rules)
