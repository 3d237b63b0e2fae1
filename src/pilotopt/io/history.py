"""Earlier waves: the assignments of earlier rounds of a call, and which pairs met in them.

Each wave is an assignment file (``id`` and ``group``, as :func:`~pilotopt.io.assignment.
read_assignment` reads, or a ``groups.xlsx``), or a run of a run store written
``runs.duckdb#RUN_ID`` (the id, or its first 8 characters as ``pilotopt runs`` shows them),
oldest first. Its groups and organisations need
not be today's: ids outside the roster are ignored when the pairs are compiled. An optional
``outcome`` column says what became of the organisation in its group: ``done``, ``ongoing`` or
``dropped`` (see :func:`~pilotopt.io.assignment.read_memberships`). A pair's outcome in a wave is
``dropped`` when either dropped out, ``done`` when both finished, ``ongoing`` when both have
an outcome otherwise, and unknown ("") when one has none.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np

from pilotopt.errors import InputError, InputProblem
from pilotopt.io.assignment import OUTCOMES, Membership, read_memberships
from pilotopt.problem import IntArray

__all__ = ["History", "read_history"]


@dataclass(frozen=True)
class History:
    """The pairs that met in earlier waves.

    ``meetings[k]`` is ``(a, b, wave, outcome)``: ids ``a < b`` shared a group in wave ``wave``
    (0 is the oldest of ``files``) with that pair outcome ("" unknown). ``latest`` holds the
    ``(id, group label)`` of each membership of the latest wave.
    """

    files: tuple[str, ...]
    meetings: tuple[tuple[str, str, int, str], ...]
    latest: tuple[tuple[str, str], ...] = ()

    def pairs(self, index: Mapping[str, int], outcomes: Collection[str] | None = None,
              last: int | None = None) -> IntArray:
        """The pairs of organisations of ``index`` (id -> position) that met, as (k, 2) sorted
        positions, each once: only in the ``last`` waves if given, and only those whose outcome
        in the latest wave they met is one of ``outcomes`` if given."""
        first = 0 if last is None else len(self.files) - last
        latest: dict[tuple[int, int], str] = {}
        for a, b, wave, outcome in self.meetings:
            i, j = index.get(a), index.get(b)
            if wave >= first and i is not None and j is not None:
                latest[(min(i, j), max(i, j))] = outcome  # meetings run oldest first
        found = sorted(p for p, o in latest.items() if outcomes is None or o in outcomes)
        return np.array(found, dtype=np.int64).reshape(-1, 2)


def _pair_outcome(x: str, y: str) -> str:
    if "dropped" in (x, y):
        return "dropped"
    if not x or not y:
        return ""
    return min(x, y, key=OUTCOMES.index)


def _wave(path: str | Path) -> list[Membership]:
    """The memberships of one wave: a file, or ``STORE.duckdb#RUN_ID``."""
    store, sep, run = str(path).rpartition("#")
    if not (sep and store.endswith(".duckdb") and run):
        return read_memberships(path)
    import duckdb

    from pilotopt.store import run_assignment

    try:
        groups = run_assignment(store, run)
    except (LookupError, OSError, duckdb.Error) as exc:
        raise InputError([InputProblem(str(path), f"cannot read the run: {exc}")]) from None
    return [Membership(oid, g, "", 0) for oid, g in groups.items() if g]


def read_history(paths: Sequence[str | Path]) -> History:
    """Read the assignments of earlier waves, oldest first.

    Raises
    ------
    InputError
        Every problem of every file at once (a file that cannot be read, a row with a group
        but no id, an outcome that is not done, ongoing or dropped), each located.
    """
    problems: list[InputProblem] = []
    meetings: list[tuple[str, str, int, str]] = []
    rows: list[Membership] = []
    for wave, path in enumerate(paths):
        try:
            rows = _wave(path)
        except InputError as exc:
            problems += exc.problems
            continue
        groups: dict[str, dict[str, str]] = {}
        for r in rows:
            groups.setdefault(r.group, {})[r.org_id] = r.outcome
        for members in groups.values():
            for a, b in combinations(sorted(members), 2):
                meetings.append((a, b, wave, _pair_outcome(members[a], members[b])))
    if problems:
        raise InputError(problems)
    return History(tuple(str(p) for p in paths), tuple(meetings),
                   tuple((r.org_id, r.group) for r in rows))
