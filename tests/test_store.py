"""The run store: rows in, filters, replacing a cell, resume keys, Parquet export."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pilotopt.store import (
    Filters,
    cell_key,
    export_parquet,
    finished_cells,
    read_runs,
    record,
    run_assignment,
)


def _row(cell: str | None, instance: str, outcome: str = "ok", **kw: object) -> dict[str, object]:
    return {"cell": cell, "batch": "b", "source": "batch", "instance": instance,
            "configuration": "c", "seed": 1, "outcome": outcome, "objective": 1.5,
            "violations": {"rule 2": 3}, "trace": [[0.1, 1.0, True]], **kw}


def test_rows_round_trip_with_json_columns_decoded(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    record(store, [_row("k1", "a"), _row(None, "b", source="solve")])
    rows = read_runs(store)
    assert [r["instance"] for r in rows] == ["a", "b"]
    assert rows[0]["violations"] == {"rule 2": 3}
    assert rows[0]["trace"] == [[0.1, 1.0, True]]
    assert rows[0]["run_id"] != rows[1]["run_id"]


def test_a_cell_stored_again_replaces_its_row(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    record(store, [_row("k1", "a", outcome="error")])
    record(store, [_row("k1", "a", outcome="ok")])
    record(store, [_row(None, "a"), _row(None, "a")])  # solve runs never replace each other
    rows = read_runs(store)
    assert [r["outcome"] for r in rows if r["cell"] == "k1"] == ["ok"]
    assert len(rows) == 3


def test_filters_select_by_pattern_and_value(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    record(store, [_row("1", "Geo_1"), _row("2", "Ran_1", outcome="error"), _row("3", "Geo_2")])
    assert [r["instance"] for r in read_runs(store, Filters(instance="Geo%"))] == [
        "Geo_1", "Geo_2"]
    assert [r["cell"] for r in read_runs(store, Filters(outcome="error"))] == ["2"]
    assert read_runs(store, Filters(batch="other")) == []


def test_finished_cells_leave_errors_to_retry(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    assert finished_cells(store, ["a"]) == set()  # no store yet
    record(store, [_row("a", "x"), _row("b", "x", outcome="error"),
                   _row("c", "x", outcome="overrun"), _row("d", "x", outcome="no_solution")])
    assert finished_cells(store, ["a", "b", "c", "d", "e"]) == {"a", "c", "d"}


def test_cell_key_changes_with_each_part() -> None:
    base = cell_key({"roster": "aa"}, {"name": "c", "time_limit": 1}, 1)
    assert base == cell_key({"roster": "aa"}, {"time_limit": 1, "name": "c"}, 1)
    assert base != cell_key({"roster": "ab"}, {"name": "c", "time_limit": 1}, 1)
    assert base != cell_key({"roster": "aa"}, {"name": "c", "time_limit": 2}, 1)
    assert base != cell_key({"roster": "aa"}, {"name": "c", "time_limit": 1}, 2)


def test_parquet_export_has_the_filtered_rows(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    record(store, [_row("1", "a"), _row("2", "b")])
    out = tmp_path / "x" / "runs.parquet"
    assert export_parquet(store, out, Filters(instance="b")) == 1
    got = duckdb.execute(f"SELECT instance, objective FROM '{out}'").fetchall()
    assert got == [("b", 1.5)]
    assert [p.name for p in out.parent.iterdir()] == ["runs.parquet"]  # no temp file left


def test_reading_a_missing_store_says_so(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no run store"):
        read_runs(tmp_path / "none.duckdb")


def test_record_solve_returns_the_run_id_and_keeps_the_source(tmp_path: Path) -> None:
    import numpy as np

    from pilotopt import evaluate, read_problem
    from pilotopt.solve import Params, Result, Status
    from pilotopt.store import record_solve

    data = Path(__file__).parent / "data"
    problem = read_problem(data / "roster.csv", data / "scenario.toml")
    a = np.array([0, 1, 0, 1, 0, 1, 1, 0])
    result = Result(a, evaluate(problem, a), Status.FEASIBLE, None, 1.0, Params(2, seed=5))
    inputs = {"roster": {"path": "r.csv", "sha256": "x"}}
    store = tmp_path / "runs.duckdb"
    first = record_solve(store, result, inputs, 1.5)
    second = record_solve(store, result, inputs, 1.5, source="web", run_id="ab" * 16)
    rows = read_runs(store)
    assert [(r["run_id"], r["source"], r["seed"]) for r in rows] == [
        (first, "solve", 5), ("ab" * 16, "web", 5)]
    assert second == "ab" * 16 and len(first) == 32


def test_a_runs_assignment_is_found_by_the_start_of_its_id(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    record(store, [_row(None, "a", assignment={"se01": "G1", "se02": ""}),
                   _row(None, "b")])
    stored, bare = read_runs(store)
    assert run_assignment(store, stored["run_id"][:8]) == {"se01": "G1", "se02": ""}
    with pytest.raises(LookupError, match="no assignment stored"):
        run_assignment(store, bare["run_id"])
    with pytest.raises(LookupError, match="no run"):
        run_assignment(store, "zz")
    with pytest.raises(LookupError, match="2 runs"):
        run_assignment(store, "")


def test_a_store_of_an_older_version_gains_the_new_columns(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    con = duckdb.connect(str(store))
    con.execute("CREATE TABLE runs (run_id VARCHAR PRIMARY KEY, cell VARCHAR, batch VARCHAR)")
    con.execute("INSERT INTO runs VALUES ('old', NULL, 'b')")
    con.close()
    record(store, [_row(None, "a", assignment={"x": "G2"})])
    rows = {r["run_id"]: r for r in read_runs(store)}
    old = rows.pop("old")
    [(new_id, new)] = rows.items()
    assert old["batch"] == new["batch"] == "b" and old["assignment"] is None
    assert run_assignment(store, new_id) == {"x": "G2"}
