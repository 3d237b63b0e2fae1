"""The run store: every run (a batch cell, or ``pilotopt solve --store``) as a row of one table.

A DuckDB file (``runs.duckdb`` by default) holds the table ``runs``; :func:`export_parquet`
copies it, or a filtered part, to a Parquet file. The store is opened for each write and closed
again, so ``pilotopt runs`` can read it while a batch is running between two cells.

A batch cell has a ``cell`` key (the hash of its instance inputs, configuration and seed): storing
a cell again replaces its row, so a cell is stored once however often it was retried.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import socket
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pilotopt.evaluate import Evaluation
    from pilotopt.solve import Result

__all__ = [
    "COLUMNS",
    "DEFAULT_STORE",
    "FAILED",
    "FINISHED",
    "OUTCOMES",
    "Filters",
    "cell_key",
    "environment",
    "evaluation_fields",
    "result_fields",
    "export_parquet",
    "run_assignment",
    "finished_cells",
    "read_runs",
    "record",
    "record_solve",
]

DEFAULT_STORE = "runs.duckdb"

#: What became of a run. ``ok``: an assignment, within its time; ``overrun``: it took longer
#: than its time limit allows; ``infeasible``: the hard rules provably cannot hold;
#: ``no_solution``: none found in time; ``error``: it raised, or its worker died (a crash or a
#: worker killed for memory), with the message in ``error``; ``out_of_memory``: MemoryError.
OUTCOMES = ("ok", "overrun", "infeasible", "no_solution", "error", "out_of_memory")
#: Outcomes a re-run of a batch does not repeat (an ``error`` may be passing: it is retried).
FINISHED = ("ok", "overrun", "infeasible", "no_solution", "out_of_memory")
#: Outcomes counted as failed cells: the run did not give its answer within its limits.
FAILED = ("error", "overrun", "out_of_memory")

#: Column name -> DuckDB type. JSON columns hold text written with :func:`json.dumps`.
COLUMNS: dict[str, str] = {
    "run_id": "VARCHAR PRIMARY KEY",
    "cell": "VARCHAR",
    "batch": "VARCHAR",
    "source": "VARCHAR",  # batch | solve | web
    "created": "TIMESTAMP",
    "instance": "VARCHAR",
    "inputs": "JSON",  # name -> {path, sha256} (or the generator's arguments)
    "scenario": "VARCHAR",
    "configuration": "VARCHAR",
    "solver": "VARCHAR",
    "params": "JSON",  # time limit, workers, reproducible, overrides
    "seed": "BIGINT",
    "time_limit": "DOUBLE",
    "workers": "INTEGER",  # solver threads
    "cluster_workers": "INTEGER",  # worker processes of the batch (1 for solve)
    "pilotopt_version": "VARCHAR",
    "ortools_version": "VARCHAR",
    "numba_version": "VARCHAR",
    "python_version": "VARCHAR",
    "host": "VARCHAR",
    "organisations": "INTEGER",
    "groups": "INTEGER",
    "outcome": "VARCHAR",
    "status": "VARCHAR",
    "error": "VARCHAR",
    "objective": "DOUBLE",
    "bound": "DOUBLE",
    "feasible": "BOOLEAN",
    "violations": "JSON",  # rule id -> violation, for every rule not met
    "wall_time": "DOUBLE",
    "peak_memory_mb": "DOUBLE",
    "trace": "JSON",  # [[seconds, objective, feasible], ...]
    "assignment": "JSON",  # id -> group name ("" left out), when the run carried its problem
}
_JSON = [k for k, t in COLUMNS.items() if t == "JSON"]


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def environment() -> dict[str, Any]:
    """The versions and host a run is recorded with (call it where the run happens)."""
    return {
        "pilotopt_version": _version("pilotopt") or "0+unknown",
        "ortools_version": _version("ortools"),
        "numba_version": _version("numba"),
        "python_version": platform.python_version(),
        "host": socket.gethostname(),
    }


def cell_key(inputs: Mapping[str, Any], configuration: Mapping[str, Any], seed: int) -> str:
    """sha256 of a cell's instance inputs (their hashes), configuration and seed."""
    text = json.dumps({"inputs": inputs, "configuration": configuration, "seed": seed},
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def evaluation_fields(evaluation: Evaluation) -> dict[str, Any]:
    """Objective (user units), feasibility and the violation of every rule not met."""
    return {
        "objective": evaluation.objective,
        "feasible": bool(evaluation.feasible),
        "violations": {r.id: r.violation for r in evaluation.rules if not r.satisfied},
    }


def result_fields(result: Result) -> dict[str, Any]:
    """The columns a solver :class:`~pilotopt.solve.Result` fills (read through its public
    attributes): status, bound, objective, feasibility, violations, improvement trace."""
    status = result.status
    trace = result.stats.trace
    problem = result.problem
    return {
        **evaluation_fields(result.evaluation),
        "status": str(getattr(status, "value", status)),
        "bound": result.bound,
        "trace": [[float(t), float(obj), bool(ok)] for t, obj, ok in trace],
        "assignment": None if problem is None else {
            oid: problem.group_names[g] if g >= 0 else ""
            for oid, g in zip(problem.ids, result.assignment.tolist(), strict=True)},
    }


@contextmanager
def _connect(path: str | Path, read_only: bool = False) -> Iterator[Any]:
    import duckdb

    if read_only and not Path(path).exists():
        raise FileNotFoundError(f"{path}: no run store here")
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        if not read_only:
            cols = ", ".join(f"{k} {t}" for k, t in COLUMNS.items())
            con.execute(f"CREATE TABLE IF NOT EXISTS runs ({cols})")
            # A store written by an older version lacks the newer columns.
            have = {r[1] for r in con.execute("PRAGMA table_info('runs')").fetchall()}
            for k, t in COLUMNS.items():
                if k not in have:
                    con.execute(f"ALTER TABLE runs ADD COLUMN {k} {t}")
        yield con
    finally:
        con.close()


def record(path: str | Path, rows: Sequence[Mapping[str, Any]]) -> None:
    """Add ``rows`` (dicts with keys of :data:`COLUMNS`; missing ones are NULL) in one
    transaction; a row whose ``cell`` is stored already replaces it."""
    with _connect(path) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            for row in rows:
                values = {k: row.get(k) for k in COLUMNS}
                values["run_id"] = values["run_id"] or os.urandom(16).hex()
                values["created"] = values["created"] or datetime.now(UTC).replace(tzinfo=None)
                for k in _JSON:
                    if values[k] is not None:
                        values[k] = json.dumps(values[k])
                if values["cell"] is not None:
                    con.execute("DELETE FROM runs WHERE cell = ?", [values["cell"]])
                con.execute(f"INSERT INTO runs ({', '.join(COLUMNS)}) "
                            f"VALUES ({', '.join('?' * len(COLUMNS))})", list(values.values()))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


def record_solve(path: str | Path, result: Result, inputs: Mapping[str, Mapping[str, str]],
                 wall_time: float, source: str = "solve", run_id: str | None = None) -> str:
    """Store a ``pilotopt solve`` run (``source``: ``solve``, or ``web`` for the workspace of
    ``pilotopt serve``): ``inputs`` maps roster/scenario to {path, sha256}; the peak memory is
    this process's. Returns the run's id (``run_id``, or a new one)."""
    import resource

    names = {k: Path(v["path"]) for k, v in inputs.items()}
    roster = names.get("roster")
    scenario = names.get("scenario")
    groups = len(result.evaluation.group_sizes)
    run_id = run_id or os.urandom(16).hex()
    record(path, [{
        "run_id": run_id, "source": source, "instance": str(roster) if roster else None,
        "inputs": {k: dict(v) for k, v in inputs.items()},
        "scenario": scenario.stem if scenario else "mdgplib", "solver": "pilotopt",
        "params": {"time_limit": result.params.time_limit, "seed": result.params.seed,
                   "workers": result.params.workers},
        "seed": result.params.seed, "time_limit": result.params.time_limit,
        "workers": result.params.workers, "cluster_workers": 1, **environment(),
        "organisations": len(result.assignment), "groups": groups,
        "outcome": "ok", **result_fields(result), "wall_time": round(wall_time, 3),
        # ru_maxrss is in kB on Linux.
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }])
    return run_id


@dataclass(frozen=True)
class Filters:
    """Which runs to read: each given field must match (``instance`` and ``configuration`` as
    SQL LIKE patterns, e.g. ``Geo%``)."""

    batch: str | None = None
    instance: str | None = None
    configuration: str | None = None
    outcome: str | None = None
    source: str | None = None
    seed: int | None = None

    def where(self) -> tuple[str, list[Any]]:
        """The SQL condition and its parameters."""
        parts: list[str] = []
        args: list[Any] = []
        for name, op in (("batch", "="), ("instance", "LIKE"), ("configuration", "LIKE"),
                         ("outcome", "="), ("source", "="), ("seed", "=")):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name} {op} ?")
                args.append(value)
        return (" WHERE " + " AND ".join(parts)) if parts else "", args


def read_runs(path: str | Path, filters: Filters | None = None) -> list[dict[str, Any]]:
    """The stored runs matching ``filters``, oldest first, JSON columns decoded."""
    where, args = (filters or Filters()).where()
    with _connect(path, read_only=True) as con:
        cur = con.execute(f"SELECT * FROM runs{where} ORDER BY created, run_id", args)
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    for row in rows:
        for k in _JSON:
            if isinstance(row.get(k), str):
                row[k] = json.loads(row[k])
    return rows


def run_assignment(path: str | Path, run_id: str) -> dict[str, str]:
    """The assignment of a stored run (id -> group name, "" left out), by its ``run_id`` or a
    unique start of it (8 characters, as ``pilotopt runs`` shows them, do).

    Raises
    ------
    LookupError
        When no run, or more than one, matches, or the run has no assignment stored.
    """
    with _connect(path, read_only=True) as con:
        found = con.execute("SELECT run_id, assignment FROM runs WHERE starts_with(run_id, ?)",
                            [run_id]).fetchall()
    if len(found) != 1:
        raise LookupError(f"no run with the id {run_id!r}" if not found else
                          f"{len(found)} runs have an id starting with {run_id!r}; give more of it")
    if found[0][1] is None:
        raise LookupError(f"run {found[0][0]} has no assignment stored (a failed run, or one "
                          "stored by an older version)")
    return dict(json.loads(found[0][1]))


def finished_cells(path: str | Path, keys: Sequence[str]) -> set[str]:
    """Those of ``keys`` whose stored run needs no repeating (see :data:`FINISHED`)."""
    if not Path(path).exists() or not keys:
        return set()
    with _connect(path, read_only=True) as con:
        found = con.execute(
            f"SELECT cell FROM runs WHERE outcome IN ({', '.join('?' * len(FINISHED))})",
            list(FINISHED)).fetchall()
    wanted = set(keys)
    return {c for (c,) in found if c in wanted}


def export_parquet(path: str | Path, out: str | Path, filters: Filters | None = None) -> int:
    """Write the matching runs to the Parquet file ``out`` (whole or not at all); their count."""
    where, args = (filters or Filters()).where()
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with _connect(path, read_only=True) as con:
            count = int(con.execute(f"SELECT count(*) FROM runs{where}", args).fetchone()[0])
            quoted = tmp.replace("'", "''")
            con.execute(f"COPY (SELECT * FROM runs{where} ORDER BY created, run_id) "
                        f"TO '{quoted}' (FORMAT PARQUET)", args)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count
