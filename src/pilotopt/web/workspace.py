"""The state behind ``pilotopt serve``: one instance (a roster and a scenario), its assignment
priced by :class:`~pilotopt.moves.WhatIf`, locks, undo and redo, the scenario edited (its
settings form or its text, validated by the loader the command line uses), a solve running in
the background (fresh, or from the current groups with a stability rule), and the runs kept in
the workspace folder.

Nothing here knows HTTP: :mod:`pilotopt.web.app` calls these methods and renders what they
return. Every method takes the workspace's lock; a solve runs in its own thread and touches the
state only when it ends.

The folder holds ``inputs/`` (uploaded files, one sub-folder per upload), ``runs.duckdb`` (the
run store, see :mod:`pilotopt.store`) and ``runs/RUN_ID.csv`` (each run's assignment, for
comparing runs).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np

from pilotopt.compile import compile_problem
from pilotopt.diff import Diff, diff
from pilotopt.errors import InfeasibleError, InputError, InputProblem, NoSolutionError
from pilotopt.evaluate import Evaluation
from pilotopt.explain import Why, blocking
from pilotopt.instance import Instance, load_instance
from pilotopt.io.assignment import read_assignment
from pilotopt.io.outputs import assignment_csv, atomic_write, file_digest
from pilotopt.moves import Change, Move, WhatIf
from pilotopt.problem import IntArray, Problem
from pilotopt.replan import Continuity, continuity
from pilotopt.schema.scenario import PinRule, Scenario, StabilityRule
from pilotopt.solve import Params, Progress, Result, solve
from pilotopt.store import evaluation_fields, read_runs, record, record_solve
from pilotopt.web import settings

log = logging.getLogger(__name__)

__all__ = ["DEMO_ROSTER", "MAX_UPLOAD", "Busy", "Job", "Loaded", "Refused", "Source", "Step",
           "Workspace", "presets"]

#: The largest file an upload may be (bytes).
MAX_UPLOAD = 50 * 1024 * 1024
ROSTER_SUFFIXES = (".csv", ".xlsx", ".json")
SCENARIO_SUFFIXES = (".toml",)
#: The demo roster shipped with the package (40 organisations, three provinces).
DEMO_ROSTER = "roster.csv"


class Refused(Exception):
    """A request the workspace cannot carry out; the message says why, in a user's words."""


class Busy(Refused):
    """A solve is running: the assignment may not change meanwhile."""


def _demo() -> Path:
    return Path(str(resources.files("pilotopt.web").joinpath("demo")))


def presets() -> list[str]:
    """The scenario presets shipped with the package (``models/`` of the source tree)."""
    return sorted(p.stem for p in (_demo() / "presets").glob("*.toml"))


@dataclass(frozen=True)
class Source:
    """An input file: as the user named it (``name``) and where the workspace keeps it."""

    name: str
    path: Path


@dataclass(frozen=True)
class Step:
    """What a move, undo or redo did: the moves made, the change they made and, when that
    breaks hard rules, why in words."""

    moves: tuple[Move, ...]
    change: Change
    reasons: tuple[Why, ...]


@dataclass
class Loaded:
    """An instance and its editing state: the assignment (None before the first solve), the
    locked organisations, and the steps to undo and redo."""

    instance: Instance
    roster: Source
    scenario: Source
    what_if: WhatIf | None = None
    locked: set[int] = field(default_factory=set)
    undo: list[tuple[Move, ...]] = field(default_factory=list)
    redo: list[tuple[Move, ...]] = field(default_factory=list)
    run_id: str | None = None  # the run the assignment came from, until it is edited

    @property
    def problem(self) -> Problem:
        """The compiled problem."""
        return self.instance.problem

    @property
    def scenario_model(self) -> Scenario:
        """The validated scenario (a workspace always loads a roster with a scenario)."""
        assert self.instance.scenario is not None
        return self.instance.scenario

    def inputs(self) -> dict[str, dict[str, str]]:
        """The input files as a run records them: name and sha256."""
        return {k: {"path": s.name, "sha256": file_digest(s.path)}
                for k, s in (("roster", self.roster), ("scenario", self.scenario))}


@dataclass
class Job:
    """A solve running in the background (or finished): its settings, the last improvement,
    and how it ended (``state``: running, done or failed, with a ``message``). A re-solve from
    the current groups has their ``previous`` assignment (group index by id) and, once done,
    the ``continuity`` of its result with them (who moved)."""

    time_limit: float
    seed: int
    stop: threading.Event
    started: float
    state: Literal["running", "done", "failed"] = "running"
    progress: Progress | None = None
    message: str = ""
    status: str = ""
    thread: threading.Thread | None = None
    previous: dict[str, int] | None = None
    continuity: Continuity | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the page's progress line."""
        p = self.progress
        return {
            "state": self.state, "message": self.message, "status": self.status,
            "time_limit": self.time_limit, "seed": self.seed,
            "seconds": round(time.perf_counter() - self.started, 1),
            "objective": None if p is None else p.objective,
            "feasible": None if p is None else p.feasible,
            "stopping": self.stop.is_set(),
            "moved": None if self.continuity is None else len(self.continuity.moved),
        }


def _named(problems: list[InputProblem], *sources: Source) -> list[InputProblem]:
    """Problems naming each file as the user named it, not where the workspace keeps it."""
    named = {str(s.path): s.name for s in sources}
    return [replace(p, file=named.get(p.file, p.file)) for p in problems]


def _safe_name(name: str) -> str:
    """A file name to keep an upload under: the last part of what the browser sent, reduced to
    letters, digits, ``.``, ``_`` and ``-``."""
    base = re.split(r"[/\\]", name)[-1]
    kept = re.sub(r"[^A-Za-z0-9._-]", "_", base).lstrip(".")
    return kept[-100:] or "file"


class Workspace:
    """The state of one workspace folder (see the module docstring)."""

    def __init__(self, folder: str | Path, workers: int | None = None) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.store = self.folder / "runs.duckdb"
        self.workers = workers
        self.loaded: Loaded | None = None
        self.problems: list[InputProblem] = []
        self.job: Job | None = None
        self._lock = threading.RLock()
        self._uploads = 0

    # ------------------------------------------------------------------------------------------
    # inputs
    # ------------------------------------------------------------------------------------------

    def load(self, roster: Source, scenario: Source) -> list[InputProblem]:
        """Read and compile; on problems the workspace holds no instance and :attr:`problems`
        lists them, each naming the file as the user named it."""
        with self._lock:
            self._idle()
            try:
                instance = load_instance(roster.path, scenario.path)
            except InputError as exc:
                self.problems = _named(exc.problems, roster, scenario)
                self.loaded = None
                return self.problems
            self.problems = []
            self.loaded = Loaded(instance, roster, scenario)
            return []

    def upload(self, roster: tuple[str, bytes], scenario: tuple[str, bytes]
               ) -> list[InputProblem]:
        """Keep two uploaded files (name as sent, content) and :meth:`load` them."""
        problems = [InputProblem(name or "(no file)", message)
                    for (name, data), suffixes in ((roster, ROSTER_SUFFIXES),
                                                   (scenario, SCENARIO_SUFFIXES))
                    for message in self._upload_problems(name, data, suffixes)]
        if problems:
            with self._lock:
                self._idle()
                self.problems, self.loaded = problems, None
            return problems
        return self.load(*(Source(name, self._keep_upload(kind, name, data))
                           for kind, (name, data) in (("roster", roster),
                                                      ("scenario", scenario))))

    @staticmethod
    def _upload_problems(name: str, data: bytes, suffixes: tuple[str, ...]) -> list[str]:
        if not name:
            return ["no file chosen"]
        if not name.lower().endswith(suffixes):
            return [f"a {' or '.join(suffixes)} file is needed here"]
        if len(data) > MAX_UPLOAD:
            return [f"larger than {MAX_UPLOAD // 2**20} MB"]
        return []

    def open_assignment(self, source: Source) -> list[InputProblem]:
        """Take an assignment file (e.g. the ``assignment.csv`` of ``pilotopt solve``, edited
        or not) as the current assignment; its problems, located, leave the current one."""
        with self._lock:
            self._idle()
            loaded = self._need()
            try:
                a = read_assignment(source.path, loaded.problem)
            except InputError as exc:
                return [replace(p, file=source.name if p.file == str(source.path) else p.file)
                        for p in exc.problems]
            loaded.what_if = WhatIf(loaded.problem, a)
            loaded.undo.clear()
            loaded.redo.clear()
            loaded.run_id = None
            return []

    def upload_assignment(self, name: str, data: bytes) -> list[InputProblem]:
        """Keep an uploaded assignment file and :meth:`open_assignment` it."""
        found = self._upload_problems(name, data, (".csv", ".xlsx"))
        if found:
            return [InputProblem(name or "(no file)", m) for m in found]
        path = self._keep_upload("assignment", name, data)
        return self.open_assignment(Source(name, path))

    def _keep_upload(self, kind: str, name: str, data: bytes) -> Path:
        with self._lock:
            self._uploads += 1
            folder = self.folder / "inputs" / f"{time.strftime('%Y%m%d-%H%M%S')}-{self._uploads}"
        path = folder / f"{kind}-{_safe_name(name)}"
        atomic_write(path, data)
        return path

    def demo(self, preset: str) -> list[InputProblem]:
        """Load the demo roster with one of :func:`presets`."""
        if preset not in presets():
            raise Refused(f"no preset {preset!r}: choose one of {', '.join(presets())}")
        demo = _demo()
        return self.load(Source(f"demo/{DEMO_ROSTER}", demo / DEMO_ROSTER),
                         Source(f"{preset}.toml", demo / "presets" / f"{preset}.toml"))

    # ------------------------------------------------------------------------------------------
    # the scenario
    # ------------------------------------------------------------------------------------------

    def settings(self) -> settings.Form:
        """The settings form of the loaded scenario (see :mod:`pilotopt.web.settings`)."""
        with self._lock:
            return settings.form(self._need().scenario_model)

    def scenario_text(self) -> str:
        """The loaded scenario's TOML text."""
        with self._lock:
            return self._need().scenario.path.read_text(encoding="utf-8")

    def edit_settings(self, sent: Mapping[str, str]) -> list[InputProblem]:
        """Write what the settings form sent (field key -> text) into the scenario's TOML and
        take it as :meth:`edit_scenario` does; every problem at once, the scenario unchanged."""
        with self._lock:
            self._idle()
            loaded = self._need()
            found, changed = settings.changes(settings.form(loaded.scenario_model), sent,
                                              loaded.scenario.name)
            if not changed:
                return found
            return self.edit_scenario(settings.rewrite(self.scenario_text(), changed), found)

    def edit_scenario(self, text: str, found: list[InputProblem] | None = None
                      ) -> list[InputProblem]:
        """Take ``text`` as the scenario when the loader finds no problem in it (with the
        roster), keeping it as a new file of the workspace (inputs are never changed), and
        re-score the current assignment with it. Otherwise the problems, with ``found``,
        located in the new text, and nothing changes."""
        with self._lock:
            self._idle()
            loaded = self._need()
            name = loaded.scenario.name
            path = self._keep_upload("scenario", name, text.replace("\r\n", "\n").encode())
            problems = list(found or [])
            try:
                instance = load_instance(loaded.roster.path, path)
            except InputError as exc:
                problems += _named(exc.problems, loaded.roster, Source(name, path))
            if problems:
                shutil.rmtree(path.parent)
                return problems
            self._take(loaded, instance, Source(name, path))
            return []

    @staticmethod
    def _take(loaded: Loaded, instance: Instance, scenario: Source) -> None:
        """An edited scenario in place of the loaded one: the assignment is re-scored with it
        when it still fits (same organisations, its groups still there), else dropped."""
        before = loaded.problem
        loaded.instance, loaded.scenario, loaded.run_id = instance, scenario, None
        if instance.problem.ids != before.ids:
            loaded.locked.clear()
        if loaded.what_if is not None:
            try:
                loaded.what_if = (WhatIf(instance.problem, loaded.what_if.assignment)
                                  if instance.problem.ids == before.ids else None)
            except ValueError:  # fewer groups, or one left out who may not be
                loaded.what_if = None
        if loaded.what_if is None or instance.problem.m != before.m:
            loaded.undo.clear()
            loaded.redo.clear()

    # ------------------------------------------------------------------------------------------
    # solving
    # ------------------------------------------------------------------------------------------

    def _need(self) -> Loaded:
        if self.loaded is None:
            raise Refused("load a roster and a scenario first")
        return self.loaded

    def _need_assignment(self) -> tuple[Loaded, WhatIf]:
        loaded = self._need()
        if loaded.what_if is None:
            raise Refused("solve first: there is no assignment yet")
        return loaded, loaded.what_if

    def _idle(self) -> None:
        if self.job is not None and self.job.state == "running":
            raise Busy("a solve is running: stop it or wait until it ends")

    def start_solve(self, time_limit: float, seed: int, stay: float | None = None) -> Job:
        """Start solving in the background; the locked organisations stay in their groups.

        With ``stay``, re-solve from the current groups: they are the previous assignment of a
        stability rule, the scenario's own if it has one, else a soft one costing ``stay`` per
        organisation moved; the result says who moved.
        """
        with self._lock:
            self._idle()
            loaded = self._need()
            previous = None
            if stay is not None:
                _, w = self._need_assignment()
                previous = {loaded.problem.ids[i]: g for i, g in enumerate(w.assignment.tolist())
                            if g >= 0}
            params = Params(time_limit=time_limit, seed=seed,
                            **({"workers": self.workers} if self.workers else {}))
            try:
                problem = self._solve_problem(loaded, previous, stay)
            except InputError as exc:
                raise Refused("; ".join(map(str, exc.problems))) from None
            job = Job(time_limit, seed, threading.Event(), time.perf_counter(),
                      previous=previous)
            job.thread = threading.Thread(target=self._solve,
                                          args=(job, loaded, problem, params),
                                          name="pilotopt-web-solve", daemon=True)
            self.job = job
            job.thread.start()
            return job

    @staticmethod
    def _solve_problem(loaded: Loaded, previous: dict[str, int] | None,
                       stay: float | None) -> Problem:
        """The problem to solve: a pin rule holds each locked organisation in its group; with
        ``previous``, a stability rule keeps the others there too (see :meth:`start_solve`)."""
        a = None if loaded.what_if is None else loaded.what_if.assignment
        pins: dict[str, int | str] = {
            loaded.problem.ids[i]: int(a[i]) + 1 for i in sorted(loaded.locked)
            if a is not None and a[i] >= 0}
        roster, scenario = loaded.instance.roster, loaded.scenario_model
        rules = list(scenario.rules)
        if pins:
            rules.append(PinRule(kind="pin", pins=pins, name="locked in the workspace"))
        if previous is not None and not any(isinstance(r, StabilityRule) for r in rules):
            rules.append(StabilityRule(kind="stability", hard=False, weight=stay or 1.0,
                                       name="stay in the current groups"))
        if roster is None or (not pins and previous is None):
            return loaded.problem
        return compile_problem(roster.organisations,
                               scenario.model_copy(update={"rules": rules}),
                               columns=roster.columns, scenario_file=str(loaded.scenario.path),
                               previous=previous)

    def _solve(self, job: Job, loaded: Loaded, problem: Problem, params: Params) -> None:
        def progress(event: Progress) -> None:
            job.progress = event

        try:
            result = solve(problem, params, on_progress=progress, stop=job.stop)
            run_id = self._keep(loaded, result, time.perf_counter() - job.started)
        except InfeasibleError as exc:
            self._end(job, "failed", f"the hard rules cannot all hold: {exc}")
            return
        except NoSolutionError as exc:
            self._end(job, "failed", str(exc))
            return
        except Exception as exc:  # shown on the page, never as a traceback
            log.exception("solve failed")
            self._end(job, "failed", f"the solve failed: {type(exc).__name__}: {exc}")
            return
        if job.previous is not None:
            job.continuity = continuity(loaded.problem, job.previous, result.assignment)
        with self._lock:
            if self.loaded is loaded:
                loaded.what_if = WhatIf(loaded.problem, result.assignment)
                loaded.undo.clear()
                loaded.redo.clear()
                loaded.run_id = run_id
        job.status = str(result.status)
        # A re-solve's objective counts the stability rule's cost of moves; the page's summary
        # is the scenario's own.
        said = "" if job.previous is None else " (counting the cost of the moves)"
        self._end(job, "done", result.summary() + said)

    def _end(self, job: Job, state: Literal["done", "failed"], message: str) -> None:
        with self._lock:
            job.state, job.message = state, message

    def _keep(self, loaded: Loaded, result: Result, wall_time: float) -> str:
        """Store a run and its assignment (for comparing); its id."""
        run_id = record_solve(self.store, result, loaded.inputs(), wall_time, source="web")
        atomic_write(self.folder / "runs" / f"{run_id}.csv",
                     assignment_csv(loaded.problem, result.assignment))
        return run_id

    def stop(self) -> None:
        """Ask the running solve to stop; it keeps its best assignment so far."""
        with self._lock:
            if self.job is not None:
                self.job.stop.set()

    def close(self, timeout: float = 5.0) -> None:
        """Stop a running solve and wait for it (at most ``timeout`` seconds)."""
        self.stop()
        job = self.job
        if job is not None and job.thread is not None:
            job.thread.join(timeout)

    # ------------------------------------------------------------------------------------------
    # editing
    # ------------------------------------------------------------------------------------------

    def index(self, org_id: str) -> int:
        """The index of an organisation by id."""
        loaded = self._need()
        try:
            return loaded.problem.ids.index(org_id)
        except ValueError:
            raise Refused(f"no organisation with id {org_id!r}") from None

    def move(self, organisation: int, group: int) -> Step:
        """Move an organisation to a group (-1: leave it out); hard rules it breaks are said,
        not prevented. A locked organisation does not move."""
        with self._lock:
            self._idle()
            loaded, w = self._need_assignment()
            if organisation in loaded.locked:
                raise Refused(f"{loaded.problem.ids[organisation]} is locked: unlock it first")
            step = self._step(loaded, w, [(organisation, group)])
            loaded.undo.append(step.moves)
            loaded.redo.clear()
            return step

    def undo(self) -> Step:
        """Undo the last move."""
        return self._back(redo=False)

    def redo(self) -> Step:
        """Redo the last undone move."""
        return self._back(redo=True)

    def _back(self, redo: bool) -> Step:
        with self._lock:
            self._idle()
            loaded, w = self._need_assignment()
            take, give = (loaded.redo, loaded.undo) if redo else (loaded.undo, loaded.redo)
            if not take:
                raise Refused("nothing to redo" if redo else "nothing to undo")
            done = take[-1]
            held = [loaded.problem.ids[mv.organisation] for mv in done
                    if mv.organisation in loaded.locked]
            if held:
                raise Refused(f"{', '.join(held)} is locked: unlock it first")
            moves = [(mv.organisation, mv.target) for mv in done] if redo else [
                (mv.organisation, mv.source) for mv in reversed(done)]
            step = self._step(loaded, w, moves)
            give.append(take.pop())
            return step

    def _step(self, loaded: Loaded, w: WhatIf, moves: list[tuple[int, int]]) -> Step:
        try:
            change = w.change(moves)
        except ValueError as exc:
            raise Refused(str(exc)) from None
        reasons = blocking(loaded.problem, w, change) if change.hard_violation > 0 else ()
        w.apply(change)
        loaded.run_id = None
        return Step(change.moves, change, reasons)

    def lock(self, organisation: int, locked: bool) -> None:
        """Lock an organisation in its group (the next solve keeps it there), or unlock it."""
        with self._lock:
            loaded = self._need()
            if locked:
                loaded.locked.add(organisation)
            else:
                loaded.locked.discard(organisation)

    def snapshot(self) -> tuple[Loaded, IntArray, Evaluation] | None:
        """The instance, a copy of its assignment and its evaluation (None without one)."""
        with self._lock:
            if self.loaded is None or self.loaded.what_if is None:
                return None
            w = self.loaded.what_if
            return self.loaded, np.array(w.assignment), w.evaluation()

    # ------------------------------------------------------------------------------------------
    # runs
    # ------------------------------------------------------------------------------------------

    def keep_current(self) -> str:
        """Store the current (edited) assignment as a run of this workspace; its id."""
        with self._lock:
            loaded, w = self._need_assignment()
            a, ev = np.array(w.assignment), w.evaluation()
        run_id = os.urandom(16).hex()
        record(self.store, [{
            "run_id": run_id, "source": "web", "instance": loaded.roster.name,
            "inputs": loaded.inputs(),
            "scenario": Path(loaded.scenario.name).stem, "solver": "by hand",
            "organisations": len(a), "groups": loaded.problem.m, "outcome": "ok",
            "status": "edited", **evaluation_fields(ev)}])
        atomic_write(self.folder / "runs" / f"{run_id}.csv", assignment_csv(loaded.problem, a))
        with self._lock:
            loaded.run_id = run_id
        return run_id

    def runs(self) -> list[dict[str, Any]]:
        """The runs of this workspace, newest first."""
        if not self.store.exists():
            return []
        return list(reversed(read_runs(self.store)))

    def run_assignment(self, run_id: str) -> IntArray:
        """A stored run's assignment, read against the current instance."""
        loaded = self._need()
        if not re.fullmatch(r"[0-9a-f]{32}", run_id):
            raise Refused(f"no run {run_id!r}")
        path = self.folder / "runs" / f"{run_id}.csv"
        if not path.is_file():
            raise Refused(f"no assignment kept for run {run_id}")
        try:
            return read_assignment(path, loaded.problem)
        except InputError as exc:
            raise Refused(f"run {run_id} does not fit the loaded roster and scenario: "
                          f"{exc.problems[0]}") from None

    def compare(self, a: str, b: str) -> Diff:
        """Two runs' assignments compared (:func:`pilotopt.diff.diff`), against the current
        instance."""
        problem = self._need().problem
        return diff(problem, self.run_assignment(a), self.run_assignment(b))
