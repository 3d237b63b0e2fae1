"""Plans: validation (every problem at once, located), cells, keys, overrides, variables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pilotopt.batch.plan import read_plan, scenario_with_overrides
from pilotopt.errors import InputError

DATA = Path(__file__).resolve().parents[1] / "data"
MDGPLIB = Path(__file__).resolve().parents[2] / "instances" / "mdgplib"


def _plan(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plan.toml"
    path.write_text(text)
    return path


GOOD = f"""
name = "p"
seeds = 2
time_limit = 4
best_known = "${{MDG}}/bks.csv"
vars = {{ MDG = "{MDGPLIB}" }}

[[instances]]
mdgplib = "${{MDG}}/Geo*.txt"

[[instances]]
name = "tiny"
roster = "{DATA}/roster.csv"
scenario = "{DATA}/scenario.toml"
time_limit = 2

[[instances]]
generate = {{ organisations = 30, seed = 5 }}

[[configurations]]
name = "fast"
time_limit = 1
reproducible = true

[[configurations]]
name = "default"
"""


def test_cells_are_the_product_with_resolved_time_limits(tmp_path: Path) -> None:
    plan = read_plan(_plan(tmp_path, GOOD))
    assert [i.name for i in plan.instances] == ["Geo_n120_ds_01", "tiny",
                                                "generated-30-seed5"]
    cells = plan.cells()
    assert len(cells) == 3 * 2 * 2
    limits = {(c.instance.name, c.configuration.name): c.time_limit for c in cells}
    assert limits[("tiny", "fast")] == 1  # the configuration's limit first
    assert limits[("tiny", "default")] == 2  # then the instance's
    assert limits[("Geo_n120_ds_01", "default")] == 4  # then the plan's
    assert len({c.key for c in cells}) == len(cells)
    assert [c.key for c in cells] == [c.key for c in read_plan(tmp_path / "plan.toml").cells()]
    assert plan.best_known == MDGPLIB / "bks.csv"
    assert plan.configurations[0].threads == 1


def test_a_changed_input_file_changes_the_keys_of_its_cells(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text((DATA / "roster.csv").read_text())
    text = GOOD.replace(f"{DATA}/roster.csv", str(roster))
    before = {c.instance.name + c.configuration.name + str(c.seed): c.key
              for c in read_plan(_plan(tmp_path, text)).cells()}
    roster.write_text(roster.read_text() + "\n")
    after = {c.instance.name + c.configuration.name + str(c.seed): c.key
             for c in read_plan(tmp_path / "plan.toml").cells()}
    assert [k for k in before if before[k] != after[k]] == [
        k for k in before if k.startswith("tiny")]


def test_every_problem_is_reported_at_once_with_its_place(tmp_path: Path) -> None:
    path = _plan(tmp_path, f"""
name = "p"
seeds = 0

[[instances]]
roster = "missing.csv"
scenario = "{DATA}/scenario.toml"

[[instances]]
mdgplib = "${{NOWHERE}}/x.txt"

[[instances]]
roster = "{DATA}/roster.csv"

[[configurations]]
name = "a"
solver = "magic"

[[configurations]]
name = "b"
reproducible = true
workers = 2
""")
    with pytest.raises(InputError) as err:
        read_plan(path)
    text = "\n".join(str(p) for p in err.value.problems)
    assert "instances[3]" in text and "a roster needs a scenario" in text
    assert "configurations[1].solver" in text
    assert "reproducible runs use one worker thread" in text
    # The files are checked once the plan's fields are valid.
    with pytest.raises(InputError) as err:
        read_plan(_plan(tmp_path, f"""
name = "p"
[[instances]]
roster = "missing.csv"
scenario = "{DATA}/scenario.toml"
[[instances]]
mdgplib = "${{NOWHERE}}/x.txt"
[[configurations]]
name = "a"
[[configurations]]
name = "a"
"""))
    text = "\n".join(str(p) for p in err.value.problems)
    assert "instances[1].roster" in text and "missing.csv" in text
    assert "${NOWHERE} is not set" in text
    assert "two configurations have this name" in text


def test_variables_from_the_command_line_win(tmp_path: Path) -> None:
    text = GOOD.replace(f'MDG = "{MDGPLIB}"', 'MDG = "/nowhere"')
    with pytest.raises(InputError):
        read_plan(_plan(tmp_path, text))
    assert read_plan(tmp_path / "plan.toml", {"MDG": str(MDGPLIB)}).instances[0].kind == "mdgplib"


def test_overrides_merge_tables_and_rules_by_number() -> None:
    data: dict[str, Any] = {"groups": {"count": 2, "size": {"min": 3}},
            "rules": [{"kind": "quota", "min": 1}, {"kind": "apart", "hard": True}]}
    got = scenario_with_overrides(data, {"groups": {"size": {"max": 5}},
                                         "rules": {"2": {"hard": False, "weight": 3}}})
    assert got["groups"] == {"count": 2, "size": {"min": 3, "max": 5}}
    assert got["rules"][1] == {"kind": "apart", "hard": False, "weight": 3}
    assert data["rules"][1] == {"kind": "apart", "hard": True}  # the input is left alone
    with pytest.raises(ValueError, match="no rule 3"):
        scenario_with_overrides(data, {"rules": {"3": {"min": 2}}})


def test_overrides_are_checked_against_each_scenario(tmp_path: Path) -> None:
    text = GOOD + """
[[configurations]]
name = "heavy"
overrides = { complementarity = { offer_need = "lots" } }
"""
    with pytest.raises(InputError) as err:
        read_plan(_plan(tmp_path, text))
    text = "\n".join(str(p) for p in err.value.problems)
    assert "'heavy' overrides the scenario, but an MDGPLIB instance has none" in text
    assert "with configuration 'heavy'" in text and "complementarity.offer_need" in text
