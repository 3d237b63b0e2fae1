"""``pilotopt batch``, ``pilotopt runs`` and ``pilotopt solve --store`` from the command line."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
from click.testing import CliRunner

from pilotopt.cli import main
from pilotopt.store import read_runs, record

DATA = Path(__file__).resolve().parents[1] / "data"


def _invoke(*args: object) -> tuple[int, str]:
    got = CliRunner(env={"COLUMNS": "250"}).invoke(main, [str(a) for a in args])
    return got.exit_code, got.output


def test_a_bad_plan_lists_its_problems_and_exits_2(tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text('name = "x"\nseeds = "many"\n[[instances]]\nroster = "r.csv"\n')
    code, out = _invoke("batch", plan, "--store", tmp_path / "runs.duckdb")
    assert code == 2
    assert "problem(s) in the input" in out and "seeds" in out and "configurations" in out
    assert "Traceback" not in out
    assert not (tmp_path / "runs.duckdb").exists()


def test_batch_runs_a_plan_and_runs_lists_it(tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(f"""
name = "cli"
time_limit = 1
[[instances]]
name = "tiny"
roster = "{DATA}/roster.csv"
scenario = "{DATA}/scenario.toml"
[[configurations]]
name = "deal"
solver = "sort-deal"
""")
    store = tmp_path / "runs.duckdb"
    code, out = _invoke("batch", plan, "--store", store, "--jobs", "1", "-q")
    assert code == 0, out
    assert "1 cells, 0 stored already, 1 run (0 failed)" in out
    code, out = _invoke("batch", "run", plan, "--store", store, "-q")
    assert code == 0 and "1 stored already, 0 run" in out
    code, out = _invoke("runs", "--store", store, "--batch", "cli")
    assert code == 0 and "1 run(s)" in out and "tiny" in out and "deal" in out
    code, out = _invoke("batch", "report", plan, "--store", store, "-o", tmp_path / "rep")
    assert code == 0 and (tmp_path / "rep" / "report.html").exists()
    code, out = _invoke("batch", "report", "nothing", "--store", store)
    assert code == 2 and "no runs of the batch 'nothing'" in out
    code, out = _invoke("runs", "--store", store, "--parquet", tmp_path / "runs.parquet")
    assert code == 0
    parquet = tmp_path / "runs.parquet"
    assert duckdb.execute(f"SELECT count(*) FROM '{parquet}'").fetchall() == [(1,)]


def test_runs_filters_and_a_missing_store(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    code, out = _invoke("runs", "--store", store)
    assert code == 2 and "no run store" in out
    record(store, [{"cell": "a", "instance": "Geo_1", "outcome": "ok", "seed": 1},
                   {"cell": "b", "instance": "Ran_1", "outcome": "error", "seed": 1}])
    code, out = _invoke("runs", "--store", store, "--instance", "Geo%")
    assert code == 0 and "Geo_1" in out and "Ran_1" not in out


def test_solve_adds_its_run_to_a_store_on_request(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    code, out = _invoke("solve", DATA / "roster.csv", "-s", DATA / "scenario.toml", "-t", "2",
                        "--seed", "3", "--workers", "1", "-q", "--out", tmp_path / "out",
                        "--store", store)
    assert code == 0, out
    (row,) = read_runs(store)
    assert row["source"] == "solve" and row["seed"] == 3 and row["workers"] == 1
    assert row["outcome"] == "ok" and row["feasible"] is True and row["objective"] > 0
    assert row["inputs"]["roster"]["sha256"] and row["scenario"] == "scenario"
    assert row["organisations"] == 8 and row["groups"] == 2 and row["trace"]
    # The run's assignment is stored: the next wave reads it as history, by the run's id.
    with (tmp_path / "out" / "assignment.csv").open(encoding="utf-8") as fh:
        assert row["assignment"] == {r["id"]: r["group"] for r in csv.DictReader(fh)}
    code, out = _invoke("runs", "--store", store)
    assert code == 0 and row["run_id"][:8] in out
    scenario = tmp_path / "next.toml"
    scenario.write_text((DATA / "scenario.toml").read_text(encoding="utf-8")
                        + '\n[[rules]]\nkind = "repeats"\nhard = false\n', encoding="utf-8")
    code, out = _invoke("validate", DATA / "roster.csv", "-s", scenario,
                        "--history", f"{store}#{row['run_id'][:8]}")
    assert code == 0, out
