"""``analyze`` on the tiny roster of analysis_cases.py (figures worked out in test_metrics.py and
test_communities.py), with an organisation left out, on the demo, and on an MDGPLIB instance
(no roster).

Complementarity of the tiny grouping (pair scores in analysis_cases.py): G1 = s1-r1 3.5 + s1-p1 0.5
+ r1-p1 0.5 = 4.5; G2 = s2-r2 1.5; overall 6. Overall density (1 + 1) / (3 + 1) = 0.5,
cross-economy 2/2, isolated 1 (p1), unmet needs 4, reciprocity 2/5 (s1, r1), transition paths 1.
"""

from __future__ import annotations

import doctest
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
from analysis_cases import ASSIGNMENT, ORGS, WEIGHTS, problem_of, tiny

import pilotopt.analysis.summary
from pilotopt.analysis import analyze
from pilotopt.evaluate import evaluate
from pilotopt.instance import load_instance
from pilotopt.problem import SCALE, LeaveOut, Problem, RuleInfo

ROOT = Path(__file__).resolve().parents[2]


def test_analyze_by_hand() -> None:
    result = analyze(tiny(), ASSIGNMENT, ORGS, WEIGHTS)
    json.dumps(result.to_dict())
    assert asdict(result.overall) == {
        "complementarity": 6.0, "density": 0.5, "cross_economy_share": 1.0, "isolated": 1,
        "unmet_needs": 4, "reciprocity": pytest.approx(0.4), "transition_paths": 1,
    }
    first, second = result.groups
    assert first.index == 0 and first.group == "G1"
    assert first.members == ["s1", "r1", "p1"]
    assert first.complementarity == 4.5
    assert first.density == pytest.approx(1 / 3)
    assert first.cross_economy_share == 1.0
    assert first.isolated == ["p1"]
    assert first.unmet_needs == {"s1": ["financing"], "p1": ["social_impact"]}
    assert first.reciprocity == pytest.approx(2 / 3)
    assert first.gives["r1"] == ["transition_jobs"]
    assert first.brokers == [] and first.bridges == [["s1", "r1"]]
    assert first.transition_paths == [
        {"social": "s1", "regular": "r1", "tags": ["transition_jobs"]}
    ]
    assert first.edges == [
        {"source": "s1", "target": "r1", "tags": ["assembly"], "weight": 1.0},
        {"source": "r1", "target": "s1", "tags": ["transition_jobs"], "weight": 2.0},
    ]
    assert second.members == ["s2", "r2"]
    assert second.complementarity == 1.5
    assert (second.density, second.cross_economy_share, second.reciprocity) == (1, 1, 0)
    assert second.isolated == [] and second.transition_paths == []
    assert second.unmet_needs == {"s2": ["market_access"], "r2": ["digital_it"]}
    assert second.gives == {"s2": ["packaging"], "r2": []}
    assert second.gets == {"s2": [], "r2": ["packaging"]}
    assert second.edges == [
        {"source": "s2", "target": "r2", "tags": ["packaging"], "weight": 1.0}
    ]
    # Figures in test_communities.py.
    assert result.communities is not None
    assert result.communities.kept_share == pytest.approx(0.8)


def test_an_organisation_left_out_is_in_no_group() -> None:
    base = problem_of(ORGS, WEIGHTS, 2)
    optional = LeaveOut(1, np.array([0, 0, 1, 0, 0]), np.zeros(5, dtype=np.int64), 0, True)
    problem = Problem(base.ids, base.names, base.group_names, base.score,
                      (*base.rules, RuleInfo("rule 1", "optional", "p1 optional", True)),
                      (*base.primitives, optional))
    result = analyze(problem, [0, 0, -1, 1, 1], ORGS, WEIGHTS)
    first = result.groups[0]
    # G1 = {s1, r1}: 1 tie of 1 pair, both give and get; complementarity 3.5.
    assert first.members == ["s1", "r1"] and first.complementarity == 3.5
    assert first.density == 1.0 and first.reciprocity == 1.0 and first.isolated == []
    # Unmet: s1 financing, s2 market_access, r2 digital_it; p1's need falls in no group.
    assert result.overall.unmet_needs == 3
    assert result.overall.reciprocity == pytest.approx(2 / 4)


def test_everyone_in_one_group_and_an_empty_one() -> None:
    # All pairs: those listed in analysis_cases.py (3.5 + 0.5 + 0.5 + 1.5 + 1.5) and s1-r2, p1-s2,
    # p1-r2 at 0.5 each: 9. Ties 3 of C(5,2) = 10 pairs. Unmet: financing, social_impact,
    # digital_it. s1, r1 and now s2 (gets market_access from r1) give and get: 3/5.
    # Groups keep all 5 of the tie weight; one group against three communities: ARI 0.
    result = analyze(tiny(), [0] * 5, ORGS, WEIGHTS)
    assert asdict(result.overall) == {
        "complementarity": 9.0, "density": 0.3, "cross_economy_share": 1.0, "isolated": 1,
        "unmet_needs": 3, "reciprocity": 0.6, "transition_paths": 1,
    }
    empty = result.groups[1]
    assert empty.members == [] and empty.complementarity == 0.0
    assert (empty.density, empty.cross_economy_share, empty.reciprocity) == (0, 0, 0)
    assert empty.brokers == [] and empty.bridges == [] and empty.edges == []
    communities = result.communities
    assert communities is not None
    assert (communities.kept_share, communities.adjusted_rand) == (1.0, 0.0)


def test_analyze_rejects_a_wrong_assignment() -> None:
    with pytest.raises(ValueError):
        analyze(tiny(), [0, 0, 1], ORGS, WEIGHTS)


def _plain(value: object) -> bool:
    """Only dict, list, str, int, float, bool and None, all the way down."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


def test_demo_is_plain_and_agrees_with_the_evaluator() -> None:
    inst = load_instance(ROOT / "instances/demo/roster.csv", ROOT / "models/esf-proeftuin.toml")
    assert inst.roster is not None and inst.scenario is not None
    problem = inst.problem
    assignment = np.arange(problem.n) % problem.m
    result = analyze(problem, assignment, inst.roster.organisations,
                     inst.scenario.complementarity)
    assert _plain(result.to_dict())
    json.dumps(result.to_dict())
    ev = evaluate(problem, assignment)
    assert [g.complementarity for g in result.groups] == list(ev.group_complementarity)
    assert result.overall.complementarity == ev.complementarity
    assert sum(len(g.members) for g in result.groups) == problem.n
    for g in result.groups:
        assert 0 <= g.density <= 1 and 0 <= g.reciprocity <= 1
        assert set(g.isolated) <= set(g.members)
    # The same input gives the same answer.
    again = analyze(problem, assignment, inst.roster.organisations,
                    inst.scenario.complementarity)
    assert json.dumps(again.to_dict()) == json.dumps(result.to_dict())


def test_mdgplib_without_a_roster() -> None:
    inst = load_instance(ROOT / "instances/mdgplib/RanInt_n120_ss_01.txt", None)
    assert inst.roster is None
    problem = inst.problem
    assignment = np.arange(problem.n) % problem.m
    result = analyze(problem, assignment)
    assert _plain(result.to_dict())
    ev = evaluate(problem, assignment)
    assert [g.complementarity for g in result.groups] == list(ev.group_complementarity)
    first = result.groups[0]
    members = first.members
    index = [problem.ids.index(i) for i in members]
    sub = problem.score[np.ix_(index, index)]
    ties = int((np.triu(sub, 1) > 0).sum())
    k = len(members)
    assert first.density == pytest.approx(ties / (k * (k - 1) / 2))
    # Pair scores are symmetric: one edge per tied pair, weighing the pair score.
    assert len(first.edges) == ties
    assert sum(e["weight"] for e in first.edges) == pytest.approx(
        np.triu(np.where(sub > 0, sub, 0), 1).sum() / SCALE)
    assert first.unmet_needs == {} and first.transition_paths == []
    assert first.cross_economy_share == 0.0
    assert result.communities is not None and result.communities.count >= 1


def test_doctests() -> None:
    assert doctest.testmod(pilotopt.analysis.summary).failed == 0


def test_large_rosters_skip_the_clusters_but_keep_every_group_figure() -> None:
    whole = analyze(tiny(), ASSIGNMENT, ORGS, WEIGHTS)
    limited = analyze(tiny(), ASSIGNMENT, ORGS, WEIGHTS, community_limit=4)
    assert limited.communities is None and whole.communities is not None
    assert limited.groups == whole.groups and limited.overall == whole.overall


def test_low_rank_problem_without_a_roster_uses_the_factors() -> None:
    # A factored problem has an empty dense score: the group graphs read the factors' blocks.
    inst = load_instance(ROOT / "instances/demo/roster.csv", ROOT / "models/esf-proeftuin.toml")
    assert inst.roster is not None and inst.scenario is not None
    from pilotopt.compile import compile_problem

    factored = compile_problem(inst.roster.organisations, inst.scenario,
                               columns=inst.roster.columns, dense=False)
    assignment = np.arange(factored.n) % factored.m
    dense = analyze(inst.problem, assignment)
    low = analyze(factored, assignment)
    assert [g.edges for g in low.groups] == [g.edges for g in dense.groups]
