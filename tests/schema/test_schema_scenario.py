"""Rule kinds: one model each, picked by ``kind``, carrying its meaning, fact and words."""

from __future__ import annotations

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
