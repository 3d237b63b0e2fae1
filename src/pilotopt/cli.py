"""The ``pilotopt`` command. Thin: parse options, call the library, print, set the exit code."""

from __future__ import annotations

import logging
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from rich.console import Console

from pilotopt import STARTED
from pilotopt.batch.cli import batch, runs
from pilotopt.errors import InfeasibleError, InputError, NoSolutionError, StoppedError
from pilotopt.evaluate import Evaluation, evaluate
from pilotopt.explain import EXPLAIN_LIMIT, Explanation, explain_all
from pilotopt.generate import GenerationError, write_instance
from pilotopt.instance import Instance, load_instance
from pilotopt.io.assignment import read_assignment
from pilotopt.io.outputs import assignment_csv, atomic_write, file_digest, write_outputs
from pilotopt.problem import IntArray, Problem
from pilotopt.replan import continuity, replan_warnings
from pilotopt.report import (
    print_analysis,
    print_evaluation,
    print_lines,
    print_result,
    result_document,
    solve_progress,
    summary_line,
)
from pilotopt.report.i18n import LANGS, Lang, choose, text, wrote
from pilotopt.report.summary import gain_sentence, judged, output_seconds, package_version
from pilotopt.solve import Params, Result, Status, compile_in_background, solve

if TYPE_CHECKING:
    from pilotopt import proposals

__all__ = ["REPEAT_WINDOW", "main", "run"]

T = TypeVar("T")

EXIT_DIFFERS = 1  # verify: a hash, a figure or the re-solve differs
EXIT_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_NO_SOLUTION = 4

_out = Console()
_err = Console(stderr=True)


def _fail(code: int, message: str) -> NoReturn:
    # Plain text, never wrapped: one problem per line, whole, whatever the terminal width.
    click.echo(message, err=True)
    sys.exit(code)


def _input_error(exc: InputError) -> NoReturn:
    lines = [f"{len(exc.problems)} problem(s) in the input:"]
    lines += [f"  - {p}" for p in exc.problems]
    _fail(EXIT_INPUT, "\n".join(lines))


def _load(roster: str, scenario: str | None, history: tuple[str, ...] = (),
          previous: str | None = None, pins: str | None = None) -> Instance:
    try:
        return load_instance(roster, scenario, history, previous, pins)
    except InputError as exc:
        _input_error(exc)


def _write_document(out_dir: str, name: str, assignment_path: str, body: dict[str, Any],
                    lang: Lang) -> None:
    """Write a JSON document about an assignment file (which it names, with its sha256)."""
    written = write_outputs(Path(out_dir), {name: {
        "pilotopt_version": package_version(),
        "assignment": {"path": assignment_path, "sha256": file_digest(assignment_path)},
        **body,
    }})
    _out.print(wrote(written, lang))


def _refuse_overwriting(given: Mapping[str, str | None], outputs: list[Path], option: str) -> None:
    inputs = {Path(p).resolve() for p in given.values() if p}
    clash = [str(o) for o in outputs if o.resolve() in inputs]
    if clash:
        _fail(EXIT_INPUT, f"{option} would overwrite an input file ({', '.join(clash)}); "
              "choose another place")


def _reports(
    instance: Instance, assignment: IntArray, evaluation: Evaluation, meta: Mapping[str, object],
    html: Path | None, xlsx: Path | None, lang: Lang, pdf: Path | None = None,
    explanations: Sequence[Explanation] = (),
) -> list[Path]:
    """Write the HTML report, its PDF and/or the workbook, with the ecosystem analysis in them."""
    if html is None and xlsx is None and pdf is None:
        return []
    from pilotopt.analysis import analyze
    from pilotopt.profile import profile
    from pilotopt.report.html import render_html
    from pilotopt.report.pdf import PdfError, write_pdf
    from pilotopt.report.xlsx import write_xlsx

    problem = instance.problem
    orgs, weights = instance.orgs, instance.weights
    if instance.scenario is not None and instance.scenario.description:
        meta = {"description": instance.scenario.description, **meta}
    analysis = analyze(problem, assignment, orgs, weights)
    written = []
    if html is not None or pdf is not None:
        page = render_html(problem, assignment, evaluation, orgs, analysis, meta, lang=lang,
                           explanations=explanations,
                           profile=profile(instance).view(lang))
        if html is not None:
            atomic_write(html, page)
            written.append(html)
        if pdf is not None:
            try:
                written.append(write_pdf(pdf, page))
            except PdfError as exc:
                _fail(EXIT_INPUT, f"{exc}; {wrote(written, lang)}")
    if xlsx is not None:
        written.append(write_xlsx(xlsx, problem, assignment, evaluation, orgs, analysis, meta,
                                  lang=lang, explanations=explanations))
    return written


def _lang(option: str | None, instance: Instance) -> Lang:
    return choose(option, instance.scenario.lang if instance.scenario else None)


def _load_with_assignment(
    roster: str, scenario: str | None, assignment_path: str, history: tuple[str, ...] = ()
) -> tuple[Instance, IntArray]:
    instance = _load(roster, scenario, history)
    _warn(instance)
    try:
        return instance, read_assignment(assignment_path, instance.problem)
    except InputError as exc:
        _input_error(exc)


def _need_chromium() -> None:
    """Refuse --pdf before any work when no browser can print it."""
    from pilotopt.report.pdf import PdfError, chromium

    try:
        chromium()
    except PdfError as exc:
        _fail(EXIT_INPUT, str(exc))


def _warn(instance: Instance) -> None:
    if instance.roster is None:
        return
    for w in instance.roster.warnings:
        click.echo(f"warning: {w}", err=True)


class _Commands(click.Group):
    """The commands; Ctrl-C outside a search's own handling (reading the inputs, say) ends a
    command with exit 130 and a line, not click's "Aborted!" with exit 1 (which ``score``
    keeps for a broken hard rule)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            _fail(128 + signal.SIGINT, "interrupted (each file is written whole or not at all)")


@click.group(cls=_Commands)
@click.version_option(package_version(), prog_name="pilotopt")
@click.option("-v", "--verbose", is_flag=True, help="Log solver progress.")
def main(verbose: bool) -> None:
    """Form mixed, balanced and workable pilot groups (proeftuinen)."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(name)s: %(message)s")
    global _started
    # A command's time limit counts from the process start, imports included, when this is the
    # program (run()); from now when a program or test runner calls the command.
    _started = STARTED if _program else time.perf_counter()


#: Whether this process is the ``pilotopt`` program (see :func:`run`).
_program = False
_started = STARTED


_roster_arg = click.argument("roster", type=click.Path(dir_okay=False))
_assignment_opt = click.option(
    "--assignment", "-a", "assignment_path", required=True, type=click.Path(dir_okay=False),
    help="CSV or .xlsx with columns id and group (e.g. an edited assignment.csv), or the "
    "groups.xlsx of solve --xlsx.")
_lang_opt = click.option(
    "--lang", type=click.Choice(LANGS), default=None,
    help="Language of the tables, report and workbook  [default: the scenario's lang, else "
         "the locale, else en]")
_notes_opt = click.option("--notes", is_flag=True,
                          help="Also print what each rule is for (its note, or its meaning).")
_history_opt = click.option(
    "--history", multiple=True, type=click.Path(dir_okay=False),
    help="An assignment of an earlier wave (id, group, optional outcome: done, ongoing or "
         "dropped), for the scenario's repeats rules; repeat the option, oldest first.")
_pins_opt = click.option(
    "--pins", type=click.Path(dir_okay=False), default=None,
    help="A table of id and group (CSV or .xlsx) pinning those organisations to those groups "
         "(hard), with the scenario's pins.")
_explain_limit_opt = click.option(
    "--explain-limit", type=click.IntRange(min=0), default=EXPLAIN_LIMIT, show_default=True,
    help="Explain every organisation (why it sits where it does, its best alternatives) in "
         "result.json, the report and the workbook when the roster has at most this many; "
         "0: never.")
_scenario_opt = click.option(
    "--scenario", "-s", type=click.Path(dir_okay=False),
    help="Scenario file (TOML): groups, weights and rules. Not needed for an MDGPLIB file.")


@main.command()
@_roster_arg
@_scenario_opt
@_history_opt
@_pins_opt
@click.option("--profile", "show_profile", is_flag=True,
              help="Also print the roster's profile: organisations per economy, type and "
                   "province, needs nobody offers and offers nobody needs, how many groups "
                   "each quota can be met in, and whether group sizes can differ.")
@_lang_opt
def validate(roster: str, scenario: str | None, history: tuple[str, ...], pins: str | None,
             show_profile: bool, lang: str | None) -> None:
    """Check a roster and a scenario; list every problem found, and hard rules that counting
    shows cannot all hold (exit 3)."""
    from pilotopt.profile import profile
    from pilotopt.solve.conflicts import counted_conflict

    instance = _load(roster, scenario, history, pins=pins)
    _warn(instance)
    p = instance.problem
    if show_profile:  # before a conflict too: the profile often shows its cause
        print_lines(_out, profile(instance).lines(_lang(lang, instance)))
    conflict = counted_conflict(p)
    if conflict is not None:
        _fail(EXIT_INFEASIBLE, f"infeasible: {conflict}")
    _out.print(f"ok: {p.n} organisations, {p.m} groups, {len(p.rules)} rules "
               f"({sum(r.hard for r in p.rules)} hard)")


@main.command(name="verify")
@click.argument("result_path", metavar="RESULT_JSON", type=click.Path(dir_okay=False))
@click.option("--resolve", is_flag=True,
              help="Also solve again with the recorded seed and time limit in the reproducible "
                   "mode (one worker) and compare the assignment and the objective.")
def verify_cmd(result_path: str, resolve: bool) -> None:
    """Audit a run: re-read the inputs its result.json records and check their sha256,
    re-evaluate its assignment and compare every figure; exit 0 when all match, 1 when
    something differs, 2 when the file or an input cannot be read."""
    from pilotopt.verify import verify

    try:
        found = verify(result_path, resolve)
    except InputError as exc:
        _input_error(exc)
    except (InfeasibleError, NoSolutionError) as exc:
        _fail(EXIT_DIFFERS, f"NOT verified: the re-solve found no assignment ({exc})")
    print_lines(_out, found.lines())
    sys.exit(0 if found.ok else EXIT_DIFFERS)


@main.command(name="solve")
@_roster_arg
@_scenario_opt
@click.option("--time-limit", "-t", type=click.FloatRange(min=0, min_open=True), default=10.0,
              show_default=True, help="Seconds for the whole search.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Random seed; with --workers 1 the same seed gives the same assignment.")
@click.option("--workers", type=click.IntRange(min=1), default=os.cpu_count() or 1,
              show_default=True, help="Solver threads.")
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False), default="out",
              show_default=True, help="Folder for assignment.csv and result.json.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line.")
@click.option("--report", "html", is_flag=True,
              help="Also write report.html: the groups, a map, ties and rules, for the funder.")
@click.option("--xlsx", is_flag=True,
              help="Also write groups.xlsx: a summary and a sheet per group.")
@click.option("--pdf", is_flag=True,
              help="Also write report.pdf (A4, a page per group), printed by headless "
                   "Chromium; exit 2 when Chromium is not installed.")
@_lang_opt
@_notes_opt
@click.option("--store", type=click.Path(dir_okay=False), default=None,
              help="Also add the run to this run store (DuckDB file, see pilotopt runs).")
@_history_opt
@_explain_limit_opt
@click.option("--alternatives", "alternatives_k", type=click.IntRange(min=1), default=None,
              help="Give K structurally different good assignments, each in --out/alt-K, "
                   "and alternatives.csv/json side by side; the time limit is for all.")
@click.option("--min-difference", type=click.FloatRange(0, 1), default=0.2, show_default=True,
              help="With --alternatives: the share of organisations every two must place "
                   "differently (groups matched as well as they can be).")
@click.option("--previous", type=click.Path(dir_okay=False), default=None,
              help="An earlier assignment (id, group: CSV or .xlsx) to re-plan from: a "
                   "stability rule keeps it; drop-outs, late registrations and moves are "
                   "reported.")
@_pins_opt
def solve_cmd(roster: str, scenario: str | None, time_limit: float, seed: int, workers: int,
              out_dir: str, quiet: bool, html: bool, xlsx: bool, pdf: bool, lang: str | None,
              notes: bool, store: str | None, history: tuple[str, ...],
              explain_limit: int, alternatives_k: int | None, min_difference: float,
              previous: str | None, pins: str | None) -> None:
    """Assign the organisations of ROSTER to pilot groups and check the result."""
    if alternatives_k is not None and store is not None:
        _fail(EXIT_INPUT, "--store keeps one run per solve; not with --alternatives")
    instance = _load(roster, scenario, history, previous, pins)
    _warn(instance)
    for w in replan_warnings(instance.scenario, instance.previous):
        click.echo(f"warning: {w}", err=True)
    out = Path(out_dir)
    given = {"roster": roster} if instance.scenario is None else {
        "roster": roster, "scenario": scenario}
    given |= {f"history {k}": h for k, h in enumerate(history, start=1)}
    given |= {k: v for k, v in (("previous", previous), ("pins", pins)) if v is not None}
    folders = ([out] if alternatives_k is None
               else [out / f"alt-{j + 1}" for j in range(alternatives_k)])
    _refuse_overwriting(given, [d / f for d in folders for f in (
        "assignment.csv", "result.json", "report.html", "report.pdf", "groups.xlsx")]
        + [out / "alternatives.csv", out / "alternatives.json"], "--out")
    language = _lang(lang, instance)
    if pdf:
        _need_chromium()
    _check_out(out)
    problem = instance.problem
    interrupts = _Interrupts()
    try:
        # The outputs take time too: the search ends early enough for them (at most 30 % of
        # the limit), and explanations stop when only the rest of the outputs' time is left.
        rest, explaining = output_seconds(problem, explain_limit, html, xlsx, pdf)
        copies = alternatives_k or 1
        params = Params(time_limit=time_limit, seed=seed, workers=workers, started=_started,
                        reserve=min(0.3 * time_limit, copies * (rest + explaining)))
        deadline = _started + time_limit - copies * rest
        if alternatives_k is not None:
            from pilotopt.proposals import alternatives

            with interrupts, solve_progress(_err, time_limit, _started, show=not quiet,
                                            lang=language) as on_progress:
                alts = interrupts.run(lambda: alternatives(
                    problem, params, alternatives_k, min_difference, on_progress=on_progress,
                    stop=interrupts.stop))
                _alternatives_outputs(instance, alts, alternatives_k, given, out, quiet, html,
                                      xlsx, pdf, language, notes, explain_limit, deadline)
            if alts.message == "interrupted":
                _fail(interrupts.code, "interrupted: wrote the proposals found so far")
            return
        with interrupts, solve_progress(_err, time_limit, _started, show=not quiet,
                                        lang=language) as on_progress:
            result = interrupts.run(lambda: solve(problem, params, on_progress=on_progress,
                                                  stop=interrupts.stop))
            _keep_hand_edits(out, assignment_csv(problem, result.assignment), language)
            _solve_outputs(instance, result, given, out, quiet, html, xlsx, pdf, language,
                           notes, store, explain_limit, deadline)
    except StoppedError:
        _fail(interrupts.code, text("interrupted.nothing", language))
    except InfeasibleError as exc:
        _fail(EXIT_INFEASIBLE, f"infeasible: {exc}")
    except NoSolutionError as exc:
        compile_in_background()  # when a search was still compiling, for the next run
        _fail(EXIT_NO_SOLUTION, str(exc))
    except _Aborted as exc:
        _fail(exc.code, "aborted: nothing more written")
    if result.status is Status.INTERRUPTED:
        _fail(interrupts.code, text("interrupted.wrote", language))
    if result.stats.kernel_ready_at is None and compile_in_background():
        _err.print(text("kernel.compiling", language), highlight=False, markup=False)


def _sources(given: Mapping[str, str | None]) -> dict[str, dict[str, str]]:
    return {k: {"path": str(p), "sha256": file_digest(str(p)),
                "resolved": str(Path(str(p)).resolve())} for k, p in given.items()}


def _solve_outputs(instance: Instance, result: Result, given: Mapping[str, str | None],
                   out: Path, quiet: bool, html: bool, xlsx: bool, pdf: bool, language: Any,
                   notes: bool, store: str | None, explain_limit: int,
                   deadline: float | None = None, extra: Mapping[str, Any] | None = None) -> None:
    """Write and print what a solve produced (each file whole or not at all); ``extra`` adds
    keys to result.json; explanations stop at ``deadline`` (a ``time.perf_counter()``)."""
    from pilotopt.baseline import by_hand

    problem = instance.problem
    sources = _sources(given)
    explained, skipped = explain_all(problem, result.assignment, instance.orgs, explain_limit,
                                     deadline)
    against = (None if instance.previous is None
               else continuity(problem, instance.previous, result.assignment))
    document = result_document(problem, result, sources, instance.orgs, explained, skipped,
                               None if against is None else against.to_dict(),
                               baseline=by_hand(problem, result.params.seed))
    gain = gain_sentence(document["baseline"], result.objective, language)
    written = write_outputs(out, {
        "assignment.csv": assignment_csv(problem, result.assignment),
        "result.json": {**document, **(extra or {})},
    })
    if quiet:
        _out.print(summary_line(result, language))
    else:
        print_result(_out, problem, instance.orgs, result, lang=language, notes=notes,
                     files=[str(p) for p in written])
    for line in against.lines(language) if against is not None else []:
        _out.print(line, highlight=False, markup=False)
    _out.print(gain, highlight=False, markup=False)  # wrapped between words, as the tables
    params = result.params
    meta = {"status": str(result.status), "seed": params.seed, "time_limit": params.time_limit,
            "workers": params.workers,
            "runtime": round(result.runtime, 1), "bound": result.bound, "gap": result.gap,
            "gain": gain}
    written += _reports(instance, result.assignment, result.evaluation, meta,
                        out / "report.html" if html else None,
                        out / "groups.xlsx" if xlsx else None, language,
                        out / "report.pdf" if pdf else None, explained)
    _out.print(wrote(written, language))
    if store is not None:
        from pilotopt.store import record_solve

        record_solve(store, result, sources, time.perf_counter() - _started)


def _alternatives_outputs(instance: Instance, alts: proposals.Alternatives, asked: int,
                          given: Mapping[str, str | None], out: Path, quiet: bool, html: bool,
                          xlsx: bool, pdf: bool, language: Any, notes: bool,
                          explain_limit: int, deadline: float | None = None) -> None:
    """Each proposal's files in out/alt-J (as solve writes them), then the table side by side."""
    from pilotopt.report.proposals import print_alternatives, rows_csv

    problem = instance.problem
    for j, p in enumerate(alts.proposals):
        folder = out / f"alt-{j + 1}"
        _out.print(f"alternative {j + 1}:")
        _keep_hand_edits(folder, assignment_csv(problem, p.result.assignment), language)
        _solve_outputs(instance, p.result, given, folder, True, html, xlsx, pdf, language,
                       notes, None, explain_limit, deadline,
                       extra={"alternative": alts.document(j)})
    rows = alts.rows()
    written = write_outputs(out, {"alternatives.csv": rows_csv(rows), "alternatives.json": {
        "pilotopt_version": package_version(), "inputs": _sources(given),
        **alts.summary(asked), "alternatives": rows}})
    if not quiet:
        print_alternatives(_out, alts, lang=language, asked=asked)
    _out.print(wrote(written, language))


class _Aborted(BaseException):
    """A second interrupt: stop at once (a BaseException, so atomic writes clean up)."""

    def __init__(self, code: int) -> None:
        self.code = code


#: Seconds after the first interrupt in which another is the same request delivered twice, not
#: a second Ctrl-C: ``timeout`` sends its signal to the process and to its process group.
REPEAT_WINDOW = 0.5


class _Interrupts:
    """SIGINT/SIGTERM during a solve: the first sets :attr:`stop` (the solve returns its best,
    which is written), a second (after :data:`REPEAT_WINDOW`) aborts at once. :attr:`code` is
    the exit code, 128 + signal."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.code = 128 + signal.SIGINT
        self._before: dict[int, Any] = {}
        self._first = 0.0

    def __enter__(self) -> _Interrupts:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._before[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._before.items():
            signal.signal(sig, handler)

    def _handle(self, signum: int, _frame: object) -> None:
        now = time.monotonic()
        if self.stop.is_set():
            if now - self._first < REPEAT_WINDOW:
                return
            raise _Aborted(128 + signum)
        self._first = now
        self.code = 128 + signum
        self.stop.set()

    def run(self, work: Callable[[], T]) -> T:
        """Run ``work`` in a thread while this (main) thread stays free to take signals: a
        solver's C code in the main thread would hold them back until it returns."""
        box: list[T] = []
        errors: list[BaseException] = []

        def target() -> None:
            try:
                box.append(work())
            except BaseException as exc:  # re-raised here
                errors.append(exc)

        thread = threading.Thread(target=target, name="pilotopt-solve", daemon=True)
        thread.start()
        while thread.is_alive():
            thread.join(0.05)
        if errors:
            raise errors[0]
        return box[0]


def _check_out(out: Path) -> None:
    """Fail before solving when --out cannot take the files (exit 2, one line). Nothing is
    created: a missing folder is checked through the nearest folder above it that exists."""
    if out.exists() and not out.is_dir():
        _fail(EXIT_INPUT, f"--out {out}: not a folder")
    probe_dir = next((d for d in (out, *out.absolute().parents) if d.exists()), Path("."))
    if not probe_dir.is_dir():
        _fail(EXIT_INPUT, f"--out {out}: {probe_dir} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(dir=probe_dir, prefix=".pilotopt-probe-")
        try:
            os.write(fd, b"\0" * 65536)  # a full disk fails here
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        _fail(EXIT_INPUT, f"--out {out}: cannot write there ({exc.strerror or exc})")


def _keep_hand_edits(out: Path, new: str, lang: Lang) -> None:
    """An assignment.csv in --out that differs from the new one (e.g. edited by hand) is kept
    as assignment.csv.bak (replacing an older backup) before it is overwritten."""
    old = out / "assignment.csv"
    try:
        if old.read_text(encoding="utf-8", errors="replace") == new:
            return
    except FileNotFoundError:
        return
    os.replace(old, out / "assignment.csv.bak")
    click.echo(text("kept_backup", lang, old=old), err=True)


@main.command()
@_roster_arg
@_scenario_opt
@_assignment_opt
@_history_opt
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Also write score.json (the per-rule and per-group breakdown) here.")
@_lang_opt
@_notes_opt
def score(roster: str, scenario: str | None, assignment_path: str, out_dir: str | None,
          lang: str | None, notes: bool, history: tuple[str, ...]) -> None:
    """Evaluate an assignment made or edited by hand, with the same breakdown as solve."""
    instance, assignment = _load_with_assignment(roster, scenario, assignment_path, history)
    problem = instance.problem
    language = _lang(lang, instance)
    ev = evaluate(problem, assignment)
    print_evaluation(_out, problem, instance.orgs, assignment, ev, lang=language, notes=notes)
    hard = text("hard_ok", language) if ev.feasible else text(
        "hard_broken", language, rules=", ".join(
            problem.rules[r.rule].label_in(language) for r in ev.broken_hard_rules()))
    click.echo(text("objective", language, objective=f"{ev.objective:g}", hard=hard))
    if out_dir is not None:
        _write_document(out_dir, "score.json", assignment_path, {
            **judged(problem, assignment, ev, instance.orgs),
            "left_out": [problem.ids[i] for i in ev.left_out]}, language)
    sys.exit(0 if ev.feasible else 1)


@main.command()
@_roster_arg
@_scenario_opt
@_assignment_opt
@_history_opt
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Also write analysis.json here.")
@_lang_opt
def analyze(roster: str, scenario: str | None, assignment_path: str, out_dir: str | None,
            lang: str | None, history: tuple[str, ...]) -> None:
    """The ecosystem of an assignment: who offers what another member needs, ties across the
    social and regular economy, members without a tie, transition paths, and how much of the
    network's complementarity the grouping keeps. Says so when hard rules are broken."""
    from pilotopt.analysis import analyze as analyze_assignment

    instance, assignment = _load_with_assignment(roster, scenario, assignment_path, history)
    orgs, weights = instance.orgs, instance.weights
    result = analyze_assignment(instance.problem, assignment, orgs, weights)
    language = _lang(lang, instance)
    print_analysis(_out, result, instance.problem, evaluate(instance.problem, assignment),
                   lang=language)
    if out_dir is not None:
        _write_document(out_dir, "analysis.json", assignment_path, result.to_dict(), language)


@main.command()
@_roster_arg
@_scenario_opt
@_assignment_opt
@_history_opt
@click.option("--out", "-o", "html", type=click.Path(dir_okay=False), default=None,
              help="The HTML report to write (one self-contained file).")
@click.option("--xlsx", type=click.Path(dir_okay=False), default=None,
              help="The workbook to write: a summary sheet and one sheet per group.")
@click.option("--pdf", type=click.Path(dir_okay=False), default=None,
              help="The PDF to write (A4, a page per group), printed by headless Chromium; "
                   "exit 2 when Chromium is not installed.")
@_lang_opt
@_explain_limit_opt
def report(roster: str, scenario: str | None, assignment_path: str, html: str | None,
           xlsx: str | None, pdf: str | None, lang: str | None, history: tuple[str, ...],
           explain_limit: int) -> None:
    """A report of an assignment (e.g. an edited assignment.csv) to hand to partners and funder:
    groups, members, what each gives and gets and why it sits there, a map, the ties and every
    rule."""
    if html is None and xlsx is None and pdf is None:
        _fail(EXIT_INPUT, "say what to write: --out report.html, --pdf report.pdf and/or "
              "--xlsx groups.xlsx")
    if pdf is not None:
        _need_chromium()
    instance, assignment = _load_with_assignment(roster, scenario, assignment_path, history)
    given = {"roster": roster, "scenario": scenario, "assignment": assignment_path}
    outputs = [Path(p) for p in (html, xlsx, pdf) if p]
    _refuse_overwriting(given, outputs, "--out/--xlsx/--pdf")
    evaluation = evaluate(instance.problem, assignment)
    meta = {"sources": {k: v for k, v in given.items() if v}}
    language = _lang(lang, instance)
    explained, _ = explain_all(instance.problem, assignment, instance.orgs, explain_limit)
    written = _reports(instance, assignment, evaluation, meta, Path(html) if html else None,
                       Path(xlsx) if xlsx else None, language, Path(pdf) if pdf else None,
                       explained)
    _out.print(wrote(written, language))


@main.command()
@click.option("--organisations", "-n", type=click.IntRange(min=2), required=True,
              help="Number of organisations in the roster.")
@click.option("--groups", "-g", type=click.IntRange(min=1), default=None,
              help="Number of pilot groups  [default: organisations / 9, rounded]")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Random seed; the same seed gives byte-identical files.")
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder for roster.csv and scenario.toml.")
@click.option("--province", "provinces", multiple=True,
              help="Place organisations only in this province (repeatable; default all).")
def generate(organisations: int, groups: int | None, seed: int, out_dir: str,
             provinces: tuple[str, ...]) -> None:
    """Write a synthetic roster and scenario (DOMAIN.md section 5)."""
    try:
        inst, written = write_instance(out_dir, organisations, groups, seed,
                                       provinces=list(provinces) or None)
    except GenerationError as exc:
        _fail(EXIT_INPUT, str(exc))
    travel = "hard" if inst.travel_hard else "soft"
    _out.print(f"{organisations} organisations, {inst.groups} groups, "
               f"travel max_distance {inst.travel_km:g} km ({travel})")
    _out.print(wrote(written, choose()))


main.add_command(batch)
main.add_command(runs)


@main.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; any other than loopback requires the token printed "
                   "at start.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--dir", "folder", type=click.Path(file_okay=False), default="workspace",
              show_default=True, help="Workspace folder: uploads, the run store and each "
                                      "run's assignment.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Solver threads  [default: every core]")
def serve_cmd(host: str, port: int, folder: str, workers: int | None) -> None:
    """A local web workspace: upload a roster and a scenario (or open the demo), solve with
    live progress, drag organisations between groups and see the new score at once."""
    from pilotopt.web.serve import serve

    serve(host, port, folder, workers, say=click.echo)


# ----------------------------------------------------------------------------------------------
# What-if questions about an assignment (pilotopt.explain, built on pilotopt.moves)
# ----------------------------------------------------------------------------------------------


def _indices(problem_ids: tuple[str, ...], ids: tuple[str, ...]) -> list[int]:
    """The index of each id: every copy of one in several groups (Problem.roster_index)."""
    index: dict[str, list[int]] = {}
    for i, org_id in enumerate(problem_ids):
        index.setdefault(org_id, []).append(i)
    unknown = [i for i in ids if i not in index]
    if unknown:
        _fail(EXIT_INPUT, "\n".join(f"no organisation with id {i!r} in the roster"
                                    for i in unknown))
    return [k for i in ids for k in index[i]]


@main.command(name="explain")
@_roster_arg
@_scenario_opt
@_assignment_opt
@_history_opt
@click.argument("ids", nargs=-1)
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Also write explain.json here.")
@_lang_opt
def explain_cmd(roster: str, scenario: str | None, assignment_path: str, ids: tuple[str, ...],
                out_dir: str | None, lang: str | None, history: tuple[str, ...]) -> None:
    """Why each organisation (IDS; default all) sits in its group: what it gives and gets there,
    its best alternative groups with the exact change of the objective and of each rule, and
    the rule that blocks a better move."""
    from pilotopt.explain import explain

    instance, assignment = _load_with_assignment(roster, scenario, assignment_path, history)
    problem = instance.problem
    found = explain(problem, assignment, _indices(problem.ids, ids) if ids else None,
                    instance.orgs)
    for e in found:
        print_lines(_out, e.lines(problem, _lang(lang, instance)))
    if out_dir is not None:
        _write_document(out_dir, "explain.json", assignment_path,
                        {"organisations": [e.to_dict(problem) for e in found]},
                        _lang(None, instance))


@main.command(name="fit")
@_roster_arg
@_scenario_opt
@_assignment_opt
@_history_opt
@click.argument("org_id")
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Also write fit.json here.")
@_lang_opt
def fit_cmd(roster: str, scenario: str | None, assignment_path: str, org_id: str,
            out_dir: str | None, lang: str | None, history: tuple[str, ...]) -> None:
    """Where ORG_ID, a late registration (in the roster, not in the assignment), fits: every
    group ranked by the change of the objective and of each rule if it joined, nobody else
    moving, and the best single swap (it takes the seat of a member who moves)."""
    from pilotopt.explain import fit

    instance = _load(roster, scenario, history)
    _warn(instance)
    problem = instance.problem
    newcomer = _indices(problem.ids, (org_id,))[0]
    try:
        assignment = read_assignment(assignment_path, problem, absent={org_id})
    except InputError as exc:
        _input_error(exc)
    found = fit(problem, assignment, newcomer)
    print_lines(_out, found.lines(problem, _lang(lang, instance)))
    if out_dir is not None:
        _write_document(out_dir, "fit.json", assignment_path, found.to_dict(problem),
                        _lang(None, instance))


@main.command(name="diff")
@_roster_arg
@_scenario_opt
@click.argument("a_path", metavar="A", type=click.Path(dir_okay=False))
@click.argument("b_path", metavar="B", type=click.Path(dir_okay=False))
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Also write diff.json here.")
@click.option("--html", type=click.Path(dir_okay=False), default=None,
              help="Also write the comparison as one self-contained HTML page.")
@_lang_opt
def diff_cmd(roster: str, scenario: str | None, a_path: str, b_path: str, out_dir: str | None,
             html: str | None, lang: str | None) -> None:
    """Compare assignment A (before) with B (after): who moved, pairs kept, broken and formed,
    and the change of every rule, every group and the objective (each side as score judges
    it)."""
    from pilotopt.diff import diff
    from pilotopt.report.diff import diff_lines, render_diff_html

    instance = _load(roster, scenario)
    _warn(instance)
    problem = instance.problem
    if html is not None:
        _refuse_overwriting({"roster": roster, "scenario": scenario, "a": a_path, "b": b_path},
                            [Path(html)], "--html")
    found, problems = [], []
    for path in (a_path, b_path):
        try:
            found.append(read_assignment(path, problem))
        except InputError as exc:
            problems += exc.problems
    if problems:
        _input_error(InputError(problems))
    language = _lang(lang, instance)
    d = diff(problem, found[0], found[1])
    sources = {"a": a_path, "b": b_path}
    print_lines(_out, diff_lines(d, sources, language))
    written = []
    if html is not None:
        atomic_write(Path(html), render_diff_html(d, sources, language))
        written.append(html)
    if out_dir is not None:
        written += [str(x) for x in write_outputs(Path(out_dir), {"diff.json": {
            "pilotopt_version": package_version(),
            "assignments": {k: {"path": v, "sha256": file_digest(v)} for k, v in sources.items()},
            **d.to_dict()}})]
    if written:
        _out.print(wrote(written, language))


# ----------------------------------------------------------------------------------------------
# Several proposals: the trade-off front and the sensitivity (pilotopt.proposals)
# ----------------------------------------------------------------------------------------------


def _rule_numbers(problem: Problem, given: tuple[str, ...]) -> list[int] | None:
    """Rules named by id (``rule 3``, ``groups.size``) or number (``3``); None for none given."""
    if not given:
        return None
    index = {r.id: k for k, r in enumerate(problem.rules)}
    unknown = [g for g in given if g not in index and f"rule {g}" not in index]
    if unknown:
        _fail(EXIT_INPUT, "\n".join(f"no rule {g!r} in the scenario (rules: "
                                    f"{', '.join(index)})" for g in unknown))
    return [index.get(g, index.get(f"rule {g}", 0)) for g in given]


_rule_opt = click.option("--rule", "rules", multiple=True,
                         help="A rule by id (rule 3) or number (3); repeatable. Default: all.")


@main.command(name="front")
@_roster_arg
@_scenario_opt
@click.option("--time-limit", "-t", type=click.FloatRange(min=0, min_open=True), default=30.0,
              show_default=True, help="Seconds for all the points together.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=os.cpu_count() or 1,
              show_default=True, help="Solver threads.")
@click.option("--points", type=click.IntRange(min=1), default=5, show_default=True,
              help="Solves: weight factors 0, then powers of 4 around 1.")
@_rule_opt
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder for front.html, front.csv, front.json and point-J/.")
@_lang_opt
def front_cmd(roster: str, scenario: str | None, time_limit: float, seed: int, workers: int,
              points: int, rules: tuple[str, ...], out_dir: str, lang: str | None) -> None:
    """The trade-off between complementarity and the soft rules (balance, proximity, ...):
    a solve per weight factor on those rules, the points no other beats on both, as a plot
    (front.html) whose points open their assignments."""
    from pilotopt.proposals.front import front
    from pilotopt.proposals.reweigh import soft_rules
    from pilotopt.report.front import write_front

    instance = _load(roster, scenario)
    _warn(instance)
    problem = instance.problem
    chosen = _rule_numbers(problem, rules)
    if not (chosen or soft_rules(problem)):
        _fail(EXIT_INPUT, "the scenario has no soft rule to weigh against complementarity")
    language = _lang(lang, instance)
    out = Path(out_dir)
    given = {"roster": roster} if instance.scenario is None else {
        "roster": roster, "scenario": scenario}
    _refuse_overwriting(given, [out / n for n in ("front.html", "front.csv", "front.json")]
                        + [out / f"point-{j + 1}" / n for j in range(points)
                           for n in ("assignment.csv", "result.json")], "--out")
    _check_out(out)
    interrupts = _Interrupts()
    params = Params(time_limit=time_limit, seed=seed, workers=workers, started=_started)
    try:
        with interrupts:
            found = interrupts.run(lambda: front(problem, params, points, chosen,
                                                 stop=interrupts.stop))
            written = write_front(out, instance, found, _sources(given), lang=language)
    except StoppedError:
        _fail(interrupts.code, "interrupted before any point was solved; nothing written")
    except InfeasibleError as exc:
        _fail(EXIT_INFEASIBLE, f"infeasible: {exc}")
    except NoSolutionError as exc:
        _fail(EXIT_NO_SOLUTION, str(exc))
    for row in found.rows(problem):
        _out.print(text("front.line", language, point=row["point"],
                        factor=f"{row['factor']:g}", c=f"{row['complementarity']:g}",
                        p=f"{row['penalty']:g}")
                   + ("" if row["on_front"] else text("front.dominated", language)))
    _out.print(wrote([p for p in written if p.parent == out], language))
    if found.message == "interrupted":
        _fail(interrupts.code, "interrupted: wrote the points solved so far")


@main.command(name="sensitivity")
@_roster_arg
@_scenario_opt
@_assignment_opt
@click.option("--time-limit", "-t", type=click.FloatRange(min=0, min_open=True), default=10.0,
              show_default=True, help="Seconds for all the runs together.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@_rule_opt
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder for sensitivity.json.")
@_lang_opt
def sensitivity_cmd(roster: str, scenario: str | None, assignment_path: str, time_limit: float,
                    seed: int, rules: tuple[str, ...], out_dir: str, lang: str | None) -> None:
    """Which placements of the assignment change when each soft weight moves by 50 % either
    way, and which rules bind (what removing each would add to the objective): heuristic
    estimates, each a short search from the assignment."""
    from pilotopt.proposals.sensitivity import sensitivity
    from pilotopt.report.proposals import print_sensitivity

    instance, assignment = _load_with_assignment(roster, scenario, assignment_path)
    problem = instance.problem
    chosen = _rule_numbers(problem, rules)
    _check_out(Path(out_dir))
    interrupts = _Interrupts()
    try:
        with interrupts:
            found = interrupts.run(lambda: sensitivity(
                problem, assignment, time_limit=time_limit, seed=seed, rules=chosen,
                stop=interrupts.stop, started=_started))
    except ValueError as exc:
        _fail(EXIT_INPUT, f"{assignment_path}: {exc}")
    language = _lang(lang, instance)
    print_sensitivity(_out, problem, found, lang=language)
    _write_document(out_dir, "sensitivity.json", assignment_path, {
        "inputs": _sources({"roster": roster, "scenario": scenario} if scenario
                           else {"roster": roster}),
        **found.to_dict(problem)}, language)
    if interrupts.stop.is_set():
        _fail(interrupts.code, "interrupted: the estimates come from runs cut short")


def run() -> NoReturn:
    """The ``pilotopt`` program: :func:`main`, then out of the process at once.

    Everything is written and flushed by then; skipping the interpreter's teardown (numba,
    OR-Tools and their threads: most of a second, measured at 0.8 s after a 3 s solve on a busy
    machine) keeps a run's whole-process time within its limit.
    """
    global _program
    _program = True
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            click.echo(str(exc.code), err=True)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
