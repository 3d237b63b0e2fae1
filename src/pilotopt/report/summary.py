"""The result document written as ``result.json``."""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from pilotopt.problem import Problem
from pilotopt.solve import Result

__all__ = ["package_version", "result_document"]


def package_version() -> str:
    """The installed pilotopt version."""
    try:
        return version("pilotopt")
    except PackageNotFoundError:  # running from a source tree
        return "0+unknown"


def result_document(
    problem: Problem, result: Result, inputs: dict[str, dict[str, str]] | None = None
) -> dict[str, Any]:
    """Everything needed to judge and reproduce a run, in plain JSON values."""
    ev = result.evaluation.to_dict()
    members: list[list[str]] = [[] for _ in range(problem.m)]
    for i, g in enumerate(result.assignment):
        if g >= 0:
            members[int(g)].append(problem.ids[i])
    for group, name, ids in zip(ev["groups"], problem.group_names, members, strict=True):  # type: ignore[call-overload]
        group["group"] = name
        group["members"] = ids
    return {
        "pilotopt_version": package_version(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "inputs": inputs or {},
        "params": {
            "time_limit": result.params.time_limit,
            "seed": result.params.seed,
            "workers": result.params.workers,
        },
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "runtime": round(result.runtime, 3),
        "organisations": problem.n,
        "groups_count": problem.m,
        **{k: v for k, v in ev.items() if k != "objective"},
        "left_out": [problem.ids[i] for i in result.evaluation.left_out],
        "stats": result.stats,
    }
