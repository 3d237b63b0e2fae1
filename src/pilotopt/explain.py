"""Why each organisation sits where it does, and where else it could go.

Built on :class:`~pilotopt.moves.WhatIf`, so every number is the exact change the evaluator
(``pilotopt score``) would report on the changed assignment.

* :func:`explain`: per organisation, what it gives and gets in its group (tags, to and from
  whom), what it earns there and its share of the group's complementarity, the best alternative
  groups (moving there, or swapping with the best partner there) with the change of the
  objective and of each rule, and the hard rule that blocks a better move.
* :func:`fit`: where a late registration (in the roster, not in the assignment) fits best, each
  group ranked by the change joining it makes, and the best single swap: it takes the seat of a
  member who moves to another group.

Alternatives are ranked by the change of the hard rules' violation first (a move that repairs
a hard rule comes before one that keeps them, which comes before one that breaks one), then by
the change of the objective. Every rule is priced for the :data:`GROUPS` groups and, in each,
the :data:`PARTNERS` swap partners that change the complementarity most (that change is
computed exactly for all of them at once): explaining every organisation of a roster then costs
O(n) per organisation, not a pricing of all n swaps.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import assert_never

import numpy as np

from pilotopt.moves import Change, WhatIf
from pilotopt.problem import (
    SCALE,
    Allowed,
    Coverage,
    GroupSum,
    IntArray,
    LeaveOut,
    MaxDeviation,
    NotExactlyOne,
    PairLink,
    Problem,
    Proximity,
    RuleInfo,
    Stay,
)
from pilotopt.report.i18n import Lang, text
from pilotopt.schema.roster import Organisation

__all__ = ["EXPLAIN_LIMIT", "Alternative", "Explanation", "Fit", "Tie", "Why", "explain",
           "explain_all", "fit"]

#: Alternative groups shown per organisation.
ALTERNATIVES = 3
#: Groups priced with every rule per organisation, and swap partners per group: those that
#: change the complementarity most (see :func:`_candidates`).
GROUPS, PARTNERS = 8, 3
#: Rosters up to this many organisations are explained in every result and report by default
#: (about 2 s per 300 organisations on a loaded machine, see benchmarks/moves.py).
EXPLAIN_LIMIT = 1000


@dataclass(frozen=True)
class Tie:
    """What an organisation and one other member exchange: the tags it gives them (its offers
    they need), the tags it gets from them, and the pair's score (``score`` in user units,
    ``score_scaled`` the integer)."""

    partner: int
    gives: tuple[str, ...]
    gets: tuple[str, ...]
    score_scaled: int

    @property
    def score(self) -> float:
        """The pair's score in user units."""
        return self.score_scaled / SCALE


@dataclass(frozen=True)
class Alternative:
    """Another place for an organisation: ``change`` made by moving it to ``group`` (or by
    swapping it with ``partner`` there), and, when that breaks hard rules, why in words."""

    group: int
    change: Change
    partner: int | None
    why: tuple[Why, ...]

    @property
    def blocked_by(self) -> tuple[str, ...]:
        """The hard rules it breaks, in English sentences."""
        return tuple(w.words() for w in self.why)

    def to_dict(self, problem: Problem) -> dict[str, object]:
        """Plain values in user units."""
        return {"group": problem.group_names[self.group],
                "swap_with": None if self.partner is None else problem.ids[self.partner],
                "blocked_by": list(self.blocked_by), **self.change.to_dict(problem)}


@dataclass(frozen=True)
class Explanation:
    """Why organisation ``organisation`` sits in ``group``."""

    organisation: int
    group: int
    earns_scaled: int  # the sum of its pair scores with its group's members
    share: float  # its half of those pairs, over the group's complementarity
    ties: tuple[Tie, ...]
    alternatives: tuple[Alternative, ...]
    blocked: Alternative | None  # the best move that would raise the objective but break a rule

    @property
    def earns(self) -> float:
        """The sum of its pair scores with its group's members, in user units."""
        return self.earns_scaled / SCALE

    def to_dict(self, problem: Problem) -> dict[str, object]:
        """Plain values in user units."""
        ids = problem.ids
        return {
            "organisation": ids[self.organisation],
            "group": problem.group_names[self.group] if self.group >= 0 else None,
            "earns": self.earns,
            "share": round(self.share, 4),
            "gives": sorted({t for tie in self.ties for t in tie.gives}),
            "gets": sorted({t for tie in self.ties for t in tie.gets}),
            "ties": [{"with": ids[t.partner], "gives": list(t.gives), "gets": list(t.gets),
                      "score": t.score} for t in self.ties],
            "alternatives": [a.to_dict(problem) for a in self.alternatives],
            "blocked": self.blocked.to_dict(problem) if self.blocked else None,
        }

    def lines(self, problem: Problem, lang: Lang = "en") -> list[str]:
        """The explanation as plain text lines, for the terminal."""
        ids, names = problem.ids, problem.group_names
        where = names[self.group] if self.group >= 0 else text("ex.left_out", lang)
        out = [text("ex.head", lang, id=ids[self.organisation],
                    name=problem.names[self.organisation], where=where, earns=f"{self.earns:g}",
                    share=f"{self.share:.0%}")]
        for t in self.ties:
            parts = [text("ex.gives", lang, tags=", ".join(t.gives)) if t.gives else "",
                     text("ex.gets", lang, tags=", ".join(t.gets)) if t.gets else ""]
            what = "; ".join(x for x in parts if x) or text("ex.no_tags", lang)
            out.append(text("ex.tie", lang, id=ids[t.partner], what=what, score=f"{t.score:g}"))
        for k, alt in enumerate(self.alternatives, start=1):
            out.append(text("ex.alternative", lang, k=k, what=_describe(problem, alt, lang)))
        if self.blocked is not None:
            out.append(text("ex.blocked", lang, what=_describe(problem, self.blocked, lang)))
        return out


@dataclass(frozen=True)
class Fit:
    """Where a newcomer fits: every group ranked (joining it, nobody else moving), and the best
    single swap (it takes the seat of a member who moves to another group).

    Changes are against the assignment without the newcomer (placed nowhere, at no cost);
    :meth:`objective_after` is what ``score`` reports with an alternative made."""

    organisation: int
    ranking: tuple[Alternative, ...]
    swap: Alternative | None
    base_objective_scaled: int  # the objective without the newcomer (placed nowhere)

    @property
    def base_objective(self) -> float:
        """The objective without the newcomer (placed nowhere), in user units."""
        return self.base_objective_scaled / SCALE

    def objective_after(self, alt: Alternative) -> float:
        """The objective (user units) of the assignment with the alternative made."""
        return (self.base_objective_scaled + alt.change.objective_scaled) / SCALE

    def to_dict(self, problem: Problem) -> dict[str, object]:
        """Plain values in user units."""
        def one(a: Alternative) -> dict[str, object]:
            return {**a.to_dict(problem), "objective_after": self.objective_after(a)}

        return {"organisation": problem.ids[self.organisation],
                "objective_without": self.base_objective,
                "groups": [one(a) for a in self.ranking],
                "best_swap": one(self.swap) if self.swap else None}

    def lines(self, problem: Problem, lang: Lang = "en") -> list[str]:
        """Plain text lines, for the terminal."""
        out = [text("fit.head", lang, id=problem.ids[self.organisation],
                    name=problem.names[self.organisation],
                    objective=f"{self.base_objective:g}")]
        out += [f"  {k}. {_describe(problem, a, lang)}"
                for k, a in enumerate(self.ranking, start=1)]
        if self.swap is not None:
            out.append(text("fit.swap", lang, what=_describe(problem, self.swap, lang)))
        return out


def _describe(problem: Problem, alt: Alternative, lang: Lang = "en") -> str:
    c = alt.change
    ids, names = problem.ids, problem.group_names
    what = names[alt.group]
    if alt.partner is not None:
        what = text("ex.swap", lang, group=what, partner=ids[alt.partner], to=", ".join(
            names[mv.target] if mv.target >= 0 else text("ex.no_group", lang)
            for mv in c.moves[1:]))
    rules = ", ".join(f"{problem.rules[r.rule].label_in(lang)} {r.violation:+d}"
                      for r in c.rules if r.violation)
    words = text("ex.objective", lang, what=what, change=f"{c.objective:+g}")
    if rules:
        words += text("ex.violations", lang, rules=rules)
    return "; ".join([words, *(w.words(lang) for w in alt.why)])


# ----------------------------------------------------------------------------------------------
# why a move breaks a hard rule, in words
# ----------------------------------------------------------------------------------------------


def _after(w: WhatIf, change: Change) -> dict[int, int]:
    """Group of each moved organisation after the change."""
    return {mv.organisation: mv.target for mv in change.moves}


@dataclass(frozen=True)
class Why:
    """One reason a change breaks a hard rule: a sentence of the catalogue
    (:func:`pilotopt.report.i18n.text`, key ``why.<key>``) and the values it names."""

    key: str
    values: tuple[tuple[str, str], ...]
    #: The rule's label in Dutch (``values`` hold it in English, as ``rule``).
    rule_nl: str = ""

    def words(self, lang: Lang = "en") -> str:
        """The reason as a sentence in ``lang``."""
        values = dict(self.values)
        if lang == "nl" and self.rule_nl:
            values["rule"] = self.rule_nl
        return text(f"why.{self.key}", lang, **values)


def _why(key: str, info: RuleInfo, **values: str) -> Why:
    return Why(key, (*values.items(), ("rule", info.label)), info.label_in("nl"))


def _pair_reasons(problem: Problem, w: WhatIf, change: Change, p: PairLink | Proximity,
                  info: RuleInfo) -> list[Why]:
    moved = _after(w, change)
    ids, names = problem.ids, problem.group_names

    def group(x: int) -> int:
        return moved.get(x, w.group_of(x))

    out = []
    for i, g in moved.items():
        if g < 0:
            continue
        if isinstance(p, Proximity):
            members = [x for x in w.members(g).tolist() if x not in moved] + [
                x for x, h in moved.items() if h == g and x != i]
            far = p.far(np.full(len(members), i), np.array(members, dtype=np.int64))
            out += [_why("far", info, other=ids[x], group=names[g])
                    for x in np.array(members, dtype=np.int64)[far].tolist()]
            continue
        rows = p.pairs[(p.pairs == i).any(axis=1)]
        for x, y in rows.tolist():
            other = y if x == i else x
            if p.together and group(other) != g:
                if group(other) >= 0:
                    out.append(_why("stays", info, other=ids[other], group=names[group(other)]))
                else:
                    out.append(_why("stays_out", info, other=ids[other]))
            elif not p.together and group(other) == g:
                out.append(_why("there", info, other=ids[other]))
    return out


def blocking(problem: Problem, w: WhatIf, change: Change) -> tuple[Why, ...]:
    """Why ``change`` breaks hard rules (e.g. "G3 is full: groups of 6 to 12 members", "rg17
    is there: competitors apart"); empty if it breaks none."""
    names = problem.group_names
    reasons: list[Why] = []
    for r in change.rules:
        info = problem.rules[r.rule]
        if not info.hard or r.violation <= 0:
            continue
        worse = [g for g, v in r.per_group if v > 0]
        found: list[Why] = []
        for p in problem.primitives:
            if p.rule != r.rule or not p.hard:
                continue
            match p:
                case PairLink() | Proximity():
                    found += _pair_reasons(problem, w, change, p, info)
                case GroupSum():
                    for g in worse:
                        gained = sum(int(p.w[mv.organisation]) * (
                            (mv.target == g) - (mv.source == g)) for mv in change.moves)
                        found.append(_why("full" if gained > 0 else "short", info,
                                          group=names[g]))
                case Allowed():
                    found += [_why("closed", info, group=names[g],
                                   org=problem.ids[mv.organisation])
                              for mv in change.moves for g in worse if mv.target == g]
                case NotExactlyOne() | Coverage() | LeaveOut() | MaxDeviation() | Stay():
                    found += [_why("breaks_in", info, groups=names[g])
                              for g in worse]
                case _:
                    assert_never(p)
        if not found:
            found = [_why("breaks_in", info,
                          groups=", ".join(names[g] for g in worse)) if worse
                     else _why("breaks", info)]
        reasons += found
    return tuple(dict.fromkeys(reasons))


# ----------------------------------------------------------------------------------------------
# alternatives
# ----------------------------------------------------------------------------------------------


def _key(c: Change) -> tuple[int, int]:
    return c.hard_violation, -c.objective_scaled


class _Columns:
    """What every organisation earns with each group's members, per group as it is asked for
    (:meth:`~pilotopt.moves.WhatIf.earnings_with`), for screening many organisations' swaps."""

    def __init__(self, w: WhatIf) -> None:
        self.w = w
        self.cache: dict[int, IntArray] = {}

    def __getitem__(self, g: int) -> IntArray:
        if g not in self.cache:
            self.cache[g] = self.w.earnings_with(g)
        return self.cache[g]


def _candidates(w: WhatIf, i: int, s: IntArray, own: IntArray,
                columns: _Columns) -> list[tuple[int, list[int]]]:
    """The groups worth pricing for i and, in each, the partners worth pricing a swap with.

    Ranked by the exact change of complementarity, computed for every group and partner at once
    (O(n)): ``s`` is i's pair score row, ``own`` what each organisation earns in its own group
    now, ``columns`` what each earns with each group's members. The rules are priced only for
    these.
    """
    a = w.group_of(i)
    groups = w.assignment
    earn = np.bincount(groups[groups >= 0], weights=s[groups >= 0],
                       minlength=w.problem.m).round().astype(np.int64)
    here = int(earn[a]) if a >= 0 else 0
    gain = earn - here  # of moving to each group, then raised by the best swap there
    swap = np.full(len(groups), np.iinfo(np.int64).min, dtype=np.int64)
    if a >= 0:  # one left out has no seat to trade
        # What each organisation would earn in a, without i.
        into_a = columns[a] - s
        ok = (groups >= 0) & (groups != a)
        swap[ok] = (earn[groups[ok]] - s[ok] + into_a[ok] - here - own[ok])
        np.maximum.at(gain, groups[ok], swap[ok])
    order = [int(g) for g in np.argsort(-gain, kind="stable") if g != a][:GROUPS]
    out = []
    for g in order:
        members = w.members(g)
        best = members[np.argsort(-swap[members], kind="stable")][:PARTNERS].tolist()
        out.append((g, best if a >= 0 else []))
    return out


def _options(
    w: WhatIf, i: int, s: IntArray, own: IntArray, columns: _Columns
) -> tuple[list[Alternative], Alternative | None]:
    """For each candidate group, the better of moving there and the best swap there; and the
    change raising the objective most among those that break a hard rule."""
    best: list[Alternative] = []
    blocked: Alternative | None = None
    for g, partners in _candidates(w, i, s, own, columns):
        # Trading places with itself (an organisation in several groups) changes nothing.
        partners = [j for j in partners if w.problem.ids[j] != w.problem.ids[i]]
        move, swaps = w.into(i, g, partners)
        options = [Alternative(g, move, None, ())] + [
            Alternative(g, c, j, ()) for j, c in zip(partners, swaps, strict=True)]
        best.append(min(options, key=lambda a: _key(a.change)))
        for a in options:
            if a.change.hard_violation > 0 and (
                    blocked is None
                    or a.change.objective_scaled > blocked.change.objective_scaled):
                blocked = a
    return best, blocked


def _with_reasons(problem: Problem, w: WhatIf, alt: Alternative) -> Alternative:
    if alt.change.hard_violation <= 0:
        return alt
    return replace(alt, why=blocking(problem, w, alt.change))


def _ties(w: WhatIf, i: int, s: IntArray,
          orgs: Sequence[Organisation] | None) -> tuple[Tie, ...]:
    g = w.group_of(i)
    if g < 0:
        return ()
    ties = []
    for j in w.members(g).tolist():
        if j == i:
            continue
        score = int(s[j])
        gives: tuple[str, ...] = ()
        gets: tuple[str, ...] = ()
        if orgs is not None:
            me, them = orgs[i], orgs[j]
            gives = tuple(t for t in me.offers if t in them.needs)
            gets = tuple(t for t in them.offers if t in me.needs)
        if gives or gets or score:
            ties.append(Tie(j, gives, gets, score))
    return tuple(ties)


def explain(
    problem: Problem,
    assignment: IntArray,
    organisations: Iterable[int] | None = None,
    orgs: Sequence[Organisation] | None = None,
    deadline: float | None = None,
) -> list[Explanation]:
    """Explain the place of each organisation of ``organisations`` (default: all), in order;
    with a ``deadline`` (a ``time.perf_counter()`` value) only those explained before it.

    Parameters
    ----------
    problem, assignment
        The compiled problem and an assignment of it (e.g. read from assignment.csv).
    organisations
        Indices of the organisations to explain.
    orgs
        The roster's organisations in the problem's order, for the tags they exchange (None:
        pair scores only, e.g. MDGPLIB).
    deadline
        The time by which to stop (the command line keeps its time limit with it).
    """
    w = WhatIf(problem, assignment)
    own = np.array([w.earns(j) if w.group_of(j) >= 0 else 0 for j in range(problem.n)],
                   dtype=np.int64)
    columns = _Columns(w)
    out = []
    # Not the memberships an organisation in several groups did not take up.
    untaken = problem.further & (np.asarray(w.assignment) < 0)
    for i in (range(problem.n) if organisations is None else organisations):
        if untaken[i]:
            continue
        if deadline is not None and time.perf_counter() > deadline:
            break
        g = w.group_of(i)
        earns = w.earns(i) if g >= 0 else 0
        # Each pair counted from both ends (so also with the size-fair objective: a share of
        # the pairs is a share of the group's figure per member).
        total = int(own[w.members(g)].sum()) if g >= 0 else 0
        s = w.pair_scores(i)
        found, blocked = _options(w, i, s, own, columns)
        options = sorted(found, key=lambda a: _key(a.change))
        top = [_with_reasons(problem, w, a) for a in options[:ALTERNATIVES]]
        # A better move is blocked if it would raise the objective above every move that keeps
        # the hard rules (and above 0: staying).
        best_kept = max((a.change.objective_scaled for a in options
                         if a.change.hard_violation <= 0), default=0)
        if blocked is not None and blocked.change.objective_scaled <= max(0, best_kept):
            blocked = None
        out.append(Explanation(
            organisation=i, group=g, earns_scaled=earns,
            share=earns / total if total else 0.0,
            ties=_ties(w, i, s, orgs), alternatives=tuple(top),
            blocked=_with_reasons(problem, w, blocked) if blocked else None))
    return out


def explain_all(
    problem: Problem, assignment: IntArray, orgs: Sequence[Organisation] | None = None,
    limit: int = EXPLAIN_LIMIT, deadline: float | None = None,
) -> tuple[list[Explanation], str | None]:
    """Every organisation explained, if there are at most ``limit`` of them and the
    ``deadline`` (see :func:`explain`) leaves time; else those explained, and why the others
    are not (a sentence for the result file)."""
    if problem.n > limit:
        return [], (f"{problem.n} organisations, more than the limit of {limit} (solve "
                    "--explain-limit); pilotopt explain gives them")
    found = explain(problem, assignment, None, orgs, deadline)
    placed = int(np.count_nonzero(~(problem.further & (np.asarray(assignment) < 0))))
    if len(found) < placed:
        return found, (f"{len(found)} of {placed} organisations explained within the time "
                       "limit; pilotopt explain gives them all")
    return found, None


def fit(problem: Problem, assignment: IntArray, newcomer: int) -> Fit:
    """Rank the groups for ``newcomer`` (its entry in ``assignment`` is ignored), and find the
    best single swap (it joins one of the :data:`GROUPS` best groups and a member there moves
    to one of the :data:`PARTNERS` groups where it would earn most)."""
    # The newcomer may be placed nowhere for the ranking's baseline: a LeaveOut that names only
    # it, at no cost and with no minimum, under a rule of its own (which never changes).
    free = np.zeros(problem.n, dtype=np.int64)
    free[newcomer] = 1
    extra = RuleInfo("newcomer", "optional", f"{problem.ids[newcomer]} not yet placed", True,
                     label_nl=f"{problem.ids[newcomer]} nog niet ingedeeld")
    base = replace(problem, rules=(*problem.rules, extra), primitives=(
        *problem.primitives, LeaveOut(len(problem.rules), free, np.zeros_like(free), 0, True)))
    a = np.array(assignment, dtype=np.int64)
    a[newcomer] = -1
    w = WhatIf(base, a)
    ranking = tuple(sorted((_with_reasons(base, w, Alternative(g, w.move(newcomer, g), None, ()))
                            for g in range(problem.m)), key=lambda x: _key(x.change)))
    swap: Alternative | None = None
    # The swap's groups: the best to join; the seat's holder goes to one of the groups where it
    # would earn most (every rule priced only for those).
    for alt in ranking[:GROUPS]:
        g = alt.group
        for j in w.members(g).tolist():
            earn = w.earnings(j)
            earn[g] = np.iinfo(np.int64).min
            for h in np.argsort(-earn, kind="stable")[:PARTNERS].tolist():
                if h == g:
                    continue
                c = w.change([(newcomer, g), (j, h)])
                if swap is None or _key(c) < _key(swap.change):
                    swap = Alternative(g, c, j, ())
    if swap is not None:
        swap = _with_reasons(base, w, swap)
    return Fit(newcomer, ranking, swap, w.evaluation().objective_scaled)
