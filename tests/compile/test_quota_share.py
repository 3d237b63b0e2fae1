"""Quota by share (``min_share`` / ``max_share``) and the check of ``min`` against group sizes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from helpers import checked
from pilotopt.compile import compile_problem
from pilotopt.errors import InputError
from pilotopt.evaluate import evaluate
from pilotopt.io import read_roster, scenario_from_dict
from pilotopt.problem import SCALE, GroupSum, Problem
from pilotopt.solve import Params, solve

DATA = Path(__file__).parents[1] / "data"
ROSTER = read_roster(DATA / "roster.csv")  # se01..se04 social, rg01..rg03 regular, pb01 public
SOCIAL = {"kind": "quota", "attribute": "economy", "value": "social"}


def compile_rules(*rules: dict[str, Any], size_max: int = 5) -> Problem:
    scenario = scenario_from_dict({"groups": {"count": 2, "size": {"min": 3, "max": size_max}},
                                   "rules": list(rules)})
    return compile_problem(ROSTER.organisations, scenario, columns=ROSTER.columns)


def sums(p: Problem) -> list[GroupSum]:
    """The GroupSums of rule 1 (the first user rule)."""
    return [x for x in p.primitives if isinstance(x, GroupSum) and x.rule == 1]


def group_of(p: Problem, groups: list[list[str]]) -> np.ndarray:
    """Assignment from lists of ids per group."""
    a = np.full(p.n, -1, dtype=np.int64)
    for g, ids in enumerate(groups):
        for org_id in ids:
            a[p.ids.index(org_id)] = g
    assert (a >= 0).all()
    return a


def test_min_share_weighs_members_by_the_fraction() -> None:
    (prim,) = sums(compile_rules({**SOCIAL, "min_share": 0.25}))
    # 4 * [social] - 1: the group sum is 4 * count - size, which must be at least 0.
    assert prim.w.tolist() == [3, 3, 3, 3, -1, -1, -1, -1]
    assert prim.lo.tolist() == [0, 0] and prim.hi.tolist() == [12, 12]


def test_max_share_is_the_mirror() -> None:
    (prim,) = sums(compile_rules({**SOCIAL, "max_share": 0.5}))
    assert prim.w.tolist() == [1, 1, 1, 1, -1, -1, -1, -1]
    assert prim.lo.tolist() == [-4, -4] and prim.hi.tolist() == [0, 0]


def test_a_third_is_a_third_not_33_percent() -> None:
    (prim,) = sums(compile_rules({**SOCIAL, "min_share": 0.333}))
    assert prim.w.tolist() == [2] * 4 + [-1] * 4  # 3 * [social] - 1


def test_counts_and_shares_together_give_one_primitive_each() -> None:
    p = compile_rules({**SOCIAL, "min": 1, "max": 3, "min_share": 0.25, "max_share": 0.75})
    count, at_least, at_most = sums(p)
    assert count.w.tolist() == [1] * 4 + [0] * 4 and count.lo.tolist() == [1, 1]
    assert at_least.lo.tolist() == [0, 0] and at_most.hi.tolist() == [0, 0]
    assert p.rules[1].label == ("quota economy=social min 1 max 3, "
                                "min 25 % of the group, max 75 % of the group")


def test_share_only_in_the_listed_groups() -> None:
    (prim,) = sums(compile_rules({**SOCIAL, "min_share": 0.5, "groups": [2]}))
    assert prim.lo.tolist() == [-4, 0]  # group 1 cannot be violated


def test_describe_says_the_share() -> None:
    p = compile_rules({**SOCIAL, "min_share": 0.25})
    assert p.rules[1].label == "quota economy=social min 25 % of the group"


def test_evaluator_counts_a_share_not_met() -> None:
    p = compile_rules({**SOCIAL, "min_share": 0.5})
    # Group 1: 1 social of 5 (20 %), group 2: 3 of 3.
    bad = group_of(p, [["se01", "rg01", "rg02", "rg03", "pb01"], ["se02", "se03", "se04"]])
    status = evaluate(p, bad).rules[1]
    # 2 * 1 - 5 = -3: one and a half members short, counted in halves.
    assert status.violation == 3 and status.per_group == (3, 0)
    assert not evaluate(p, bad).feasible


def test_evaluator_counts_nothing_when_the_share_is_met() -> None:
    p = compile_rules({**SOCIAL, "min_share": 0.5, "max_share": 0.5})
    good = group_of(p, [["se01", "se02", "rg01", "rg02"], ["se03", "se04", "rg03", "pb01"]])
    ev = evaluate(p, good)
    assert ev.rules[1].violation == 0 and ev.feasible


def test_evaluator_counts_a_max_share_exceeded() -> None:
    p = compile_rules({**SOCIAL, "max_share": 0.5})
    bad = group_of(p, [["se01", "rg01", "rg02", "rg03", "pb01"], ["se02", "se03", "se04"]])
    # Group 2: 3 social of 3 where 1.5 may be: 1.5 members too many, counted in halves.
    assert evaluate(p, bad).rules[1].per_group == (0, 3)


def test_soft_share_costs_its_weight_per_member_short() -> None:
    p = compile_rules({**SOCIAL, "min_share": 0.5, "hard": False, "weight": 2.0})
    # Group 1: 1 social of 3 (needs 1.5): half a member short -> 1 unit of 1/2 -> weight / 2.
    a = group_of(p, [["se01", "rg01", "rg02"], ["se02", "se03", "se04", "rg03", "pb01"]])
    ev = evaluate(p, a)
    assert ev.rules[1].violation == 1
    assert ev.penalty_scaled == SCALE  # 2.0 per member, half a member short


def test_hard_min_share_holds_after_solving() -> None:
    p = compile_rules({**SOCIAL, "min_share": 0.5},
                      {"kind": "quota", "attribute": "economy", "value": "regular",
                       "min_share": 0.25})
    result = solve(p, Params(time_limit=2, seed=0, workers=1))
    checked(p, result)
    economy = [o.economy.value for o in ROSTER.organisations]
    for g in range(p.m):
        members = [economy[i] for i in np.flatnonzero(result.assignment == g)]
        assert members.count("social") >= 0.5 * len(members)
        assert members.count("regular") >= 0.25 * len(members)


@pytest.mark.parametrize(
    ("extra", "key", "message"),
    [
        ({"min_share": 25}, "rules[1].min_share", "fraction from 0 to 1"),
        ({"max_share": -0.1}, "rules[1].max_share", "fraction from 0 to 1"),
        ({"min_share": 0.6, "max_share": 0.4}, "rules[1].max_share", "smaller than min_share"),
        ({}, "rules[1]", "min_share"),
    ],
)
def test_bad_shares_are_located(extra: dict[str, Any], key: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        scenario_from_dict({"groups": {"count": 2}, "rules": [{**SOCIAL, **extra}]})
    (problem,) = err.value.problems
    assert problem.key == key and message in problem.message


def test_quota_min_above_the_largest_group_is_an_input_problem() -> None:
    with pytest.raises(InputError) as err:
        compile_rules({"kind": "size", "min": 3}, {**SOCIAL, "min": 6}, size_max=5)
    (problem,) = err.value.problems
    assert problem.key == "rules[2].min" and problem.value == 6
    assert "at most 5 members" in problem.message


def test_quota_min_equal_to_the_largest_group_is_fine() -> None:
    assert sums(compile_rules({**SOCIAL, "min": 4}, size_max=4))
