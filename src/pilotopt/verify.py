"""Audit a run from its ``result.json`` (``pilotopt verify``).

:func:`verify` re-reads the input files the document records and checks their sha256, rebuilds
the assignment from the document's groups, re-evaluates it and compares every figure the
document holds about it (objective, complementarity, penalty, each group's size,
complementarity, mix, FTE and farthest pair, each rule's violation and penalty per group, the
offences, who is left out) with what the evaluator finds now. With ``resolve`` it solves again
with the recorded seed and time limit in the reproducible mode (one worker: every phase bounded
by work, not by the clock) and compares the assignment and the objective. The re-solve starts
its clock once the compiled search kernel is loaded; a run that ended before its own kernel was
loaded (``stats.kernel_ready_at`` null: CP-SAT alone) is said to need not repeat.

An input is looked for at its recorded path (relative to the working folder), at the absolute
path recorded beside it, and next to ``result.json``, in that order.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from pilotopt.errors import InputError, InputProblem
from pilotopt.evaluate import evaluate
from pilotopt.instance import Instance, load_instance
from pilotopt.io.outputs import file_digest
from pilotopt.problem import IntArray
from pilotopt.report.summary import judged
from pilotopt.schema.result import ResultFile
from pilotopt.solve import Params, solve
from pilotopt.solve.loader import kernel

__all__ = ["Difference", "Verification", "find_input", "recorded_assignment", "verify"]

#: Relative tolerance of a float comparison (the figures are recomputed the same way, so they
#: agree exactly unless something changed; this only absorbs a JSON round trip).
TOLERANCE = 1e-9
#: Differences of one kind listed before the rest are only counted.
SHOWN = 20


@dataclass(frozen=True)
class Difference:
    """A figure that differs: where (a dotted key of ``result.json``, or ``resolve.*``), what
    the document records and what was found now."""

    key: str
    recorded: object
    found: object

    def __str__(self) -> str:
        return f"{self.key}: recorded {self.recorded!r}, found {self.found!r}"


@dataclass
class Verification:
    """What :func:`verify` checked and found. ``ok`` when nothing differs."""

    inputs: dict[str, Path] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)
    checked: int = 0  # figures compared
    notes: list[str] = field(default_factory=list)
    resolved: bool = False

    @property
    def ok(self) -> bool:
        """Whether every hash, figure (and the re-solve, when asked) matched."""
        return not self.differences

    def lines(self) -> list[str]:
        """Plain text lines for the terminal."""
        out = [f"input {name}: {path}" for name, path in self.inputs.items()]
        out += self.notes
        out += [f"differs: {d}" for d in self.differences[:SHOWN]]
        if len(self.differences) > SHOWN:
            out.append(f"... and {len(self.differences) - SHOWN} more differences")
        if self.ok:
            out.append(f"verified: every input's sha256 and {self.checked} figures match"
                       + (", and the re-solve repeats the run" if self.resolved else ""))
        else:
            out.append(f"NOT verified: {len(self.differences)} difference(s)")
        return out


def _read(path: Path) -> dict[str, Any]:
    """The document, checked against the shipped model (an InputError names what is wrong)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError([InputProblem(str(path), "file not found")]) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError([InputProblem(str(path), f"not a readable JSON file ({exc})")]) from None
    try:
        ResultFile.model_validate(doc)
    except ValidationError as exc:
        raise InputError([
            InputProblem(str(path), f"{e['msg']} (not a result.json of pilotopt solve?)",
                         key=".".join(map(str, e["loc"])) or None)
            for e in exc.errors()]) from None
    if not doc["inputs"].get("roster"):
        raise InputError([InputProblem(str(path), "records no roster", key="inputs")])
    return dict(doc)


def find_input(recorded: dict[str, Any], result_path: Path) -> Path | None:
    """Where a recorded input is now: its path as given, its absolute path at the time of the
    run, or its path next to ``result.json`` (None: nowhere)."""
    given = Path(recorded["path"])
    candidates = [given]
    if recorded.get("resolved"):
        candidates.append(Path(recorded["resolved"]))
    candidates += [result_path.parent / given, result_path.parent / given.name]
    return next((p for p in candidates if p.is_file()), None)


def recorded_assignment(doc: dict[str, Any], instance: Instance, source: str) -> IntArray:
    """The assignment the document records: each group's members, in the order of the
    problem's organisations (-1: left out). An organisation that may join several groups has
    its copies take its groups in ascending order (as assignment files are read). An unknown
    id, one twice in a group or in more groups than it may join is an InputError."""
    problem = instance.problem
    first: dict[str, int] = {}
    copies: Counter[str] = Counter(problem.ids)
    for i, oid in enumerate(problem.ids):
        first.setdefault(oid, i)
    problems = []
    if len(doc["groups"]) != problem.m:
        problems.append(InputProblem(source, f"records {len(doc['groups'])} groups, the "
                                     f"inputs make {problem.m}", key="groups"))
    joined: dict[str, list[int]] = {}
    for g, group in enumerate(doc["groups"]):
        for oid in group["members"]:
            if oid not in first:
                problems.append(InputProblem(source, "no organisation with this id in the "
                                             "roster", key=f"groups[{g}].members", value=oid))
            elif g in joined.setdefault(oid, []) or len(joined[oid]) >= copies[oid]:
                problems.append(InputProblem(source, "in one group twice, or in more groups "
                                             "than it may join", key=f"groups[{g}].members",
                                             value=oid))
            else:
                joined[oid].append(g)
    a = np.full(problem.n, -1, dtype=np.int64)
    for oid, groups in joined.items():
        a[first[oid]:first[oid] + len(groups)] = sorted(groups)
    left = set(doc["left_out"])
    missing = [oid for oid in first if oid not in joined and oid not in left]
    if missing:
        problems.append(InputProblem(source, f"{len(missing)} organisation(s) of the roster in "
                                     f"no group and not left out: {', '.join(missing[:5])}",
                                     key="groups"))
    if problems:
        raise InputError(problems)
    return a


def _compare(key: str, recorded: Any, found: Any) -> Iterator[Difference | None]:
    """Each figure of ``found`` against ``recorded`` (None per match, to count them)."""
    if isinstance(found, dict):
        if not isinstance(recorded, dict):
            yield Difference(key, recorded, found)
            return
        for k, v in found.items():
            yield from _compare(f"{key}.{k}" if key else str(k), recorded.get(k), v)
    elif isinstance(found, list):
        if not isinstance(recorded, list) or len(recorded) != len(found):
            yield Difference(key, recorded, found)
            return
        for k, (r, f) in enumerate(zip(recorded, found, strict=True)):
            yield from _compare(f"{key}[{k}]", r, f)
    elif (isinstance(found, float | int) and not isinstance(found, bool)
          and isinstance(recorded, float | int) and not isinstance(recorded, bool)):
        same = math.isclose(recorded, found, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
        yield None if same else Difference(key, recorded, found)
    else:
        yield None if recorded == found else Difference(key, recorded, found)


def verify(result_path: str | Path, resolve: bool = False) -> Verification:
    """Check a run's ``result.json`` against its inputs (see the module's description).

    Raises :class:`InputError` when the document or an input cannot be read (exit code 2 of
    ``pilotopt verify``); differences are returned, not raised.
    """
    path = Path(result_path)
    doc = _read(path)
    out = Verification()
    found: dict[str, Path] = {}
    missing = []
    for name, recorded in doc["inputs"].items():
        where = find_input(recorded, path)
        if where is None:
            missing.append(InputProblem(recorded["path"], f"the {name} this run read is not "
                                        "there (nor next to the result file)",
                                        key=f"inputs.{name}"))
        else:
            found[name] = where
    if missing:
        raise InputError(missing)
    out.inputs = found
    for name, where in found.items():
        digest = file_digest(where)
        out.checked += 1
        if digest != doc["inputs"][name]["sha256"]:
            out.differences.append(Difference(f"inputs.{name}.sha256",
                                              doc["inputs"][name]["sha256"], digest))
    if out.differences:
        out.notes.append("an input changed since the run: not re-evaluated")
        return out

    history = [found[k] for k in sorted((k for k in found if k.startswith("history ")),
                                        key=lambda k: int(k.split()[1]))]
    instance = load_instance(found["roster"], found.get("scenario"), history,
                             found.get("previous"), found.get("pins"))
    problem = instance.problem
    assignment = recorded_assignment(doc, instance, str(path))
    ev = evaluate(problem, assignment)
    now = {
        "objective": ev.objective,
        "organisations": problem.organisations,
        "groups_count": problem.m,
        **{k: v for k, v in judged(problem, assignment, ev, instance.orgs).items()
           if k != "objective"},
        "left_out": [problem.ids[i] for i in ev.left_out],
    }
    # Through JSON, as the document was written: tuples become lists, keys strings.
    now = json.loads(json.dumps(now))
    for d in _compare("", doc, now):
        out.checked += 1
        if d is not None:
            out.differences.append(d)

    if resolve:
        _resolve(doc, problem, assignment, out)
    return out


def _resolve(doc: dict[str, Any], problem: Any, assignment: IntArray, out: Verification) -> None:
    """Solve again with the recorded seed and time limit, one worker, and compare."""
    params = doc["params"]
    if params["workers"] != 1:
        out.notes.append(f"the run used {params['workers']} workers: it is repeatable only with "
                         "--workers 1; re-solved with one worker all the same")
    stats = doc["stats"]
    if stats.get("large") is None and stats.get("kernel_ready_at") is None:
        out.notes.append("the run's search kernel was not loaded within its time limit (it "
                         "ran on CP-SAT alone): a re-solve with the kernel need not repeat it")
    # The re-solve's clock starts once the search kernel is loaded, so that loading (seconds
    # on a busy machine) does not cut the run short.
    kernel().thread.join()
    again = solve(problem, Params(time_limit=params["time_limit"], seed=params["seed"],
                                  workers=1))
    out.resolved = True
    moved = np.flatnonzero(again.assignment != assignment)
    out.checked += 2
    if len(moved):
        names = ("-",) + problem.group_names  # index -1 (left out) reads "-"
        out.differences.append(Difference(
            "resolve.assignment",
            {problem.ids[i]: names[assignment[i] + 1] for i in moved[:SHOWN]},
            {problem.ids[i]: names[again.assignment[i] + 1] for i in moved[:SHOWN]}))
    if not math.isclose(again.objective, doc["objective"], rel_tol=TOLERANCE,
                        abs_tol=TOLERANCE):
        out.differences.append(Difference("resolve.objective", doc["objective"],
                                          again.objective))
