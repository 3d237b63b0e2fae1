"""The settings form over the scenario's TOML: fields read from the validated scenario, what the
form sent turned into changed keys (numbers checked and located), and the file rewritten with
its comments and order kept."""

from __future__ import annotations

import difflib
import tomllib

from web_cases import SCENARIO

from pilotopt.io.scenario import read_scenario, scenario_from_dict
from pilotopt.web.settings import changes, form, rewrite


def _form():  # type: ignore[no-untyped-def]
    return form(read_scenario(SCENARIO))


def test_the_fields_hold_the_scenarios_values_defaults_included() -> None:
    shown = {f.key: f.shown for f in _form().fields()}
    assert shown["groups.count"] == "2"
    assert (shown["groups.size.min"], shown["groups.size.max"]) == ("3", "5")
    assert shown["rules[1].hard"] == "true" and shown["rules[1].weight"] == "1"  # default
    assert shown["rules[1].min"] == "1" and shown["rules[1].max_share"] == ""
    assert shown["rules[4].hard"] == "false" and shown["rules[4].weight"] == "2"
    # apart (rule 3) has no numbers of its own: hard/soft and weight only
    assert [f.name for f in _form().rules[2].fields] == ["hard", "weight"]


def test_a_target_size_is_offered_instead_of_a_count() -> None:
    f = form(scenario_from_dict({"groups": {"target_size": 4}}))
    assert [x.key for x in f.groups][0] == "groups.target_size"


def test_only_what_differs_is_changed_and_numbers_are_checked() -> None:
    sent = {"groups.count": "2", "rules[1].weight": "1", "rules[4].weight": "3,5",
            "rules[4].hard": "true", "rules[1].min": "", "rules[2].min": "two",
            "groups.size.max": "5.5", "rules[3].hard": "maybe"}
    problems, changed = changes(_form(), sent, "s.toml")
    assert changed == {"rules[4].weight": 3.5, "rules[4].hard": True, "rules[1].min": None}
    assert [(p.file, p.key, p.value, p.message) for p in problems] == [
        ("s.toml", "groups.size.max", "5.5", "a whole number is needed"),
        ("s.toml", "rules[2].min", "two", "a whole number is needed"),
        ("s.toml", "rules[3].hard", "maybe", "choose hard or soft")]
    assert changes(_form(), {}, "s.toml") == ([], {})


def test_a_rewrite_keeps_comments_and_order_and_changes_only_the_keys() -> None:
    text = SCENARIO.read_text()
    new = rewrite(text, {"groups.size.max": 6, "rules[4].weight": 3.5, "rules[1].hard": False,
                         "rules[1].weight": 4.0, "rules[2].min": None})
    old_lines, new_lines = text.splitlines(), new.splitlines()
    assert [ln for ln in old_lines if ln.lstrip().startswith("#")] == [
        ln for ln in new_lines if ln.lstrip().startswith("#")]
    assert "extra_tags = [\"cleaning\"]  # not in the capability taxonomy; declared so it " \
           "does not warn" in new_lines
    assert "size = { min = 3, max = 6 }" in new_lines
    data = tomllib.loads(new)
    first, second, fourth = data["rules"][0], data["rules"][1], data["rules"][3]
    assert (first["hard"], first["weight"]) == (False, 4.0)
    assert "min" not in second and fourth["weight"] == 3.5
    # New keys go at the end of their own table, before the next [[rules]] line.
    at = new_lines.index("weight = 4.0")
    assert new_lines[at - 1] == "hard = false" and new_lines[at - 2] == "min = 1"
    # Exactly these lines differ; every other is still there, in its order.
    diff = [ln for ln in difflib.ndiff(old_lines, new_lines) if ln[:2] in ("- ", "+ ")]
    assert diff == ["- size = { min = 3, max = 5 }", "+ size = { min = 3, max = 6 }",
                    "+ hard = false", "+ weight = 4.0", "- min = 1",
                    "- weight = 2.0", "+ weight = 3.5"]

def test_size_bounds_are_added_when_the_file_has_none() -> None:
    new = rewrite("[groups]\ncount = 2\n", {"groups.size.min": 3})
    assert tomllib.loads(new) == {"groups": {"count": 2, "size": {"min": 3}}}
    assert rewrite("[groups]\ncount = 2\n", {"groups.size.max": None}) == "[groups]\ncount = 2\n"
