"""What the page shows: figures as the evaluator gives them, rules off per group, what a move
changed, the roster profile, two runs compared."""

from __future__ import annotations

import numpy as np
from web_cases import GOOD, ROSTER, SCENARIO

from pilotopt.diff import diff
from pilotopt.evaluate import evaluate
from pilotopt.instance import load_instance
from pilotopt.moves import WhatIf
from pilotopt.web import views


def _instance():  # type: ignore[no-untyped-def]
    return load_instance(ROSTER, SCENARIO)


def test_numbers_keep_at_most_two_decimals() -> None:
    assert [views.number(x) for x in (3.0, 2.456, -0.5, 1234567.8)] == [
        "3", "2.46", "-0.5", "1234568"]


def test_summary_and_heads_say_what_the_evaluator_says() -> None:
    inst = _instance()
    p = inst.problem
    a = np.array(GOOD)
    a[1] = 0  # se02 joins its competitor se01 in G1
    ev = evaluate(p, a)
    s = views.summary(p, ev, "en")
    assert s["objective"] == views.number(ev.objective) and not s["feasible"]
    broken = [r for r in s["rules"] if not r["ok"]]
    assert [(r["label"], r["status"]) for r in broken] == [("apart column competitors",
                                                           "broken by 1")]
    heads = views.group_heads(p, a, ev, inst.orgs, "en")
    assert [h["size"] for h in heads] == [5, 3]
    assert heads[0]["broken"] and heads[0]["off"] == [
        {"hard": True, "label": "apart column competitors", "v": 1}]
    assert not heads[1]["off"] and heads[1]["mix"] == [
        ("S", "social economy", 1), ("R", "regular economy", 2)]
    assert heads[0]["fte_vs"] is not None and heads[0]["fte_vs"].endswith("%")


def test_a_step_names_the_move_the_objective_and_the_rules() -> None:
    inst = _instance()
    p = inst.problem
    w = WhatIf(p, GOOD)
    change = w.move(1, 0)
    shown = views.step(p, change, ["why"])
    assert shown["moves"] == [{"id": "se02", "name": "Kringwinkel Lier", "source": "G2",
                               "target": "G1"}]
    after = evaluate(p, np.array([0, 0, *GOOD[2:]])).objective
    assert shown["objective"] == views._signed(after - w.evaluation().objective)
    assert shown["rules"][0]["violation"] == "+1" and shown["reasons"] == ["why"]


def test_profile_and_cards() -> None:
    inst = _instance()
    prof = views.profile(inst, "nl")
    assert prof["organisations"] == 8 and prof["groups"] == 2
    assert dict(prof["shared"]["counts"])["economie"] == (
        "sociale economie 4, reguliere economie 3, overheid 1")
    cards = views.cards(inst.problem, inst.orgs, np.array(GOOD), {2}, "en")
    assert [c["locked"] for c in cards].count(True) == 1 and cards[2]["locked"]
    assert cards[7]["letter"] == "P" and cards[7]["group"] == 0


def test_comparison_lists_who_moved() -> None:
    p = _instance().problem
    a, b = np.array(GOOD), np.array(GOOD)
    b[7] = 1
    cmp = views.comparison(diff(p, a, b), ("a" * 32, "b" * 32), "en")
    assert cmp["moved"] == [{"id": "pb01", "name": "Stad Mechelen", "a": "G1", "b": "G2"}]
    assert cmp["delta"] == views._signed(evaluate(p, b).objective - evaluate(p, a).objective)
    # G1 had se01 se03 rg01 pb01 (6 pairs), G2 se02 se04 rg02 rg03 (6): pb01's 3 are broken,
    # 4 formed in G2, 9 kept.
    assert (cmp["kept"], cmp["broken"], cmp["formed"]) == (9, 3, 4)


def test_heads_of_some_groups_equal_those_of_all() -> None:
    inst = _instance()
    p = inst.problem
    a = np.array(GOOD)
    a[2] = 1  # uneven groups: FTE against the mean differs per group
    ev = evaluate(p, a)
    full = views.group_heads(p, a, ev, inst.orgs, "en")
    assert views.group_heads(p, a, ev, inst.orgs, "en", only={1}) == [full[1]]
    assert views.group_heads(p, a, ev, inst.orgs, "en", only=set()) == []
