"""The ``pilotopt`` command: bad input is reported whole and harmlessly; good input is solved."""

from __future__ import annotations

import csv
import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pilotopt.cli import EXIT_INFEASIBLE, EXIT_INPUT, REPEAT_WINDOW, main

DATA = Path(__file__).parent / "data"
BROKEN = DATA / "broken"
BROKEN_ASSIGNMENTS = DATA / "broken_assignments"
ROSTER = DATA / "roster.csv"
SCENARIO = DATA / "scenario.toml"
IDS = ["se01", "se02", "se03", "se04", "rg01", "rg02", "rg03", "pb01"]

#: Each broken file and what its message must name: row/id/column or key, and the value.
EXPECTED: dict[str, list[list[str]]] = {
    "missing_required_column.csv": [["column 'economy'", "missing"]],
    "unknown_economy.csv": [["row 4", "id se03", "column 'economy'", "'sociaal'"]],
    "duplicate_id.csv": [["row 7", "id se02", "column 'id'", "'se02'", "row 3"]],
    "unknown_municipality.csv": [
        ["row 5", "id se04", "column 'municipality'", "'Brugges'", "Brugge?"]
    ],
    "negative_fte.csv": [["row 6", "id rg01", "column 'fte'", "'-60'"]],
    "empty_roster.csv": [["no organisations"]],
    "tags_wrong_form.csv": [
        ["row 3", "id se02", "column 'offers'", "'repair, logistics'", "';'"],
        ["row 8", "id rg03", "column 'needs'", "'[social_impact]'"],
    ],
    "target_group_above_fte.csv": [
        ["row 2", "id se01", "column 'target_group_fte'", "'150'", "fte (140)"]
    ],
    "several_problems.csv": [
        ["row 3", "id se02", "column 'economy'", "'sociaal'"],
        ["row 3", "id se02", "column 'municipality'", "'Lierre'"],
        ["row 6", "id rg01", "column 'fte'", "'veel'"],
        ["row 8", "id rg03", "column 'municipality'", "'Atlantis'"],
        ["row 9", "id se01", "column 'id'", "duplicate"],
    ],
    "min_greater_than_max.toml": [["rules[1].max", "value 1", "min (3)"]],
    "unknown_rule_kind.toml": [["rules[2].kind", "'qouta'", "quota"]],
    "unknown_attribute.toml": [["rules[1].attribute", "'economie'", "economy"]],
    "pin_to_missing_group.toml": [["rules[1].pins.rg01", "value 7", "1 to 2"]],
    "pin_unknown_id.toml": [["rules[1].pins.zz99", "'zz99'", "no organisation"]],
    "not_valid_toml.toml": [["line 16", "'value = social'", "not valid TOML"]],
    "apart_unknown_column.toml": [["rules[1].column", "'concurrenten'", "no such column"]],
    "balance_non_numeric.toml": [["rules[1].attribute", "'type'", "not numeric", "se01"]],
    "balance_negative_tolerance.toml": [["rules[1].tolerance", "-0.1", "greater than"]],
    "max_distance_zero_km.toml": [["rules[1].km", "value 0", "greater than 0"]],
    "pair_unknown_id.toml": [["rules[1].pairs[2]", "'xx42'", "no organisation"]],
    "share_above_one.toml": [["rules[1].min_share", "1.5", "from 0 to 1"]],
    "quota_min_above_group_size.toml": [["rules[1].min", "value 6", "at most 5"]],
    "misspelled_key.toml": [["rules[1].mni (line 17)", "value 1", "did you mean min?"]],
    "duplicate_rule_names.toml": [["rules[2].name (line 15)", "'mixed'", "rules[1]"]],
    "more_groups_than_organisations.toml": [["groups.count", "value 10", "8 organisations"]],
    "thousands_separator_ambiguous.csv": [
        ["row 9", "id pb01", "column 'fte'", "'1.200'", "ambiguous", "1200", "1,2"]
    ],
    "no_header_row.csv": [["no header row", "first 20 rows", "'se01,Atelier Kempen"]],
    "unknown_nace_division.csv": [["row 5", "id se04", "column 'sector'", "'34'", "33 and 35"]],
    "coordinates_outside_belgium.csv": [
        ["row 8", "id rg03", "column 'lon'", "'50.88'", "outside Belgium", "swapped"]
    ],
    "not_text.csv": [["row 8", "byte 0x81", "UTF-8 or Windows-1252"]],
    "no_roster_sheet.xlsx": [["no sheet has a header row", "'Notes', 'Blad2'"]],
}

#: Each broken assignment file (with the valid roster and scenario) and what its message names.
EXPECTED_ASSIGNMENT: dict[str, list[list[str]]] = {
    "unknown_group_dutch.csv": [["row 8", "id rg03", "column 'group'", "'G3'", "G1, G2"]],
    "no_group_column.csv": [["column 'group'", "missing"]],
    "unknown_id_utf16.csv": [["row 4", "column 'id'", "'se33'", "no organisation"],
                             ["id se03", "no group"]],
    "sheet_is_no_group.xlsx": [["sheet 'Reserves'", "no group's name or number"]],
}


def _inputs(broken: Path) -> tuple[Path, Path]:
    """A broken roster goes with the valid scenario, a broken scenario with the valid roster."""
    return (ROSTER, broken) if broken.suffix == ".toml" else (broken, SCENARIO)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _problem_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("  - ")]


def test_every_broken_file_has_expectations() -> None:
    assert sorted(p.name for p in BROKEN.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("command", ["validate", "solve"])
def test_broken_input_is_reported_not_raised(name: str, command: str, tmp_path: Path) -> None:
    roster, scenario = _inputs(BROKEN / name)
    before = {p: _digest(p) for p in (roster, scenario)}
    out = tmp_path / "out"
    extra: list[str | Path] = (["-t", "1", "--workers", "1", "--out", out]
                               if command == "solve" else [])

    result = _run(command, roster, "--scenario", scenario, *extra)

    assert result.exit_code == EXIT_INPUT, result.output
    assert isinstance(result.exception, SystemExit)  # not an uncaught error
    assert "Traceback" not in result.output
    lines = _problem_lines(result.output)
    assert len(lines) == len(EXPECTED[name]), result.output
    for line, wanted in zip(lines, EXPECTED[name], strict=True):
        assert str(BROKEN / name) in line
        for part in wanted:
            assert part in line, f"{part!r} not in {line!r}"
    assert not out.exists()
    assert {p: _digest(p) for p in (roster, scenario)} == before


def test_every_broken_assignment_has_expectations() -> None:
    assert sorted(p.name for p in BROKEN_ASSIGNMENTS.iterdir()) == sorted(EXPECTED_ASSIGNMENT)


@pytest.mark.parametrize("name", sorted(EXPECTED_ASSIGNMENT))
@pytest.mark.parametrize("command", ["score", "analyze", "report"])
def test_broken_assignment_is_reported_not_raised(
    name: str, command: str, tmp_path: Path
) -> None:
    path = BROKEN_ASSIGNMENTS / name
    before = _digest(path)
    extra: list[str | Path] = ["--out", tmp_path / "report.html"] if command == "report" else []

    result = _run(command, ROSTER, "-s", SCENARIO, "-a", path, *extra)

    assert result.exit_code == EXIT_INPUT, result.output
    assert isinstance(result.exception, SystemExit)
    lines = _problem_lines(result.output)
    assert len(lines) == len(EXPECTED_ASSIGNMENT[name]), result.output
    for line, wanted in zip(lines, EXPECTED_ASSIGNMENT[name], strict=True):
        assert str(path) in line
        for part in wanted:
            assert part in line, f"{part!r} not in {line!r}"
    assert not any(tmp_path.iterdir())
    assert _digest(path) == before


def test_a_broken_assignment_by_a_real_process() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "from pilotopt.cli import main; main()", "score", str(ROSTER),
         "-s", str(SCENARIO), "-a", str(BROKEN_ASSIGNMENTS / "unknown_id_utf16.csv")],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == EXIT_INPUT
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "unknown_id_utf16.csv, row 4, column 'id', value 'se33'" in proc.stderr


def test_several_problems_in_one_go_by_a_real_process(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-c", "from pilotopt.cli import main; main()", "solve",
         str(BROKEN / "several_problems.csv"), "-s", str(SCENARIO), "-t", "1", "--out", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == EXIT_INPUT
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "5 problem(s)" in proc.stderr
    assert len(_problem_lines(proc.stderr)) == 5
    assert not out.exists()


def test_roster_and_scenario_problems_are_reported_together(tmp_path: Path) -> None:
    result = _run("validate", BROKEN / "unknown_economy.csv",
                  "-s", BROKEN / "unknown_rule_kind.toml")
    assert result.exit_code == EXIT_INPUT
    assert "unknown_economy.csv, row 4" in result.output
    assert "unknown_rule_kind.toml, rules[2].kind" in result.output


def test_missing_file_is_an_input_problem(tmp_path: Path) -> None:
    result = _run("validate", tmp_path / "nope.csv", "-s", SCENARIO)
    assert result.exit_code == EXIT_INPUT
    assert "nope.csv: file not found" in result.output


def test_validate_accepts_the_test_data() -> None:
    result = _run("validate", ROSTER, "-s", SCENARIO)
    assert result.exit_code == 0, result.output
    assert "8 organisations, 2 groups, 5 rules (4 hard)" in result.output


def test_a_tag_outside_the_taxonomy_is_a_warning_unless_the_scenario_declares_it(
    tmp_path: Path
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER.read_text(encoding="utf-8").replace("assembly;packaging",
                                                                  "assembly;packing"),
                      encoding="utf-8")
    result = _run("validate", roster, "-s", SCENARIO)
    assert result.exit_code == 0, result.output
    [warning] = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert "row 2, id se01, column 'offers', value 'packing'" in warning
    assert "did you mean packaging?" in warning
    scenario = tmp_path / "s.toml"
    scenario.write_text(SCENARIO.read_text(encoding="utf-8").replace(
        'extra_tags = ["cleaning"]', 'extra_tags = ["cleaning", "packing"]'), encoding="utf-8")
    result = _run("validate", roster, "-s", scenario)
    assert result.exit_code == 0 and "warning" not in result.output, result.output


def test_solve_writes_assignment_and_result(tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = {p: _digest(p) for p in (ROSTER, SCENARIO)}
    result = _run("solve", ROSTER, "-s", SCENARIO, "-t", "1", "--seed", "7",
                  "--workers", "1", "--out", out, "-q")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["assignment.csv", "result.json"]

    with (out / "assignment.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["id", "name", "group"]
    assert [r["id"] for r in rows] == IDS
    assert rows[0]["name"] == "Atelier Kempen"
    assert {r["group"] for r in rows} <= {"G1", "G2"}
    group = {r["id"]: r["group"] for r in rows}
    assert group["se01"] != group["se02"]  # competitors, hard apart
    assert group["rg01"] != group["rg02"]

    doc = json.loads((out / "result.json").read_text(encoding="utf-8"))
    for key in ("objective", "bound", "gap", "status", "runtime", "pilotopt_version"):
        assert key in doc
    assert doc["params"]["seed"] == 7
    assert doc["params"]["time_limit"] == 1
    # The outputs' estimated time came off the search: 8 organisations in 2 groups.
    from pilotopt import read_problem
    from pilotopt.report.summary import output_seconds

    rest, explaining = output_seconds(read_problem(ROSTER, SCENARIO), 1000, False, False, False)
    assert doc["stats"]["output_reserve"] == round(rest + explaining, 3) > 0
    assert doc["all_hard_rules_hold"] is True
    assert [r["id"] for r in doc["rules"]] == ["groups.size", "rule 1", "rule 2", "rule 3",
                                               "rule 4"]
    assert all("violation" in r for r in doc["rules"])
    assert doc["inputs"]["roster"]["sha256"] == before[ROSTER]
    assert {p: _digest(p) for p in (ROSTER, SCENARIO)} == before


def test_solve_and_score_speak_dutch_on_request(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _run("solve", ROSTER, "-s", SCENARIO, "-t", "1", "--seed", "7", "--workers", "1",
                  "--out", out, "-q", "--lang", "nl")
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # the console wraps long paths
    assert said.startswith(("optimaal: doel ", "toegelaten: doel ")), said
    assert "elke harde regel is gehaald" in said and "objective" not in said
    assert "geschreven: " in said and "result.json" in said and "wrote" not in said
    scored = _run("score", ROSTER, "-s", SCENARIO, "-a", out / "assignment.csv", "--out",
                  tmp_path / "score", "--lang", "nl")
    assert scored.exit_code == 0, scored.output
    assert "geschreven: " in scored.output and "wrote" not in scored.output


@pytest.mark.parametrize("roster", ["roster.xlsx", "roster.json", "roster_semicolon.csv"])
def test_solve_reads_every_roster_format(roster: str, tmp_path: Path) -> None:
    result = _run("solve", DATA / roster, "-s", SCENARIO, "-t", "1", "--workers", "1",
                  "--out", tmp_path, "-q")
    assert result.exit_code == 0, result.output
    with (tmp_path / "assignment.csv").open(encoding="utf-8") as fh:
        assert [r["id"] for r in csv.DictReader(fh)] == IDS


def test_infeasible_scenario_names_the_conflicting_rules(tmp_path: Path) -> None:
    # 4 social organisations cannot give each of 2 groups 3 of them.
    scenario = tmp_path / "infeasible.toml"
    scenario.write_text(
        '[groups]\ncount = 2\n\n[[rules]]\nkind = "quota"\nattribute = "economy"\n'
        'value = "social"\nmin = 3\nname = "three social per group"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = _run("solve", ROSTER, "-s", scenario, "-t", "2", "--workers", "1", "--out", out)
    assert result.exit_code == EXIT_INFEASIBLE, result.output
    assert "Traceback" not in result.output
    assert "three social per group" in result.output
    assert "rule 1" in result.output
    assert not out.exists()


def test_out_folder_that_would_overwrite_an_input_is_refused(tmp_path: Path) -> None:
    roster = tmp_path / "assignment.csv"  # a roster that happens to carry the output's name
    shutil.copy(ROSTER, roster)
    scenario = tmp_path / "scenario.toml"
    shutil.copy(SCENARIO, scenario)
    before = _digest(roster)
    result = _run("solve", roster, "-s", scenario, "-t", "1", "--workers", "1",
                  "--out", tmp_path)
    assert result.exit_code == EXIT_INPUT
    assert "would overwrite an input file" in result.output
    assert _digest(roster) == before
    assert not (tmp_path / "result.json").exists()


def test_analyze_prints_and_writes_the_ecosystem_figures(tmp_path: Path) -> None:
    assignment = tmp_path / "a.csv"
    assignment.write_text("id,group\n" + "".join(
        f"{org},{'G1' if k % 2 else 'G2'}\n" for k, org in enumerate(IDS)), encoding="utf-8")
    args = ["analyze", str(ROSTER), "-s", str(SCENARIO), "-a", str(assignment)]
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Ecosystem per group" in result.output and "Clusters the network" in result.output
    doc = json.loads((tmp_path / "out" / "analysis.json").read_text())
    assert [g["group"] for g in doc["groups"]] == ["G1", "G2"]
    assert doc["assignment"]["path"] == str(assignment)


def test_analyze_reports_a_bad_assignment(tmp_path: Path) -> None:
    assignment = tmp_path / "a.csv"
    assignment.write_text("id,group\nse01,G9\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["analyze", str(ROSTER), "-s", str(SCENARIO), "-a",
                                       str(assignment)])
    assert result.exit_code == EXIT_INPUT
    assert "'G9'" in result.output and "has no group" in result.output


def test_solve_writes_the_report_and_workbook_on_request(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["solve", str(ROSTER), "-s", str(SCENARIO), "-t", "2", "-q",
                                       "--report", "--xlsx", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.count('data-group="') >= 2 and "test scenario" in html
    assert (tmp_path / "groups.xlsx").read_bytes()[:2] == b"PK"  # a zip, as xlsx files are


def test_report_of_an_assignment_and_its_problems(tmp_path: Path) -> None:
    assignment = tmp_path / "a.csv"
    assignment.write_text("id,group\n" + "".join(
        f"{org},{'G1' if k % 2 else 'G2'}\n" for k, org in enumerate(IDS)), encoding="utf-8")
    base = ["report", str(ROSTER), "-s", str(SCENARIO), "-a", str(assignment)]
    runner = CliRunner()
    result = runner.invoke(main, [*base, "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    assert "se01" in (tmp_path / "r.html").read_text(encoding="utf-8")
    assert runner.invoke(main, base).exit_code == EXIT_INPUT  # nothing asked for
    clash = runner.invoke(main, [*base, "--out", str(assignment)])
    assert clash.exit_code == EXIT_INPUT and "would overwrite an input" in clash.output
    assert assignment.read_text(encoding="utf-8").startswith("id,group")


def _solve_until_feasible(args: list[str], out: Path,
                          env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``pilotopt -v solve`` and return once it has an assignment meeting the hard
    rules (it logs so), its stderr still being read in the background."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "from pilotopt.cli import main; main()", "-v", "solve", *args,
         "-t", "120", "-q", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=None if env is None else {**os.environ, **env})
    ready = threading.Event()
    lines: list[str] = []

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if "first assignment meeting every hard rule" in line:
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert ready.wait(110), "".join(lines[-20:])
    proc.lines = lines  # type: ignore[attr-defined]
    proc.reader = reader  # type: ignore[attr-defined]
    return proc


def _finished(proc: subprocess.Popen[str]) -> str:
    """Wait for the process; its whole stderr (read by the one reader thread)."""
    proc.wait(timeout=60)
    proc.reader.join(timeout=60)  # type: ignore[attr-defined]
    return "".join(proc.lines)  # type: ignore[attr-defined]


DEMO = [str(Path(__file__).parents[1] / "instances" / "demo" / "roster.csv"), "-s",
        str(Path(__file__).parents[1] / "models" / "esf-proeftuin.toml")]


# Twice in quick succession is one request: `timeout` sends its signal to the process and to
# its process group, so the solve may get it twice, the second while handling the first.
@pytest.mark.parametrize(("sig", "times", "asked", "code"), [
    (signal.SIGINT, 1, [], 130), (signal.SIGTERM, 2, ["--xlsx"], 143)])
def test_interrupt_writes_the_best_so_far(tmp_path: Path, sig: int, times: int,
                                          asked: list[str], code: int) -> None:
    out = tmp_path / "out"
    proc = _solve_until_feasible([*DEMO, *asked], out)
    for k in range(times):
        time.sleep(0.1 * k)
        proc.send_signal(sig)
    err = _finished(proc)
    assert proc.returncode == code, err
    assert "interrupted: wrote the best assignment" in err
    result = json.loads((out / "result.json").read_text())
    assert result["status"] == "interrupted" and result["all_hard_rules_hold"]
    assert (out / "assignment.csv").exists()
    assert (out / "groups.xlsx").exists() == bool(asked)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp file left


def test_a_second_interrupt_aborts_at_once_leaving_no_partial_file(tmp_path: Path) -> None:
    # A stand-in for Chromium that takes long to print: the second Ctrl-C comes while the
    # outputs of the first are being written.
    printing = tmp_path / "printing"
    browser = tmp_path / "chromium"
    browser.write_text(f"#!/bin/sh\ntouch {printing}\nexec sleep 60\n")
    browser.chmod(0o755)
    out = tmp_path / "out"
    proc = _solve_until_feasible([*DEMO, "--pdf"], out, {"PILOTOPT_CHROMIUM": str(browser)})
    proc.send_signal(signal.SIGINT)
    first = time.monotonic()
    while not printing.exists():
        assert proc.poll() is None and time.monotonic() - first < 60
        time.sleep(0.05)
    time.sleep(max(0.0, first + REPEAT_WINDOW + 0.1 - time.monotonic()))
    proc.send_signal(signal.SIGINT)
    err = _finished(proc)
    assert time.monotonic() - first < 30  # not after the stand-in's 60 s
    assert proc.returncode == 130 and "aborted: nothing more written" in err
    assert not (out / "report.pdf").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp file left
    json.loads((out / "result.json").read_text())  # written before, and whole


def test_interrupt_on_a_large_roster_writes_the_best_so_far(tmp_path: Path) -> None:
    inst = tmp_path / "inst"
    assert CliRunner().invoke(main, ["generate", "-n", "300", "--seed", "1", "--out",
                                str(inst)]).exit_code == 0
    out = tmp_path / "out"
    proc = _solve_until_feasible([str(inst / "roster.csv"), "-s", str(inst / "scenario.toml")],
                                 out)
    proc.send_signal(signal.SIGINT)
    _finished(proc)
    assert proc.returncode == 130
    result = json.loads((out / "result.json").read_text())
    assert result["status"] == "interrupted" and result["all_hard_rules_hold"]


def test_an_interrupt_before_the_search_exits_130_not_click_s_abort(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def reading(*_: object) -> None:  # Ctrl-C while a large roster is being read
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(10)

    monkeypatch.setattr("pilotopt.cli.load_instance", reading)
    out = tmp_path / "out"
    result = _run("solve", ROSTER, "-s", SCENARIO, "-t", "60", "--out", out)
    assert result.exit_code == 130, result.output
    assert "interrupted" in result.output and "Aborted!" not in result.output
    assert not out.exists()


def test_out_that_is_a_file_is_refused_before_solving(tmp_path: Path) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("not a folder")
    res = CliRunner().invoke(main, ["solve", str(DATA / "roster.csv"), "-s",
                               str(DATA / "scenario.toml"), "-t", "60", "--out", str(blocker)])
    assert res.exit_code == 2 and "--out" in res.output and "Traceback" not in res.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_out_is_refused_before_solving(tmp_path: Path) -> None:
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o500)
    res = CliRunner().invoke(main, ["solve", str(DATA / "roster.csv"), "-s",
                               str(DATA / "scenario.toml"), "-t", "60", "--out", str(out)])
    assert res.exit_code == 2 and "cannot write" in res.output


def test_full_out_is_refused_before_solving(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # Any user, root too: the disk is full when the probe file cannot be written.
    def full(*_: object, **__: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("tempfile.mkstemp", full)
    res = CliRunner().invoke(main, ["solve", str(DATA / "roster.csv"), "-s",
                               str(DATA / "scenario.toml"), "-t", "60", "--out",
                               str(tmp_path / "out")])
    assert res.exit_code == 2, res.output
    assert res.output.strip() == (f"--out {tmp_path / 'out'}: cannot write there "
                                  f"({os.strerror(errno.ENOSPC)})")
    assert not (tmp_path / "out").exists()


def test_hand_edited_assignment_is_kept_as_backup(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "assignment.csv").write_text("id,name,group\nedited by hand\n")
    res = CliRunner().invoke(main, ["solve", str(DATA / "roster.csv"), "-s",
                               str(DATA / "scenario.toml"), "-t", "1", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "assignment.csv.bak").read_text() == "id,name,group\nedited by hand\n"
    assert "assignment.csv.bak" in res.output


def test_program_entry_keeps_exit_codes_and_output(tmp_path: Path) -> None:
    program = [sys.executable, "-c", "from pilotopt.cli import run; run()"]
    ok = subprocess.run([*program, "solve", str(DATA / "roster.csv"), "-s",
                         str(DATA / "scenario.toml"), "-t", "3", "-q", "--out",
                         str(tmp_path / "out")], capture_output=True, text=True, check=False,
                        env={**os.environ, "COLUMNS": "80"})
    assert ok.returncode == 0, ok.stderr
    assert "objective" in ok.stdout and (tmp_path / "out" / "result.json").exists()
    assert "By hand" in ok.stdout  # the gain line, too, wraps at 80 columns
    assert max(map(len, (ok.stdout + ok.stderr).splitlines())) <= 80
    bad = subprocess.run([*program, "validate", str(tmp_path / "missing.csv")],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == EXIT_INPUT and "missing.csv" in bad.stderr


def _waves(tmp_path: Path, rounds: int) -> tuple[Path, Path, list[str]]:
    """Four organisations in two pairs, no pair twice (hard), and ``rounds`` earlier rounds:
    the three pairings of a, b, c, d (as se01, se02, rg01, rg02)."""
    lines = ROSTER.read_text(encoding="utf-8").splitlines()
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join([lines[0], lines[1], lines[2], lines[5], lines[6]]) + "\n",
                      encoding="utf-8")
    scenario = tmp_path / "waves.toml"
    scenario.write_text('[groups]\ncount = 2\nsize = { min = 2, max = 2 }\n\n[[rules]]\n'
                        'kind = "repeats"\nname = "new partners"\n', encoding="utf-8")
    ids = ["se01", "se02", "rg01", "rg02"]
    history = []
    for k, a in enumerate([[1, 1, 2, 2], [1, 2, 1, 2], [1, 2, 2, 1]][:rounds]):
        path = tmp_path / f"wave{k + 1}.csv"
        path.write_text("id,group\n" + "".join(f"{i},{g}\n" for i, g in zip(ids, a, strict=True)),
                        encoding="utf-8")
        history += ["--history", str(path)]
    return roster, scenario, history


def test_waves_without_repeats_until_none_is_left(tmp_path: Path) -> None:
    roster, scenario, history = _waves(tmp_path, 2)
    out = tmp_path / "out"
    result = _run("solve", roster, "-s", scenario, *history, "-t", "2", "--workers", "1",
                  "--out", out, "-q")
    assert result.exit_code == 0, result.output
    with (out / "assignment.csv").open(encoding="utf-8") as fh:
        group = {r["id"]: r["group"] for r in csv.DictReader(fh)}
    assert group["se01"] == group["rg02"] and group["se02"] == group["rg01"]
    inputs = json.loads((out / "result.json").read_text(encoding="utf-8"))["inputs"]
    assert inputs["history 2"]["path"] == history[3]
    # A fourth round: every pair has met. Said before any search, by validate too.
    roster, scenario, history = _waves(tmp_path, 3)
    for command in (["validate"], ["solve", "--out", tmp_path / "out4"]):
        result = _run(*command, roster, "-s", scenario, *history)
        assert result.exit_code == EXIT_INFEASIBLE, result.output
        assert "new partners (rule 1; 6 pairs met before)" in result.output
        assert "se01 may share a group with only 0 of the 3 others" in result.output
    assert not (tmp_path / "out4").exists()
    # Without the earlier waves the rule cannot be read: an input problem.
    result = _run("validate", roster, "-s", scenario)
    assert result.exit_code == EXIT_INPUT and "--history" in result.output


def _stable_scenario(tmp_path: Path) -> Path:
    path = tmp_path / "stable.toml"
    path.write_text(SCENARIO.read_text(encoding="utf-8")
                    + '\n[[rules]]\nkind = "stability"\nweight = 50\n', encoding="utf-8")
    return path


def test_solve_against_a_previous_assignment(tmp_path: Path) -> None:
    previous = tmp_path / "previous.csv"  # pb01 registered late, zz99 dropped out
    previous.write_text("id;group\nse01;g2\nse02;G1\nse03;G1\nse04;g2\nrg01;G1\nrg02;G2\n"
                        "rg03;G1\nzz99;G2\n", encoding="utf-8")
    out = tmp_path / "out"
    result = _run("solve", ROSTER, "-s", _stable_scenario(tmp_path), "--previous", previous,
                  "-t", "2", "--workers", "1", "--out", out)
    assert result.exit_code == 0, result.output
    assert "Dropped out (1): zz99" in result.output
    assert "Late registrations (1): pb01" in result.output
    doc = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert doc["inputs"]["previous"]["sha256"] == _digest(previous)
    prev = doc["previous"]
    assert prev["drop_outs"] == ["zz99"] and prev["late_registrations"] == ["pb01"]
    # Everyone can stay (G1 se02 se03 rg01 rg03, G2 se01 se04 rg02 and pb01): nobody moves.
    assert prev["moved_count"] == 0 and prev["pairs_kept"] == prev["pairs_before"] == 9


def test_a_bad_previous_assignment_is_located_and_nothing_is_written(tmp_path: Path) -> None:
    previous = tmp_path / "previous.csv"
    previous.write_text("id,group\nse01,G7\n", encoding="utf-8")
    out = tmp_path / "out"
    result = _run("solve", ROSTER, "-s", SCENARIO, "--previous", previous, "-t", "1",
                  "--out", out)
    assert result.exit_code == EXIT_INPUT
    [line] = _problem_lines(result.output)
    assert str(previous) in line and "row 2" in line and "'G7'" in line
    assert not out.exists()


def test_a_stability_rule_without_previous_is_warned_about(tmp_path: Path) -> None:
    result = _run("solve", ROSTER, "-s", _stable_scenario(tmp_path), "-t", "1", "-q",
                  "--workers", "1", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "rules[5] (stability) keeps nobody" in result.output


def test_pins_from_a_file_and_a_column_conflicts_located(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    lines = ROSTER.read_text(encoding="utf-8").splitlines()
    roster.write_text("\n".join([lines[0] + ",groep"] + [
        line + (",g2" if line.startswith("rg03,") else ",") for line in lines[1:]]) + "\n",
        encoding="utf-8")
    scenario = tmp_path / "pinned.toml"
    scenario.write_text(SCENARIO.read_text(encoding="utf-8")
                        + '\n[[rules]]\nkind = "pin"\ncolumn = "groep"\n', encoding="utf-8")
    pins = tmp_path / "pins.csv"
    pins.write_text("id,group\nse03,G1\nrg03,G2\n", encoding="utf-8")
    out = tmp_path / "out"
    result = _run("solve", roster, "-s", scenario, "--pins", pins, "-t", "1", "--workers", "1",
                  "-q", "--out", out)
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "result.json").read_text(encoding="utf-8"))
    groups = {m: g["group"] for g in doc["groups"] for m in g["members"]}
    assert (groups["se03"], groups["rg03"]) == ("G1", "G2")
    assert doc["rules"][-1]["id"] == "pins" and doc["inputs"]["pins"]["path"] == str(pins)

    pins.write_text("id,group\nrg03,G1\n", encoding="utf-8")
    clash = _run("validate", roster, "-s", scenario, "--pins", pins)
    assert clash.exit_code == EXIT_INPUT
    [line] = _problem_lines(clash.output)
    assert line == (f"  - {pins}, row 2, id rg03, column 'group', value 'G1': rg03 is pinned "
                    f"to G1 here, and to G2 by {roster}, id rg03, column 'groep', value 'g2'")
