"""Organisations in more than one group: copies, the membership rule, rules naming them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from helpers import brute_force
from pilotopt.compile import compile_problem
from pilotopt.errors import InputError
from pilotopt.evaluate import evaluate
from pilotopt.io.scenario import scenario_from_dict
from pilotopt.problem import Allowed, LeaveOut, PairLink, Problem
from pilotopt.schema.roster import Organisation
from pilotopt.solve.cpsat import solve_cpsat

COLUMNS = ("id", "name", "economy", "sector", "lat", "lon", "fte", "target_group_fte", "offers",
           "needs", "competitors", "capacity")


def _org(id_: str, economy: str, offers: str = "", needs: str = "", capacity: int | None = None,
         competitors: str = "") -> Organisation:
    return Organisation(id=id_, name=id_.upper(), economy=economy, sector="25", lat=51.0,
                        lon=4.5, fte=10, target_group_fte=1, offers=offers, needs=needs,
                        capacity=capacity, competitors=competitors)


#: The city offers market access, which the social and the regular enterprise need; each of
#: them sits in its own group (apart), so the city earns most by joining both.
ORGS = (
    _org("s1", "social", needs="market_access", competitors="r1"),
    _org("r1", "regular", needs="market_access"),
    _org("p1", "public", offers="market_access", capacity=2),
)


def _compile(*rules: dict[str, Any], orgs: tuple[Organisation, ...] = ORGS,
             **sections: Any) -> Problem:
    data = {"groups": {"count": 2}, "rules": [{"kind": "apart", "column": "competitors"},
                                              *rules], **sections}
    return compile_problem(orgs, scenario_from_dict(data, "s.toml"), columns=COLUMNS,
                           scenario_file="s.toml")


def _problems(*rules: dict[str, Any], **sections: Any) -> list[tuple[str | None, object]]:
    with pytest.raises(InputError) as info:
        _compile(*rules, **sections)
    return [(p.key, p.value) for p in info.value.problems]


def test_a_city_with_capacity_two_joins_both_groups() -> None:
    p = _compile()
    assert p.ids == ("s1", "r1", "p1", "p1")
    assert p.roster_index is not None and p.roster_index.tolist() == [0, 1, 2, 2]
    assert p.further.tolist() == [False, False, False, True]
    rule = p.rules[-1]
    assert (rule.id, rule.hard) == ("membership", True)
    apart, leave = [q for q in p.primitives if q.rule == len(p.rules) - 1]
    assert isinstance(apart, PairLink) and apart.pairs.tolist() == [[2, 3]]
    assert isinstance(leave, LeaveOut) and leave.w.tolist() == [0, 0, 0, 1]
    assert leave.cost.tolist() == [0, 0, 0, 0]
    assert p.score[2, 3] == 0  # never in one group: nothing for the bound to count
    found = solve_cpsat(p, time_limit=10, seed=0, workers=1)
    assert found.status == "optimal" and found.assignment is not None
    assert found.assignment[2:].tolist() == [0, 1]  # in both groups, copies in group order
    ev = evaluate(p, found.assignment)
    assert ev.objective_scaled == brute_force(p) == 2000  # market access, twice
    assert ev.left_out == ()


def test_twice_in_one_group_breaks_the_membership_rule() -> None:
    p = _compile()
    ev = evaluate(p, [0, 1, 0, 0])
    assert [r.id for r in ev.broken_hard_rules()] == ["membership"]
    # A further membership left out is allowed, free, and leaves no organisation out.
    ev = evaluate(p, [0, 1, 0, -1])
    assert ev.feasible and ev.penalty_scaled == 0 and ev.left_out == ()


def test_capacities_by_attribute_and_from_the_column() -> None:
    orgs = (*ORGS[:2], _org("p1", "public"), _org("k1", "knowledge", capacity=1))
    p = _compile(orgs=orgs, membership={"attribute": "economy",
                                        "capacity": {"public": 2, "knowledge": 3}})
    assert p.ids == ("s1", "r1", "p1", "p1", "k1")  # k1's own column says 1
    p = _compile(orgs=orgs, membership={"capacity": 5})  # up to 5: at most the 2 groups
    assert p.ids == ("s1", "s1", "r1", "r1", "p1", "p1", "k1")


def test_exact_places_every_copy_and_refuses_more_than_the_groups() -> None:
    p = _compile(membership={"exact": True})
    assert not any(isinstance(q, LeaveOut) for q in p.primitives)
    assert "exactly 2" in p.rules[-1].label and "precies 2" in p.rules[-1].label_in("nl")
    assert _problems(membership={"exact": True, "capacity": 3}) == [
        ("membership.exact", True)] * 2  # p1's own column says 2


def test_rules_naming_an_organisation_hold_for_each_copy() -> None:
    p = _compile({"kind": "pin", "pins": {"p1": 1}},
                 {"kind": "apart", "pairs": [["s1", "p1"]], "hard": False},
                 {"kind": "optional", "organisations": ["p1"]})
    pin = next(q for q in p.primitives if isinstance(q, Allowed))
    assert pin.allowed[:, 1].tolist() == [True, True, False, False]
    soft = next(q for q in p.primitives if isinstance(q, PairLink) and not q.hard)
    assert soft.pairs.tolist() == [[0, 2], [0, 3]]
    competitors = p.primitives[1]
    assert isinstance(competitors, PairLink) and competitors.pairs.tolist() == [[0, 1]]
    optional = next(q for q in p.primitives if isinstance(q, LeaveOut) and q.rule == 4)
    assert optional.w.tolist() == [0, 0, 1, 0]  # the organisation, not its further membership


def test_together_with_an_organisation_in_several_groups_is_refused() -> None:
    found = _problems({"kind": "together", "pairs": [["s1", "p1"]]})
    assert found == [("rules[2].pairs[1]", "p1")]


def test_an_unknown_attribute_is_located() -> None:
    found = _problems(membership={"attribute": "colour", "capacity": {"red": 2}})
    assert found == [("membership.attribute", "colour")]


def test_factored_scores_leave_copies_at_zero() -> None:
    data = {"groups": {"count": 2}, "complementarity": {"economy_mix": 0.5}}
    orgs = (*ORGS[:2], _org("p1", "public", offers="market_access", needs="market_access",
                            capacity=2))
    p = compile_problem(orgs, scenario_from_dict(data), columns=COLUMNS, dense=False)
    assert p.factors is not None
    scores = p.factors.dense()
    assert scores[2, 3] == 0 and scores[1, 2] == scores[1, 3] == 1500
    assert np.array_equal(scores, compile_problem(orgs, scenario_from_dict(data),
                                                  columns=COLUMNS).score)


def test_pairs_that_met_before_are_kept_apart_in_every_group() -> None:
    from pilotopt.io.history import History

    history = History(("w1.csv",), (("p1", "s1", 0, "done"),))
    scenario = scenario_from_dict({"groups": {"count": 2}, "rules": [{"kind": "repeats"}]})
    p = compile_problem(ORGS, scenario, columns=COLUMNS, history=history)
    again = p.primitives[1]
    assert isinstance(again, PairLink) and again.pairs.tolist() == [[0, 2], [0, 3]]
    keep = scenario_from_dict({"groups": {"count": 2},
                               "rules": [{"kind": "repeats", "keep": True}]})
    with pytest.raises(InputError, match="more than one group"):
        compile_problem(ORGS, keep, columns=COLUMNS, history=history)
