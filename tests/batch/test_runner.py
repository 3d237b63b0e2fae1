"""The Dask runner with real parts: an embedded cluster, and a real scheduler with two workers
on loopback, one of them killed mid-run. Tiny instances and 1 s limits; no time is asserted."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pilotopt.batch.plan import read_plan
from pilotopt.batch.runner import default_jobs, run_batch
from pilotopt.store import read_runs

DATA = Path(__file__).resolve().parents[1] / "data"


def _plan(tmp_path: Path, seeds: int, broken: bool = False) -> Path:
    path = tmp_path / "plan.toml"
    text = f"""
name = "tiny"
seeds = {seeds}
time_limit = 1
[[instances]]
name = "tiny"
roster = "{DATA}/roster.csv"
scenario = "{DATA}/scenario.toml"
[[configurations]]
name = "one"
workers = 1
"""
    if broken:
        text += f"""
[[instances]]
name = "broken"
roster = "{DATA}/broken/duplicate_id.csv"
scenario = "{DATA}/scenario.toml"
"""
    path.write_text(text)
    return path


def test_jobs_times_threads_within_the_cores(tmp_path: Path) -> None:
    plan = read_plan(_plan(tmp_path, 1))
    assert default_jobs(plan, cores=4) == 4
    two = tmp_path / "two.toml"
    two.write_text(_plan(tmp_path, 1).read_text().replace("workers = 1", "workers = 2"))
    assert default_jobs(read_plan(two), cores=4) == 2
    assert default_jobs(read_plan(two), cores=1) == 1


def test_embedded_cluster_stores_each_cell_keeps_failures_and_resumes(tmp_path: Path) -> None:
    plan = read_plan(_plan(tmp_path, seeds=2, broken=True))
    store = tmp_path / "runs.duckdb"
    summary = run_batch(plan, store, jobs=2)
    rows = read_runs(store)
    assert summary.done == 4 and summary.failed == 2 and summary.workers == 2
    assert sorted((r["instance"], r["seed"], r["outcome"]) for r in rows) == [
        ("broken", 1, "error"), ("broken", 2, "error"), ("tiny", 1, "ok"), ("tiny", 2, "ok")]
    assert all("duplicate" in r["error"] for r in rows if r["instance"] == "broken")
    assert {r["cluster_workers"] for r in rows} == {2}
    # A re-run skips the finished cells and tries the failed ones again, in place.
    again = run_batch(plan, store, jobs=1)
    assert again.skipped == 2 and again.done == 2
    assert sorted(r["cell"] for r in read_runs(store)) == sorted(c.key for c in plan.cells())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _dask(*args: str) -> subprocess.Popen[bytes]:
    script = Path(sys.executable).parent / "dask"
    return subprocess.Popen([str(script), *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


@pytest.fixture
def cluster() -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """A real ``dask scheduler`` and two ``dask worker`` processes on loopback."""
    from distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [_dask("scheduler", "--host", "127.0.0.1", "--port", str(port),
                   "--no-dashboard")]
    try:
        workers = [_dask("worker", address, "--nthreads", "1", "--host", "127.0.0.1",
                         "--no-dashboard", "--name", f"w{k}") for k in range(2)]
        procs += workers
        deadline = time.monotonic() + 120
        while True:  # the scheduler takes a moment to listen
            try:
                with Client(address, timeout=5) as client:
                    client.wait_for_workers(2, timeout=120)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield address, workers
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def test_a_killed_worker_loses_no_cell(
    tmp_path: Path, cluster: tuple[str, list[subprocess.Popen[bytes]]]
) -> None:
    address, workers = cluster
    plan = read_plan(_plan(tmp_path, seeds=6))
    store = tmp_path / "runs.duckdb"
    killed: list[int] = []

    def kill_one(row: dict[str, object]) -> None:
        if not killed:  # after the first stored cell, while the others run
            os.killpg(workers[0].pid, signal.SIGKILL)
            killed.append(workers[0].pid)

    summary = run_batch(plan, store, scheduler=address, on_stored=kill_one)
    assert killed and workers[0].wait(timeout=30) != 0
    rows = read_runs(store)
    assert summary.done == 6 and summary.failed == 0
    assert sorted(r["cell"] for r in rows) == sorted(c.key for c in plan.cells())
    assert {r["outcome"] for r in rows} == {"ok"}
    assert {r["cluster_workers"] for r in rows} == {2}


def test_ctrl_c_keeps_the_finished_cells_and_a_rerun_does_the_rest(tmp_path: Path) -> None:
    import duckdb

    # The demo with both workers runs its whole 2 s limit (the tiny roster finishes in
    # milliseconds, so every cell could be stored before the interrupt arrives).
    root = DATA.parents[1]
    plan_path = tmp_path / "plan.toml"
    plan_path.write_text(f"""
name = "demo"
seeds = 4
time_limit = 2
[[instances]]
name = "demo"
roster = "{root}/instances/demo/roster.csv"
scenario = "{root}/models/esf-proeftuin.toml"
[[configurations]]
name = "two"
workers = 2
""")
    store = tmp_path / "runs.duckdb"
    script = Path(sys.executable).parent / "pilotopt"
    argv = [str(script), "batch", str(plan_path), "--store", str(store), "--jobs", "1", "-q"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        stored = 0
        deadline = time.monotonic() + 300
        while stored == 0 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.3)
            try:  # the batch opens the store only to write a cell
                with duckdb.connect(str(store), read_only=True) as con:
                    stored = con.execute("SELECT count(*) FROM runs").fetchall()[0][0]
            except (duckdb.Error, OSError):
                continue
        os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C does: the whole process group
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    plan = read_plan(plan_path)
    rows = read_runs(store)
    assert proc.returncode == 130, err
    assert b"run the same command again" in err
    assert 1 <= len(rows) < 4
    assert {r["outcome"] for r in rows} == {"ok"}
    summary = run_batch(plan, store, jobs=1)
    assert summary.skipped == len(rows) and summary.done == 4 - len(rows)
    assert sorted(r["cell"] for r in read_runs(store)) == sorted(c.key for c in plan.cells())
