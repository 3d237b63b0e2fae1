"""Terminal output: the groups and their figures, the rules, who breaks them, and a legend.

Readable from 80 columns up, on a terminal or piped (rich takes the width from ``COLUMNS``):
numbers never wrap, names wrap between words only, members are listed under their group instead
of in a narrow column. Above :data:`SUMMARY_ABOVE` groups a summary points to the files instead.
Every figure comes from numpy passes over the roster (:mod:`pilotopt.report.figures`), so
20,000 organisations print in well under a second.
"""

from __future__ import annotations

import textwrap
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np
from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from pilotopt.evaluate import Evaluation
from pilotopt.problem import IntArray, Problem
from pilotopt.report.figures import ECONOMIES, Figures, group_figures, names_are_labels
from pilotopt.report.i18n import (
    Lang,
    economy,
    economy_letter,
    kind_meaning,
    phase,
    risk_words,
    text,
)
from pilotopt.report.offenders import Offence, first_offenders, sentence
from pilotopt.schema.roster import Organisation
from pilotopt.solve import Progress as Improvement
from pilotopt.solve import Result, Status

if TYPE_CHECKING:  # networkx, which analysis imports, costs seconds of a solve's start-up
    from pilotopt.analysis import Analysis

__all__ = ["OFFENCES_SHOWN", "RISKS_SHOWN", "SUMMARY_ABOVE", "print_analysis",
           "print_evaluation", "print_lines", "print_result", "progress_line", "solve_progress",
           "summary_line"]

#: Above this many groups the terminal prints a summary and points to the files.
SUMMARY_ABOVE = 50
#: Offences listed per broken rule (the files hold all).
OFFENCES_SHOWN = 5
#: Drop-out risks listed, the largest gains first (the files hold all).
RISKS_SHOWN = 3


def summary_line(result: Result, lang: Lang = "en") -> str:
    """The one-line summary of a run in ``lang`` (:meth:`Result.summary` is the English one).

    Examples
    --------
    >>> import numpy as np
    >>> from pilotopt import Params, evaluate
    >>> from pilotopt.problem import Problem
    >>> from pilotopt.solve import Status
    >>> p = Problem(("a", "b"), ("A", "B"), ("G1",), np.array([[0, 2500], [2500, 0]]), (), ())
    >>> r = Result(np.array([0, 0]), evaluate(p, [0, 0]), Status.FEASIBLE, 5.0, 1.04,
    ...            Params(time_limit=2, seed=3))
    >>> line = summary_line(r, "nl")
    >>> line[:line.index(" (")]
    'toegelaten: doel 2.5, hoogstens 5 mogelijk'
    >>> line[line.index(")") + 1:]
    ', elke harde regel is gehaald, 1.0 s, seed 3'
    >>> summary_line(r) == r.summary()
    True
    """
    if result.status is Status.OPTIMAL:
        how = text("summary.optimal", lang)
    else:
        how = "" if result.bound is None else text("summary.gap", lang,
                                                   bound=f"{result.bound:g}")
    hard = text("hard_ok", lang) if result.evaluation.feasible else text(
        "summary.hard_broken", lang)
    return text("summary", lang, status=text(f"status.{result.status}", lang),
                objective=f"{result.objective:g}", how=how, hard=hard,
                runtime=f"{result.runtime:.1f}", seed=result.params.seed)


@contextmanager
def solve_progress(
    console: Console, time_limit: float, started: float, show: bool = True,
    lang: Lang = "en",
) -> Iterator[Callable[[Improvement], None]]:
    """A live line while solving (on a terminal only, and gone once done): time used of the
    limit, the phase at work and the best objective so far, in ``lang``. Yields the
    ``on_progress`` callback.
    """
    if not (show and console.is_terminal):
        yield lambda event: None
        return
    bar = Progress(TextColumn("{task.description}"), BarColumn(),
                   TextColumn("{task.fields[clock]}"), console=console, transient=True)
    task = bar.add_task(text("progress.solving", lang), total=time_limit, clock="")

    def tick() -> None:
        used = min(time.perf_counter() - started, time_limit)
        bar.update(task, completed=used, clock=f"{used:.0f}/{time_limit:g} s")

    def improved(event: Improvement) -> None:
        bar.update(task, description=progress_line(event, lang))

    with bar:
        stop = _repeat(tick, 0.2)
        try:
            yield improved
        finally:
            stop()


def progress_line(event: Improvement, lang: Lang = "en") -> str:
    """What the live line says of an improvement: the phase and the best objective so far.

    >>> from pilotopt.solve import Progress
    >>> progress_line(Progress(1.5, "search", 12.5, False), "nl")
    'lokaal zoeken: beste 12.5 (harde regels nog niet gehaald)'
    """
    flag = "" if event.feasible else text("progress.not_feasible", lang)
    return text("progress.best", lang, phase=phase(event.phase, lang),
                objective=f"{event.objective:g}", flag=flag)


def _repeat(action: Callable[[], None], every: float) -> Callable[[], None]:
    """Run ``action`` every ``every`` seconds in a daemon thread; returns the stopper."""
    done = threading.Event()

    def loop() -> None:
        while not done.wait(every):
            action()

    threading.Thread(target=loop, name="pilotopt-progress", daemon=True).start()
    return done.set


def print_lines(console: Console, lines: Iterable[str]) -> None:
    """Print plain lines (explain, fit, diff, ...) at the console's width: each wrapped between
    words, never inside one, its continuations two spaces further in than the line itself.
    Written as they are (no markup), at once: explaining thousands prints a hundred thousand."""
    width = console.width

    def wrapped(line: str) -> str:
        indent = " " * (len(line) - len(line.lstrip(" ")))
        return textwrap.fill(line, width, subsequent_indent=indent + "  ",
                             break_long_words=False, break_on_hyphens=False)

    console.file.write("".join(wrapped(line) + "\n" for line in lines))
    console.file.flush()


def print_result(
    console: Console, problem: Problem, orgs: Sequence[Organisation] | None, result: Result,
    *, lang: Lang = "en", notes: bool = False, files: Sequence[str] = (),
) -> None:
    """Print the groups, rules and offences of a solve result, then its summary line."""
    print_evaluation(console, problem, orgs, result.assignment, result.evaluation, lang=lang,
                     notes=notes, files=files)
    console.print(Text(summary_line(result, lang)))


def _number(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _versus(value: float | None, mean: float | None) -> str:
    if value is None:
        return "-"
    if not mean:
        return _number(value)
    return f"{_number(value)} {100 * (value / mean - 1):+.0f}%"


def _who(problem: Problem, members: Sequence[int]) -> str:
    return ", ".join(f"{problem.names[i]} ({problem.ids[i]})" for i in members)


def print_evaluation(
    console: Console,
    problem: Problem,
    orgs: Sequence[Organisation] | None,
    assignment: IntArray,
    ev: Evaluation,
    *,
    lang: Lang = "en",
    notes: bool = False,
    files: Sequence[str] = (),
) -> None:
    """Print the groups (figures, then members), the rules, who breaks them and a legend.

    ``notes`` adds what each rule is for under its name; ``files`` are the written files the
    summary points to when there are more than :data:`SUMMARY_ABOVE` groups.
    """
    figures = group_figures(problem, assignment, ev, orgs)
    found, counts = first_offenders(problem, assignment, orgs, limit=OFFENCES_SHOWN)
    off_in: dict[int, set[int]] = defaultdict(set)
    for r in ev.rules:
        for g in np.flatnonzero(r.per_group).tolist():
            off_in[g].add(r.rule)
    if problem.m > SUMMARY_ABOVE:
        _summary(console, problem, figures, off_in, lang, files)
    else:
        _groups(console, problem, figures, off_in, lang)
    if names_are_labels(problem):
        console.print(Text(text("groups.labels", lang), style="dim"))
    if ev.left_out:
        console.print(Text(f"{text('groups.left_out', lang, count=len(ev.left_out))}: "
                           f"{_who(problem, ev.left_out)}"))
    _rules(console, problem, ev, lang, notes)
    _offences(console, problem, assignment, found, counts, lang)
    _risks(console, problem, assignment, lang)
    console.print(Text(text("legend", lang), style="dim"))


def _risks(console: Console, problem: Problem, assignment: IntArray, lang: Lang) -> None:
    """The drop-out risks: how many, and the largest few."""
    from pilotopt.stability import CHECKED_MAX, drop_out_risks

    risks = drop_out_risks(problem, assignment)
    console.print(Text(text("risks.title", lang), style="bold"))
    if risks is None:
        console.print(Text(text("risks.unchecked", lang, max=f"{CHECKED_MAX:,}")))
    elif not risks:
        console.print(Text(text("risks.none", lang)))
    else:
        console.print(Text(text("risks.count", lang, count=len(risks))))
        listed = Table.grid(padding=(0, 1))
        listed.add_column(no_wrap=True)
        listed.add_column(overflow="fold")
        for r in risks[:RISKS_SHOWN]:
            listed.add_row(" -", Text(risk_words(r.to_dict(problem), lang)))
        if len(risks) > RISKS_SHOWN:
            listed.add_row("", Text(text("risks.more", lang, count=len(risks) - RISKS_SHOWN),
                                    style="dim"))
        console.print(listed)
    console.print()


def _groups(console: Console, problem: Problem, figures: Figures,
            off_in: dict[int, set[int]], lang: Lang) -> None:
    roster = figures.groups and figures.groups[0].mix is not None
    letters = " ".join(economy_letter(e, lang) for e in ECONOMIES)
    table = Table(title=text("groups.title", lang), box=box.SIMPLE_HEAD, pad_edge=False,
                  caption=text("groups.caption", lang, letters=", ".join(
                      f"{economy_letter(e, lang)} {economy(e, lang)}" for e in ECONOMIES))
                  if roster else None)
    table.add_column(text("col.group", lang), overflow="fold", min_width=6)
    table.add_column(text("col.size", lang), justify="right", no_wrap=True)
    if roster:
        table.add_column(f"mix\n{letters}", no_wrap=True)
        table.add_column(text("col.fte", lang), justify="right", no_wrap=True)
        table.add_column(text("col.target_fte", lang), justify="right", no_wrap=True)
        table.add_column(text("col.farthest", lang), justify="right", no_wrap=True)
    table.add_column(text("col.score_per_member" if problem.per_member else "col.score", lang),
                     justify="right", no_wrap=True)
    table.add_column(text("col.rules_off", lang), justify="right", no_wrap=True)
    for g in figures.groups:
        off = off_in.get(g.index, set())
        hard = any(problem.rules[r].hard for r in off)
        row: list[str | Text] = [Text(g.name), str(g.size)]
        if g.mix is not None:
            row += [" ".join(map(str, g.mix)),
                    _versus(g.fte, figures.mean_fte),
                    _versus(g.target_group_fte, figures.mean_target_group_fte),
                    "-" if g.farthest_km is None else f"{g.farthest_km:.0f} km"]
        row += [f"{g.complementarity:.1f}",
                Text(str(len(off)) if off else "-",
                     style="red" if hard else "yellow" if off else "green")]
        table.add_row(*row)
    console.print(table)
    members = Table.grid(padding=(0, 1))
    members.add_column(overflow="fold", max_width=24)
    members.add_column(overflow="fold")
    for g in figures.groups:
        members.add_row(Text(text("groups.members", lang, group=g.name, size=g.size) + ":",
                             style="bold"), Text(_who(problem, g.members)))
    console.print(members)
    console.print()


def _summary(console: Console, problem: Problem, figures: Figures,
             off_in: dict[int, set[int]], lang: Lang, files: Sequence[str]) -> None:
    gs = figures.groups
    sizes = [g.size for g in gs]
    comp = [g.complementarity for g in gs]
    lines = [text("groups.summary", lang, m=f"{problem.m:,}", n=f"{problem.organisations:,}",
                  smin=min(sizes), smax=max(sizes), cmin=_number(min(comp)),
                  cmax=_number(max(comp)))]
    if gs[0].mix is not None:
        fte = [g.fte or 0.0 for g in gs]
        tg = [g.target_group_fte or 0.0 for g in gs]
        km = [g.farthest_km for g in gs if g.farthest_km is not None]
        lines.append(text("groups.summary_fte", lang, fmin=_number(min(fte)),
                          fmax=_number(max(fte)), fmean=_number(figures.mean_fte or 0.0),
                          tmin=_number(min(tg)), tmax=_number(max(tg)),
                          tmean=_number(figures.mean_target_group_fte or 0.0),
                          km=f"{max(km):.0f}" if km else "-"))
    off = sum(1 for g in off_in if g >= 0)
    lines.append(text("groups.summary_off", lang, count=f"{off:,}"))
    lines.append(text("groups.summary_files", lang, files=", ".join(files)) if files
                 else text("groups.summary_nofiles", lang))
    console.print(Text(text("groups.title", lang), style="bold"))
    for line in lines:
        console.print(Text(line))
    console.print()


def _status(r_hard: bool, violation: int, lang: Lang) -> Text:
    if not violation:
        return Text(text("rule.holds", lang), style="green")
    if r_hard:
        return Text(text("rule.broken", lang, v=violation), style="red")
    return Text(text("rule.off", lang, v=violation), style="yellow")


def _rules(console: Console, problem: Problem, ev: Evaluation, lang: Lang, notes: bool) -> None:
    table = Table(title=text("rules.title", lang), box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column(text("col.rule", lang), overflow="fold", ratio=1, min_width=12)
    table.add_column(text("col.hard", lang), no_wrap=True)
    table.add_column(text("col.status", lang), no_wrap=True)
    table.add_column(text("col.penalty", lang), justify="right", no_wrap=True)
    for r in ev.rules:
        info = problem.rules[r.rule]
        name = Text(info.label_in(lang))
        if notes:
            name.append("\n" + (info.note or kind_meaning(r.kind, lang)), style="dim")
        table.add_row(name, text("rule.hard" if r.hard else "rule.soft", lang),
                      _status(r.hard, r.violation, lang),
                      f"{r.penalty:g}" if not r.hard else "")
    console.print(table)


def _offences(console: Console, problem: Problem, assignment: IntArray,
              found: Sequence[Offence], counts: dict[int, int], lang: Lang) -> None:
    if not found:
        return
    by_rule: dict[int, list[Offence]] = defaultdict(list)
    for o in found:
        by_rule[o.rule].append(o)
    console.print(Text(text("offences.title", lang), style="bold"))
    for rule, offences in by_rule.items():
        info = problem.rules[rule]
        kind = text("rule.hard" if info.hard else "rule.soft", lang)
        console.print(Text(f"{info.label_in(lang)} ({kind})",
                           style="red" if info.hard else "yellow"))
        listed = Table.grid(padding=(0, 1))
        listed.add_column(no_wrap=True)
        listed.add_column(overflow="fold")
        for o in offences[:OFFENCES_SHOWN]:
            listed.add_row(" -", Text(sentence(problem, o, assignment, lang)))
        if counts[rule] > OFFENCES_SHOWN:
            listed.add_row("", Text(text("offences.more", lang,
                                         count=f"{counts[rule] - OFFENCES_SHOWN:,}"),
                                    style="dim"))
        console.print(listed)
    console.print()


def print_analysis(console: Console, analysis: Analysis, problem: Problem,
                   ev: Evaluation | None = None, *, lang: Lang = "en") -> None:
    """Print the ecosystem figures of :func:`pilotopt.analysis.analyze`: a warning when hard
    rules are broken, per group, the members without a tie, overall and against the clusters
    the network would form by itself."""
    if ev is not None and not ev.feasible:
        console.print(Text(text("analysis.hard_broken", lang, rules=", ".join(
            problem.rules[r.rule].label_in(lang) for r in ev.broken_hard_rules())),
            style="bold red"))
    table = Table(title=text("analysis.title", lang), box=box.SIMPLE_HEAD, pad_edge=False,
                  caption=text("analysis.caption", lang))
    table.add_column(text("col.group", lang), overflow="fold", ratio=1, min_width=6)
    for key in ("col.size", "col.score", "col.density", "col.across", "col.both_ways",
                "col.alone", "col.unmet", "col.paths"):
        table.add_column(text(key, lang), justify="right", no_wrap=True)
    for g in analysis.groups:
        table.add_row(
            Text(g.group), str(g.size), f"{g.complementarity:.1f}", _pct(g.density),
            _pct(g.cross_economy_share), _pct(g.reciprocity), str(len(g.isolated)),
            str(sum(len(t) for t in g.unmet_needs.values())), str(len(g.transition_paths)),
        )
    console.print(table)
    index = {oid: i for i, oid in enumerate(problem.ids)}
    alone = [index[v] for g in analysis.groups for v in g.isolated]
    if alone:
        console.print(Text(text("analysis.isolated", lang, names=_who(problem, alone))))
    o, c = analysis.overall, analysis.communities
    console.print(Text(text(
        "analysis.overall", lang, complementarity=_number(o.complementarity),
        density=_pct(o.density), across=_pct(o.cross_economy_share), both=_pct(o.reciprocity),
        isolated=o.isolated, unmet=o.unmet_needs, paths=o.transition_paths)))
    if c is None:
        console.print(Text(text("analysis.no_communities", lang,
                                limit=f"{analysis.community_limit:,}")))
    else:
        console.print(Text(text(
            "analysis.communities", lang, count=c.count, kept=_pct(c.kept_share),
            found=_pct(c.community_kept_share), random=_pct(c.random_kept_share),
            agreement=f"{c.adjusted_rand:.2f}")))


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"
