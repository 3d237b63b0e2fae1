"""Rule kinds: one model each, picked by ``kind``, carrying its meaning, fact and words."""

from __future__ import annotations

import re
from typing import get_args

import pytest
from pydantic import TypeAdapter, ValidationError

from pilotopt.compile.rules import COMPILERS
from pilotopt.schema.scenario import (
    RULE_KINDS,
    CoverageRule,
    ForbidRule,
    Groups,
    PinRule,
    QuotaRule,
    Rule,
    Scenario,
    StabilityRule,
)


def test_every_kind_has_a_model_a_meaning_and_a_compiler() -> None:
    assert set(RULE_KINDS) == set(COMPILERS)
    assert len(RULE_KINDS) == len(get_args(get_args(Rule)[0]))
    for kind, model in RULE_KINDS.items():
        assert model.meaning, kind


def test_the_union_picks_the_model_by_kind() -> None:
    rule = TypeAdapter(Rule).validate_python({"kind": "pin", "pins": {"a": 1}})
    assert isinstance(rule, PinRule)
    with pytest.raises(ValidationError, match="does not match any of the expected tags"):
        TypeAdapter(Rule).validate_python({"kind": "pinn", "pins": {"a": 1}})
    scenario = Scenario.model_validate({"groups": {"count": 2},
                                        "rules": [{"kind": "coverage"}]})
    assert isinstance(scenario.rules[0], CoverageRule)


def test_descriptions_and_facts() -> None:
    quota = QuotaRule(kind="quota", attribute="economy", value="social", min=2, groups=[1])
    assert quota.describe() == "quota economy=social min 2 in groups 1"
    assert quota.label() == quota.describe()
    assert QuotaRule(kind="quota", attribute="economy", value="social", min=2,
                     name="mixed").label() == "mixed"
    forbid = ForbidRule(kind="forbid", organisations=["se01"], groups=[2])
    assert forbid.describe() == "forbid: se01 kept out of groups 2"
    assert forbid.fact.format(3) == "3 organisations restricted"


def test_coverage_is_soft_unless_said() -> None:
    assert not CoverageRule(kind="coverage").hard
    assert CoverageRule(kind="coverage", hard=True).hard
    assert QuotaRule(kind="quota", attribute="economy", value="social", min=1).hard


def test_stability_is_soft_unless_it_freezes_groups() -> None:
    assert not StabilityRule(kind="stability", weight=5).hard
    assert StabilityRule(kind="stability", groups=["Kempen"]).hard
    assert not StabilityRule(kind="stability", groups=[1], hard=False).hard
    assert StabilityRule(kind="stability", hard=True).hard
    assert StabilityRule(kind="stability", max_moves=3).hard
    assert StabilityRule(kind="stability", max_moves=3, groups=[1]).describe() == (
        "stability: at most 3 members of groups 1 move")


def test_a_pin_rule_needs_pins_or_a_column() -> None:
    assert PinRule(kind="pin", column="groep").describe() == "pin by column groep"
    both = PinRule(kind="pin", pins={"a": 1}, column="groep")
    assert both.describe() == "pin a->1 and by column groep"
    with pytest.raises(ValidationError, match="'pins'"):
        PinRule(kind="pin")


def test_membership_capacities() -> None:
    groups = {"count": 2}
    by_type = Scenario(groups=groups, membership={"attribute": "economy",
                                                  "capacity": {"public": 2}})
    assert by_type.membership.capacity == {"public": 2} and not by_type.membership.exact
    assert Scenario(groups=groups).membership.capacity == 1
    for wrong in ({"capacity": 0}, {"capacity": {"public": 2}}, {"attribute": "economy"},
                  {"capacity": 2, "colum": "capacity"}):
        with pytest.raises(ValidationError):
            Scenario(groups=groups, membership=wrong)


def test_group_names_must_differ_in_any_case() -> None:
    # Assignments and pins name groups in any case: "gent" could not say which of these.
    with pytest.raises(ValidationError, match="group names must differ in any case: 'gent'"):
        Groups(count=2, names=["Gent", "gent"])
    assert Groups(count=2, names=["Gent", "Gent-Noord"]).names == ["Gent", "Gent-Noord"]


# One rule of each kind, in every form its words take; the scenario's own names and values are
# Dutch-looking words, so an English word left in a Dutch label cannot hide among them.
LABELLED: list[dict[str, object]] = [
    {"kind": "size", "min": 6, "max": 10, "groups": [1, "Kempen"]},
    {"kind": "quota", "attribute": "economie", "value": ["sociaal", "regulier"], "min": 2,
     "min_share": 0.25, "max_share": 0.5, "groups": [2]},
    {"kind": "together", "pairs": [["se01", "rg02"]]},
    {"kind": "apart", "pairs": [["se01", "rg02"], ["se02", "rg02"]]},
    {"kind": "together", "column": "partners"},
    {"kind": "apart", "column": "concurrenten"},
    {"kind": "pin", "pins": {"se01": 1}, "column": "groep"},
    {"kind": "forbid", "attribute": "economie", "value": "sociaal", "groups": [2]},
    {"kind": "eligible", "organisations": ["se01", "rg02"], "groups": ["Kempen"]},
    {"kind": "distinct", "attribute": "sector", "max": 2},
    {"kind": "spread", "attribute": "provincie", "slack": 1},
    {"kind": "balance", "attribute": "vte", "tolerance": 0.25},
    {"kind": "balance", "attribute": "vte", "hard": False},
    {"kind": "max_distance", "km": 50, "same": "provincie"},
    {"kind": "no_isolation", "attribute": "economie", "value": "kennis"},
    {"kind": "coverage"},
    {"kind": "coverage", "tags": ["montage"]},
    {"kind": "optional"},
    {"kind": "optional", "attribute": "economie", "value": "kennis", "priority": "voorrang",
     "min": 40},
    {"kind": "optional", "organisations": ["se01"]},
    {"kind": "anchor", "anchors": {"Gent": "Gent", "Kempen": "Geel"}, "km": 30},
    {"kind": "repeats"},
    {"kind": "repeats", "keep": True, "outcome": ["dropped", "done"], "last": 2},
    {"kind": "stability", "weight": 1},
    {"kind": "stability", "max_moves": 1, "against": "last_wave"},
    {"kind": "stability", "max_moves": 3, "groups": ["Kempen"]},
    {"kind": "stability", "max_moves": 3},
    {"kind": "stability", "groups": ["Kempen"]},
]
# Words both languages write: bounds, units, and "in" / "of" (Dutch "of" is "or"); the kind
# "apart" is a Dutch word too.
SHARED = {"min", "max", "km", "in", "of", "apart", "per"}


def _words(label: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"[A-Za-z_]+", label)}


def _user_words(data: dict[str, object]) -> set[str]:
    """The names and values the rule shows as written (pairs are counted, switches worded)."""
    return _words(" ".join(str(v) for k, v in data.items()
                           if k not in ("kind", "hard", "weight", "pairs", "keep", "against")))


def test_every_kind_has_a_dutch_label_without_english_words() -> None:
    rules = [TypeAdapter(Rule).validate_python(d) for d in LABELLED]
    assert {r.kind for r in rules} == set(RULE_KINDS)
    english = set().union(*(_words(r.describe()) for r in rules)) - SHARED - set().union(
        *map(_user_words, LABELLED))
    assert {"size", "groups", "column", "pairs", "kept", "group", "move"} <= english
    for data, rule in zip(LABELLED, rules, strict=True):
        dutch = rule.describe("nl")
        assert dutch != rule.describe() and rule.label("nl") == dutch, dutch
        assert not _words(dutch) & english, (dutch, _words(dutch) & english)
        # The scenario's own names and values as written.
        assert _user_words(data) <= _words(dutch), dutch


def test_dutch_labels_read_as_written() -> None:
    quota = QuotaRule(kind="quota", attribute="economy", value="social", min=2, max_share=0.5)
    assert quota.describe("nl") == "quotum economy=social min 2, max 50 % van de groep"
    assert TypeAdapter(Rule).validate_python(
        {"kind": "size", "min": 6, "max": 10, "groups": [1, 2]}).describe("nl") == (
        "grootte min 6 max 10 in groepen 1, 2")
    assert TypeAdapter(Rule).validate_python(
        {"kind": "apart", "column": "competitors"}).describe("nl") == "apart kolom competitors"
    together = TypeAdapter(Rule).validate_python({"kind": "together", "pairs": [["a", "b"]]})
    assert (together.describe(), together.describe("nl")) == ("together 1 pair", "samen 1 paar")
    # A name the user gave is used as written, in either language.
    named = QuotaRule(kind="quota", attribute="economy", value="social", min=2, name="gemengd")
    assert named.label("nl") == named.label() == "gemengd"
