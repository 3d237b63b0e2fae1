"""What the workspace page shows, as plain values for its templates: the roster's profile, the
summary of an assignment (objective and every rule), each group's head (mix, totals, rules off),
the cards, what a move changed, two runs side by side, and the scenario's settings form.

Figures come from the evaluator's numbers (:class:`~pilotopt.evaluate.Evaluation`, kept up to
date by :class:`~pilotopt.moves.WhatIf`) and :func:`~pilotopt.report.figures.group_figures`, so
the page says what ``pilotopt score`` says.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from pilotopt.diff import Diff
from pilotopt.errors import InputProblem
from pilotopt.evaluate import Evaluation, RuleStatus
from pilotopt.instance import Instance
from pilotopt.moves import Change
from pilotopt.problem import IntArray, Problem
from pilotopt.profile import profile as profile_of
from pilotopt.report.figures import ECONOMIES, group_figures
from pilotopt.report.i18n import Lang, economy, economy_letter, tag, text
from pilotopt.schema.roster import Organisation
from pilotopt.web.settings import Field, Form

__all__ = ["cards", "comparison", "group_heads", "number", "profile", "settings", "step",
           "summary"]

#: Tags listed in the profile (most offered, most needed).
TOP_TAGS = 5


def number(x: float) -> str:
    """A figure as the page shows it: at most two decimals, no trailing zeros."""
    return f"{round(x, 2):g}" if abs(x) < 1e6 else f"{x:.0f}"


def profile(instance: Instance, lang: Lang) -> dict[str, Any]:
    """The roster at a glance: organisations per economy and province, staff, the tags most
    offered and needed, the groups and rules asked for, and the roster's warnings."""
    orgs = instance.orgs or ()
    p = instance.problem
    offers = Counter(t for o in orgs for t in o.offers)
    needs = Counter(t for o in orgs for t in o.needs)
    return {
        "organisations": len(orgs),
        "groups": p.m,
        "rules": len(p.rules),
        "hard_rules": sum(r.hard for r in p.rules),
        # per economy, type and province, orphan needs, quotas' reach (pilotopt.profile)
        "shared": profile_of(instance).view(lang),
        "fte": number(sum(o.fte for o in orgs)),
        "target_group_fte": number(sum(o.target_group_fte for o in orgs)),
        "offered": [(tag(t, lang), c) for t, c in offers.most_common(TOP_TAGS)],
        "needed": [(tag(t, lang), c) for t, c in needs.most_common(TOP_TAGS)],
        "warnings": list(instance.roster.warnings) if instance.roster else [],
    }


def _status(r: RuleStatus, lang: Lang) -> str:
    if r.satisfied:
        return text("rule.holds", lang)
    return text("rule.broken" if r.hard else "rule.off", lang, v=r.violation)


def summary(problem: Problem, ev: Evaluation, lang: Lang) -> dict[str, Any]:
    """The objective, its parts, and every rule with its status."""
    return {
        "objective": number(ev.objective),
        "complementarity": number(ev.complementarity),
        "penalty": number(ev.penalty),
        "feasible": ev.feasible,
        "rules": [{"label": problem.rules[r.rule].label_in(lang), "hard": r.hard,
                   "ok": r.satisfied,
                   "status": _status(r, lang), "penalty": number(r.penalty),
                   "note": problem.rules[r.rule].note}
                  for r in ev.rules],
    }


def group_heads(problem: Problem, assignment: IntArray, ev: Evaluation,
                orgs: Sequence[Organisation] | None, lang: Lang,
                only: Collection[int] | None = None) -> list[dict[str, Any]]:
    """Per group (all, or those in ``only``): size, complementarity, mix, FTE and target-group
    FTE against the mean group, and the rules off in it (hard ones first).

    With ``only``, the figures are computed for those groups alone (what a move changes at
    3,000 organisations costs milliseconds, not the whole roster's figures); the means are
    still those of every group.
    """
    if only is None:
        fig = group_figures(problem, assignment, ev, orgs)
    else:
        wanted = np.array(sorted(only), dtype=np.int64)
        part = group_figures(problem, np.where(np.isin(assignment, wanted), assignment, -1),
                             ev, orgs)
        fig = replace(part, groups=tuple(part.groups[g] for g in wanted),
                      mean_fte=_mean(orgs, assignment, problem.m, "fte"),
                      mean_target_group_fte=_mean(orgs, assignment, problem.m,
                                                  "target_group_fte"))
    heads = []
    for g in fig.groups:
        off = sorted(((r.hard, problem.rules[r.rule].label_in(lang), r.per_group[g.index])
                      for r in ev.rules
                      if r.per_group[g.index]), key=lambda x: not x[0])
        heads.append({
            "index": g.index, "name": g.name, "size": g.size,
            "complementarity": number(g.complementarity),
            "mix": None if g.mix is None else [
                (economy_letter(e, lang), economy(e, lang), c)
                for e, c in zip(ECONOMIES, g.mix, strict=True) if c],
            "fte": None if g.fte is None else number(g.fte),
            "fte_vs": _versus(g.fte, fig.mean_fte),
            "target_group_fte": None if g.target_group_fte is None else number(
                g.target_group_fte),
            "target_vs": _versus(g.target_group_fte, fig.mean_target_group_fte),
            "off": [{"hard": hard, "label": label, "v": v} for hard, label, v in off],
            "broken": any(hard for hard, _, _ in off),
        })
    return heads


def _mean(orgs: Sequence[Organisation] | None, assignment: IntArray, m: int,
          field: str) -> float | None:
    """The mean group's total of ``field`` (the placed organisations' sum over the groups)."""
    if orgs is None or not m:
        return None
    values = np.array([getattr(o, field) for o in orgs], dtype=np.float64)
    return float(values[assignment >= 0].sum() / m)


def _versus(value: float | None, mean: float | None) -> str | None:
    if value is None or not mean:
        return None
    return f"{100 * (value / mean - 1):+.0f} %"


def cards(problem: Problem, orgs: Sequence[Organisation] | None, assignment: IntArray,
          locked: set[int], lang: Lang) -> list[dict[str, Any]]:
    """One card per organisation, in roster order, with the group it is in (-1: left out)."""
    out = []
    for i, org_id in enumerate(problem.ids):
        o = orgs[i] if orgs else None
        out.append({
            "index": i, "id": org_id, "name": problem.names[i], "group": int(assignment[i]),
            "economy": None if o is None else o.economy.value,
            "economy_label": None if o is None else economy(o.economy.value, lang),
            "letter": None if o is None else economy_letter(o.economy.value, lang),
            "fte": None if o is None else number(o.fte),
            "locked": i in locked,
        })
    return out


def step(problem: Problem, change: Change, reasons: Sequence[str], lang: Lang = "en"
         ) -> dict[str, Any]:
    """What a move changed: who went where, the objective, each group's complementarity and
    each rule that changes (its violation, per group), and why hard rules break."""
    names = problem.group_names

    def group(g: int) -> str:
        return names[g] if g >= 0 else "-"

    return {
        "moves": [{"id": problem.ids[mv.organisation], "name": problem.names[mv.organisation],
                   "source": group(mv.source), "target": group(mv.target)}
                  for mv in change.moves if mv.source != mv.target],
        "objective": _signed(change.objective),
        "groups": [(names[g], _signed(c)) for g, c in change.group_complementarity],
        "rules": [{"label": problem.rules[r.rule].label_in(lang),
                   "hard": problem.rules[r.rule].hard,
                   "violation": _signed(r.violation), "penalty": _signed(r.penalty),
                   "where": [(names[g], _signed(v)) for g, v in r.per_group]}
                  for r in change.rules],
        "reasons": list(reasons),
    }


def _signed(x: float) -> str:
    return "0" if x == 0 else f"{'+' if x > 0 else '-'}{number(abs(x))}"


def comparison(found: Diff, runs: tuple[str, str], lang: Lang) -> dict[str, Any]:
    """Two runs side by side (:func:`pilotopt.diff.diff`): their summaries, the organisations
    in another group, and the pairs kept, broken and formed."""
    p = found.problem
    names = p.group_names

    def group(g: int) -> str:
        return names[g] if g >= 0 else "-"

    before, after = summary(p, found.before, lang), summary(p, found.after, lang)
    return {"runs": [(runs[0], before), (runs[1], after)],
            "delta": _signed(found.after.objective - found.before.objective),
            "moved": [{"id": p.ids[i], "name": p.names[i], "a": group(f), "b": group(t)}
                      for i, f, t in found.moved],
            "kept": found.kept, "broken": len(found.broken), "formed": len(found.formed)}


def settings(form: Form, sent: Mapping[str, str], problems: Sequence[InputProblem],
             lang: Lang = "en") -> dict[str, Any]:
    """The settings form: each field with the value to show (what was sent, after a refused
    edit, else the scenario's) and whether a problem names it; the problems as lines; each
    rule by its label in ``lang``."""
    named = {(p.key or "").split(" (line")[0] for p in problems}

    def shown(f: Field) -> dict[str, Any]:
        return {"key": f.key, "name": f.name, "kind": f.kind,
                "value": sent.get(f.key, f.shown), "invalid": f.key in named}

    return {"groups": [shown(f) for f in form.groups],
            "rules": [{"number": r.number, "kind": r.kind,
                       "label": r.label_nl if lang == "nl" else r.label,
                       "hard": shown(r.fields[0]), "weight": shown(r.fields[1]),
                       "numbers": [shown(f) for f in r.fields[2:]]} for r in form.rules],
            "problems": [str(p) for p in problems]}
