"""The terminal at 80 and 160 columns, piped (not a terminal), through the real command line:
nothing cut, names whole, rule names, a legend; a summary above 50 groups; Dutch on request."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from pilotopt.evaluate import evaluate
from pilotopt.instance import load_instance
from pilotopt.problem import GroupSum, Problem, RuleInfo
from pilotopt.report.i18n import kind_meaning
from pilotopt.report.terminal import (
    OFFENCES_SHOWN,
    SUMMARY_ABOVE,
    print_evaluation,
    print_lines,
)

ROOT = Path(__file__).resolve().parents[2]
ROSTER = ROOT / "instances/flanders-40/roster.csv"
SCENARIO = ROOT / "instances/flanders-40/scenario.toml"


@pytest.fixture(scope="module")
def round_robin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """flanders-40 dealt round-robin: it breaks rules, so every part of the output shows."""
    inst = load_instance(ROSTER, SCENARIO)
    problem = inst.problem
    assert not evaluate(problem, np.arange(problem.n) % problem.m).feasible
    path = tmp_path_factory.mktemp("rr") / "assignment.csv"
    path.write_text("id,group\n" + "".join(
        f"{oid},{problem.group_names[i % problem.m]}\n" for i, oid in enumerate(problem.ids)),
        encoding="utf-8")
    return path


def score(assignment: Path, columns: int, *options: str) -> str:
    """``pilotopt score`` piped, at ``columns`` columns; its standard output."""
    env = {**os.environ, "COLUMNS": str(columns), "LANG": "C.UTF-8"}
    env.pop("LC_ALL", None)
    done = subprocess.run(
        [sys.executable, "-c", "from pilotopt.cli import main; main()", "score", str(ROSTER),
         "-s", str(SCENARIO), "-a", str(assignment), *options],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 1, done.stderr  # hard rules broken
    return done.stdout


@pytest.mark.parametrize("columns", [80, 160])
def test_piped_output_fits_and_keeps_names_whole(round_robin: Path, columns: int) -> None:
    out = score(round_robin, columns)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert "…" not in out  # no cut column
    inst = load_instance(ROSTER, SCENARIO)
    flat = re.sub(r"\s+", " ", out)
    for oid, name in zip(inst.problem.ids, inst.problem.names, strict=True):
        # Names may wrap between words, never inside one; ids stay whole beside them.
        assert f"{name} ({oid})" in flat
    for rule in inst.problem.rules:
        assert rule.label in flat
    assert not re.search(r"rule \d+ \(\d+\)", out)
    assert "at most ... possible: an upper bound" in flat and "penalty: weight" in flat
    assert "Who breaks the rules" in out
    # One line per group and per rule, a few per offence: nothing like one line per word.
    assert len(lines) < 120


def test_plain_lines_wrap_between_words_under_their_own_indent() -> None:
    buf = io.StringIO()
    line = "  with se03 (Maatwerk Scherpenheuvel-Zichem): gets " + "packaging, " * 12 + "end"
    print_lines(Console(file=buf, width=40), ["title", line, ""])
    out = buf.getvalue().splitlines()
    assert out[0] == "title" and out[-1] == "" and len(out) > 4
    assert all(len(x) <= 40 for x in out)
    assert all(x.startswith("    ") for x in out[2:-1])  # under the line's own text
    assert re.sub(r"\s+", " ", " ".join(out[1:])).strip() == re.sub(r"\s+", " ", line).strip()


def test_explain_at_80_columns_wraps_between_words(round_robin: Path) -> None:
    env = {**os.environ, "COLUMNS": "80"}
    done = subprocess.run(
        [sys.executable, "-c", "from pilotopt.cli import main; main()", "explain", str(ROSTER),
         "-s", str(SCENARIO), "-a", str(round_robin), "org-000001", "org-000002"],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) > 10 and max(map(len, lines)) <= 80


def test_notes_and_dutch_on_request(round_robin: Path) -> None:
    inst = load_instance(ROSTER, SCENARIO)
    notes = [r.note or kind_meaning(r.kind) for r in inst.problem.rules]
    plain = re.sub(r"\s+", " ", score(round_robin, 160))
    noted = re.sub(r"\s+", " ", score(round_robin, 160, "--notes"))
    assert notes and not any(n in plain for n in notes)
    assert all(n in noted for n in notes)
    dutch = score(round_robin, 80, "--lang", "nl")
    assert "Proeftuinen" in dutch and "Regels" in dutch and "HARDE REGELS GEBROKEN" in dutch


def _many_groups(m: int) -> tuple[Problem, np.ndarray]:
    n = 3 * m
    size = GroupSum(0, np.ones(n, dtype=np.int64), np.full(m, 3), np.full(m, 3), True)
    names = tuple(f"Organisation number {i}" for i in range(n))
    problem = Problem(tuple(f"o{i}" for i in range(n)), names,
                      tuple(f"G{g + 1}" for g in range(m)), np.zeros((n, n), dtype=np.int64),
                      (RuleInfo("groups.size", "size", "groups of 3", True),), (size,))
    return problem, np.arange(n) % m


def test_above_fifty_groups_a_summary_points_to_the_files() -> None:
    problem, assignment = _many_groups(SUMMARY_ABOVE + 1)
    buf = io.StringIO()
    print_evaluation(Console(file=buf, width=80), problem, None, assignment,
                     evaluate(problem, assignment), files=["out/assignment.csv"])
    out = buf.getvalue()
    assert "51 groups of 153 organisations" in out and "out/assignment.csv" in out
    assert "Organisation number" not in out
    assert len(out.splitlines()) < 30


def test_up_to_fifty_groups_every_member_is_listed() -> None:
    problem, assignment = _many_groups(SUMMARY_ABOVE)
    buf = io.StringIO()
    print_evaluation(Console(file=buf, width=80), problem, None, assignment,
                     evaluate(problem, assignment))
    out = re.sub(r"\s+", " ", buf.getvalue())
    assert all(f"{name} ({oid})" in out for oid, name in zip(problem.ids, problem.names,
                                                              strict=True))


def test_named_groups_without_an_anchor_are_said_to_be_labels() -> None:
    problem, assignment = _many_groups(2)
    named = dataclasses.replace(problem, group_names=("Gent", "Kempen"))
    for p, said in ((named, True), (problem, False)):
        buf = io.StringIO()
        print_evaluation(Console(file=buf, width=80), p, None, assignment,
                         evaluate(p, assignment), lang="nl")
        assert ("Groepsnamen zijn enkel labels" in re.sub(r"\s+", " ", buf.getvalue())) == said


def test_offences_beyond_the_first_few_are_counted() -> None:
    problem, _ = _many_groups(4)
    everyone = np.zeros(problem.n, dtype=np.int64)  # 12 in G1, 0 elsewhere: 4 groups off
    broken = np.r_[everyone[:-2], 1, 1]
    buf = io.StringIO()
    print_evaluation(Console(file=buf, width=80), problem, None, broken,
                     evaluate(problem, broken))
    out = buf.getvalue().split("Drop-out risks")[0]  # the offences
    assert "G1: 10, the rule allows at most 3" in out and "G3: 0, the rule asks at least 3" in out
    assert OFFENCES_SHOWN > 4 and "more" not in out


def test_analyze_says_hard_rules_are_broken_names_the_isolated_and_explains_its_words(
    round_robin: Path,
) -> None:
    env = {**os.environ, "COLUMNS": "80"}
    done = subprocess.run(
        [sys.executable, "-c", "from pilotopt.cli import main; main()", "analyze", str(ROSTER),
         "-s", str(SCENARIO), "-a", str(round_robin)],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    out = re.sub(r"\s+", " ", done.stdout)
    assert "This assignment breaks hard rules" in out
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    inst = load_instance(ROSTER, SCENARIO)
    from pilotopt.analysis import analyze

    found = analyze(inst.problem, np.arange(inst.problem.n) % inst.problem.m, inst.orgs,
                    inst.weights)
    alone = [oid for g in found.groups for oid in g.isolated]
    index = {oid: i for i, oid in enumerate(inst.problem.ids)}
    if alone:
        assert "Members without a tie in their group:" in out
        assert all(f"{inst.problem.names[index[oid]]} ({oid})" in out for oid in alone)
    # Technical words come with what they mean.
    assert "Louvain method" in out and "1 = the same split" in out


def test_the_scenario_chooses_the_language(round_robin: Path, tmp_path: Path) -> None:
    dutch = tmp_path / "scenario.toml"
    dutch.write_text('lang = "nl"\n' + SCENARIO.read_text(encoding="utf-8"), encoding="utf-8")
    env = {**os.environ, "COLUMNS": "80", "LANG": "C.UTF-8"}
    env.pop("LC_ALL", None)
    done = subprocess.run(
        [sys.executable, "-c", "from pilotopt.cli import main; main()", "score", str(ROSTER),
         "-s", str(dutch), "-a", str(round_robin)],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    assert "Proeftuinen" in done.stdout and "Wie de regels niet haalt" in done.stdout


def test_summary_and_progress_lines_follow_the_language() -> None:
    from pilotopt import Params
    from pilotopt.report.terminal import progress_line, summary_line
    from pilotopt.solve import Progress, Result, Status

    p = Problem(("a", "b"), ("A", "B"), ("G1",), np.array([[0, 3000], [3000, 0]]), (), ())
    a = np.array([0, 0])
    optimal = Result(a, evaluate(p, a), Status.OPTIMAL, 3.0, 0.5, Params(time_limit=1, seed=4))
    assert summary_line(optimal, "en") == optimal.summary()
    assert summary_line(optimal, "nl") == (
        "optimaal: doel 3, bewezen optimaal (het doel haalt de bovengrens), elke harde regel "
        "is gehaald, 0.5 s, seed 4")
    event = Progress(0.2, "construct", 3.0, True)
    assert progress_line(event, "en") == "first assignment: best 3"
    assert progress_line(event, "nl") == "eerste indeling: beste 3"


def test_the_command_line_starts_without_networkx_pandas_or_ortools() -> None:
    """A solve's clock runs from the command's start: modules it may not need stay unloaded."""
    code = ("import sys, pilotopt.cli; print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'networkx', 'pandas', 'ortools'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_drop_out_risks_count_and_the_largest_few() -> None:
    from pilotopt.report.terminal import RISKS_SHOWN

    data = ROOT / "tests/data"
    inst = load_instance(data / "roster.csv", data / "scenario.toml")
    problem = inst.problem
    # Feasible, with four organisations that another group would take and gain by: rg03 most.
    a = np.array([0, 1, 1, 0, 0, 1, 0, 1])
    out = {}
    for lang in ("en", "nl"):
        buffer = io.StringIO()
        print_evaluation(Console(file=buffer, width=160), problem, inst.orgs, a,
                         evaluate(problem, a), lang=lang)  # type: ignore[arg-type]
        out[lang] = buffer.getvalue()
    assert "Drop-out risks" in out["en"] and "4 organisation(s) would earn more" in out["en"]
    assert ("rg03 (Digitaal Leuven) G1 -> G2: earns 1.6 -> 4.3; G2 per member 1.675 -> 2.2; "
            "objective +2.7") in out["en"]
    assert f"and {4 - RISKS_SHOWN} more" in out["en"]
    assert "Stad Mechelen" not in out["en"].split("Drop-out risks")[1]  # the smallest gain
    assert "Uitstaprisico's" in out["nl"] and "brengt 1.6 -> 4.3 op" in out["nl"]


def test_solve_in_dutch_shows_the_rules_by_their_dutch_labels(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "80", "LANG": "C.UTF-8"}
    env.pop("LC_ALL", None)
    done = subprocess.run(
        [sys.executable, "-c", "from pilotopt.cli import main; main()", "solve",
         str(ROOT / "instances/demo/roster.csv"), "-s", str(ROOT / "models/esf-proeftuin.toml"),
         "-t", "2", "--seed", "1", "--workers", "1", "--lang", "nl", "--out", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    out = re.sub(r"\s+", " ", done.stdout)
    assert "groepen van 6 tot 10 leden" in out and "quotum economy=social min 2" in out
    assert "groups of 6 to 10 members" not in out and "quota economy" not in out
