"""Explanations and fits: hand-checked on four organisations, and through the CLI the numbers
equal what `pilotopt score` reports on the changed assignment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from click.testing import CliRunner

from helpers import unequal_groups
from pilotopt.baseline import by_hand
from pilotopt.cli import main
from pilotopt.evaluate import evaluate
from pilotopt.explain import explain, explain_all, fit
from pilotopt.instance import load_instance
from pilotopt.problem import GroupSum, PairLink, Problem, RuleInfo

DATA = Path(__file__).parent / "data"
ROSTER, SCENARIO = DATA / "roster.csv", DATA / "scenario.toml"
I64 = np.int64


def four() -> Problem:
    """a, b in G1 and c, d in G2, groups of exactly two, a and d competitors.

    Pair scores: a-b 1, a-c 5, a-d 3, b-d 2, c-d 1 (b-c 0). The objective is 2.
    """
    s = np.zeros((4, 4), dtype=I64)
    for (i, j), v in {(0, 1): 1, (0, 2): 5, (0, 3): 3, (1, 3): 2, (2, 3): 1}.items():
        s[i, j] = s[j, i] = v
    rules = (RuleInfo("groups.size", "size", "groups of 2 to 2 members", True,
                      label_nl="groepen van 2 tot 2 leden"),
             RuleInfo("rule 1", "apart", "competitors apart", True))
    prims = (GroupSum(0, np.ones(4, dtype=I64), np.array([2, 2]), np.array([2, 2]), True),
             PairLink(1, np.array([[0, 3]], dtype=I64), False, True))
    return Problem(("a", "b", "c", "d"), ("A", "B", "C", "D"), ("G1", "G2"), s, rules, prims)


def test_explain_ranks_alternatives_and_names_what_blocks_a_better_move() -> None:
    p = four()
    (e,) = explain(p, np.array([0, 0, 1, 1]), [0])
    assert (e.group, e.earns_scaled, e.share) == (0, 1, 0.5)
    assert [(t.partner, t.score_scaled) for t in e.ties] == [(1, 1)]
    # G2: swapping with d gives {b, d} 2 + {a, c} 5 = 7 (+5) and keeps every rule.
    (alt,) = e.alternatives
    assert (alt.group, alt.partner, alt.change.objective_scaled, alt.change.hard_violation) == (
        1, 3, 5, 0)
    # Moving there would give {b} 0 + {a, c, d} 9 (+7), but breaks the size and apart rules.
    assert e.blocked is not None and e.blocked.partner is None
    assert e.blocked.change.objective_scaled == 7
    assert set(e.blocked.blocked_by) == {"G2 is full: groups of 2 to 2 members",
                                         "G1 would fall short: groups of 2 to 2 members",
                                         "d is there: competitors apart"}
    assert e.lines(p, "nl")[2] == "  alternatief 1: G2, d gaat naar G1: doel +0.005"
    assert e.lines(p)[2] == "  alternative 1: G2, d moving to G1: objective +0.005"
    # In Dutch the rules' Dutch labels; a rule without one (a name) as written.
    assert e.lines(p, "nl")[3].endswith("G2 zit vol: groepen van 2 tot 2 leden; d zit daar: "
                                        "competitors apart")
    assert {w.words("nl") for w in e.blocked.why} == {
        "G2 zit vol: groepen van 2 tot 2 leden", "G1 zou tekortschieten: groepen van 2 tot 2 leden",
        "d zit daar: competitors apart"}


def test_fit_ranks_the_groups_for_a_newcomer_and_finds_the_best_swap() -> None:
    p = four()
    # b is the newcomer: G1 holds a alone, G2 holds c and d (its entry 1 is ignored).
    f = fit(p, np.array([0, 1, 1, 1]), 1)
    assert f.base_objective_scaled == 1  # {c, d}; G1 short of one member (a hard rule, no penalty)
    first, second = f.ranking
    assert (first.group, first.change.objective_scaled, first.change.hard_violation) == (0, 1, -1)
    assert second.group == 1 and "G2 is full: groups of 2 to 2 members" in second.blocked_by
    for alt in (*f.ranking, f.swap):
        assert alt is not None
        after = np.array([0, -1, 1, 1])
        for mv in alt.change.moves:
            after[mv.organisation] = mv.target
        assert evaluate(p, after).objective == f.objective_after(alt)
    # The best swap: b joins G2, d leaves it for G1: {a, d} breaks apart; c leaving: {a, c} 5
    # and {b, d} 2, every rule kept.
    assert f.swap is not None
    assert (f.swap.group, f.swap.partner, f.objective_after(f.swap)) == (1, 2, 0.007)


# ----------------------------------------------------------------------------------------------
# the commands: every number equals what score reports on the changed assignment
# ----------------------------------------------------------------------------------------------


def run(*args: Any) -> Any:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code in (0, 1), result.output
    return result


def score(tmp_path: Path, groups: dict[str, str | None], name: str) -> dict[str, Any]:
    path = tmp_path / f"{name}.csv"
    path.write_text("id,group\n" + "".join(f"{i},{g or ''}\n" for i, g in groups.items() if g),
                    encoding="utf-8")
    run("score", ROSTER, "-s", SCENARIO, "-a", path, "--out", tmp_path / name)
    doc: dict[str, Any] = json.loads((tmp_path / name / "score.json").read_text())
    return doc


def assert_as_scored(change: dict[str, Any], before: dict[str, Any], after: dict[str, Any],
                     ) -> None:
    assert round(before["objective"] + change["objective"], 6) == after["objective"]
    changed = {r["id"]: r for r in change["rules"]}
    for rb, ra in zip(before["rules"], after["rules"], strict=True):
        r = changed.get(rb["id"], {"violation": 0, "penalty": 0.0, "violation_per_group": {}})
        assert rb["violation"] + r["violation"] == ra["violation"], rb["id"]
        assert round(rb["penalty"] + r["penalty"], 6) == ra["penalty"], rb["id"]
        per_group = list(rb["violation_per_group"])
        for name, v in r["violation_per_group"].items():
            per_group[int(name[1:]) - 1] += v
        assert per_group == ra["violation_per_group"], rb["id"]


GROUPS: dict[str, str | None] = {
    "se01": "G1", "se02": "G2", "se03": "G1", "se04": "G2", "rg01": "G1", "rg02": "G2",
    "rg03": "G2", "pb01": "G1"}


def test_explain_command_numbers_equal_score_on_the_changed_assignment(tmp_path: Path) -> None:
    before = score(tmp_path, GROUPS, "before")
    given = tmp_path / "before.csv"
    result = run("explain", ROSTER, "-s", SCENARIO, "-a", given, "se01", "rg02", "--out",
                 tmp_path / "ex")
    assert "se01 (Atelier Kempen) in G1" in result.output
    dutch = run("explain", ROSTER, "-s", SCENARIO, "-a", given, "se01", "--lang", "nl")
    assert "se01 (Atelier Kempen) in G1: verdient" in dutch.output
    doc = json.loads((tmp_path / "ex" / "explain.json").read_text())
    assert [o["organisation"] for o in doc["organisations"]] == ["se01", "rg02"]
    k = 0
    for org in doc["organisations"]:
        for alt in [*org["alternatives"], *([org["blocked"]] if org["blocked"] else [])]:
            changed = dict(GROUPS)
            for mv in alt["moves"]:
                changed[mv["organisation"]] = mv["to"]
            k += 1
            assert_as_scored(alt, before, score(tmp_path, changed, f"after{k}"))
    assert k >= 2


def test_fit_command_numbers_equal_score_with_the_newcomer_placed(tmp_path: Path) -> None:
    without = {k: v for k, v in GROUPS.items() if k != "rg03"}
    path = tmp_path / "a.csv"
    path.write_text("id,group\n" + "".join(f"{i},{g}\n" for i, g in without.items()),
                    encoding="utf-8")
    result = run("fit", ROSTER, "-s", SCENARIO, "-a", path, "rg03", "--out", tmp_path / "fit")
    assert "rg03" in result.output and "best swap" in result.output
    doc = json.loads((tmp_path / "fit" / "fit.json").read_text())
    assert [g["group"] for g in doc["groups"]] in (["G1", "G2"], ["G2", "G1"])
    for k, alt in enumerate([*doc["groups"], doc["best_swap"]]):
        changed: dict[str, str | None] = dict(without)
        for mv in alt["moves"]:
            changed[mv["organisation"]] = mv["to"]
        assert score(tmp_path, changed, f"fit{k}")["objective"] == alt["objective_after"]


def test_unknown_ids_are_named(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id,group\n" + "".join(f"{i},{g}\n" for i, g in GROUPS.items()),
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["explain", str(ROSTER), "-s", str(SCENARIO), "-a",
                                       str(path), "xx1", "se01", "yy2"])
    assert result.exit_code == 2
    assert "'xx1'" in result.output and "'yy2'" in result.output


def test_solve_writes_every_explanation_into_result_json(tmp_path: Path) -> None:
    out = tmp_path / "out"
    # Explanations stop at the limit: on a busy machine 2 s may leave none.
    run("solve", ROSTER, "-s", SCENARIO, "-t", "5", "--seed", "1", "--workers", "1", "--out",
        out, "-q")
    doc = json.loads((out / "result.json").read_text())
    assert doc["explanations_skipped"] is None
    # The baseline by hand with the run's seed, as the evaluator judges it, and the gain over it.
    inst = load_instance(ROSTER, SCENARIO)
    base = by_hand(inst.problem, seed=1)
    assert doc["baseline"]["objective"] == evaluate(inst.problem, base.assignment).objective
    assert doc["baseline"]["gain"] == round(doc["objective"] - doc["baseline"]["objective"], 6)
    run("explain", ROSTER, "-s", SCENARIO, "-a", out / "assignment.csv", "--out", tmp_path)
    alone = json.loads((tmp_path / "explain.json").read_text())["organisations"]
    assert doc["explanations"] == alone
    assert [e["organisation"] for e in alone] == [
        "se01", "se02", "se03", "se04", "rg01", "rg02", "rg03", "pb01"]
    # What each member earns, over both members of each pair, adds up to the group's score.
    for g in doc["groups"]:
        earned = sum(e["earns"] for e in alone if e["group"] == g["group"])
        assert round(earned / 2, 6) == g["complementarity"]


def test_explain_all_stops_above_the_limit() -> None:
    p = four()
    found, why = explain_all(p, np.array([0, 0, 1, 1]), limit=4)
    assert [e.organisation for e in found] == [0, 1, 2, 3] and why is None
    found, why = explain_all(p, np.array([0, 0, 1, 1]), limit=3)
    assert found == [] and why is not None and "4 organisations" in why


def test_an_organisation_in_two_groups_is_explained_in_each(tmp_path: Path) -> None:
    rows = ROSTER.read_text(encoding="utf-8").splitlines()
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join([rows[0] + ",capacity"] + [
        r + (",2" if r.startswith("pb01,") else ",") for r in rows[1:]]) + "\n", encoding="utf-8")
    path = tmp_path / "a.csv"
    path.write_text("id,group\n" + "".join(f"{i},{g}\n" for i, g in GROUPS.items())
                    + "pb01,G2\n", encoding="utf-8")
    result = run("explain", roster, "-s", SCENARIO, "-a", path, "pb01", "--out", tmp_path / "ex")
    assert "pb01 (Stad Mechelen) in G1" in result.output
    assert "pb01 (Stad Mechelen) in G2" in result.output
    doc = json.loads((tmp_path / "ex" / "explain.json").read_text())
    assert [o["organisation"] for o in doc["organisations"]] == ["pb01", "pb01"]
    alts = [alt for o in doc["organisations"]
            for alt in [*o["alternatives"], *([o["blocked"]] if o["blocked"] else [])]]
    assert alts and all([mv["organisation"] for mv in alt["moves"]].count("pb01") == 1
                        for alt in alts)  # it never trades places with itself
    path.write_text("id,group\n" + "".join(f"{i},{g}\n" for i, g in GROUPS.items()),
                    encoding="utf-8")
    run("explain", roster, "-s", SCENARIO, "-a", path, "pb01", "--out", tmp_path / "one")
    doc = json.loads((tmp_path / "one" / "explain.json").read_text())
    assert [o["group"] for o in doc["organisations"]] == ["G1"]  # not the membership not taken


def test_explain_all_stops_at_its_deadline_and_says_how_far_it_got() -> None:
    p = four()
    found, why = explain_all(p, np.array([0, 0, 1, 1]), deadline=0.0)  # long past
    assert found == [] and why is not None and "0 of 4 organisations" in why
    found, why = explain_all(p, np.array([0, 0, 1, 1]), deadline=float("inf"))
    assert len(found) == 4 and why is None


def test_per_member_explanations_price_each_group_over_its_size() -> None:
    # {a, b, c} + {d, e}, per member (tests/helpers.py): moving a to {d, e} is the better
    # assignment, {b, c} + {a, d, e}: 10 / 2 + 8 / 3 against 18 / 3 + 2 / 2, +0.666.
    problem = unequal_groups(per_member=True)
    a = np.array([0, 0, 0, 1, 1])
    before = evaluate(problem, a)
    found = explain(problem, a)
    for e in found:
        for alt in (*e.alternatives, *([e.blocked] if e.blocked else [])):
            after = a.copy()
            for mv in alt.change.moves:
                after[mv.organisation] = mv.target
            assert alt.change.objective_scaled == (evaluate(problem, after).objective_scaled
                                                   - before.objective_scaled)
    best = found[0].alternatives[0]
    assert best.group == 1 and best.partner is None and best.change.objective_scaled == 666
    # Shares of the group's pairs: a earns 8 of {a, b, c}'s 18, counted from both ends.
    assert [round(e.share, 3) for e in found] == [round(8 / 36, 3), round(14 / 36, 3),
                                                  round(14 / 36, 3), 0.5, 0.5]
