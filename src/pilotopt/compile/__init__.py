"""Roster + scenario -> :class:`~pilotopt.problem.Problem`.

The only place user data becomes arrays.
"""

from __future__ import annotations

import numpy as np

from pilotopt.compile.complementarity import pair_scores
from pilotopt.compile.rules import COMPILERS, Context, describe
from pilotopt.errors import InputError
from pilotopt.problem import GroupSum, Primitive, Problem, RuleInfo
from pilotopt.schema.roster import Organisation
from pilotopt.schema.scenario import Scenario

__all__ = ["compile_problem", "group_count"]


def group_count(scenario: Scenario, n: int) -> int:
    """Number of groups: given, or following from the target size."""
    if scenario.groups.count is not None:
        return scenario.groups.count
    assert scenario.groups.target_size is not None
    return max(1, round(n / scenario.groups.target_size))


def compile_problem(
    orgs: tuple[Organisation, ...],
    scenario: Scenario,
    *,
    columns: tuple[str, ...] = (),
    scenario_file: str = "<scenario>",
    source: dict[str, str] | None = None,
) -> Problem:
    """Compile validated input into a Problem.

    Raises
    ------
    InputError
        When a rule does not fit the roster (unknown attribute, id or group), every such problem.
    """
    n = len(orgs)
    m = group_count(scenario, n)
    names = tuple(scenario.groups.names or (f"G{g + 1}" for g in range(m)))
    ctx = Context(scenario_file, orgs, columns, names, size_max=scenario.groups.size.max)

    size = scenario.groups.size
    rules = [RuleInfo("groups.size", "size",
                      f"groups of {size.min if size.min is not None else 1}"
                      f" to {size.max if size.max is not None else n} members", True)]
    primitives: list[Primitive] = [GroupSum(
        0, np.ones(n, dtype=np.int64),
        np.full(m, 1 if size.min is None else size.min, dtype=np.int64),
        np.full(m, n if size.max is None else size.max, dtype=np.int64),
        hard=True,
    )]
    for number, rule in enumerate(scenario.rules, start=1):
        index = len(rules)
        rules.append(RuleInfo(f"rule {number}", rule.kind, describe(rule), rule.hard,
                              0.0 if rule.hard else rule.weight, rule.note or ""))
        primitives += COMPILERS[rule.kind](rule, number, index, ctx)
    if ctx.problems:
        raise InputError(ctx.problems)

    return Problem(
        ids=tuple(o.id for o in orgs),
        names=tuple(o.name for o in orgs),
        group_names=names,
        score=pair_scores(orgs, scenario.complementarity),
        rules=tuple(rules),
        primitives=tuple(primitives),
        source=dict(source or {}),
    )
