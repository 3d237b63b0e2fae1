"""The benchmark report of a batch, from its rows in the run store: per instance and
configuration the mean, best and worst objective and the gap to a best-known value; ranks;
win/tie/loss between configurations; a performance profile and time-to-target curves.

Written as one self-contained HTML file (inline SVG), a CSV of the summary and a Markdown table.
Objectives are maximised; a run counts only with an assignment that meets every hard rule.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pilotopt.errors import InputError, InputProblem

__all__ = [
    "Summary",
    "profile",
    "ranks",
    "read_best_known",
    "summarise",
    "time_to_target",
    "win_tie_loss",
    "write_report",
]

#: Two objectives closer than this (relative) are a tie.
TIE = 1e-6


@dataclass(frozen=True)
class Summary:
    """The runs of one configuration on one instance."""

    instance: str
    configuration: str
    runs: int
    feasible: int  # runs with an assignment meeting every hard rule
    failed: int  # error, overrun or out of memory
    mean: float | None
    best: float | None
    worst: float | None
    best_known: float | None
    gap_mean: float | None  # % below the best known (negative: better than it)
    gap_best: float | None
    wall_mean: float | None
    rank: float | None  # among the configurations on this instance, by mean (1 = best)


def _value(row: Mapping[str, Any]) -> float | None:
    """The objective a run counts with: only an assignment that meets every hard rule."""
    if row.get("objective") is None or not row.get("feasible"):
        return None
    return float(row["objective"])


def _gap(value: float | None, reference: float | None) -> float | None:
    if value is None or reference is None or reference == 0:
        return None
    return (reference - value) / abs(reference) * 100


def read_best_known(path: str | Path) -> dict[str, float]:
    """``instance -> best known objective`` from a CSV with columns ``instance`` and ``bks``."""
    from pilotopt.io.tables import read_table

    table = read_table(path, ("instance", "bks"), what="best-known file")
    missing = {"instance", "bks"} - set(table.columns)
    if missing:
        raise InputError([table.problem("the columns instance and bks are needed; missing "
                                        f"{', '.join(sorted(missing))}")])
    problems: list[InputProblem] = []
    out: dict[str, float] = {}
    for row in table.rows:
        value = row.cells["bks"]
        try:
            # A spreadsheet with a Dutch locale writes a decimal comma.
            out[row.cells["instance"]] = float(value.replace(",", ".") if table.delimiter == ";"
                                               else value)
        except ValueError:
            problems.append(table.problem("not a number", row=row.number, column="bks",
                                          value=value))
    if problems:
        raise InputError(problems)
    return out


def ranks(means: Mapping[str, float | None]) -> dict[str, float]:
    """Rank of each configuration by its mean (1 = highest; ties share the mean of their
    places; a configuration without a value comes last)."""
    def key(conf: str) -> float:
        value = means[conf]
        return -math.inf if value is None else value

    order = sorted(means, key=key, reverse=True)
    out: dict[str, float] = {}
    k = 0
    while k < len(order):
        j = k
        while j + 1 < len(order) and _same(means[order[k]], means[order[j + 1]]):
            j += 1
        for c in order[k:j + 1]:
            out[c] = (k + j) / 2 + 1
        k = j + 1
    return out


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= TIE * max(1.0, abs(a), abs(b))


def summarise(rows: Sequence[Mapping[str, Any]],
              best_known: Mapping[str, float] | None = None) -> list[Summary]:
    """One :class:`Summary` per (instance, configuration), in order of first appearance."""
    from pilotopt.store import FAILED

    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault((str(row["instance"]), str(row["configuration"])), []).append(row)
    means: dict[str, dict[str, float | None]] = {}
    for (inst, conf), runs in groups.items():
        values = [v for v in map(_value, runs) if v is not None]
        means.setdefault(inst, {})[conf] = sum(values) / len(values) if values else None
    ranked = {inst: ranks(m) for inst, m in means.items()}
    out = []
    for (inst, conf), runs in groups.items():
        values = [v for v in map(_value, runs) if v is not None]
        walls = [float(r["wall_time"]) for r in runs if r.get("wall_time") is not None]
        bks = (best_known or {}).get(inst)
        mean = means[inst][conf]
        best = max(values) if values else None
        out.append(Summary(
            instance=inst, configuration=conf, runs=len(runs), feasible=len(values),
            failed=sum(r["outcome"] in FAILED for r in runs), mean=mean, best=best,
            worst=min(values) if values else None, best_known=bks,
            gap_mean=_gap(mean, bks), gap_best=_gap(best, bks),
            wall_mean=sum(walls) / len(walls) if walls else None,
            rank=ranked[inst][conf] if len(means[inst]) > 1 else None,
        ))
    return out


def win_tie_loss(rows: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str], tuple[int, int, int]]:
    """For each ordered pair of configurations (a, b): wins, ties and losses of a against b
    over the (instance, seed) runs both have; a run without a counted objective loses to one
    with, and ties with another without."""
    by: dict[tuple[str, int], dict[str, float | None]] = {}
    for row in rows:
        by.setdefault((str(row["instance"]), int(row["seed"])), {})[
            str(row["configuration"])] = _value(row)
    confs = sorted({str(r["configuration"]) for r in rows})
    out: dict[tuple[str, str], tuple[int, int, int]] = {}
    for a in confs:
        for b in confs:
            if a == b:
                continue
            w = t = lose = 0
            for values in by.values():
                if a not in values or b not in values:
                    continue
                va, vb = values[a], values[b]
                if _same(va, vb):
                    t += 1
                elif vb is None or (va is not None and va > vb):
                    w += 1
                else:
                    lose += 1
            out[a, b] = (w, t, lose)
    return out


def _references(rows: Sequence[Mapping[str, Any]],
                best_known: Mapping[str, float] | None) -> dict[str, float]:
    """Per instance: the best known value, else the best objective any run found."""
    out: dict[str, float] = {}
    for row in rows:
        v = _value(row)
        inst = str(row["instance"])
        if v is not None:
            out[inst] = max(out.get(inst, v), v)
    out.update({k: v for k, v in (best_known or {}).items() if k in out})
    return out


def profile(summaries: Sequence[Summary], references: Mapping[str, float]
            ) -> dict[str, list[float]]:
    """Performance profile: per configuration, the sorted relative gaps (%) of its mean to the
    instance's reference (``inf`` without a value); the fraction of instances within a gap
    tau is the fraction of entries <= tau."""
    out: dict[str, list[float]] = {}
    for s in summaries:
        gap = _gap(s.mean, references.get(s.instance))
        out.setdefault(s.configuration, []).append(math.inf if gap is None else max(0.0, gap))
    return {c: sorted(g) for c, g in out.items()}


def time_to_target(rows: Sequence[Mapping[str, Any]], references: Mapping[str, float],
                   within: float) -> dict[str, list[float]]:
    """Per configuration, the sorted times (s) at which each run first held an assignment
    meeting every hard rule within ``within`` % of its instance's reference (``inf`` for a run
    that never did), from the runs' improvement traces."""
    out: dict[str, list[float]] = {}
    for row in rows:
        ref = references.get(str(row["instance"]))
        when = math.inf
        if ref is not None and row.get("feasible"):
            target = ref - abs(ref) * within / 100
            when = min((float(t) for t, obj, ok in row.get("trace") or []
                        if ok and float(obj) >= target - TIE * max(1.0, abs(target))),
                       default=math.inf)
        out.setdefault(str(row["configuration"]), []).append(when)
    return {c: sorted(t) for c, t in out.items()}


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _step_plot(curves: Mapping[str, list[float]], xlabel: str, title: str,
               log_x: bool = False) -> str:
    """Empirical distribution curves (fraction of entries <= x) as inline SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    finite = [x for xs in curves.values() for x in xs if math.isfinite(x)]
    right = max(finite, default=1.0) * 1.05 or 1.0
    for conf, xs in curves.items():
        done = [x for x in xs if math.isfinite(x)]
        ys = [(k + 1) / len(xs) for k in range(len(done))]
        ax.step([0.0, *done, right],
                [0.0] + ys + [ys[-1] if ys else 0.0], where="post", label=conf)
    if log_x:
        ax.set_xscale("symlog", linthresh=1e-3)
    ax.set_xlim(left=0)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    svg = _svg(fig)
    plt.close(fig)
    return svg


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ name }}: benchmark report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; } td.l, th.l { text-align: left; }
.note { color: #555; font-size: 0.9em; }
</style></head><body>
<h1>{{ name }}</h1>
<p class="note">{{ description }}</p>
<p class="note">{{ runs }} runs from {{ store }}; {{ configurations|length }} configurations,
{{ instances }} instances. Objectives are maximised and count only with every hard rule met.
{% if best_known %}Gaps are to the best-known values of {{ best_known }}.{% endif %}
Versions: {{ versions }}. Hosts: {{ hosts }}.</p>
<h2>Per instance and configuration</h2>
<table><tr>{% for h in header %}
<th{% if loop.index <= 2 %} class="l"{% endif %}>{{ h }}</th>{% endfor %}</tr>
{% for r in table %}<tr>{% for c in r %}
<td{% if loop.index <= 2 %} class="l"{% endif %}>{{ c }}</td>{% endfor %}</tr>
{% endfor %}</table>
<h2>Configurations</h2>
<table><tr><th class="l">configuration</th><th>mean rank</th><th>runs</th><th>feasible</th>
<th>failed</th><th>mean gap %</th></tr>
{% for c in overall %}<tr><td class="l">{{ c[0] }}</td><td>{{ c[1] }}</td><td>{{ c[2] }}</td>
<td>{{ c[3] }}</td><td>{{ c[4] }}</td><td>{{ c[5] }}</td></tr>{% endfor %}</table>
<h2>Win / tie / loss (row against column, per instance and seed)</h2>
<table><tr><th></th>{% for c in configurations %}<th>{{ c }}</th>{% endfor %}</tr>
{% for a in configurations %}<tr><th class="l">{{ a }}</th>
{% for b in configurations %}
<td>{{ wtl[(a, b)]|join(" / ") if a != b else "" }}</td>{% endfor %}</tr>
{% endfor %}</table>
<h2>Performance profile</h2>
<p class="note">Fraction of instances on which a configuration's mean objective is within a
gap (%) of the reference (the best known value, else the best any run found).</p>
{{ profile_svg }}
<h2>Time to target</h2>
<p class="note">Fraction of runs holding an assignment within {{ within }} % of the reference,
against the seconds from the start of the run (from the improvement traces).</p>
{{ ttt_svg }}
</body></html>
"""


def _fmt(x: float | None, spec: str = ".6g") -> str:
    return "" if x is None else format(x, spec)


_HEADER = ["instance", "configuration", "runs", "feasible", "failed", "mean", "best", "worst",
           "best known", "gap mean %", "gap best %", "rank", "wall mean s"]


def _cells(s: Summary) -> list[str]:
    return [s.instance, s.configuration, str(s.runs), str(s.feasible), str(s.failed),
            _fmt(s.mean), _fmt(s.best), _fmt(s.worst), _fmt(s.best_known),
            _fmt(s.gap_mean, ".3f"), _fmt(s.gap_best, ".3f"), _fmt(s.rank, "g"),
            _fmt(s.wall_mean, ".2f")]


def overall(summaries: Sequence[Summary]) -> list[list[str]]:
    """Per configuration: mean rank, runs, feasible runs, failed runs, mean gap %."""
    confs: dict[str, list[Summary]] = {}
    for s in summaries:
        confs.setdefault(s.configuration, []).append(s)
    out = []
    for conf, ss in confs.items():
        rk = [s.rank for s in ss if s.rank is not None]
        gaps = [s.gap_mean for s in ss if s.gap_mean is not None]
        out.append([conf, _fmt(sum(rk) / len(rk) if rk else None, ".2f"),
                    str(sum(s.runs for s in ss)), str(sum(s.feasible for s in ss)),
                    str(sum(s.failed for s in ss)),
                    _fmt(sum(gaps) / len(gaps) if gaps else None, ".3f")])
    return out


def markdown(summaries: Sequence[Summary]) -> str:
    """The per-configuration table and the per-instance table, as Markdown."""
    lines = ["| configuration | mean rank | runs | feasible | failed | mean gap % |",
             "|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(r) + " |" for r in overall(summaries)]
    lines += ["", "| " + " | ".join(_HEADER) + " |", "|" + "---|" * len(_HEADER)]
    lines += ["| " + " | ".join(_cells(s)) + " |" for s in summaries]
    return "\n".join(lines) + "\n"


def write_report(rows: Sequence[Mapping[str, Any]], out_dir: str | Path, *, name: str,
                 store: str, best_known: Path | None = None, description: str = "",
                 within: float = 0.5) -> list[Path]:
    """Write ``report.html``, ``summary.csv`` and ``summary.md`` into ``out_dir``."""
    import jinja2
    from markupsafe import Markup

    from pilotopt.io.outputs import atomic_write
    from pilotopt.io.tables import safe_cell

    bks = read_best_known(best_known) if best_known is not None else None
    summaries = summarise(rows, bks)
    refs = _references(rows, bks)
    confs = list(dict.fromkeys(str(r["configuration"]) for r in rows))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(asdict(summaries[0])) if summaries else [],
                            lineterminator="\n")
    writer.writeheader()
    # Instance and configuration names come from the plan: keep formula-like ones text.
    writer.writerows({k: safe_cell(v) for k, v in asdict(s).items()} for s in summaries)
    versions = sorted({f"pilotopt {r.get('pilotopt_version')}, OR-Tools "
                       f"{r.get('ortools_version')}, numba {r.get('numba_version')}"
                       for r in rows})
    html = jinja2.Environment(autoescape=True).from_string(_TEMPLATE).render(
        name=name, description=description, runs=len(rows), store=store,
        configurations=confs, instances=len({r["instance"] for r in rows}),
        best_known=best_known, versions="; ".join(versions),
        hosts=", ".join(sorted({str(r.get("host")) for r in rows})),
        header=_HEADER, table=[_cells(s) for s in summaries], overall=overall(summaries),
        wtl=win_tie_loss(rows), within=f"{within:g}",
        profile_svg=Markup(_step_plot(
            profile(summaries, refs), "gap to the reference (%)", "performance profile",
            log_x=True)),
        ttt_svg=Markup(_step_plot(
            time_to_target(rows, refs, within), "seconds", f"time to within {within:g} %")),
    )
    out = Path(out_dir)
    files = {"report.html": html, "summary.csv": buf.getvalue(),
             "summary.md": markdown(summaries)}
    for file, text in files.items():
        atomic_write(out / file, text)
    return [out / f for f in files]
