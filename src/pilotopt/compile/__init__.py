"""Roster + scenario -> :class:`~pilotopt.problem.Problem`.

The only place user data becomes arrays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from pilotopt.compile.complementarity import pair_factors
from pilotopt.compile.membership import capacities, membership_rule
from pilotopt.compile.rules import COMPILERS, Context, pinned
from pilotopt.errors import InputError
from pilotopt.io.assignment import Pin
from pilotopt.io.history import History
from pilotopt.problem import GroupSum, LowRankScore, PairLink, Primitive, Problem, RuleInfo
from pilotopt.schema.roster import Organisation
from pilotopt.schema.scenario import Scenario, StabilityRule

__all__ = ["DENSE_MAX_ORGANISATIONS", "compile_problem", "group_count", "group_names"]

#: Up to this many organisations pair scores are a dense n x n matrix (what the search kernel and
#: CP-SAT read); beyond it they stay low-rank factors, rules never list O(n^2) pairs, and solve
#: takes the large-instance search. Measured on generated instances (groups of 10, 5-10 s): the
#: dense path (CP-SAT start, then the kernel) wins slightly at 100 and 200 organisations; at
#: 300 the large search is ahead (1917.9 vs 1900.5 in 10 s) and at 600 and 1,000 CP-SAT finds
#: no start within the limit.
DENSE_MAX_ORGANISATIONS = 250


def group_count(scenario: Scenario, n: int) -> int:
    """Number of groups: given, or following from the target size."""
    if scenario.groups.count is not None:
        return scenario.groups.count
    assert scenario.groups.target_size is not None
    return max(1, round(n / scenario.groups.target_size))


def group_names(scenario: Scenario, n: int) -> tuple[str, ...]:
    """The groups' names: given, or G1, G2, ..."""
    m = group_count(scenario, n)
    return tuple(scenario.groups.names or (f"G{g + 1}" for g in range(m)))


def _file_pins(pins: Sequence[Pin], index: int, ctx: Context) -> Primitive:
    """The hard Allowed of pins read from a file, each id checked against the roster."""
    found = []
    for p in pins:
        i = ctx.index.get(p.org_id)
        if i is None:
            ctx.problems.append(replace(p.place, column="id", value=p.org_id,
                                        message="no organisation with this id in the roster"))
            continue
        ctx.pin(i, p.group, p.place)
        found.append((i, p.group))
    return pinned(index, found, ctx)


def compile_problem(
    orgs: tuple[Organisation, ...],
    scenario: Scenario,
    *,
    columns: tuple[str, ...] = (),
    scenario_file: str = "<scenario>",
    source: dict[str, str] | None = None,
    dense: bool | None = None,
    history: History | None = None,
    previous: Mapping[str, int] | None = None,
    pins: Sequence[Pin] = (),
) -> Problem:
    """Compile validated input into a Problem.

    ``dense`` chooses the form of the pair scores (default: dense up to
    :data:`DENSE_MAX_ORGANISATIONS` organisations, factors beyond). ``history``: the earlier
    waves that ``repeats`` rules read. ``previous`` gives the group index (-1: left out) of
    each organisation id of an earlier assignment, for the ``stability`` rule. ``pins`` (from
    a file, ``solve --pins``) become the hard rule ``pins``, after the scenario's rules; an
    organisation pinned to two groups is a problem located at both. An organisation that may
    join several groups (see :mod:`pilotopt.compile.membership`) is in the problem once per
    group it may join; group counts, sizes and the dense limit count these memberships.

    Raises
    ------
    InputError
        When a rule does not fit the roster (unknown attribute, id or group), every such problem.
    """
    roster = Context(scenario_file, orgs, columns, ())
    caps = capacities(orgs, scenario.membership, lambda k: group_count(scenario, k), roster)
    roster_index = np.repeat(np.arange(len(orgs)), caps)
    orgs = tuple(orgs[k] for k in roster_index)
    n = len(orgs)
    m = group_count(scenario, n)
    names = group_names(scenario, n)
    if dense is None:
        dense = n <= DENSE_MAX_ORGANISATIONS
    ctx = Context(scenario_file, orgs, columns, names, roster.problems,
                  size_max=scenario.groups.size.max, large=not dense, history=history,
                  previous=previous, roster_file=(source or {}).get("roster", "<roster>"),
                  roster_index=roster_index)
    if history is not None and not any(
            r.kind == "repeats" or (isinstance(r, StabilityRule) and r.against == "last_wave")
            for r in scenario.rules):
        ctx.problem(0, "rules", f"{len(history.files)} earlier wave(s) given (--history), but no "
                    "rule reads them: add a rule of kind \"repeats\" (or \"stability\" with "
                    "against = \"last_wave\")")

    size = scenario.groups.size
    if m > n and size.min != 0:
        ctx.problem(0, "groups.count", f"{m} groups for {n} organisations: a group would stay "
                    "empty (allow it with size.min = 0)", m)
    lo, hi = size.min if size.min is not None else 1, size.max if size.max is not None else n
    rules = [RuleInfo("groups.size", "size", f"groups of {lo} to {hi} members", True,
                      label_nl=f"groepen van {lo} tot {hi} leden")]
    primitives: list[Primitive] = [GroupSum(
        0, np.ones(n, dtype=np.int64),
        np.full(m, lo, dtype=np.int64),
        np.full(m, hi, dtype=np.int64),
        hard=True,
    )]
    for number, rule in enumerate(scenario.rules, start=1):
        index = len(rules)
        rules.append(RuleInfo(f"rule {number}", rule.kind, rule.label(), rule.hard,
                              0.0 if rule.hard else rule.weight, rule.note or "", rule.fact,
                              rule.label("nl")))
        primitives += COMPILERS[rule.kind](rule, number, index, ctx)
    if pins:
        primitives.append(_file_pins(pins, len(rules), ctx))
        files = sorted({p.place.file for p in pins})
        rules.append(RuleInfo("pins", "pin", f"pins from {', '.join(files)}", True,
                              fact="{} organisations pinned",
                              label_nl=f"vast volgens {', '.join(files)}"))
    linked = membership_rule(roster_index, scenario.membership.exact, len(rules))
    if linked is not None:
        rules.append(linked[0])
        primitives += linked[1]
    if ctx.problems:
        raise InputError(ctx.problems)

    factors = pair_factors(orgs, scenario.complementarity)
    if linked is not None:
        factors = _without_own_pairs(factors, linked[1][0])
    return Problem(
        ids=tuple(o.id for o in orgs),
        names=tuple(o.name for o in orgs),
        group_names=names,
        score=factors.dense() if dense else np.zeros((0, 0), dtype=np.int64),
        rules=tuple(rules),
        primitives=tuple(primitives),
        source=dict(source or {}),
        factors=None if dense else factors,
        roster_index=roster_index if linked is not None else None,
        per_member=scenario.complementarity.per_member,
    )


def _without_own_pairs(factors: LowRankScore, apart: Primitive) -> LowRankScore:
    """The scores with the pairs of copies of one organisation (never in one group) at 0, so
    bounds do not count them."""
    assert isinstance(apart, PairLink)
    a, b = apart.pairs[:, 0], apart.pairs[:, 1]
    own = factors.constant + factors.x.take_rows(a).row_dots(factors.y.take_rows(b))
    keep = own != 0
    return replace(factors, pairs=apart.pairs[keep], values=-own[keep])
