"""Each rule kind compiles to the primitive it stands for; rules that do not fit are located."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from pilotopt.compile import compile_problem
from pilotopt.errors import InputError, InputProblem
from pilotopt.io.assignment import Pin
from pilotopt.io.history import History
from pilotopt.io.scenario import scenario_from_dict
from pilotopt.problem import SCALE, Allowed, GroupSum, PairLink, Problem, Stay
from pilotopt.schema.roster import Organisation

COLUMNS = ("id", "name", "economy", "type", "sector", "lat", "lon", "fte", "target_group_fte",
           "offers", "needs", "competitors")


def _org(id_: str, economy: str, type_: str = "", competitors: str = "") -> Organisation:
    return Organisation(
        id=id_, name=id_.upper(), economy=economy, sector="25", lat=51.0, lon=4.5, fte=10,
        target_group_fte=1, offers=(), needs=(), competitors=competitors,
        attributes={"type": type_} if type_ else {},
    )


ORGS = (
    _org("s1", "social", "kringwinkel", competitors="s2"),
    _org("s2", "social", "maatwerk", competitors="s1;zz"),
    _org("r1", "regular", "kmo", competitors="r2"),
    _org("r2", "regular", "kmo"),
    _org("p1", "public"),
)


def _compile(*rules: dict[str, Any], **groups: Any) -> Problem:
    scenario = scenario_from_dict({"groups": groups or {"count": 2}, "rules": list(rules)},
                                  "s.toml")
    return compile_problem(ORGS, scenario, columns=COLUMNS, scenario_file="s.toml")


def _located(*rules: dict[str, Any], **groups: Any) -> list[tuple[str | None, object, str]]:
    with pytest.raises(InputError) as info:
        _compile(*rules, **groups)
    assert all(p.file == "s.toml" for p in info.value.problems)
    return [(p.key, p.value, p.message) for p in info.value.problems]


def test_groups_size_is_the_first_primitive() -> None:
    p = _compile(count=2, size={"min": 2, "max": 3})
    assert p.group_names == ("G1", "G2")
    assert p.rules[0].id == "groups.size" and p.rules[0].hard
    [size] = p.primitives
    assert isinstance(size, GroupSum) and size.rule == 0
    assert size.w.tolist() == [1] * 5
    assert size.lo.tolist() == [2, 2] and size.hi.tolist() == [3, 3]


def test_target_size_gives_the_group_count() -> None:
    assert _compile(target_size=2).m == 2  # round(5 / 2)


def test_size_rule_on_one_group_by_name() -> None:
    p = _compile({"kind": "size", "max": 2, "groups": ["Oost"]}, count=2, names=["West", "Oost"])
    size = p.primitives[1]
    assert isinstance(size, GroupSum) and size.rule == 1 and size.hard
    assert size.w.tolist() == [1] * 5
    assert size.lo.tolist() == [0, 0] and size.hi.tolist() == [5, 2]
    assert p.rules[1].id == "rule 1" and p.rules[1].label == "size max 2 in groups Oost"


def test_quota_counts_members_with_the_value() -> None:
    p = _compile({"kind": "quota", "attribute": "economy", "value": "Social", "min": 1})
    quota = p.primitives[1]
    assert isinstance(quota, GroupSum)
    assert quota.w.tolist() == [1, 1, 0, 0, 0]
    assert quota.lo.tolist() == [1, 1] and quota.hi.tolist() == [5, 5]


def test_soft_quota_on_a_free_column_with_several_values() -> None:
    rule = {"kind": "quota", "attribute": "type", "value": ["kmo", "maatwerk"], "max": 1,
            "hard": False, "weight": 2.5, "groups": [2]}
    p = _compile(rule)
    quota = p.primitives[1]
    assert isinstance(quota, GroupSum)
    assert quota.w.tolist() == [0, 1, 1, 1, 0]
    assert quota.lo.tolist() == [0, 0] and quota.hi.tolist() == [5, 1]
    assert not quota.hard and quota.penalty == round(2.5 * SCALE)
    assert p.rules[1].weight == 2.5 and not p.rules[1].hard


def test_together_pairs() -> None:
    p = _compile({"kind": "together", "pairs": [["r2", "s1"], ["s1", "r2"], ["p1", "r1"]]})
    link = p.primitives[1]
    assert isinstance(link, PairLink) and link.together and link.hard
    assert link.pairs.tolist() == [[0, 3], [2, 4]]


def test_apart_on_the_competitors_column() -> None:
    link = _compile({"kind": "apart", "column": "competitors"}).primitives[1]
    assert isinstance(link, PairLink) and not link.together
    # s1-s2 written on both rows counts once; zz is not in the roster and is ignored.
    assert link.pairs.tolist() == [[0, 1], [2, 3]]


def test_pin_allows_one_group() -> None:
    p = _compile({"kind": "pin", "pins": {"s2": 2, "p1": "West"}}, count=2, names=["West", "Oost"])
    pin = p.primitives[1]
    assert isinstance(pin, Allowed) and pin.hard
    expected = np.ones((5, 2), dtype=bool)
    expected[1] = [False, True]
    expected[4] = [True, False]
    assert np.array_equal(pin.allowed, expected)


def test_every_rule_gets_a_rule_info_and_its_primitives_point_back() -> None:
    p = _compile(
        {"kind": "quota", "attribute": "economy", "value": "social", "min": 1},
        {"kind": "apart", "column": "competitors", "name": "competitors apart"},
        {"kind": "pin", "pins": {"s1": 1}, "hard": False},
    )
    assert [r.id for r in p.rules] == ["groups.size", "rule 1", "rule 2", "rule 3"]
    assert [r.kind for r in p.rules] == ["size", "quota", "apart", "pin"]
    assert p.rules[2].label == "competitors apart"
    assert [prim.rule for prim in p.primitives] == [0, 1, 2, 3]
    # In Dutch as well; a name the user gave stays as written.
    assert [r.label_in("nl") for r in p.rules] == [
        "groepen van 1 tot 5 leden", "quotum economy=social min 1", "competitors apart",
        "vast s1->1"]
    assert p.rules[0].label_in("en") == "groups of 1 to 5 members"


@pytest.mark.parametrize(
    ("rule", "key", "value", "words"),
    [
        ({"kind": "quota", "attribute": "economie", "value": "x", "min": 1},
         "rules[1].attribute", "economie", "no such attribute"),
        ({"kind": "quota", "attribute": "fte", "value": "10", "min": 1},
         "rules[1].attribute", "fte", "not a category"),
        ({"kind": "quota", "attribute": "economy", "value": "sociaal", "min": 1},
         "rules[1].value", "sociaal", "not an economy"),
        ({"kind": "pin", "pins": {"s1": 3}}, "rules[1].pins.s1", 3, "no such group"),
        ({"kind": "pin", "pins": {"s1": 0}}, "rules[1].pins.s1", 0, "no such group"),
        ({"kind": "pin", "pins": {"zz": 1}}, "rules[1].pins.zz", "zz", "no organisation"),
        ({"kind": "apart", "column": "concurrenten"}, "rules[1].column", "concurrenten",
         "no such column"),
        ({"kind": "apart", "column": "economy"}, "rules[1].column", "economy",
         "does not hold organisation ids"),
        ({"kind": "apart", "pairs": [["s1", "s1"]]}, "rules[1].pairs[1]", "s1",
         "two different ids"),
        ({"kind": "together", "pairs": [["s1", "zz"]]}, "rules[1].pairs[1]", "zz",
         "no organisation"),
        ({"kind": "size", "min": 1, "groups": [3]}, "rules[1].groups", 3, "no such group"),
    ],
)
def test_rules_that_do_not_fit_the_roster(
    rule: dict[str, Any], key: str, value: object, words: str
) -> None:
    [(k, v, message)] = _located(rule)
    assert (k, v) == (key, value)
    assert words in message


def test_all_misfits_at_once() -> None:
    found = _located(
        {"kind": "quota", "attribute": "economie", "value": "x", "min": 1},
        {"kind": "pin", "pins": {"zz": 1, "s1": 9}},
    )
    assert [k for k, _, _ in found] == ["rules[1].attribute", "rules[2].pins.zz",
                                         "rules[2].pins.s1"]


# Wave 1: {s1, s2, r1} done except s2, who dropped out; {r2, p1} still ongoing.
HISTORY = History(("w1.csv",), (
    ("r1", "s1", 0, "done"), ("r1", "s2", 0, "dropped"), ("s1", "s2", 0, "dropped"),
    ("p1", "r2", 0, "ongoing"), ("p1", "zz", 0, "done"),  # zz left the call
))


def test_repeats_keeps_pairs_that_met_apart_or_together() -> None:
    scenario = scenario_from_dict({"groups": {"count": 2}, "rules": [
        {"kind": "repeats", "hard": False, "weight": 3},
        {"kind": "repeats", "keep": True, "outcome": "done", "hard": False},
        {"kind": "repeats", "outcome": ["dropped"]},
    ]})
    p = compile_problem(ORGS, scenario, columns=COLUMNS, history=HISTORY)
    avoid, keep, dropped = (x for x in p.primitives if isinstance(x, PairLink))
    # s1 s2 r1 r2 p1 are 0..4
    assert avoid.pairs.tolist() == [[0, 1], [0, 2], [1, 2], [3, 4]]
    assert (avoid.together, avoid.hard, avoid.penalty) == (False, False, 3 * SCALE)
    assert keep.pairs.tolist() == [[0, 2]] and keep.together
    assert dropped.pairs.tolist() == [[0, 1], [1, 2]] and dropped.hard
    assert [r.label for r in p.rules[1:]] == [
        "repeats kept apart", "repeats kept together (outcome done)",
        "repeats kept apart (outcome dropped)"]
    assert p.rules[1].fact == "{} pairs met before"


def test_repeats_without_history_and_history_without_repeats_are_problems() -> None:
    [(key, value, message)] = _located({"kind": "repeats"})
    assert (key, value) == ("rules[1].kind", "repeats") and "--history" in message
    scenario = scenario_from_dict({"groups": {"count": 2}}, "s.toml")
    with pytest.raises(InputError) as err:
        compile_problem(ORGS, scenario, columns=COLUMNS, scenario_file="s.toml",
                        history=HISTORY)
    [problem] = err.value.problems
    assert problem.key == "rules" and "repeats" in problem.message


def test_stability_opens_each_organisation_only_its_previous_group() -> None:
    scenario = scenario_from_dict({"groups": {"count": 2, "names": ["West", "Oost"]},
                                   "rules": [{"kind": "stability", "weight": 4}]}, "s.toml")
    # s1 was in Oost, r1 in West, p1 left out, s2 and r2 are late; x1 dropped out.
    previous = {"s1": 1, "r1": 0, "p1": -1, "x1": 0}
    p = compile_problem(ORGS, scenario, columns=COLUMNS, previous=previous)
    stay = p.primitives[1]
    assert isinstance(stay, Allowed) and not stay.hard and stay.penalty == 4 * SCALE
    assert stay.allowed.tolist() == [[False, True], [True, True], [True, False], [True, True],
                                     [True, True]]
    assert p.preferred_groups().tolist() == [1, -1, 0, -1, -1]
    assert p.rules[1].label == "stability: organisations stay in their previous group"


def test_stability_on_frozen_groups_is_hard_and_keeps_only_their_members() -> None:
    scenario = scenario_from_dict({"groups": {"count": 2, "names": ["West", "Oost"]},
                                   "rules": [{"kind": "stability", "groups": ["Oost"]}]})
    p = compile_problem(ORGS, scenario, columns=COLUMNS, previous={"s1": 1, "r1": 0})
    stay = p.primitives[1]
    assert isinstance(stay, Allowed) and stay.hard
    assert stay.table.rows.tolist() == [0]  # s1 (Oost) stays; r1 (West) is free
    assert p.rules[1].label == "stability: groups Oost stay as they were"


def test_stability_without_a_previous_assignment_keeps_nobody() -> None:
    p = _compile({"kind": "stability", "weight": 2})
    stay = p.primitives[1]
    assert isinstance(stay, Allowed) and len(stay.table.rows) == 0


def test_stability_against_the_last_wave_limits_churn() -> None:
    scenario = scenario_from_dict({"groups": {"count": 2, "names": ["West", "Oost"]}, "rules": [
        {"kind": "stability", "against": "last_wave", "max_moves": 1}]})
    # The last wave: s1 in oost (any case), r1 in group 1 (West), r2 in West and in Oost (two
    # groups: no home), p1 in Zuid (not a group now: no home); s2 is new; the first wave counts
    # for nothing here.
    history = replace(HISTORY, files=("w1.csv", "w2.csv"), latest=(
        ("s1", "oost"), ("r1", "1"), ("r2", "West"), ("r2", "Oost"), ("p1", "Zuid")))
    p = compile_problem(ORGS, scenario, columns=COLUMNS, history=history,
                        previous={"s2": 0})  # a previous assignment plays no part
    stay = p.primitives[1]
    assert isinstance(stay, Stay) and stay.hard and stay.most == 1
    assert stay.home.tolist() == [1, -1, 0, -1, -1]
    assert p.rules[1].label == "stability: at most 1 organisation moves since the last wave"
    [(key, value, message)] = _located({"kind": "stability", "against": "last_wave"})
    assert (key, value) == ("rules[1].against", "last_wave") and "--history" in message


def test_stability_on_a_group_the_scenario_lacks() -> None:
    [(key, value, message)] = _located({"kind": "stability", "groups": ["Zuid"]})
    assert (key, value) == ("rules[1].groups", "Zuid") and "no such group" in message


def _pinned_orgs() -> tuple[Organisation, ...]:
    cells = {"s1": "oost", "s2": "", "r1": "1", "r2": "West", "p1": ""}
    return tuple(Organisation(**{**o.model_dump(), "attributes": {"groep": cells[o.id]}})
                 for o in ORGS)


def _compile_pins(*rules: dict[str, Any], pins: tuple[Pin, ...] = ()) -> Problem:
    scenario = scenario_from_dict({"groups": {"count": 2, "names": ["West", "Oost"]},
                                   "rules": list(rules)}, "s.toml")
    return compile_problem(_pinned_orgs(), scenario, columns=(*COLUMNS, "groep"),
                           scenario_file="s.toml", source={"roster": "r.csv"}, pins=pins)


def test_pins_by_a_roster_column_in_any_case_or_by_number() -> None:
    p = _compile_pins({"kind": "pin", "column": "groep"})
    [pin] = [x for x in p.primitives if isinstance(x, Allowed)]
    assert p.preferred_groups().tolist() == [1, -1, 0, 0, -1]
    assert pin.hard and p.rules[1].label == "pin by column groep"


def _pin_problems(*rules: dict[str, Any], pins: tuple[Pin, ...] = ()) -> list[str]:
    with pytest.raises(InputError) as info:
        _compile_pins(*rules, pins=pins)
    return [str(q) for q in info.value.problems]


def test_a_column_cell_naming_no_group_is_located_in_the_roster() -> None:
    orgs = _pinned_orgs()
    scenario = scenario_from_dict({"groups": {"count": 2},
                                   "rules": [{"kind": "pin", "column": "groep"}]}, "s.toml")
    with pytest.raises(InputError) as info:
        compile_problem(orgs, scenario, columns=(*COLUMNS, "groep"), source={"roster": "r.csv"})
    messages = [str(q) for q in info.value.problems]
    assert messages[0].startswith("r.csv, id s1, column 'groep', value 'oost': no such group")
    assert len(messages) == 2 and "id r2" in messages[1]  # 'West' is no group here; '1' is


def test_pins_of_one_organisation_to_two_groups_are_located_at_both() -> None:
    [message] = _pin_problems({"kind": "pin", "column": "groep"},
                              {"kind": "pin", "pins": {"s1": "West", "r1": "West"}})
    assert message == ("s.toml, rules[2].pins.s1, value 'West': s1 is pinned to West here, and "
                       "to Oost by r.csv, id s1, column 'groep', value 'oost'")
    # A soft pin is a wish, not a conflict; the same group twice is no conflict either.
    _compile_pins({"kind": "pin", "column": "groep"},
                  {"kind": "pin", "pins": {"s1": "West", "r1": 1}, "hard": False},
                  {"kind": "pin", "pins": {"s1": "Oost"}})


def test_pins_from_a_file_join_the_scenarios_as_one_hard_rule() -> None:
    def at(row: int, org_id: str, group: str) -> Pin:
        return Pin(org_id, ["West", "Oost"].index(group),
                   InputProblem("pins.csv", "", row=row, id=org_id, column="group", value=group))

    p = _compile_pins({"kind": "pin", "pins": {"s2": "Oost"}},
                      pins=(at(2, "s2", "Oost"), at(3, "p1", "West")))
    assert [r.id for r in p.rules][-1] == "pins" and p.rules[-1].label == "pins from pins.csv"
    assert p.rules[-1].label_in("nl") == "vast volgens pins.csv"
    assert p.preferred_groups().tolist() == [-1, 1, -1, -1, 0]
    found = _pin_problems({"kind": "pin", "column": "groep"},
                          pins=(at(2, "s1", "West"), at(3, "zz", "West")))
    assert found == [
        "pins.csv, row 2, id s1, column 'group', value 'West': s1 is pinned to West here, and "
        "to Oost by r.csv, id s1, column 'groep', value 'oost'",
        "pins.csv, row 3, id zz, column 'id', value 'zz': no organisation with this id in the "
        "roster",
    ]


def test_stability_with_max_moves_is_a_hard_stay() -> None:
    scenario = scenario_from_dict({"groups": {"count": 2},
                                   "rules": [{"kind": "stability", "max_moves": 3}]})
    p = compile_problem(ORGS, scenario, columns=COLUMNS, previous={"s1": 1, "r1": 0})
    stay = p.primitives[1]
    assert isinstance(stay, Stay) and stay.hard and stay.most == 3
    assert stay.home.tolist() == [1, -1, 0, -1, -1]
    assert p.rules[1].label == "stability: at most 3 organisations move"
