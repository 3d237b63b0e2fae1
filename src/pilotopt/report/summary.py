"""The result document written as ``result.json``."""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from pilotopt.evaluate import Evaluation
from pilotopt.problem import Problem
from pilotopt.report.figures import group_figures
from pilotopt.report.i18n import Lang, text
from pilotopt.report.offenders import first_offenders, sentence
from pilotopt.schema.roster import Organisation
from pilotopt.solve import Result

if TYPE_CHECKING:  # the explanations and the baseline import the catalogue of report
    from pilotopt.baseline import Baseline
    from pilotopt.explain import Explanation

__all__ = ["OFFENCES_KEPT", "gain_sentence", "judged", "output_seconds", "package_version",
           "result_document"]

#: What writing a solve's outputs costs, in seconds, on this project's 2-core machine when quiet
#: (``benchmarks/outputs.py``): explaining (a fixed part, then per organisation-group pair
#: explained), per pair checked for drop-out risks (rosters up to
#: :data:`pilotopt.stability.CHECKED_MAX`), a fixed part (result document, terminal, files), and
#: the reports. On a busy machine the explanations take
#: longer than this: they stop when only the time of the other outputs is left.
EXPLAIN, EXPLAIN_PER_PAIR, RISKS_PER_PAIR, FIXED = 0.05, 120e-6, 30e-6, 0.1
HTML_XLSX_PER_ORG, HTML_XLSX, PDF = 3e-3, 1.0, 2.5

#: Offences written per part of a rule; beyond it ``offence_counts`` still counts them all
#: (a round-robin assignment of 20,000 organisations breaks rules 100,000 times: 35 MB).
OFFENCES_KEPT = 1000


def package_version() -> str:
    """The installed pilotopt version."""
    try:
        return version("pilotopt")
    except PackageNotFoundError:  # running from a source tree
        return "0+unknown"


def output_seconds(problem: Problem, explain_limit: int, html: bool, xlsx: bool,
                   pdf: bool) -> tuple[float, float]:
    """What a solve's outputs will take: ``(everything but the explanations, the
    explanations)``, in seconds, from the problem's size alone (so a reproducible run's budget
    does not depend on the machine's mood). The command line ends the search that much before
    its time limit, and stops explaining when only the first part is left."""
    from pilotopt.stability import CHECKED_MAX

    pairs = problem.n * problem.m
    rest = FIXED + (RISKS_PER_PAIR * pairs if problem.n <= CHECKED_MAX else 0.0)
    if html or xlsx or pdf:
        rest += HTML_XLSX + HTML_XLSX_PER_ORG * problem.n
    rest += PDF if pdf else 0.0
    explain = EXPLAIN + EXPLAIN_PER_PAIR * pairs if problem.n <= explain_limit else 0.0
    return rest, explain


def judged(
    problem: Problem, assignment: Any, evaluation: Evaluation,
    orgs: Sequence[Organisation] | None = None,
) -> dict[str, Any]:
    """The evaluation in plain JSON values, with what the brief is judged on: per group its
    members, mix, FTE and target-group FTE against the mean and the farthest pair; per broken
    rule ``offences``, who breaks it (ids) and how, in words (the first
    :data:`OFFENCES_KEPT` of each part of a rule; ``offence_counts`` has every rule's total);
    ``drop_out_risks``, the blocking pairs (:func:`pilotopt.stability.drop_out_risks`; None
    when not checked)."""
    from pilotopt.stability import drop_out_risks

    ev = evaluation.to_dict()
    figures = group_figures(problem, assignment, evaluation, orgs)
    for group, fig, row in zip(ev["groups"], figures.groups,  # type: ignore[call-overload]
                               figures.to_dicts(problem.ids), strict=True):
        group.update(row)
        group["members"] = [problem.ids[i] for i in fig.members]
    found, counts = first_offenders(problem, assignment, orgs, limit=OFFENCES_KEPT)
    ev["offence_counts"] = {problem.rules[k].id: v for k, v in counts.items() if v}
    ev["offences"] = [{
        "rule": problem.rules[o.rule].id, "breach": o.breach.value,
        "group": problem.group_names[o.group] if o.group >= 0 else None,
        "organisations": [problem.ids[i] for i in o.members], "amount": o.amount,
        **({"km": round(o.km, 1)} if o.km is not None else {}),
        **({"need": o.tag} if o.tag else {}),
        "text": sentence(problem, o, assignment),
    } for o in found]
    risks = drop_out_risks(problem, assignment)
    ev["drop_out_risks"] = None if risks is None else [r.to_dict(problem) for r in risks]
    return ev


def result_document(
    problem: Problem, result: Result, inputs: dict[str, dict[str, str]] | None = None,
    orgs: Sequence[Organisation] | None = None,
    explanations: Sequence[Explanation] | None = None, explanations_skipped: str | None = None,
    previous: dict[str, Any] | None = None,
    baseline: Baseline | None = None,
) -> dict[str, Any]:
    """Everything needed to judge and reproduce a run, in plain JSON values, as
    :class:`pilotopt.schema.result.ResultFile` (see :func:`judged`; ``orgs``, the roster's
    organisations, add FTE, mix and distances; ``explanations`` those of
    :func:`pilotopt.explain.explain_all`, or why there are none; ``previous``, the comparison
    with a previous assignment, see :meth:`pilotopt.replan.Continuity.to_dict`; ``baseline``
    that of :func:`pilotopt.baseline.by_hand`, with the gain over it)."""
    from pilotopt.schema.result import ResultFile

    ev = judged(problem, result.assignment, result.evaluation, orgs)
    document = {
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
        "organisations": problem.organisations,
        "groups_count": problem.m,
        **{k: v for k, v in ev.items() if k != "objective"},
        "left_out": [problem.ids[i] for i in result.evaluation.left_out],
        "explanations": [e.to_dict(problem) for e in explanations or ()],
        "explanations_skipped": explanations_skipped,
        "baseline": None if baseline is None else baseline.to_dict(problem, result.objective),
        "stats": result.stats,
        **({"previous": previous} if previous is not None else {}),
    }
    # Through the shipped model, so the file always matches result.schema.json.
    return ResultFile.model_validate(document).model_dump(mode="json")


def gain_sentence(baseline: Mapping[str, Any] | None, objective: float, lang: Lang = "en") -> str:
    """pilotopt's objective against the baseline by hand (``Baseline.to_dict``), in one
    sentence for a funder; empty without a baseline."""
    if baseline is None:
        return ""
    base, gain = baseline["objective"], objective - baseline["objective"]
    share = f" ({gain / abs(base):+.0%})" if base else ""
    if not baseline["all_hard_rules_hold"]:
        return text("baseline.broken", lang, base=f"{base:g}", objective=f"{objective:g}",
                    rules=", ".join(baseline["broken_hard_rules"]))
    return text("baseline.gain", lang, base=f"{base:g}", objective=f"{objective:g}",
                gain=f"{gain:+g}", share=share)
