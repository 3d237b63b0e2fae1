"""Who breaks each rule, primitive by primitive on hand-checkable instances, and in total as much
as the evaluator says on real ones."""

from __future__ import annotations

import doctest
from pathlib import Path

import numpy as np
import pytest

import pilotopt.report.offenders
from pilotopt.compile.rules import chord_limit, earth_points
from pilotopt.evaluate import evaluate
from pilotopt.instance import load_instance
from pilotopt.problem import (
    Allowed,
    Coverage,
    GroupSum,
    LeaveOut,
    MaxDeviation,
    NotExactlyOne,
    PairLink,
    Primitive,
    Problem,
    Proximity,
    RuleInfo,
    Stay,
)
from pilotopt.report.offenders import Breach, first_offenders, offenders, sentence

ROOT = Path(__file__).resolve().parents[2]
IDS = ("a", "b", "c", "d")
NAMES = ("Atelier", "Bakkerij", "Centrum", "Drukkerij")


def problem_of(kind: str, prim: Primitive, m: int = 2) -> Problem:
    return Problem(IDS, NAMES, tuple(f"G{g + 1}" for g in range(m)),
                   np.zeros((4, 4), dtype=np.int64), (RuleInfo("rule 1", kind, kind, True),),
                   (prim,))


def found(kind: str, prim: Primitive, assignment: list[int], m: int = 2) -> list[tuple]:
    p = problem_of(kind, prim, m)
    return [(o.breach.value, o.group, o.members, o.amount) for o in offenders(p, assignment)]


def test_group_sum_too_few_and_too_many_with_the_counted_members() -> None:
    # Quota of a, b, c (w = 1) between 1 and 1: G1 = {a, b, d} has 2, G2 = {c}... has 1.
    w = np.array([1, 1, 1, 0])
    prim = GroupSum(0, w, np.array([1, 1]), np.array([1, 1]), True)
    assert found("quota", prim, [0, 0, 1, 0]) == [("too_many", 0, (0, 1), 1)]
    assert found("quota", prim, [0, 0, 0, 1]) == [("too_many", 0, (0, 1, 2), 2),
                                                 ("too_few", 1, (), 1)]


def test_a_share_says_members_of_the_group() -> None:
    # min 50 % of a, b (value) in each group: q = 2, p = 1, w = 2 * [value] - 1.
    prim = GroupSum(0, np.array([1, 1, -1, -1]), np.array([0, -2]), np.array([2, 2]), True)
    p = problem_of("quota", prim)
    (o,) = offenders(p, [1, 1, 0, 0])
    assert (o.breach, o.group, o.value, o.size, o.share) == (Breach.too_few, 0, 0, 2, True)
    assert sentence(p, o, [1, 1, 0, 0]) == "G1: 0 of 2 members, too few"


def test_pairs_apart_together_and_too_far() -> None:
    pairs = np.array([[0, 1], [2, 3]])
    apart = PairLink(0, pairs, together=False, hard=True)
    assert found("apart", apart, [0, 0, 0, 1]) == [("together", 0, (0, 1), 1)]
    assert found("max_distance", apart, [0, 0, 1, 1]) == [("too_far", 0, (0, 1), 1),
                                                         ("too_far", 1, (2, 3), 1)]
    together = PairLink(0, pairs, together=True, hard=True)
    p = problem_of("together", together)
    (o,) = offenders(p, [0, 1, 1, 1])
    assert (o.breach, o.members) == (Breach.separated, (0, 1))
    assert sentence(p, o, [0, 1, 1, 1], "nl") == (
        "Atelier (a) (G1) en Bakkerij (b) (G2) moeten in dezelfde groep")


def test_allowed_and_alone() -> None:
    allowed = np.ones((4, 2), dtype=bool)
    allowed[2, 0] = False
    assert found("forbid", Allowed(0, allowed, True), [0, 0, 0, 1]) == [
        ("not_allowed", 0, (2,), 1)]
    alone = NotExactlyOne(0, np.array([1, 1, 1, 0]), True)
    assert found("no_isolation", alone, [0, 0, 1, 1]) == [("alone", 1, (2,), 1)]


def test_a_stability_rule_says_who_moved() -> None:
    stay = Allowed(0, np.array([[True, False]] * 4), False, 1)  # everyone was in G1
    assert found("stability", stay, [0, 1, 0, 0]) == [("moved", 1, (1,), 1)]
    p = problem_of("stability", stay)
    (o,) = offenders(p, [0, 1, 0, 0])
    assert sentence(p, o, [0, 1, 0, 0]) == "Bakkerij (b) moved to G2 from its previous group"


def test_unmet_needs_name_the_tag() -> None:
    needs = np.array([[1, 0], [0, 0], [0, 1], [0, 0]])
    offers = np.array([[0, 0], [1, 0], [0, 1], [0, 0]])
    prim = Coverage(0, needs, offers, True, tags=("assembly", "packaging"))
    p = problem_of("coverage", prim)
    # a needs assembly, b in G1 offers it; c needs packaging, only c offers it.
    result = offenders(p, [0, 0, 1, 1])
    assert [(o.breach, o.members, o.tag) for o in result] == [
        (Breach.unmet_need, (2,), "packaging")]
    assert sentence(p, result[0], [0, 0, 1, 1]) == (
        "Centrum (c) in G2 needs packaging, which no other member offers")
    assert "Packing, co-packing" in sentence(p, result[0], [0, 0, 1, 1], labels=True)


def test_too_few_placed_and_the_largest_deviation() -> None:
    leave = LeaveOut(0, np.array([1, 1, 1, 0]), np.zeros(4, dtype=np.int64), 3, True)
    assert found("optional", leave, [-1, 0, 1, 1]) == [("too_few_placed", -1, (), 1)]
    dev = MaxDeviation(0, np.array([10, 20, 30, 0]), 30, False, 1)
    # G1 = 10 + 20 = 30 (on target), G2 = 30 + 0 = 30: nothing; then G1 = 60, G2 = 0.
    assert found("balance", dev, [0, 0, 1, 1]) == []
    assert found("balance", dev, [0, 0, 0, 1]) == [("deviation", 0, (), 30)]


def test_proximity_gives_the_distance() -> None:
    # Gent, Antwerpen (about 51 km), Brugge and Oostende (about 21 km).
    lat = np.array([51.05, 51.22, 51.21, 51.23])
    lon = np.array([3.72, 4.40, 3.22, 2.92])
    prim = Proximity(0, earth_points(lat, lon), chord_limit(40), np.zeros(4, dtype=np.int64),
                     True)
    p = problem_of("max_distance", prim)
    (o,) = offenders(p, [0, 0, 1, 1])
    assert (o.breach, o.group, o.members) == (Breach.too_far, 0, (0, 1))
    assert o.km == pytest.approx(51, abs=2)
    assert sentence(p, o, [0, 0, 1, 1]).endswith(f"lie {o.km:.1f} km apart")


@pytest.mark.parametrize("instance", ["flanders-40", "flanders-300"])
def test_offences_add_up_to_the_evaluators_violation(instance: str) -> None:
    inst = load_instance(ROOT / "instances" / instance / "roster.csv",
                         ROOT / "instances" / instance / "scenario.toml")
    problem = inst.problem
    rng = np.random.default_rng(0)
    for _ in range(3):
        assignment = rng.integers(0, problem.m, problem.n)
        ev = evaluate(problem, assignment)
        result = offenders(problem, assignment, inst.orgs)
        for r in ev.rules:
            assert sum(o.amount for o in result if o.rule == r.rule) == r.violation, r.label
            for g in range(problem.m):
                assert sum(o.amount for o in result if o.rule == r.rule and o.group == g) == \
                    r.per_group[g], (r.label, g)
        first, counts = first_offenders(problem, assignment, inst.orgs, limit=2)
        assert set(first) <= set(result)
        assert sum(counts.values()) == len(result)


def test_doctests() -> None:
    assert doctest.testmod(pilotopt.report.offenders).failed == 0


def test_a_stay_says_how_many_moved_and_who() -> None:
    stay = Stay(0, np.array([0, 0, 1, 1]), 1, True)
    assert found("stability", stay, [0, 1, 0, 1]) == [("too_many_moved", -1, (1, 2), 1)]
    p = problem_of("stability", stay)
    (o,) = offenders(p, [0, 1, 0, 1])
    assert sentence(p, o, [0, 1, 0, 1]) == (
        "2 organisations moved, the rule allows at most 1 (Bakkerij (b), Centrum (c))")
    assert found("stability", stay, [0, 1, 1, 1]) == []
