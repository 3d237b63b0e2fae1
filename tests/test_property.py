"""Property: on random small rosters and random rule sets, a solve either says no (infeasible, or
nothing found in time) or returns an assignment meeting every hard rule, with the evaluation the
independent evaluator computes."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from helpers import checked
from pilotopt.compile import compile_problem
from pilotopt.errors import InfeasibleError, NoSolutionError
from pilotopt.io import scenario_from_dict
from pilotopt.schema.roster import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, Economy, Organisation
from pilotopt.solve import Params, solve

TAGS = ["assembly", "packaging", "digital_it", "market_access", "repair_refurbish"]
SECTORS = ["25", "47", "81", "84"]
ECONOMIES = [e.value for e in Economy]
COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)


@st.composite
def organisations(draw: st.DrawFn) -> tuple[Organisation, ...]:
    """6-12 organisations in Flanders with random economy, sector, FTE, tags and competitors."""
    n = draw(st.integers(6, 12))
    ids = [f"o{i}" for i in range(n)]
    orgs = []
    for org_id in ids:
        fte = draw(st.integers(0, 200))
        orgs.append(Organisation(
            id=org_id, name=org_id.upper(),
            economy=draw(st.sampled_from(ECONOMIES)),
            sector=draw(st.sampled_from(SECTORS)),
            fte=fte, target_group_fte=draw(st.integers(0, fte)),
            offers=draw(st.lists(st.sampled_from(TAGS), max_size=3, unique=True)),
            needs=draw(st.lists(st.sampled_from(TAGS), max_size=3, unique=True)),
            lat=draw(st.floats(50.7, 51.4)), lon=draw(st.floats(2.6, 5.9)),
            competitors=draw(st.lists(st.sampled_from(ids), max_size=2, unique=True)),
        ))
    return tuple(orgs)


def rule(draw: st.DrawFn, ids: list[str], m: int) -> dict[str, Any]:
    """One rule of the catalogue, hard or soft."""
    kind = draw(st.sampled_from([
        "size", "quota", "together", "apart", "pin", "forbid", "eligible", "distinct", "spread",
        "balance", "max_distance", "no_isolation", "coverage", "optional",
    ]))
    group = st.integers(1, m)
    pair = st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True)
    economy = st.sampled_from(ECONOMIES)
    body: dict[str, Any]
    if kind == "size":
        body = {"min": draw(st.integers(1, 2)), "max": draw(st.integers(3, 8))}
    elif kind == "quota":
        bound = draw(st.sampled_from(["min", "max", "min_share", "max_share"]))
        value = draw(st.integers(0, 2)) if bound in ("min", "max") else draw(st.floats(0, 1))
        body = {"attribute": "economy", "value": draw(economy), bound: value}
    elif kind in ("together", "apart"):
        body = ({"column": "competitors"} if kind == "apart" and draw(st.booleans())
                else {"pairs": draw(st.lists(pair, min_size=1, max_size=3))})
    elif kind == "pin":
        body = {"pins": {draw(st.sampled_from(ids)): draw(group)}}
    elif kind in ("forbid", "eligible"):
        who = ({"organisations": draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3))}
               if draw(st.booleans()) else {"attribute": "economy", "value": draw(economy)})
        body = {**who, "groups": draw(st.lists(group, min_size=1, max_size=2))}
    elif kind == "distinct":
        body = {"attribute": "sector", "max": draw(st.integers(1, 3))}
    elif kind == "spread":
        body = {"attribute": draw(st.sampled_from(["economy", "sector"])),
                "slack": draw(st.integers(0, 1))}
    elif kind == "balance":
        body = {"attribute": draw(st.sampled_from(["fte", "target_group_fte"]))}
        if draw(st.booleans()):
            body["tolerance"] = draw(st.floats(0.1, 1.0))
        else:  # minimise the largest deviation: soft only
            return {"kind": kind, "hard": False, "weight": draw(st.floats(0.01, 1)), **body}
    elif kind == "no_isolation":
        body = {"attribute": "economy", "value": draw(economy)}
    elif kind == "coverage":
        body = {}
    elif kind == "optional":
        body = {"min": draw(st.integers(0, 2)), "priority": "fte"}
    else:
        body = {"km": draw(st.floats(30, 200))}
    hard = draw(st.sampled_from([True, True, False]))
    return {"kind": kind, "hard": hard, "weight": draw(st.floats(0.5, 5)), **body}


@st.composite
def cases(draw: st.DrawFn) -> tuple[tuple[Organisation, ...], dict[str, Any]]:
    """A roster and a scenario (as a dict) of 2-3 groups and 1-4 rules (two in three hard)."""
    orgs = draw(organisations())
    m = draw(st.integers(2, 3))
    ids = [o.id for o in orgs]
    scenario = {
        "groups": {"count": m, "size": {"min": draw(st.integers(1, 2)),
                                        "max": -(-len(orgs) // m) + 2}},
        "complementarity": {"sector_diversity": 0.2, "economy_mix": 0.5},
        "rules": [rule(draw, ids, m) for _ in range(draw(st.integers(1, 4)))],
    }
    return orgs, scenario


def quota_holds(r: dict[str, Any], orgs: tuple[Organisation, ...], a: np.ndarray, m: int) -> bool:
    """A quota checked by counting, independently of the primitives."""
    for g in range(m):
        members = [orgs[i] for i in np.flatnonzero(a == g)]
        count = sum(o.economy.value == r["value"] for o in members)
        if ("min" in r and count < r["min"]) or ("max" in r and count > r["max"]):
            return False
        # A share is read as the nearest fraction with a denominator of at most 100.
        share = Fraction(r.get("min_share", r.get("max_share", 0))).limit_denominator(100)
        if "min_share" in r and count < share * len(members):
            return False
        if "max_share" in r and count > share * len(members):
            return False
    return True


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_solve_keeps_every_hard_rule_or_says_why_not(
    case: tuple[tuple[Organisation, ...], dict[str, Any]],
) -> None:
    orgs, raw = case
    problem = compile_problem(orgs, scenario_from_dict(raw), columns=COLUMNS)
    try:
        result = solve(problem, Params(time_limit=1, seed=0, workers=1))
    except (InfeasibleError, NoSolutionError) as exc:
        event(type(exc).__name__)
        return
    event(f"solved, {sum(r['hard'] for r in raw['rules'])} hard rules")
    checked(problem, result)
    for k, r in enumerate(raw["rules"], start=1):
        if r["hard"] and r["kind"] == "quota":
            assert quota_holds(r, orgs, result.assignment, problem.m), problem.rules[k].label
        if r["hard"] and r["kind"] in ("together", "apart") and "pairs" in r:
            for x, y in r["pairs"]:
                same = result.assignment[problem.ids.index(x)] == result.assignment[
                    problem.ids.index(y)]
                assert same == (r["kind"] == "together"), problem.rules[k].label
