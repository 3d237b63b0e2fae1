"""Read an assignment file (``id,group``), e.g. one made or edited by hand."""

from __future__ import annotations

import csv
from collections.abc import Collection
from pathlib import Path

import numpy as np

from pilotopt.errors import InputError, InputProblem
from pilotopt.problem import IntArray, Problem

__all__ = ["read_assignment"]


def read_assignment(
    path: str | Path, problem: Problem, absent: Collection[str] = ()
) -> IntArray:
    """Group index of each organisation of ``problem``, from a CSV with ``id`` and ``group``.

    ``group`` is a group name (as in ``assignment.csv``) or a number from 1, or empty for an
    organisation left out (where an ``optional`` rule allows it). Every organisation must appear
    once, but those of ``absent`` (e.g. a late registration) may be missing (group -1); every
    problem is reported at once.
    """
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError([InputProblem(file, "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([InputProblem(file, f"cannot be read: {exc}")]) from None
    lines = text.splitlines()
    delimiter = ";" if lines and lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.DictReader(lines, delimiter=delimiter)
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in ("id", "group") if c not in columns]
    if missing:
        raise InputError([InputProblem(file, "required column is missing", column=c)
                          for c in missing])
    index = {org_id: i for i, org_id in enumerate(problem.ids)}
    groups = {name: g for g, name in enumerate(problem.group_names)}
    assignment = np.full(problem.n, -1, dtype=np.int64)
    optional = problem.optional
    seen: dict[str, int] = {}
    problems: list[InputProblem] = []
    for row_no, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        org_id, ref = row.get("id", ""), row.get("group", "")
        if not org_id and not ref:
            continue
        if org_id not in index:
            problems.append(InputProblem(file, "no organisation with this id in the roster",
                                         row=row_no, column="id", value=org_id))
            continue
        if org_id in seen:
            problems.append(InputProblem(file, f"assigned twice (first on row {seen[org_id]})",
                                         row=row_no, id=org_id, column="id", value=org_id))
            continue
        seen[org_id] = row_no
        if not ref and optional[index[org_id]]:
            continue  # left out
        g = groups.get(ref)
        if g is None and ref.isdigit() and 1 <= int(ref) <= problem.m:
            g = int(ref) - 1
        if g is None:
            left_out = " (it may not be left out)" if not ref else ""
            problems.append(InputProblem(
                file, f"no such group{left_out}; groups are {', '.join(problem.group_names)} "
                f"(or 1 to {problem.m})", row=row_no, id=org_id, column="group", value=ref))
            continue
        assignment[index[org_id]] = g
    missing = [problem.ids[i] for i in np.flatnonzero(assignment < 0)
               if problem.ids[i] not in seen and problem.ids[i] not in absent]
    problems.extend(InputProblem(file, "this organisation of the roster has no group", id=i)
                    for i in missing)
    if problems:
        raise InputError(problems)
    return assignment
