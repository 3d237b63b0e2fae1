"""Re-planning against a previous assignment: the comparison, the warnings, and a drop-out that
moves only a few others."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from helpers import checked, make_problem
from pilotopt.generate import write_instance
from pilotopt.instance import load_instance
from pilotopt.io.scenario import read_scenario
from pilotopt.replan import continuity, replan_warnings
from pilotopt.solve import Params, solve

DATA = Path(__file__).parent / "data"


def test_continuity_counts_moves_pairs_drop_outs_and_late_registrations() -> None:
    p = make_problem(np.zeros((5, 5)), 3)  # a b c d e in G1 G2 G3
    # Before: G1 = a b c, G2 = d, x (dropped out); e is new. Now: a b in G1, c and e in G2,
    # d in G3.
    c = continuity(p, {"a": 0, "b": 0, "c": 0, "d": 1, "x": 1}, [0, 0, 1, 2, 1])
    assert c.drop_outs == ("x",)
    assert c.late == ("e",)
    assert c.moved == (("c", "G1", "G2"), ("d", "G2", "G3"))
    assert (c.had, c.pairs, c.kept) == (4, 3, 1)  # ab, ac, bc before; ab kept
    doc = c.to_dict()
    assert doc["moved"][0] == {"organisation": "c", "from": "G1", "to": "G2"}
    assert doc["moved_count"] == 2 and doc["pairs_kept"] == 1


def test_an_organisation_left_out_before_or_now() -> None:
    p = make_problem(np.zeros((3, 3)), 2)
    c = continuity(p, {"a": -1, "b": 1, "c": 1}, [0, -1, 1])
    assert c.moved == (("b", "G2", ""),)  # placed before, left out now
    assert c.late == () and (c.had, c.pairs, c.kept) == (2, 1, 0)
    assert "b G2 -> -" in c.lines()[-1]


def test_lines_in_dutch_list_the_first_few() -> None:
    p = make_problem(np.zeros((4, 4)), 2)
    c = continuity(p, {"a": 0, "x": 0, "y": 1}, [0, 0, 1, 1])
    lines = c.lines("nl", shown=1)
    assert lines[0].startswith("Tegenover de vorige indeling: 0 van 1")
    assert lines[1] == "Afgehaakt (2): x, ... (+1)"
    assert lines[2] == "Late inschrijvingen (3): b, ... (+2)"


def test_warnings_for_a_rule_without_previous_and_the_other_way(tmp_path: Path) -> None:
    plain = read_scenario(DATA / "scenario.toml")
    path = tmp_path / "s.toml"
    path.write_text((DATA / "scenario.toml").read_text(encoding="utf-8")
                    + '\n[[rules]]\nkind = "stability"\nweight = 5\n', encoding="utf-8")
    kept = read_scenario(path)
    assert "rules[5] (stability)" in replan_warnings(kept, None)[0]
    assert replan_warnings(kept, {"se01": 0}) == []
    assert "no stability rule" in replan_warnings(plain, {"se01": 0})[0]
    assert replan_warnings(plain, None) == []
    path.write_text((DATA / "scenario.toml").read_text(encoding="utf-8")
                    + '\n[[rules]]\nkind = "stability"\nagainst = "last_wave"\n',
                    encoding="utf-8")
    assert replan_warnings(read_scenario(path), None) == []  # it reads --history


def _write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize("rule", ["hard = false\nweight = 50", "max_moves = 3"])
def test_one_drop_out_moves_at_most_three_others(rule: str, tmp_path: Path) -> None:
    write_instance(tmp_path, 48, 5, seed=4)
    first = load_instance(tmp_path / "roster.csv", tmp_path / "scenario.toml").problem
    before = solve(first, Params(time_limit=1.5, seed=3, workers=1))
    previous = tmp_path / "previous.csv"
    _write_rows(previous, [{"id": i, "group": first.group_names[g].lower()}  # any case
                           for i, g in zip(first.ids, before.assignment.tolist(), strict=True)])
    with (tmp_path / "roster.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    gone = rows.pop(7)["id"]
    _write_rows(tmp_path / "after.csv", rows)
    scenario = tmp_path / "stable.toml"
    scenario.write_text((tmp_path / "scenario.toml").read_text(encoding="utf-8")
                        + f'\n[[rules]]\nkind = "stability"\n{rule}\n',
                        encoding="utf-8")

    instance = load_instance(tmp_path / "after.csv", scenario, previous_path=previous)
    assert instance.previous is not None
    result = solve(instance.problem, Params(time_limit=1.5, seed=3, workers=1))

    checked(instance.problem, result)
    c = continuity(instance.problem, instance.previous, result.assignment)
    assert c.drop_outs == (gone,) and c.late == ()
    assert len(c.moved) <= 3, c.moved


def test_a_churn_limit_keeps_all_but_three_in_their_group_of_the_last_wave(
        tmp_path: Path) -> None:
    write_instance(tmp_path, 48, 5, seed=4)
    first = load_instance(tmp_path / "roster.csv", tmp_path / "scenario.toml").problem
    wave1 = solve(first, Params(time_limit=1.5, seed=3, workers=1)).assignment
    _write_rows(tmp_path / "wave1.csv", [{"id": i, "group": str(g + 1)}  # by number
                                          for i, g in zip(first.ids, wave1.tolist(), strict=True)])
    last = {i: int(g) for i, g in zip(first.ids, wave1.tolist(), strict=True)}
    base = (tmp_path / "scenario.toml").read_text(encoding="utf-8")
    new_partners = '\n[[rules]]\nkind = "repeats"\nhard = false\nweight = 5\n'
    churn = '\n[[rules]]\nkind = "stability"\nagainst = "last_wave"\nmax_moves = 3\n'
    moved = []
    for name, extra in (("free", new_partners), ("limited", new_partners + churn)):
        (tmp_path / f"{name}.toml").write_text(base + extra, encoding="utf-8")
        instance = load_instance(tmp_path / "roster.csv", tmp_path / f"{name}.toml",
                                 history=[tmp_path / "wave1.csv"])
        result = solve(instance.problem, Params(time_limit=1.5, seed=3, workers=1))
        checked(instance.problem, result)
        moved.append(len(continuity(instance.problem, last, result.assignment).moved))
    assert moved[0] > 10 and moved[1] <= 3, moved
