"""The workspace state: loading with located problems, uploads, moves priced like the evaluator,
undo and redo, locks kept by a solve, runs kept and compared."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from web_cases import GOOD, ROSTER, SCENARIO, loaded, wait_for_solve

from pilotopt.evaluate import evaluate
from pilotopt.instance import load_instance
from pilotopt.web.workspace import Busy, Refused, Source, Workspace, presets


def test_problems_name_the_files_as_the_user_named_them(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    broken = ROSTER.parent / "broken" / "several_problems.csv"
    problems = ws.load(Source("mijn lijst.csv", broken), Source("s.toml", SCENARIO))
    assert len(problems) >= 4  # every problem at once
    assert {p.file for p in problems} == {"mijn lijst.csv"}
    assert any(p.row == 3 and p.column == "economy" for p in problems)
    assert ws.loaded is None


def test_upload_keeps_files_inside_the_folder_and_refuses_wrong_kinds(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    problems = ws.upload(("../../evil.csv", ROSTER.read_bytes()),
                         ("s.toml", SCENARIO.read_bytes()))
    assert problems == [] and ws.loaded is not None
    assert ws.loaded.roster.name == "../../evil.csv"
    assert ws.loaded.roster.path.resolve().is_relative_to((tmp_path / "ws").resolve())
    assert not (tmp_path / "evil.csv").exists()
    problems = ws.upload(("roster.exe", b"x"), ("", b""))
    assert [(p.file, p.message) for p in problems] == [
        ("roster.exe", "a .csv or .xlsx or .json file is needed here"),
        ("(no file)", "no file chosen")]
    assert ws.loaded is None


def test_demo_presets_load_and_an_unknown_one_is_refused(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    assert "esf-proeftuin" in presets()
    assert ws.demo("esf-proeftuin") == []
    assert ws.loaded is not None and ws.loaded.problem.n == 40
    with pytest.raises(Refused, match="no preset"):
        ws.demo("../../etc/passwd")


def test_a_move_changes_the_figures_as_the_evaluator_says(tmp_path: Path) -> None:
    ws = loaded(Workspace(tmp_path))
    step = ws.move(ws.index("se02"), 0)  # joins its competitor se01: breaks apart
    snap = ws.snapshot()
    assert snap is not None
    lw, a, ev = snap
    expected = list(GOOD)
    expected[1] = 0
    assert a.tolist() == expected
    assert ev == evaluate(lw.problem, np.array(expected))
    assert step.change.hard_violation == 1 and step.reasons  # said, not prevented
    assert not ev.feasible


def test_undo_and_redo_walk_the_history(tmp_path: Path) -> None:
    ws = loaded(Workspace(tmp_path))
    ws.move(ws.index("se03"), 1)
    ws.move(ws.index("pb01"), 1)
    first = evaluate(ws.loaded.problem, np.array(GOOD)) if ws.loaded else None
    ws.undo()
    ws.undo()
    snap = ws.snapshot()
    assert snap is not None and snap[1].tolist() == GOOD and snap[2] == first
    with pytest.raises(Refused, match="nothing to undo"):
        ws.undo()
    ws.redo()
    snap = ws.snapshot()
    assert snap is not None and snap[1][ws.index("se03")] == 1
    assert snap[1][ws.index("pb01")] == 0
    ws.move(ws.index("rg03"), 0)  # a new move drops what was left to redo
    with pytest.raises(Refused, match="nothing to redo"):
        ws.redo()


def test_a_locked_organisation_does_not_move_and_a_solve_keeps_it(tmp_path: Path) -> None:
    ws = loaded(Workspace(tmp_path, workers=1))
    # pb01 in G2 with rg03: locked there, the solve must keep it in G2.
    ws.move(ws.index("pb01"), 1)
    ws.lock(ws.index("pb01"), True)
    with pytest.raises(Refused, match="locked"):
        ws.move(ws.index("pb01"), 0)
    ws.start_solve(5, seed=1)
    with pytest.raises(Busy):
        ws.move(ws.index("se03"), 1)
    wait_for_solve(ws)
    assert ws.job is not None
    assert ws.job.state == "done", ws.job.message
    assert "cost of the moves" not in ws.job.message  # a fresh solve: no stability rule
    snap = ws.snapshot()
    assert snap is not None
    assert snap[1][ws.index("pb01")] == 1
    assert snap[2].feasible and snap[0].run_id is not None
    ws.lock(ws.index("pb01"), False)
    ws.move(ws.index("pb01"), 0)


def test_runs_are_kept_and_compared(tmp_path: Path) -> None:
    ws = loaded(Workspace(tmp_path))
    first = ws.keep_current()
    ws.move(ws.index("se03"), 1)
    second = ws.keep_current()
    assert [r["run_id"] for r in ws.runs()] == [second, first]
    assert ws.runs()[0]["status"] == "edited"
    found = ws.compare(first, second)
    assert found.a.tolist() == GOOD
    assert found.moved == ((ws.index("se03"), 0, 1),)
    assert found.after == evaluate(found.problem, found.b)
    with pytest.raises(Refused, match="no run"):
        ws.compare(first, "../x")


def test_nothing_to_edit_before_an_assignment(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    with pytest.raises(Refused, match="load a roster"):
        ws.start_solve(1, 0)
    loaded(ws, assignment=None)
    with pytest.raises(Refused, match="solve first"):
        ws.move(0, 1)
    assert ws.snapshot() is None


def test_a_settings_edit_rewrites_the_scenario_and_rescores_the_groups(tmp_path: Path) -> None:
    ws = loaded(Workspace(tmp_path / "ws"))
    before = ws.snapshot()
    assert before is not None
    # The social quota (rule 1) soft at 5 per member short, at least 3 per group: GOOD has two
    # social organisations in each group, so it costs 2 x 5.
    assert ws.edit_settings({"rules[1].hard": "false", "rules[1].weight": "5",
                             "rules[1].min": "3"}) == []
    assert ws.loaded is not None
    kept = ws.loaded.scenario
    assert kept.name == "scenario.toml" and kept.path.is_relative_to(tmp_path / "ws")
    assert SCENARIO.read_text().splitlines()[0] in kept.path.read_text()  # comments kept
    after = ws.snapshot()
    assert after is not None and after[1].tolist() == GOOD
    assert after[2] == evaluate(load_instance(ROSTER, kept.path).problem, np.array(GOOD))
    assert after[2].objective == pytest.approx(before[2].objective - 10)
    assert ws.edit_settings({"rules[1].weight": "5"}) == []  # nothing changed: no new file
    assert ws.loaded.scenario == kept


def test_a_refused_edit_lists_every_problem_and_changes_nothing(tmp_path: Path) -> None:
    ws = loaded(Workspace(tmp_path / "ws"))
    assert ws.loaded is not None
    was = ws.loaded.scenario
    problems = ws.edit_settings({"rules[2].min": "two", "groups.size.min": "6",
                                 "groups.size.max": "4"})
    assert [(p.file, p.key, p.value) for p in problems] == [
        ("scenario.toml", "rules[2].min", "two"),
        ("scenario.toml", "groups.size.max (line 6)", 4)]
    assert "smaller than min" in problems[1].message
    assert ws.loaded.scenario == was and not list((tmp_path / "ws" / "inputs").iterdir())
    broken = ws.edit_scenario("[groups]\ncount = 2\n\n[[rules]]\nkind = \"quota\"\nmni = 1\n")
    assert {p.key for p in broken} >= {"rules[1].mni (line 6)", "rules[1].attribute (line 4)"}
    (syntax,) = ws.edit_scenario("[groups]\ncount = two\n")
    assert syntax.key == "line 2" and "not valid TOML" in syntax.message
    assert ws.loaded.scenario == was


def test_an_edit_of_the_group_count_keeps_the_groups_only_when_they_fit(tmp_path: Path) -> None:
    ws = loaded(Workspace(tmp_path))
    ws.move(ws.index("se03"), 1)
    assert ws.edit_settings({"groups.count": "3"}) == []
    snap = ws.snapshot()
    assert snap is not None and len(snap[2].group_sizes) == 3 and not snap[2].feasible
    assert ws.loaded is not None and ws.loaded.undo == []  # moves of the old groups dropped
    assert ws.edit_settings({"groups.count": "1", "groups.size.max": "8"}) == []
    assert ws.snapshot() is None  # G2 is gone: solve again


def test_a_re_solve_adds_a_stability_rule_unless_the_scenario_has_one(tmp_path: Path) -> None:
    ws = loaded(Workspace(tmp_path))
    assert ws.loaded is not None
    previous = {"se01": 0}
    rules = Workspace._solve_problem(ws.loaded, previous, 5.0).rules
    assert [(r.label, r.hard, r.weight) for r in rules[-1:]] == [
        ("stay in the current groups", False, 5.0)]
    assert ws.edit_scenario(SCENARIO.read_text() + '\n[[rules]]\nkind = "stability"\n'
                            'weight = 2\n') == []
    rules = Workspace._solve_problem(ws.loaded, previous, 5.0).rules
    assert [r.kind for r in rules].count("stability") == 1 and rules[-1].weight == 2


def test_a_re_solve_keeps_locks_and_says_who_moved(tmp_path: Path) -> None:
    ws = loaded(Workspace(tmp_path, workers=1))
    with pytest.raises(Refused, match="solve first"):
        loaded(Workspace(tmp_path / "other"), assignment=None).start_solve(1, 0, stay=1.0)
    ws.move(ws.index("pb01"), 1)  # still every hard rule holds
    ws.lock(ws.index("pb01"), True)
    before = ws.snapshot()
    assert before is not None and before[2].feasible
    # Each move costs 1000, far more than any pair earns: the best is to move nobody.
    job = ws.start_solve(3, seed=1, stay=1000.0)
    wait_for_solve(ws)
    assert job.state == "done", job.message
    after = ws.snapshot()
    assert after is not None and after[1][ws.index("pb01")] == 1
    assert job.continuity is not None and job.to_dict()["moved"] == 0
    assert job.message.endswith("(counting the cost of the moves)")
    assert after[1].tolist() == before[1].tolist()
