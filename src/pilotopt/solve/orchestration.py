"""The run: construction, local search and CP-SAT under one clock (:func:`solve`)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from pilotopt.errors import NoSolutionError, StoppedError
from pilotopt.evaluate import evaluate
from pilotopt.problem import SCALE, GroupSum, IntArray, Problem
from pilotopt.solve.bound import pair_bound
from pilotopt.solve.clock import Clock
from pilotopt.solve.conflicts import counted_conflict, infeasible_error
from pilotopt.solve.loader import KernelLoader, kernel, large_kernel
from pilotopt.solve.params import Params
from pilotopt.solve.progress import Progress, Tracker
from pilotopt.solve.result import PhaseRun, Result, Statistics, Status

if TYPE_CHECKING:
    from pilotopt.solve.cpsat import CpSatOutcome
    from pilotopt.solve.search.sampled import LargeSearch
    from pilotopt.solve.search.tabu import Rates

__all__ = ["solve"]

#: CP-SAT's deterministic time per second of the limit with one worker (``workers == 1``), set
#: well below what this kind of machine achieves so that the work limit, not the clock, ends
#: it. The local search's work budget is calibrated (:mod:`pilotopt.solve.calibration`).
CPSAT_DETERMINISTIC_PER_SECOND = 0.5
#: The reproducible mode's work budget is the work of this share of the search's time, less
#: WORK_MARGIN seconds (the time from the kept start-up to the limit): room for a run that
#: starts its search later than the calibration's start-up or searches a little slower, so
#: that the budget, not the clock, ends it and the run repeats.
WORK_SHARE = 0.97
WORK_MARGIN = 0.1
#: The same for the large-instance search, whose kept rate is not corrected by later runs.
LARGE_WORK_SHARE = 0.95
LARGE_WORK_MARGIN = 0.2
#: A fixed, machine-independent iteration rate of the dense search (organisation-group pairs
#: scanned per second), for callers that need equal budgets whatever the machine
#: (:mod:`pilotopt.proposals.sensitivity`); a solve's own budget is calibrated.
LS_MOVES_PER_SECOND = 2_000_000
#: The CP-SAT model has a variable per weighted pair and group; beyond this its improvements
#: and bounds do not pay for the time they take from the local search.
CPSAT_MAX_PAIR_VARIABLES = 50_000
#: Problems with score factors, or with more organisation-group pairs than this, go to the
#: large-instance search (:mod:`pilotopt.solve.search.sampled`): the dense n x m tables and scans
#: and CP-SAT's n x m booleans stop paying there.
LARGE_MIN_CELLS = 250_000
#: A large problem with a rule the large-instance search does not know (``optional``) goes to
#: the kernel with dense scores up to this many organisations (n x n scores, n x m tables).
DENSE_FALLBACK_MAX = 1_000
#: Deterministic work rate of the large-instance search (``workers == 1``) with a fixed
#: calibration file: visits of an organisation per second of the limit, well below what this
#: kind of machine achieves. Otherwise each problem shape's own rate is measured and kept
#: (:func:`pilotopt.solve.calibration.large_rate`).
LARGE_VISITS_PER_SECOND = 4_000


def solve(
    problem: Problem,
    params: Params | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
) -> Result:
    """Find the best assignment within ``params.time_limit`` seconds.

    Phases, under one clock: a first assignment meeting every hard rule (from CP-SAT, while the
    search kernel loads); the compiled local search from it; then CP-SAT, hinted with the best
    assignment, to improve it and bound the objective where the model is small enough. With one
    worker every phase is bounded by deterministic work, so a seed repeats its result. The run
    ends early, status ``optimal``, when the objective meets a proven bound.

    ``on_progress`` is called with a :class:`Progress` for each improvement (from solver
    threads: keep it quick); ``Result.stats.trace`` lists them as (seconds, objective,
    feasible). Setting ``stop`` (from any thread, e.g. a signal handler) ends the run within
    about a second with the best assignment so far, status ``interrupted``.

    Raises
    ------
    InfeasibleError
        When the hard rules provably cannot all hold; names a conflicting set of them (at
        once, before any search, when counting shows it: see
        :func:`~pilotopt.solve.conflicts.counted_conflict`).
    NoSolutionError
        When no assignment meeting every hard rule was found in time (:class:`StoppedError`
        when ``stop`` ended the run first).
    """
    params = params or Params()
    conflict = counted_conflict(problem)
    if conflict is not None:
        raise conflict
    clock = Clock(params.time_limit - params.reserve, params.started, stop)
    try:
        return _solve(problem, params, clock, on_progress)
    finally:
        clock.close()


def _solve(problem: Problem, params: Params, clock: Clock,
           on_progress: Callable[[Progress], None] | None) -> Result:
    deterministic = params.workers == 1
    stats = Statistics(deterministic=deterministic, output_reserve=round(params.reserve, 3))
    if problem.factors is not None or problem.n * problem.m > LARGE_MIN_CELLS:
        from pilotopt.solve.search.encode import supported

        if supported(problem):
            return _solve_large(problem, params, clock, stats, Tracker(clock, on_progress))
        if problem.n > DENSE_FALLBACK_MAX:
            raise NoSolutionError(
                f"{problem.n} organisations in {problem.m} groups need the large-instance "
                f"search, which does not know the optional rule, memberships that may be "
                f"left free nor the size-fair objective (up to {DENSE_FALLBACK_MAX} the kernel "
                "takes them); drop the rule, set [membership] exact = true, drop "
                "[complementarity] per_member or split the roster")
        if problem.factors is not None:
            problem = replace(problem, score=problem.factors.dense(), factors=None)
    loader = kernel()  # loads in the background from here
    # CP-SAT is imported only by the phases that use it: ortools (and the pandas it pulls in)
    # takes a third of a second that a run without them (sizes only, no polish) should not pay.
    pairs = int(np.count_nonzero(np.triu(problem.score, 1))) * problem.m
    polish = pairs <= CPSAT_MAX_PAIR_VARIABLES
    own_bound = pair_bound(problem)
    tracker = Tracker(clock, on_progress, target=own_bound)

    tracker.phase = "construct"
    start = (None if _sizes_only(problem)
             else _construct(problem, params, clock, stats))
    if start is not None:
        tracker.offer(evaluate(problem, start).objective_scaled)
    candidates = [] if start is None else [start]
    bound: float | None = None
    proven = False

    def take(outcome: CpSatOutcome) -> PhaseRun:
        """Keep a CP-SAT run's assignment, and its bound when it found one (else untrusted)."""
        nonlocal bound
        if outcome.assignment is not None:
            candidates.append(outcome.assignment)
            if outcome.bound is not None:
                b = outcome.bound / SCALE
                bound = b if bound is None else min(bound, b)
        return PhaseRun(outcome.status, round(outcome.wall_time, 3))

    def stop_cpsat_when_ready(stop_search: Callable[[], None]) -> None:
        loader.call_when_ready(stop_search)
        clock.on_halt(stop_search)

    if (start is not None and not loader.ready.is_set() and polish
            and not deterministic and clock.left() > 0):
        # First run: CP-SAT improves the start until the kernel has compiled.
        from pilotopt.solve.cpsat import solve_cpsat

        tracker.phase = "cp-sat"
        stats.cpsat_while_compiling = take(solve_cpsat(
            problem, time_limit=clock.left() * 0.95, seed=params.seed, workers=params.workers,
            hint=start, stop_when=stop_cpsat_when_ready, on_objective=tracker.offer,
        ))
    waiting = None
    if start is None and not _cached_ready(loader, clock):
        # Sizes are the only hard rules: plain numpy searches until the kernel is ready.
        waiting = _while_loading(problem, params.seed, clock, tracker, loader.ready)
        if waiting is not None and not deterministic:
            start = waiting
    while not loader.ready.wait(0.05):
        if clock.halt.is_set() or clock.left() <= 0:
            break
    stats.kernel_ready_at = round(clock.elapsed(), 3) if loader.ready.is_set() else None
    if waiting is not None and not loader.ready.is_set():
        candidates.append(waiting)  # reproducible runs use it only without the kernel
    share = 2 / 3 if polish else 1.0  # of the time left; CP-SAT polishes in the rest
    ls_time = clock.left() * share
    best = start if start is not None else waiting
    if loader.ready.is_set() and (clock.left() > 0.01 or (start is None
                                                            and not clock.halt.is_set())):
        tracker.phase = "search"

        def improved(_: IntArray, objective: int, feasible: bool) -> None:
            tracker.offer(objective, feasible)

        work = None
        if deterministic:  # from the limit and the kept calibration, never the clock: repeats
            from pilotopt.solve.calibration import calibration, rates_for

            cal = calibration(clock.elapsed())
            seconds = (clock.limit - cal.startup) * share * WORK_SHARE - WORK_MARGIN
            work = (max(0.05, seconds), rates_for(problem, start, cal))
        cpu = time.thread_time()
        best, stats.local_search = _local_search(problem, start, ls_time, params, improved,
                                                 clock.halt, work=work)
        if deterministic and stats.local_search["stopped_by"] == "time":
            from pilotopt.solve.calibration import slower

            slower(problem, stats.local_search["work"] / max(1e-6, time.thread_time() - cpu))
        candidates.append(best)
    if best is None:
        raise StoppedError("stopped before any assignment meeting every hard rule was found")

    if polish and clock.left() > 0.05:
        from pilotopt.solve.cpsat import solve_cpsat

        tracker.phase = "cp-sat"
        outcome = solve_cpsat(
            problem, time_limit=clock.left() * 0.95, seed=params.seed, workers=params.workers,
            hint=best,
            deterministic_time=(clock.limit * 0.25 * CPSAT_DETERMINISTIC_PER_SECOND
                                if deterministic else None),
            stop_when=clock.on_halt, on_objective=tracker.offer,
        )
        stats.cpsat = take(outcome)
        proven = outcome.status == "optimal"

    # The evaluator is the judge: the best candidate by its count, and it must hold every rule.
    scored = [(evaluate(problem, a), a) for a in candidates]
    evaluation, assignment = max(
        ((e, a) for e, a in scored if e.feasible), key=lambda ea: ea[0].objective_scaled,
        default=(scored[0][0], scored[0][1]),
    )
    if not evaluation.feasible:
        broken = ", ".join(r.id for r in evaluation.broken_hard_rules())
        raise RuntimeError(f"internal error: the search returned an assignment breaking {broken}")
    own = own_bound / SCALE
    bound = own if bound is None else min(bound, own)
    status = Status.FEASIBLE
    if proven or bound * SCALE <= evaluation.objective_scaled:
        status, bound = Status.OPTIMAL, evaluation.objective
        stats.stopped_by = "optimal"
    elif clock.interrupted():
        status, stats.stopped_by = Status.INTERRUPTED, "interrupt"
    return _finish(problem, params, clock, stats, tracker, assignment, status, bound)


def _finish(problem: Problem, params: Params, clock: Clock, stats: Statistics, tracker: Tracker,
            assignment: IntArray, status: Status, bound: float | None) -> Result:
    """The result of a run, its best assignment judged by the evaluator (memberships joined
    where they help, copies of an organisation in several groups in their canonical order, which
    never scores less)."""
    assignment = problem.canonical(_join_where_it_helps(problem, assignment))
    evaluation = evaluate(problem, assignment)
    tracker.phase = "evaluate"
    tracker.offer(evaluation.objective_scaled)
    stats.trace = tracker.trace
    return Result(assignment=np.asarray(assignment, dtype=np.int64), evaluation=evaluation,
                  status=status, bound=bound, runtime=clock.elapsed(), params=params,
                  stats=stats, problem=problem)


def _join_where_it_helps(problem: Problem, assignment: IntArray) -> IntArray:
    """Each further membership left out (see :attr:`Problem.roster_index`) joins the group
    where it raises the objective most, if one does and every hard rule still holds.

    A run cut short (a short time limit on a loaded machine) may end with the first assignment,
    which takes up no more memberships than the hard rules need; a few what-if moves make sure
    joining is taken wherever it helps on its own.
    """
    left = np.flatnonzero(problem.further & (assignment < 0))
    if not len(left):
        return assignment
    from pilotopt.moves import WhatIf

    what_if = WhatIf(problem, assignment)
    for i in left.tolist():
        changes = [c for g in range(problem.m) if (c := what_if.move(i, g)).hard_violation <= 0]
        best = max(changes, key=lambda c: c.objective_scaled, default=None)
        if best is not None and best.objective_scaled > 0:
            what_if.apply(best)
    return np.array(what_if.assignment)


def _solve_large(
    problem: Problem, params: Params, clock: Clock, stats: Statistics, tracker: Tracker
) -> Result:
    """The large-instance search: construction and repair (CP-SAT only on small parts), then
    sampled moves with low-rank deltas; see :mod:`pilotopt.solve.search.sampled`."""
    from pilotopt.solve.search.construct import even_sizes
    from pilotopt.solve.search.sampled import cpsat_repair, run

    lo, hi = problem.size_bounds()
    if even_sizes(problem.n, lo, hi) is None:
        raise infeasible_error(problem, sorted({p.rule for p in problem.primitives if isinstance(
            p, GroupSum) and p.hard and bool(np.all(p.w == 1))}))
    deterministic = params.workers == 1
    tracker.phase = "construct"
    loader = large_kernel()
    while not loader.ready.wait(0.05):  # the first run after installation compiles it
        if clock.halt.is_set() or clock.left() <= 0:
            if clock.interrupted():
                raise StoppedError("stopped before any assignment meeting every hard rule "
                                   "was found")
            raise NoSolutionError(
                f"the large-instance search was not ready within {params.time_limit:g} s: it is "
                "compiled once after installation (a minute or two; it goes on in the "
                "background): run again in a few minutes")
    stats.kernel_ready_at = round(clock.elapsed(), 3)

    def improved(objective: int, feasible: bool) -> None:
        if feasible:
            tracker.phase = "search"
        tracker.offer(objective, feasible)

    def repair(assignment: IntArray, groups: IntArray) -> IntArray | None:
        return cpsat_repair(problem, assignment, groups, time_limit=min(5.0, clock.left()),
                            seed=params.seed, workers=params.workers)

    def budget(search: LargeSearch) -> int:
        """The reproducible mode's visits: from this shape's kept rate and start (measured by
        its first run), never the clock."""
        from pilotopt.solve.calibration import calibration, large_rate

        ready = stats.kernel_ready_at or 0.0
        cal = calibration(ready)
        if cal.fixed:
            return int(clock.limit * LARGE_VISITS_PER_SECOND)
        # Before the search: the kept start-up, then this shape's construction and repair (a
        # first run that waited for the kernel's compilation keeps no such wait).
        rate, before = large_rate(problem, search, cal.startup + clock.elapsed() - ready, cal)
        return int(rate * max(0.05, (clock.limit - before) * LARGE_WORK_SHARE
                              - LARGE_WORK_MARGIN))

    # The clock's left() is 0 once the run is halted, which ends the engine's loops.
    assignment, large = run(
        problem, params.seed, elapsed=clock.elapsed, left=clock.left,
        visits=budget if deterministic else None,
        on_improve=improved, repair_part=repair, stop=clock.halt,
    )
    stats.large = large
    stats.first_feasible_at = large["first_feasible_at"]
    evaluation = evaluate(problem, assignment)
    if not evaluation.feasible:
        if clock.interrupted():
            raise StoppedError("stopped before any assignment meeting every hard rule was found")
        broken = ", ".join(f"{r.label} ({r.id}: {r.violation})"
                           for r in evaluation.broken_hard_rules())
        raise NoSolutionError(
            f"no assignment meeting every hard rule was found in {params.time_limit:g} s; "
            f"still broken: {broken}. Give more time (--time-limit) or relax a hard rule")
    status = Status.FEASIBLE
    if clock.interrupted():
        status, stats.stopped_by = Status.INTERRUPTED, "interrupt"
    return _finish(problem, params, clock, stats, tracker, assignment, status, None)


def _sizes_only(problem: Problem) -> bool:
    """Whether group sizes are the only hard rules and admit an assignment.

    Then the local search builds its own start (the sizes that maximise same-group pairs).
    """
    lo, hi = problem.size_bounds()
    only = all(not p.hard or (isinstance(p, GroupSum) and bool(np.all(p.w == 1)))
               for p in problem.primitives)
    return only and bool(np.all(lo <= hi)) and lo.sum() <= problem.n <= hi.sum()


def _construct(problem: Problem, params: Params, clock: Clock, stats: Statistics) -> IntArray:
    """A first assignment meeting every hard rule, from CP-SAT's hard-rules-only model."""
    from pilotopt.solve.cpsat import conflicting_rules, relaxations, solve_cpsat

    if clock.interrupted():
        raise StoppedError("stopped before any assignment meeting every hard rule was found")
    # Nothing else can run without a start, and the search stops at the first assignment: it
    # may use almost all the time (it shares the GIL with a first kernel compilation).
    # When start-up took the time already (a loaded machine), a short grace still lets a small
    # model find its start: the limit may be passed by at most half a second.
    budget = clock.limit * 0.9
    grace = min(0.5, 0.1 * clock.limit)
    outcome = solve_cpsat(
        problem, time_limit=max(grace, min(budget, clock.left())), seed=params.seed,
        workers=params.workers, first_solution=True, prefer=problem.preferred_groups(),
        deterministic_time=(budget * CPSAT_DETERMINISTIC_PER_SECOND
                            if params.workers == 1 else None),
        stop_when=clock.on_halt,
    )
    stats.construct = PhaseRun(outcome.status, round(outcome.wall_time, 3))
    if outcome.status == "infeasible":
        limit = max(1.0, clock.left())
        core = conflicting_rules(problem, time_limit=limit, seed=params.seed)
        fixes = core and relaxations(problem, [k for k in core if k != 0], time_limit=limit,
                                     seed=params.seed)
        raise infeasible_error(problem, core, fixes or None)
    if outcome.assignment is None:
        if clock.interrupted():
            raise StoppedError("stopped before any assignment meeting every hard rule was found")
        raise NoSolutionError(
            f"no assignment meeting every hard rule was found in {budget:.1f} s "
            f"(of a {params.time_limit:g} s limit); give more time (--time-limit) or relax a "
            "hard rule"
        )
    return outcome.assignment


def _cached_ready(loader: KernelLoader, clock: Clock) -> bool:
    """Whether the kernel is ready, after waiting for it when it loads from numba's cache
    (within about a second: numpy's search beside it would only slow it down, both needing the
    interpreter) until a tenth of the limit is left, at most half a second."""
    last = min(0.5, 0.1 * clock.limit)
    while not loader.ready.is_set() and clock.left() > last and not clock.halt.is_set():
        if loader.known.is_set() and not loader.cached:
            break
        loader.ready.wait(0.01)
    return loader.ready.is_set()


def _while_loading(problem: Problem, seed: int, clock: Clock, tracker: Tracker,
                   ready: threading.Event) -> IntArray | None:
    """A start meeting the size bounds and numpy's swap search from it, until the kernel is
    ready or the time is up (see :mod:`pilotopt.solve.search.fallback`); None when no sizes
    fit (the kernel's search then says so)."""
    from pilotopt.solve.search import fallback

    first = fallback.start(problem, seed)
    if first is None:
        return None
    tracker.offer(evaluate(problem, first).objective_scaled)
    tracker.phase = "search"
    best, _ = fallback.improve(problem, first, seed, lambda: ready.is_set() or clock.left() <= 0)
    tracker.offer(evaluate(problem, best).objective_scaled)
    return best


def _local_search(
    problem: Problem,
    start: IntArray | None,
    time_limit: float,
    params: Params,
    on_improve: Callable[[IntArray, int, bool], None],
    halt: threading.Event,
    work: tuple[float, Rates] | None = None,
) -> tuple[IntArray, dict[str, Any]]:
    """One search (``workers == 1``: by work, reproducible), else one per worker thread."""
    from pilotopt.solve.search.tabu import local_search

    if params.workers == 1:
        return local_search(problem, start, time_limit, params.seed, work=work,
                            on_improve=on_improve, stop=halt)
    return _parallel_local_search(problem, start, time_limit, params, on_improve, halt)


def _parallel_local_search(
    problem: Problem,
    start: IntArray | None,
    time_limit: float,
    params: Params,
    on_improve: Callable[[IntArray, int, bool], None] | None = None,
    stop: threading.Event | None = None,
) -> tuple[IntArray, dict[str, Any]]:
    """Independent searches in ``params.workers`` threads (capped at the cores), best kept.

    The compiled kernel releases the GIL, so the threads run in parallel. Thread k uses seed
    ``params.seed + k * 1_000_003`` (thread 0 runs the single search's seed). Which thread wins
    depends on timing, so this is not reproducible; ``workers == 1`` is.
    """
    from pilotopt.solve.search.tabu import local_search

    count = max(1, min(params.workers, os.cpu_count() or 1))
    if count == 1:
        return local_search(problem, start, time_limit, params.seed, on_improve=on_improve,
                            stop=stop)
    results: list[tuple[IntArray, dict[str, Any]] | None] = [None] * count
    errors: list[BaseException] = []
    # Without hard rules beyond sizes any start will do: the other threads build their own,
    # which keeps them apart from thread 0.
    alone = _sizes_only(problem)

    def run(k: int) -> None:
        try:
            results[k] = local_search(problem, None if k and alone else start, time_limit,
                                      params.seed + k * 1_000_003, on_improve=on_improve,
                                      stop=stop)
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,), name=f"pilotopt-search-{k}", daemon=True)
               for k in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    done = [r for r in results if r is not None]
    best, best_stats = max(done, key=lambda r: (bool(r[1]["feasible"]), int(r[1]["objective"])))
    merged = dict(best_stats)
    merged["threads"] = [{"objective": r[1]["objective"], "iterations": r[1]["iterations"],
                          "time_to_best": round(float(r[1]["time_to_best"]), 3)} for r in done]
    return best, merged
