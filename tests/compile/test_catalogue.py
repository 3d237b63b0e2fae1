"""The wider rule catalogue: forbid, eligible, distinct, spread, balance, max_distance,
optional."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from helpers import checked
from pilotopt.compile import compile_problem
from pilotopt.compile.rules import chord_limit, earth_points
from pilotopt.errors import InfeasibleError, InputError
from pilotopt.evaluate import evaluate
from pilotopt.io import read_roster, scenario_from_dict
from pilotopt.problem import Allowed, GroupSum, LeaveOut, MaxDeviation, PairLink, Problem
from pilotopt.schema.scenario import TogetherRule
from pilotopt.solve import Params, solve

DATA = Path(__file__).parents[1] / "data"
ROSTER = read_roster(DATA / "roster.csv")  # se01..se04, rg01..rg03, pb01


def compile_rules(*rules: dict[str, Any], count: int = 2) -> Problem:
    scenario = scenario_from_dict({"groups": {"count": count, "size": {"min": 3, "max": 5}},
                                   "rules": list(rules)})
    return compile_problem(ROSTER.organisations, scenario, columns=ROSTER.columns)


def test_forbid_by_ids_closes_groups_to_them() -> None:
    p = compile_rules({"kind": "forbid", "organisations": ["se01", "pb01"], "groups": [2]})
    (prim,) = [x for x in p.primitives if isinstance(x, Allowed)]
    assert prim.allowed[0].tolist() == [True, False] and prim.allowed[7].tolist() == [True, False]
    assert prim.allowed[1:7].all()


def test_eligible_by_attribute_opens_a_group_only_to_them() -> None:
    p = compile_rules({"kind": "eligible", "attribute": "economy", "value": "social",
                       "groups": [1]})
    (prim,) = [x for x in p.primitives if isinstance(x, Allowed)]
    assert prim.allowed[:, 0].tolist() == [True] * 4 + [False] * 4
    assert prim.allowed[:, 1].all()


def test_distinct_caps_only_values_that_occur_more_often() -> None:
    p = compile_rules({"kind": "distinct", "attribute": "economy", "max": 3})
    sums = [x for x in p.primitives if isinstance(x, GroupSum) and x.rule == 1]
    assert len(sums) == 1  # only 'social' (4 members) exceeds 3
    assert sums[0].w.tolist() == [1, 1, 1, 1, 0, 0, 0, 0] and sums[0].hi.tolist() == [3, 3]


def group_of(p: Problem, groups: list[list[str]]) -> np.ndarray:
    return np.array([next(g for g, ids in enumerate(groups) if i in ids) for i in p.ids])


def test_spread_band_follows_each_groups_own_size() -> None:
    # 4 social, 3 regular, 1 public in a group of 3 and one of 5. Social (share 1/2): group of
    # 3 in [1, 2], group of 5 in [2, 3]; regular (3/8): 1.125 and 1.875, so [1, 2] in both;
    # public (1/8): [0, 1] in both.
    p = compile_rules({"kind": "spread", "attribute": "economy", "slack": 0, "hard": False})
    uneven = group_of(p, [["se01", "rg01", "rg02"], ["se02", "se03", "se04", "rg03", "pb01"]])
    # Roster count / groups would want 2 social in each group: this one meets the size-based
    # band (1 of 3, 3 of 5) exactly.
    assert evaluate(p, uneven).rules[1].violation == 0
    # Social: 3 of 3 (one over 2) and 1 of 5 (one under 2), 2 units of 1/2 member each.
    # Regular (q = 8, p = 3, band edges -7 and 7 on 8 * count - 3 * size): none among 3 sums
    # to -9, 3 among 5 to 9: 2 units of 1/8 member each.
    bad = group_of(p, [["se01", "se02", "se03"], ["se04", "rg01", "rg02", "rg03", "pb01"]])
    status = evaluate(p, bad).rules[1]
    assert status.per_group == (2 + 2, 2 + 2)


def test_spread_with_slack_and_equal_groups_keeps_roster_count_over_groups() -> None:
    # Two groups of 4: 4 social -> 2 each; 3 regular -> 1 or 2 each; with slack 1, 0 to 3.
    p = compile_rules({"kind": "spread", "attribute": "economy", "slack": 1})
    even = group_of(p, [["se01", "se02", "se03", "rg01"], ["se04", "rg02", "rg03", "pb01"]])
    assert evaluate(p, even).rules[1].violation == 0
    skewed = group_of(p, [["se01", "se02", "se03", "se04"], ["rg01", "rg02", "rg03", "pb01"]])
    assert evaluate(p, skewed).rules[1].violation > 0  # 4 social: 2 + 1 slack exceeded


def test_balance_is_a_band_around_the_mean() -> None:
    p = compile_rules({"kind": "balance", "attribute": "fte", "tolerance": 0.1})
    (prim,) = [x for x in p.primitives if isinstance(x, GroupSum) and x.rule == 1]
    total = 140 + 36 + 210 + 80 + 60 + 120 + 45 + 900  # 35.5 rounds to 36
    assert prim.w.sum() == total
    assert prim.lo.tolist() == [int(np.floor(total / 2 * 0.9))] * 2
    assert prim.hi.tolist() == [int(np.ceil(total / 2 * 1.1))] * 2


def test_balance_needs_a_numeric_attribute() -> None:
    with pytest.raises(InputError) as err:
        compile_rules({"kind": "balance", "attribute": "type", "tolerance": 0.1})
    assert "not numeric" in str(err.value) and "rules[1].attribute" in str(err.value)


def test_distances_are_great_circle_km() -> None:
    # Gent - Antwerpen is about 51 km as the crow flies: within 53 km, not within 49 km.
    p = earth_points(np.array([51.0543, 51.2194]), np.array([3.7174, 4.4025]))
    d2 = int(((p[0] - p[1]) ** 2).sum())
    assert chord_limit(49) < d2 <= chord_limit(53) and chord_limit(0) == 0


def test_max_distance_keeps_far_pairs_apart() -> None:
    p = compile_rules({"kind": "max_distance", "km": 60})
    (prim,) = [x for x in p.primitives if isinstance(x, PairLink)]
    ids = p.ids
    far = {(ids[a], ids[b]) for a, b in prim.pairs}
    assert ("se04", "rg02") in far  # Brugge - Genk, about 150 km
    assert ("se01", "rg01") not in far  # Geel - Lommel, about 20 km
    assert not prim.together


@pytest.mark.parametrize("hard", [True, False])
def test_every_new_kind_solves_and_is_checked(hard: bool) -> None:
    extra = {"hard": hard, "weight": 2.0}
    p = compile_rules(
        {"kind": "forbid", "organisations": ["pb01"], "groups": [1], **extra},
        {"kind": "distinct", "attribute": "economy", "max": 2, **extra},
        {"kind": "spread", "attribute": "economy", "slack": 1, **extra},
        {"kind": "balance", "attribute": "target_group_fte", "tolerance": 0.5, **extra},
    )
    result = solve(p, Params(time_limit=2, seed=0, workers=1))
    ev = checked(p, result)
    if hard:
        assert all(r.satisfied for r in ev.rules)
        assert result.assignment[p.ids.index("pb01")] == 1


def test_no_isolation_marks_the_members_with_the_value() -> None:
    from pilotopt.problem import NotExactlyOne

    p = compile_rules({"kind": "no_isolation", "attribute": "economy", "value": "public",
                       "hard": False})
    (prim,) = [x for x in p.primitives if isinstance(x, NotExactlyOne)]
    assert prim.w.tolist() == [0, 0, 0, 0, 0, 0, 0, 1] and not prim.hard


def test_coverage_keeps_only_the_listed_tags() -> None:
    from pilotopt.problem import Coverage

    p = compile_rules({"kind": "coverage", "tags": ["assembly"], "hard": False})
    (prim,) = [x for x in p.primitives if isinstance(x, Coverage)]
    assert prim.needs.shape == (8, 1)
    assert prim.needs[:, 0].tolist() == [0, 0, 0, 0, 1, 1, 0, 0]  # rg01, rg02 need assembly
    assert prim.offers[:, 0].tolist() == [1, 0, 0, 1, 0, 0, 0, 0]  # se01, se04 offer it


def test_coverage_rejects_an_unknown_tag() -> None:
    with pytest.raises(InputError) as err:
        compile_rules({"kind": "coverage", "tags": ["asembly"]})
    assert "rules[1].tags[1]" in str(err.value) and "'asembly'" in str(err.value)


def test_soft_coverage_solves_and_counts_unmet_needs() -> None:
    p = compile_rules({"kind": "coverage", "hard": False, "weight": 1.0},
                      {"kind": "no_isolation", "attribute": "economy", "value": "regular"})
    result = solve(p, Params(time_limit=2, seed=0, workers=1))
    checked(p, result)
    counts = np.bincount(result.assignment[[4, 5, 6]], minlength=2)
    assert set(counts.tolist()) <= {0, 2, 3}


def test_max_distance_same_province_keeps_provinces_apart() -> None:
    p = compile_rules({"kind": "max_distance", "same": "province"})
    (prim,) = [x for x in p.primitives if isinstance(x, PairLink)]
    province = [o.attributes["province"] for o in ROSTER.organisations]
    expected = {(i, j) for i in range(8) for j in range(i + 1, 8) if province[i] != province[j]}
    assert {tuple(x) for x in prim.pairs.tolist()} == expected


def test_pairs_from_a_csv_file_next_to_the_scenario(tmp_path: Path) -> None:
    from pilotopt.io import read_scenario

    (tmp_path / "partners.csv").write_text("a,b\nse01,rg01\nse02,rg03\n", encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        '[groups]\ncount = 2\n[[rules]]\nkind = "together"\nfile = "partners.csv"\n',
        encoding="utf-8")
    scenario = read_scenario(tmp_path / "s.toml")
    assert isinstance(scenario.rules[0], TogetherRule)
    assert scenario.rules[0].pairs == [("se01", "rg01"), ("se02", "rg03")]


def test_pairs_file_problems_are_located(tmp_path: Path) -> None:
    from pilotopt.io import read_scenario

    (tmp_path / "partners.csv").write_text("a,b\nse01\n", encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        '[groups]\ncount = 2\n[[rules]]\nkind = "apart"\nfile = "partners.csv"\n'
        '[[rules]]\nkind = "apart"\nfile = "missing.csv"\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_scenario(tmp_path / "s.toml")
    text = str(err.value)
    assert "partners.csv, row 2" in text and "rules[2].file" in text


def test_optional_costs_weight_times_priority_and_counts_a_minimum() -> None:
    p = compile_rules({"kind": "optional", "attribute": "economy", "value": "regular",
                       "priority": "fte", "min": 2, "weight": 0.5})
    (prim,) = [x for x in p.primitives if isinstance(x, LeaveOut)]
    assert prim.w.tolist() == [0, 0, 0, 0, 1, 1, 1, 0]
    assert prim.cost.tolist() == [0, 0, 0, 0, 30_000, 60_000, 22_500, 0]  # 0.5 * fte, scaled
    assert prim.lo == 2 and prim.hard
    assert p.optional.tolist() == [False] * 4 + [True] * 3 + [False]


def test_optional_without_a_selection_takes_everyone() -> None:
    p = compile_rules({"kind": "optional"})
    assert p.optional.all()


def test_optional_problems_are_located() -> None:
    with pytest.raises(InputError) as err:
        compile_rules({"kind": "optional", "organisations": ["se01", "xx"], "priority": "type",
                       "min": 3})
    text = str(err.value)
    assert "rules[1].organisations[2]" in text and "xx" in text
    assert "rules[1].priority" in text and "not numeric" in text
    assert "rules[1].min" in text and "more than the 1 organisation(s)" in text


def test_optional_leaves_out_who_does_not_fit() -> None:
    # Two groups of exactly 3 hold 6 of the 8: two are left out, and the priorities say which.
    p = compile_rules({"kind": "optional", "priority": "fte", "weight": 0.001},
                      {"kind": "size", "min": 3, "max": 3})
    result = solve(p, Params(time_limit=3, seed=0, workers=1))
    ev = checked(p, result)
    assert len(ev.left_out) == 2 and sum(ev.group_sizes) == 6


def test_hard_optional_minimum_beyond_the_places_is_a_named_conflict() -> None:
    p = compile_rules({"kind": "optional", "min": 7}, {"kind": "size", "min": 3, "max": 3})
    with pytest.raises(InfeasibleError) as err:
        solve(p, Params(time_limit=3, seed=0, workers=1))
    assert set(err.value.rules) == {"rule 1", "rule 2"}


def test_soft_optional_minimum_costs_per_organisation_short() -> None:
    p = compile_rules({"kind": "optional", "min": 7, "hard": False, "weight": 2},
                      {"kind": "size", "min": 3, "max": 3})
    result = solve(p, Params(time_limit=3, seed=0, workers=1))
    (status,) = [r for r in result.evaluation.rules if r.id == "rule 1"]
    assert status.violation == 1  # 6 placed, 7 wanted
    assert status.penalty_scaled == 2 * 1000 + 2 * 2 * 1000  # one short, two left out at weight 2


def test_balance_without_tolerance_minimises_the_largest_deviation() -> None:
    p = compile_rules({"kind": "balance", "attribute": "fte", "hard": False, "weight": 0.5})
    (prim,) = [x for x in p.primitives if isinstance(x, MaxDeviation)]
    assert prim.target == round((140 + 36 + 210 + 80 + 60 + 120 + 45 + 900) / 2)
    assert prim.penalty == 500 and not prim.hard
    assert "smallest largest deviation" in p.rules[1].label
    result = solve(p, Params(time_limit=2, seed=0, workers=1))
    ev = checked(p, result)
    sizes = np.bincount(result.assignment, weights=prim.w, minlength=2)
    assert ev.rules[1].violation == int(np.abs(sizes - prim.target).max())


def test_balance_without_tolerance_must_be_soft() -> None:
    with pytest.raises(InputError) as err:
        compile_rules({"kind": "balance", "attribute": "fte"})
    assert "hard = false" in str(err.value) and "rules[1]" in str(err.value)


def test_anchor_keeps_a_group_within_km_of_its_place() -> None:
    # From Geel: Lommel 22.6 km, Lier 28.0, Leuven 37.6, Mechelen 40.7, Genk 42.9, Gent 89.7,
    # Brugge 122.7. Within 30 km: se01 (Geel), se02 (Lier), rg01 (Lommel).
    p = compile_rules({"kind": "anchor", "anchors": {"1": "Geel"}, "km": 30})
    (prim,) = [x for x in p.primitives if isinstance(x, Allowed)]
    near = {p.ids[i] for i in np.flatnonzero(prim.allowed[:, 0])}
    assert near == {"se01", "se02", "rg01"} and prim.allowed[:, 1].all()
    assert p.rules[1].label == "anchor within 30 km: 1->Geel"
    result = solve(p, Params(time_limit=2, seed=0, workers=1))
    in_g1 = {p.ids[i] for i in np.flatnonzero(result.assignment == 0)}
    assert in_g1 == {"se01", "se02", "rg01"}  # groups of 3 to 5: exactly those three


def test_soft_anchor_costs_weight_per_organisation_too_far() -> None:
    # Named groups; G2 tied to Gent: within 40 km only se03 (Gent) and se04 (Brugge, 38.9).
    p = compile_rules({"kind": "anchor", "anchors": {"1": "Geel", "2": "Gent"}, "km": 40,
                       "hard": False, "weight": 2.0})
    a = group_of(p, [["se01", "se02", "rg01", "rg03"], ["se03", "se04", "rg02", "pb01"]])
    status = evaluate(p, a).rules[1]
    # G1: Leuven (37.6) is within 40 km of Geel; G2: Genk and Mechelen are not near Gent.
    assert status.per_group == (0, 2) and status.penalty_scaled == 2 * 2 * 1000


def test_anchor_to_an_unknown_place_or_group_is_located() -> None:
    with pytest.raises(InputError) as err:
        compile_rules({"kind": "anchor", "anchors": {"1": "Gentt", "Kempen": "Geel"}, "km": 20})
    text = str(err.value)
    assert "rules[1].anchors.1, value 'Gentt'" in text and "did you mean Gent" in text
    assert "rules[1].anchors.Kempen" in text and "no such group" in text
