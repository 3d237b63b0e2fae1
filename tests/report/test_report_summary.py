"""result.json and score.json carry what the brief is judged on: per group FTE and
target-group FTE against the mean, the farthest pair, the mix; per broken rule who breaks it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from pilotopt.cli import main
from pilotopt.evaluate import evaluate
from pilotopt.instance import load_instance
from pilotopt.report.summary import gain_sentence, judged

ROOT = Path(__file__).resolve().parents[2]
ROSTER = ROOT / "instances/flanders-40/roster.csv"
SCENARIO = ROOT / "instances/flanders-40/scenario.toml"


def test_judged_groups_and_offences() -> None:
    inst = load_instance(ROSTER, SCENARIO)
    problem = inst.problem
    assignment = np.arange(problem.n) % problem.m
    ev = evaluate(problem, assignment)
    doc = judged(problem, assignment, ev, inst.orgs)
    json.dumps(doc)
    fte = [o.fte for o in inst.orgs]  # type: ignore[union-attr]
    first = doc["groups"][0]
    assert first["group"] == problem.group_names[0]
    assert first["fte"] == sum(f for f, g in zip(fte, assignment, strict=True) if g == 0)
    assert first["fte_vs_mean"] == round(first["fte"] / (sum(fte) / problem.m) - 1, 4)
    assert sum(first["mix"].values()) == first["size"] == len(first["members"])
    assert first["farthest_km"] > 0 and len(first["farthest_pair"]) == 2
    broken = {r.id for r in ev.rules if not r.satisfied}
    assert broken and {o["rule"] for o in doc["offences"]} == broken
    for o in doc["offences"]:
        assert o["text"] and set(o["organisations"]) <= set(problem.ids)
    counts = doc["offence_counts"]
    assert set(counts) == broken
    assert all(counts[r] == sum(1 for o in doc["offences"] if o["rule"] == r) for r in counts)


def test_offences_are_capped_but_all_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    import pilotopt.report.summary as summary

    monkeypatch.setattr(summary, "OFFENCES_KEPT", 1)
    inst = load_instance(ROSTER, SCENARIO)
    problem = inst.problem
    assignment = np.arange(problem.n) % problem.m
    doc = judged(problem, assignment, evaluate(problem, assignment), inst.orgs)
    assert any(v > 1 for v in doc["offence_counts"].values())
    assert len(doc["offences"]) < sum(doc["offence_counts"].values())


def test_score_json_has_them_too(tmp_path: Path) -> None:
    inst = load_instance(ROSTER, SCENARIO)
    problem = inst.problem
    path = tmp_path / "a.csv"
    path.write_text("id,group\n" + "".join(
        f"{oid},{problem.group_names[i % problem.m]}\n" for i, oid in enumerate(problem.ids)),
        encoding="utf-8")
    result = CliRunner().invoke(main, ["score", str(ROSTER), "-s", str(SCENARIO), "-a",
                                       str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    doc = json.loads((tmp_path / "out" / "score.json").read_text(encoding="utf-8"))
    assert doc["offences"] and "target_group_fte_vs_mean" in doc["groups"][0]


def test_the_gain_over_the_baseline_in_one_sentence() -> None:
    held = {"objective": 80.0, "all_hard_rules_hold": True, "broken_hard_rules": []}
    assert gain_sentence(held, 100.0) == (
        "By hand (sort-and-deal, hard rules mended): objective 80; pilotopt 100: +20 (+25%).")
    assert "doel 80; pilotopt 100: +20 (+25%)" in gain_sentence(held, 100.0, "nl")
    broken = {"objective": 90.0, "all_hard_rules_hold": False,
              "broken_hard_rules": ["competitors apart"]}
    assert "still breaks hard rules: competitors apart; pilotopt 100" in gain_sentence(
        broken, 100.0)
    assert gain_sentence(None, 100.0) == ""


def test_drop_out_risks_in_the_result_document() -> None:
    from pilotopt.schema.result import DropOutRisk
    from pilotopt.stability import drop_out_risks

    data = ROOT / "tests/data"
    inst = load_instance(data / "roster.csv", data / "scenario.toml")
    problem = inst.problem
    a = np.array([0, 1, 1, 0, 0, 1, 0, 1])
    doc = judged(problem, a, evaluate(problem, a), inst.orgs)
    risks = [DropOutRisk.model_validate(r) for r in doc["drop_out_risks"]]
    assert [(r.organisation, r.to, r.gain) for r in risks] == [
        ("rg03", "G2", 2.7), ("se04", "G2", 1.4), ("se03", "G1", 1.2), ("pb01", "G1", 0.7)]
    assert doc["drop_out_risks"] == [r.to_dict(problem) for r in drop_out_risks(problem, a) or []]
