"""Run a plan's cells on Dask distributed and store each run as it finishes.

By default an embedded ``LocalCluster`` of worker processes (one cell at a time each, as many
as the cores hold the configurations' solver threads); with a scheduler address, the workers of
an existing cluster (which must see the plan's files at the same paths and have pilotopt
installed). Each worker loads the compiled search kernel once (:class:`WarmKernel`) and keeps it
for every cell it runs.

Cells already in the store are skipped. Rows are written by this process alone, one commit per
finished cell, so an interrupted batch keeps every cell that finished.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distributed import Client, WorkerPlugin, as_completed
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from pilotopt.batch.cells import base_row, run_cell
from pilotopt.batch.plan import Cell, Plan
from pilotopt.store import FAILED, finished_cells, record

__all__ = ["BatchSummary", "WarmKernel", "default_jobs", "run_batch", "warm_up"]

log = logging.getLogger(__name__)


def warm_up() -> None:
    """Load what every cell needs: the compiled search kernel (numba's cache, or a first
    compilation) and the solver's imports, by solving a tiny problem once."""
    import numpy as np

    from pilotopt.problem import GroupSum, Problem, RuleInfo
    from pilotopt.solve import Params, solve

    n, m = 4, 2
    score = np.array([[0, 3, 1, 0], [3, 0, 0, 1], [1, 0, 0, 3], [0, 1, 3, 0]], dtype=np.int64)
    ids = tuple("abcd")
    problem = Problem(ids, ids, ("G1", "G2"), score,
                      (RuleInfo("groups.size", "size", "groups of 2", True),),
                      (GroupSum(0, np.ones(n, dtype=np.int64), np.full(m, 2), np.full(m, 2),
                                True),))
    solve(problem, Params(time_limit=2.0, seed=0, workers=1))


class WarmKernel(WorkerPlugin):  # type: ignore[misc]
    """Runs :func:`warm_up` when a worker joins, off its event loop, so that the worker keeps
    the kernel loaded and its first cell does not pay for it."""

    name = "pilotopt-warm-kernel"

    async def setup(self, worker: Any) -> None:
        import asyncio

        await asyncio.get_running_loop().run_in_executor(None, warm_up)


@dataclass
class BatchSummary:
    """What a run of a plan did: cells in the plan, skipped (stored already), run, failed."""

    cells: int
    skipped: int = 0
    done: int = 0
    failed: int = 0
    workers: int = 0


def default_jobs(plan: Plan, cores: int | None = None) -> int:
    """Worker processes of the embedded cluster: jobs x solver threads within the cores."""
    cores = cores or os.cpu_count() or 1
    return max(1, cores // plan.max_threads)


@contextmanager
def _client(scheduler: str | None, jobs: int) -> Iterator[Client]:
    if scheduler is not None:
        with Client(scheduler, set_as_default=False) as client:
            yield client
        return
    from distributed import LocalCluster

    with LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                      dashboard_address=":0", silence_logs=logging.ERROR) as cluster, \
            Client(cluster, set_as_default=False) as client:
        yield client


def _failure_row(cell: Cell, workers: int, exc: BaseException) -> dict[str, Any]:
    from distributed import KilledWorker

    row = base_row(cell, workers)
    row["outcome"] = "error"
    if isinstance(exc, KilledWorker):
        row["error"] = ("the workers running it died, each time it was tried (a crash, or "
                        f"killed for using too much memory): {exc}")
    else:
        row["error"] = f"{type(exc).__name__}: {exc}"
    return row


def run_batch(
    plan: Plan,
    store: str | Path,
    *,
    scheduler: str | None = None,
    jobs: int | None = None,
    console: Console | None = None,
    on_stored: Callable[[dict[str, Any]], None] | None = None,
) -> BatchSummary:
    """Run every cell of ``plan`` not yet in ``store``; each run stored as it finishes.

    ``jobs`` is the number of worker processes of the embedded cluster (default
    :func:`default_jobs`); ignored with ``scheduler``. ``console`` shows a progress bar (cells
    done, failed, time left). ``on_stored`` is called with each row after it is stored.
    KeyboardInterrupt cancels the cells still running and is re-raised; the finished ones
    stay stored.
    """
    cells = plan.cells()
    summary = BatchSummary(len(cells))
    done = finished_cells(store, [c.key for c in cells])
    todo = [c for c in cells if c.key not in done]
    summary.skipped = len(cells) - len(todo)
    if not todo:
        return summary
    with _client(scheduler, jobs or default_jobs(plan)) as client:
        client.register_plugin(WarmKernel(), name=WarmKernel.name)
        summary.workers = workers = len(client.scheduler_info()["workers"])
        futures = {client.submit(run_cell, cell, workers, key=f"pilotopt-cell-{cell.key}",
                                 pure=False): cell for cell in todo}
        progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("failed {task.fields[failed]}"), TimeElapsedColumn(),
            TextColumn("left"), TimeRemainingColumn(),
            console=console, disable=console is None, transient=False,
        )
        try:
            with progress:
                task = progress.add_task(plan.name, total=len(todo), failed=0)
                for future in as_completed(list(futures), loop=client.loop):
                    cell = futures[future]
                    try:
                        row = future.result()
                    except Exception as exc:
                        row = _failure_row(cell, workers, exc)
                    if row.pop("restart", False):
                        # A solver that ignored its stop signal still runs in that process.
                        who = client.who_has([future]).get(future.key) or ()
                        client.restart_workers(list(who), raise_for_error=False)
                    record(store, [row])
                    summary.done += 1
                    summary.failed += row["outcome"] in FAILED
                    progress.update(task, advance=1, failed=summary.failed)
                    if on_stored is not None:
                        on_stored(row)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return summary
