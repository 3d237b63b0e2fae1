"""Terminal tables: one row per group, then the rule status."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from pilotopt.evaluate import Evaluation
from pilotopt.problem import SCALE, IntArray, Problem
from pilotopt.schema.roster import Organisation
from pilotopt.solve import Progress as Improvement
from pilotopt.solve import Result

__all__ = ["print_analysis", "print_evaluation", "print_result", "solve_progress"]


@contextmanager
def solve_progress(
    console: Console, time_limit: float, started: float, show: bool = True
) -> Iterator[Callable[[Improvement], None]]:
    """A live line while solving (on a terminal only, and gone once done): time used of the
    limit, the phase at work and the best objective so far. Yields the ``on_progress`` callback.
    """
    if not (show and console.is_terminal):
        yield lambda event: None
        return
    bar = Progress(TextColumn("{task.description}"), BarColumn(),
                   TextColumn("{task.fields[clock]}"), console=console, transient=True)
    task = bar.add_task("solving", total=time_limit, clock="")

    def tick() -> None:
        used = min(time.perf_counter() - started, time_limit)
        bar.update(task, completed=used, clock=f"{used:.0f}/{time_limit:g} s")

    def improved(event: Improvement) -> None:
        flag = "" if event.feasible else " (hard rules not yet met)"
        bar.update(task, description=f"{event.phase}: best {event.objective:g}{flag}")

    with bar:
        stop = _repeat(tick, 0.2)
        try:
            yield improved
        finally:
            stop()


def _repeat(action: Callable[[], None], every: float) -> Callable[[], None]:
    """Run ``action`` every ``every`` seconds in a daemon thread; returns the stopper."""
    done = threading.Event()

    def loop() -> None:
        while not done.wait(every):
            action()

    threading.Thread(target=loop, name="pilotopt-progress", daemon=True).start()
    return done.set


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
    if ev.left_out:
        console.print(f"Left out ({len(ev.left_out)}): " + ", ".join(
            f"{problem.names[i]} ({problem.ids[i]})" for i in ev.left_out))

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


def print_analysis(console: Console, analysis: dict[str, Any]) -> None:
    """Print the ecosystem figures of :func:`pilotopt.analysis.analyze`: per group, overall and
    against the communities the graph itself would form."""
    table = Table(title="Ecosystem per group", caption=(
        "density: share of member pairs with a tie; across: share of ties between social and "
        "regular economy; both ways: share of members that give and get; alone: members "
        "without a tie; unmet: needs no other member offers; paths: transition paths"))
    for col in ("group", "size", "score", "density", "across", "both ways", "alone", "unmet",
                "paths"):
        table.add_column(col, justify="left" if col == "group" else "right")
    for g in analysis["groups"]:
        table.add_row(
            g["group"], str(len(g["members"])), f"{g['complementarity']:g}",
            _pct(g["density"]), _pct(g["cross_economy_share"]), _pct(g["reciprocity"]),
            str(len(g["isolated"])), str(sum(len(t) for t in g["unmet_needs"].values())),
            str(len(g["transition_paths"])),
        )
    console.print(table)
    o, c = analysis["overall"], analysis["communities"]
    console.print(
        f"Overall: complementarity {o['complementarity']:g}, density {_pct(o['density'])}, "
        f"cross-economy ties {_pct(o['cross_economy_share'])}, reciprocity "
        f"{_pct(o['reciprocity'])}, {o['isolated']} isolated, {o['unmet_needs']} unmet needs, "
        f"{o['transition_paths']} transition paths."
    )
    console.print(
        f"Communities ({c['algorithm']}): {c['count']}; the grouping keeps "
        f"{_pct(c['kept_share'])} of the tie weight the graph offers (the communities keep "
        f"{_pct(c['community_kept_share'])}, random groups of the same sizes "
        f"{_pct(c['random_kept_share'])}); agreement (adjusted Rand) {c['adjusted_rand']:.2f}."
    )


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"
