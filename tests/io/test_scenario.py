"""Scenario reader: a valid file becomes a Scenario; every problem names its key and value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pilotopt.errors import InputError, InputProblem
from pilotopt.io.scenario import read_scenario, scenario_from_dict
from pilotopt.schema.scenario import ApartRule, QuotaRule

DATA = Path(__file__).parents[1] / "data"


def _problems(data: dict[str, Any]) -> list[tuple[str | None, object]]:
    with pytest.raises(InputError) as info:
        scenario_from_dict(data, "s.toml")
    assert all(p.file == "s.toml" for p in info.value.problems)
    return [(p.key, p.value) for p in info.value.problems]


def _read(path: Path) -> list[InputProblem]:
    with pytest.raises(InputError) as info:
        read_scenario(path)
    return info.value.problems


def _quota(**fields: Any) -> dict[str, Any]:
    return {"kind": "quota", "attribute": "economy", "value": "social", **fields}


def test_the_test_scenario() -> None:
    s = read_scenario(DATA / "scenario.toml")
    assert s.groups.count == 2
    assert (s.groups.size.min, s.groups.size.max) == (3, 5)
    assert s.complementarity.economy_mix == 0.5
    assert [type(r) for r in s.rules] == [QuotaRule, QuotaRule, ApartRule, QuotaRule]
    assert s.rules[3].hard is False and s.rules[3].weight == 2.0
    assert s.description == "test scenario"


def test_not_valid_toml_shows_the_line(tmp_path: Path) -> None:
    [p] = _read(DATA / "broken" / "not_valid_toml.toml")
    assert p.key == "line 16" and p.value == "value = social"
    assert "quotes" in p.message


def test_missing_file(tmp_path: Path) -> None:
    [p] = _read(tmp_path / "nope.toml")
    assert p.message == "file not found"


def test_min_greater_than_max_points_at_max() -> None:
    assert _problems({"groups": {"count": 2}, "rules": [_quota(min=3, max=1)]}) == [
        ("rules[1].max", 1)
    ]
    assert _problems({"groups": {"count": 2, "size": {"min": 5, "max": 3}}}) == [
        ("groups.size.max", 3)
    ]


def test_every_rule_problem_at_once() -> None:
    found = _problems({
        "groups": {"count": 0},
        "colours": {},
        "rules": [
            _quota(min=1),
            {"kind": "qouta"},
            _quota(mni=2),
            {"kind": "size"},
            {"kind": "apart"},
            "apart",
        ],
    })
    assert ("colours", None) in found
    assert ("groups.count", 0) in found
    assert ("rules[2].kind", "qouta") in found
    assert ("rules[3].mni", 2) in found
    assert ("rules[4]", None) in found  # neither min nor max
    assert ("rules[5]", None) in found  # neither pairs nor column
    assert ("rules[6]", None) in found
    assert not any(k and k.startswith("rules[1]") for k, _ in found)


def test_positions_in_keys_count_from_one() -> None:
    rule = {"kind": "together", "pairs": [["a", "b"], ["a", "b", "c"]]}
    assert _problems({"groups": {"count": 2}, "rules": [rule]})[0][0] == "rules[1].pairs[2]"


@pytest.mark.parametrize("ref", [True, 1.5])
def test_a_group_is_a_number_or_a_name(ref: object) -> None:
    rule = {"kind": "pin", "pins": {"a": ref}}
    assert _problems({"groups": {"count": 2}, "rules": [rule]}) == [("rules[1].pins.a", ref)]


def test_description_of_the_wrong_type_is_a_problem_not_a_crash() -> None:
    assert _problems({"groups": {"count": 2}, "description": 5}) == [("description", 5)]


def test_groups_missing() -> None:
    assert ("groups", None) in _problems({"rules": []})


def test_rules_not_an_array_of_tables() -> None:
    assert ("rules", None) in _problems({"groups": {"count": 2}, "rules": {"kind": "size"}})


def test_negative_complementarity_weight() -> None:
    assert _problems({"groups": {"count": 2}, "complementarity": {"offer_need": -1}}) == [
        ("complementarity.offer_need", -1)
    ]


def test_misspelled_key_names_its_line_and_the_key_meant(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("\n".join([
        "[groups]", "count = 2", "size = { mni = 3, max = 5 }", "",
        "[[rules]]", 'kind = "quota"', 'attribute = "economy"', 'value = "social"', "min = 1", "",
        "[[rules]]", 'kind = "size"', "max = 9", "mni = 2", ""]), encoding="utf-8")
    first, second = _read(path)
    assert first.key == "groups.size.mni (line 3)" and "did you mean min?" in first.message
    assert second.key == "rules[2].mni (line 14)" and "did you mean min?" in second.message


def test_unknown_key_far_from_any_lists_the_keys() -> None:
    [(key, _)] = _problems({"groups": {"count": 2, "colour": "red"}})
    assert key == "groups.colour"
    with pytest.raises(InputError, match="known: count, target_size, size, names"):
        scenario_from_dict({"groups": {"count": 2, "colour": "red"}})


def test_duplicate_rule_names_are_refused() -> None:
    rules = [_quota(min=1, name="mixed"), _quota(min=2, name="other"), _quota(min=3, name="mixed")]
    assert _problems({"groups": {"count": 2}, "rules": rules}) == [("rules[3].name", "mixed")]


def test_unknown_kind_suggests_the_nearest() -> None:
    with pytest.raises(InputError, match="did you mean quota"):
        scenario_from_dict({"groups": {"count": 2}, "rules": [{"kind": "qouta"}]})


def test_extra_tags_are_declared_in_complementarity() -> None:
    s = read_scenario(DATA / "scenario.toml")
    assert s.complementarity.extra_tags == ["cleaning"]
    bad = {"groups": {"count": 2}, "complementarity": {"extra_tags": ["Packing Plus"]}}
    [(key, _)] = _problems(bad)
    assert key == "complementarity.extra_tags"


def test_a_pairs_file_as_excel_saves_it_on_a_dutch_windows(tmp_path: Path) -> None:
    (tmp_path / "pairs.csv").write_bytes("eerste;tweede\r\nse01;se02\r\n;\r\nrg01;rg02\r\n"
                                         .encode("cp1252"))
    (tmp_path / "s.toml").write_text('[groups]\ncount = 2\n\n[[rules]]\nkind = "apart"\n'
                                     'file = "pairs.csv"\n', encoding="utf-8")
    rule = read_scenario(tmp_path / "s.toml").rules[0]
    assert isinstance(rule, ApartRule)
    assert [tuple(p) for p in rule.pairs or []] == [("se01", "se02"), ("rg01", "rg02")]


def test_a_pairs_file_row_that_is_no_pair_is_located(tmp_path: Path) -> None:
    (tmp_path / "pairs.csv").write_text("a,b\nse01,se02\nse03\n", encoding="utf-8")
    (tmp_path / "s.toml").write_text('[groups]\ncount = 2\n\n[[rules]]\nkind = "together"\n'
                                     'file = "pairs.csv"\n', encoding="utf-8")
    [p] = _read(tmp_path / "s.toml")
    assert (p.file, p.row, p.value) == (str(tmp_path / "pairs.csv"), 3, "se03")
