"""The ``pilotopt batch`` and ``pilotopt runs`` commands (registered on the main group).

Dask, DuckDB and matplotlib are imported inside the commands: ``pilotopt solve`` counts its
time from the process start and should not pay for them.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.table import Table

from pilotopt.errors import InputError
from pilotopt.store import DEFAULT_STORE, OUTCOMES, Filters

__all__ = ["batch", "runs"]

EXIT_INPUT = 2
EXIT_INTERRUPTED = 130

_out = Console()
_err = Console(stderr=True)


def _fail(code: int, message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def _input_error(exc: InputError) -> NoReturn:
    _fail(EXIT_INPUT, "\n".join([f"{len(exc.problems)} problem(s) in the input:"]
                                + [f"  - {p}" for p in exc.problems]))


class _RunByDefault(click.Group):
    """``pilotopt batch PLAN.toml`` means ``pilotopt batch run PLAN.toml``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


_store_opt = click.option(
    "--store", default=DEFAULT_STORE, show_default=True, type=click.Path(dir_okay=False),
    help="The run store (a DuckDB file).")


@click.group(cls=_RunByDefault)
def batch() -> None:
    """Run a plan of instances x configurations x seeds (``pilotopt batch PLAN.toml``), and
    report on it (``pilotopt batch report``)."""


def _variables(pairs: tuple[str, ...]) -> dict[str, str]:
    bad = [p for p in pairs if "=" not in p]
    if bad:
        _fail(EXIT_INPUT, f"--var takes NAME=VALUE, not {', '.join(map(repr, bad))}")
    return dict(p.split("=", 1) for p in pairs)


@batch.command(name="run")
@click.argument("plan_path", metavar="PLAN", type=click.Path(dir_okay=False))
@_store_opt
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="Run on this Dask scheduler's workers instead of an embedded cluster.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes of the embedded cluster  [default: the cores divided "
                   "by the most solver threads a configuration takes]")
@click.option("--var", "variables", multiple=True, metavar="NAME=VALUE",
              help="Value of ${NAME} in the plan's paths (repeatable).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def run_cmd(plan_path: str, store: str, scheduler: str | None, jobs: int | None,
            variables: tuple[str, ...], quiet: bool) -> None:
    """Run every cell of PLAN not yet in the store; each run is stored as it finishes.

    A cell that fails (raises, runs out of memory, overruns its time) is stored with its error
    and the batch goes on; exit code 1 when any did. Interrupted (Ctrl-C), the finished cells
    stay stored and a re-run does the rest.
    """
    from pilotopt.batch.plan import read_plan
    from pilotopt.batch.runner import run_batch

    try:
        plan = read_plan(plan_path, _variables(variables))
    except InputError as exc:
        _input_error(exc)
    stored = 0

    def count(_: dict[str, Any]) -> None:
        nonlocal stored
        stored += 1

    try:
        summary = run_batch(plan, store, scheduler=scheduler, jobs=jobs,
                            console=None if quiet else _err, on_stored=count)
    except KeyboardInterrupt:
        _fail(EXIT_INTERRUPTED, f"interrupted: {stored} cell(s) of this run stored in {store}; "
              "run the same command again to do the rest")
    except OSError as exc:
        _fail(EXIT_INPUT, f"cannot reach the scheduler or the store: {exc}")
    _out.print(f"{plan.name}: {summary.cells} cells, {summary.skipped} stored already, "
               f"{summary.done} run ({summary.failed} failed) on {summary.workers} worker(s); "
               f"store {store}")
    sys.exit(1 if summary.failed else 0)


@batch.command(name="report")
@click.argument("plan_or_name", metavar="PLAN|NAME")
@_store_opt
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False),
              default="batch-report", show_default=True,
              help="Folder for report.html, summary.csv and summary.md.")
@click.option("--best-known", type=click.Path(dir_okay=False), default=None,
              help="CSV with columns instance and bks  [default: the plan's best_known]")
@click.option("--within", type=click.FloatRange(min=0), default=0.5, show_default=True,
              help="Time-to-target curves: the target is this % below the reference.")
@click.option("--var", "variables", multiple=True, metavar="NAME=VALUE",
              help="Value of ${NAME} in the plan's paths (repeatable).")
def report_cmd(plan_or_name: str, store: str, out_dir: str, best_known: str | None,
               within: float, variables: tuple[str, ...]) -> None:
    """Benchmark report of a batch (given by its plan file or its name) from the store:
    objectives per instance and configuration, gaps, ranks, win/tie/loss, a performance
    profile and time-to-target curves."""
    from pathlib import Path

    from pilotopt.batch.plan import read_plan
    from pilotopt.batch.report import write_report
    from pilotopt.store import read_runs

    name, known, description = plan_or_name, None, ""
    try:
        if Path(plan_or_name).is_file():
            plan = read_plan(plan_or_name, _variables(variables))
            name, known, description = plan.name, plan.best_known, plan.description
        rows = read_runs(store, Filters(batch=name))
        if not rows:
            _fail(EXIT_INPUT, f"{store} has no runs of the batch {name!r}")
        written = write_report(rows, out_dir, name=name, store=store,
                               best_known=Path(best_known) if best_known else known,
                               description=description, within=within)
    except InputError as exc:
        _input_error(exc)
    except FileNotFoundError as exc:
        _fail(EXIT_INPUT, str(exc))
    _out.print("wrote " + ", ".join(str(p) for p in written))


def _fmt(value: Any, spec: str = ".6g") -> str:
    return "" if value is None else format(value, spec)


@click.command()
@_store_opt
@click.option("--batch", "batch_name", default=None, help="Only this batch (plan name).")
@click.option("--instance", default=None, help="Instance name (SQL LIKE pattern, e.g. Geo%).")
@click.option("--configuration", default=None, help="Configuration name (LIKE pattern).")
@click.option("--outcome", type=click.Choice(OUTCOMES), default=None, help="Only this outcome.")
@click.option("--source", type=click.Choice(["batch", "solve"]), default=None,
              help="Only runs of batches, or of pilotopt solve --store.")
@click.option("--seed", type=int, default=None, help="Only this seed.")
@click.option("--last", type=click.IntRange(min=1), default=None, help="Only the last N runs.")
@click.option("--parquet", type=click.Path(dir_okay=False), default=None,
              help="Write the matching runs, every column, to this Parquet file.")
def runs(store: str, batch_name: str | None, instance: str | None, configuration: str | None,
         outcome: str | None, source: str | None, seed: int | None, last: int | None,
         parquet: str | None) -> None:
    """List the runs in the store, filtered; or export them to Parquet."""
    from pilotopt.store import export_parquet, read_runs

    filters = Filters(batch_name, instance, configuration, outcome, source, seed)
    try:
        if parquet is not None:
            count = export_parquet(store, parquet, filters)
            _out.print(f"wrote {count} run(s) to {parquet}")
            return
        rows = read_runs(store, filters)
    except FileNotFoundError as exc:
        _fail(EXIT_INPUT, str(exc))
    if last is not None:
        rows = rows[-last:]
    table = Table(title=f"{len(rows)} run(s) in {store}")
    for col in ("run", "created", "batch", "instance", "configuration", "seed", "limit", "outcome",
                "objective", "bound", "hard ok", "wall s", "peak MB"):
        table.add_column(col, justify="right" if col in (
            "seed", "limit", "objective", "bound", "wall s", "peak MB") else "left")
    for r in rows:
        table.add_row(
            r["run_id"][:8], str(r["created"])[:19], r["batch"] or r["source"], r["instance"],
            r["configuration"] or "", str(r["seed"]), _fmt(r["time_limit"], "g"), r["outcome"],
            _fmt(r["objective"]), _fmt(r["bound"]),
            "" if r["feasible"] is None else ("yes" if r["feasible"] else "NO"),
            _fmt(r["wall_time"], ".2f"), _fmt(r["peak_memory_mb"], ".0f"))
    _out.print(table)
