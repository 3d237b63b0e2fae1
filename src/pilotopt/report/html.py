"""The HTML report: one self-contained file a matchmaker can hand to the enterprises and the funder.

Everything is inline (CSS, SVG), so the file opens without network access. User text reaches the
page only through the jinja2 template, which escapes it; the matplotlib charts carry numbers
only, so no organisation or group name ever passes through a chart unescaped.
"""

from __future__ import annotations

import io
import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import matplotlib
import numpy as np
import numpy.typing as npt
from markupsafe import Markup

from pilotopt.analysis import Analysis
from pilotopt.evaluate import Evaluation
from pilotopt.io.outputs import atomic_write
from pilotopt.problem import SCALE, Problem
from pilotopt.report.figures import ECONOMIES, group_figures, names_are_labels
from pilotopt.report.i18n import Lang, economy, kind_meaning, nace, risk_words, tag, text
from pilotopt.report.offenders import offenders, sentence
from pilotopt.schema.roster import Organisation
from pilotopt.stability import CHECKED_MAX, drop_out_risks

if TYPE_CHECKING:  # explain imports this package's catalogue
    from pilotopt.explain import Alternative, Explanation

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["ECONOMY_COLOURS", "province_outlines", "render_html", "report_context",
           "write_html"]

#: One colour per economy, in the cards, the graphs and the legend.
ECONOMY_COLOURS = {
    "social": "#d95f02",
    "regular": "#1b9e77",
    "public": "#7570b3",
    "knowledge": "#e7298a",
}

_MARKERS = "os^D"  # beyond 20 groups the colours repeat; the marker tells them apart
_META_KEYS = ("status", "seed", "time_limit", "workers", "runtime", "bound", "gap", "created")


def _group_style(g: int) -> tuple[str, str]:
    """Colour (hex) and matplotlib marker of group ``g``."""
    rgb = plt.get_cmap("tab20")(g % 20)
    return matplotlib.colors.to_hex(rgb), _MARKERS[(g // 20) % len(_MARKERS)]


def _num(x: float) -> str:
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def _pct(share: float) -> str:
    return f"{100 * share:.0f} %"


def _signed_pct(share: float | None) -> str:
    return "" if share is None else f"{100 * share:+.0f} %"


def _svg(fig: Any) -> Markup:
    """A figure as inline SVG (the XML prologue dropped); text stays text, not paths."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    # Numbers only are drawn (see module docstring); matplotlib escapes its text nodes anyway.
    return Markup(text[text.index("<svg"):])


@cache
def province_outlines() -> dict[str, list[npt.NDArray[np.float64]]]:
    """Outlines of the Flemish provinces and Brussels: per province its rings of (lon, lat),
    shipped with the package (``data/provinces.json``), so the map needs no network."""
    text = resources.files("pilotopt.data").joinpath("provinces.json").read_text(encoding="utf-8")
    found = json.loads(text)["provinces"]
    return {name: [np.array(ring, dtype=np.float64) for ring in rings]
            for name, rings in found.items()}


def _map_svg(orgs: Sequence[Organisation], groups: npt.NDArray[np.int64]) -> Markup | None:
    """Organisations at their coordinates, coloured by group, the group number at its centre."""
    located = [i for i, o in enumerate(orgs) if o.lat is not None and o.lon is not None]
    if not located:
        return None
    lon = np.array([orgs[i].lon for i in located], dtype=float)
    lat = np.array([orgs[i].lat for i in located], dtype=float)
    grp = groups[located]
    fig, ax = plt.subplots(figsize=(12, 5))
    fig.subplots_adjust(left=0, right=1, bottom=0, top=1)
    for rings in province_outlines().values():
        for ring in rings:
            ax.plot(ring[:, 0], ring[:, 1], color="#bbbbbb", linewidth=0.6, zorder=0)
    size = 24 if len(located) <= 500 else 8
    out = grp < 0
    ax.scatter(lon[out], lat[out], s=size, c="#999999", marker="x", linewidths=0.8)
    for g in np.unique(grp[~out]):
        colour, marker = _group_style(int(g))
        sel = grp == g
        ax.scatter(lon[sel], lat[sel], s=size, c=colour, marker=marker, linewidths=0.3,
                   edgecolors="#333333")
        ax.annotate(str(g + 1), (lon[sel].mean(), lat[sel].mean()), fontsize=8,
                    weight="bold", ha="center", va="center", color="#111111")
    # Plain equirectangular projection, true to scale at the mean latitude.
    ax.set_aspect(1 / math.cos(math.radians(float(np.mean(lat)))))
    ax.set_axis_off()
    return _svg(fig)


def _complementarity_svg(values: Sequence[float]) -> Markup:
    """Complementarity per group, bars in the group colours, groups by number."""
    m = len(values)
    fig, ax = plt.subplots(figsize=(min(8, 1.5 + 0.3 * m), 2.2))
    ax.bar(range(1, m + 1), values, color=[_group_style(g)[0] for g in range(m)])
    ax.set_xlabel("group")
    ax.set_ylabel("complementarity")
    if m <= 40:
        ax.set_xticks(range(1, m + 1))
    ax.tick_params(labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def _graph(
    members: Sequence[int],
    problem: Problem,
    orgs: Sequence[Organisation] | None,
    edges: Sequence[Mapping[str, Any]] | None,
) -> dict[str, Any]:
    """A circular drawing of a group's ties, as plain coordinates for the template's SVG.

    Ties are the analysis edges (offer -> need, with tags) where given, else the pairs with a
    positive complementarity score.
    """
    size, radius = 220, 62
    index = {problem.ids[i]: k for k, i in enumerate(members)}
    nodes = []
    for k, i in enumerate(members):
        angle = 2 * math.pi * k / max(1, len(members)) - math.pi / 2
        nodes.append({
            "x": round(size / 2 + radius * math.cos(angle), 1),
            "y": round(size / 2 + radius * math.sin(angle), 1),
            "id": problem.ids[i],
            "name": problem.names[i],
            "colour": ECONOMY_COLOURS[orgs[i].economy.value] if orgs else "#888888",
            "anchor": "start" if math.cos(angle) > 0.1 else
                      "end" if math.cos(angle) < -0.1 else "middle",
            "lx": round(size / 2 + (radius + 10) * math.cos(angle), 1),
            "ly": round(size / 2 + (radius + 10) * math.sin(angle) + 3, 1),
        })
    ties: list[tuple[int, int, float, str]] = []
    if edges is not None:
        for e in edges:
            a, b = index.get(e["source"]), index.get(e["target"])
            if a is not None and b is not None:
                tip = f"{e['source']} offers {e['target']}: {', '.join(e.get('tags', []))}"
                ties.append((a, b, float(e.get("weight", 1.0)), tip))
    else:
        # A large problem keeps its scores as factors: the group's block comes from them.
        sub = (problem.score[np.ix_(members, members)] if problem.factors is None
               else problem.factors.block(members))
        for a, b in zip(*np.nonzero(np.triu(sub, 1) > 0), strict=True):
            w = sub[a, b] / SCALE
            ties.append((int(a), int(b), w, f"{nodes[a]['id']} - {nodes[b]['id']}: {w:g}"))
    top = max((w for *_, w, _ in ties), default=1.0) or 1.0
    lines = [{
        "x1": nodes[a]["x"], "y1": nodes[a]["y"], "x2": nodes[b]["x"], "y2": nodes[b]["y"],
        "width": round(0.5 + 2.5 * w / top, 2), "title": tip,
    } for a, b, w, tip in ties]
    return {"size": size, "nodes": nodes, "edges": lines}


def report_context(
    problem: Problem,
    assignment: npt.ArrayLike,
    evaluation: Evaluation,
    orgs: Sequence[Organisation] | None = None,
    analysis: Analysis | None = None,
    meta: Mapping[str, Any] | None = None,
    rule_notes: Mapping[str, str] | None = None,
    lang: Lang = "en",
    explanations: Sequence[Explanation] = (),
) -> dict[str, Any]:
    """Plain values the HTML and XLSX reports show: summary, rules and who breaks them, and a
    view of each group with its figures (FTE and target-group FTE against the mean, farthest
    pair, mix) and, per member explained (``explanations``, of :func:`pilotopt.explain.explain`),
    its share of the group's complementarity, its best alternative and the better move a hard
    rule blocks.

    ``orgs`` are the roster's organisations in the order of ``problem.ids`` (None for an
    instance without a roster, e.g. MDGPLIB); ``analysis`` is that of
    :func:`pilotopt.analysis.analyze`; ``meta`` may hold ``status``, ``seed``, ``time_limit``,
    ``workers``, ``runtime``, ``bound``, ``gap``, ``created``, ``description``, ``sources``
    (what -> file name) and ``gain`` (a sentence: the objective against the baseline by
    hand); ``rule_notes`` maps a rule id to what it means in a matchmaker's words (default: the
    rules' own notes); ``lang`` the language of every label.
    """
    groups = np.asarray(assignment, dtype=np.int64)
    meta = dict(meta or {})
    notes = rule_notes or {r.id: r.note for r in problem.rules if r.note}
    by_index = {g.index: g for g in analysis.groups} if analysis is not None else {}
    figures = group_figures(problem, groups, evaluation, orgs)
    found = offenders(problem, groups, orgs)
    said = [(o, sentence(problem, o, groups, lang, labels=True)) for o in found]
    rules = [{
        "id": r.id, "kind": r.kind, "label": problem.rules[r.rule].label_in(lang), "hard": r.hard,
        "weight": None if r.hard else problem.rules[r.rule].weight, "satisfied": r.satisfied,
        "violation": r.violation, "penalty": r.penalty,
        "note": notes.get(r.id) or kind_meaning(r.kind, lang),
        "broken_in": [(problem.group_names[g], v) for g, v in enumerate(r.per_group) if v],
        "offences": [words for o, words in said if o.rule == r.rule],
    } for r in evaluation.rules]

    def tags(values: Sequence[str]) -> list[str]:
        return [tag(t, lang) for t in values]

    explained = {e.organisation: e for e in explanations}

    views = []
    for fig in figures.groups:
        g = fig.index
        found_g = by_index.get(g)
        rows = []
        for i in fig.members:
            oid = problem.ids[i]
            row: dict[str, Any] = {"id": oid, "name": problem.names[i]}
            if orgs:
                o = orgs[i]
                row |= {"economy": o.economy.value,
                        "economy_label": economy(o.economy.value, lang),
                        "type": o.attributes.get("type", ""),
                        "sector": o.sector, "sector_name": nace(o.division),
                        "municipality": o.municipality or "",
                        "fte": o.fte, "target_group_fte": o.target_group_fte,
                        "extra": {k: v for k, v in o.attributes.items() if k != "type"}}
            if found_g is not None:
                row |= {"gives": tags(found_g.gives.get(oid, [])),
                        "gets": tags(found_g.gets.get(oid, [])),
                        "unmet": tags(found_g.unmet_needs.get(oid, [])),
                        "isolated": oid in found_g.isolated}
            if i in explained:
                e = explained[i]
                row |= {"share": round(e.share, 3),
                        "elsewhere": _alternative(problem, e.alternatives[0], lang)
                                     if e.alternatives else "",
                        "blocked": _alternative(problem, e.blocked, lang) if e.blocked else ""}
            rows.append(row)
        colour, _ = _group_style(g)
        far = fig.farthest
        views.append({
            "index": g, "number": g + 1, "name": fig.name, "colour": colour, "members": rows,
            "complementarity": fig.complementarity,
            "mix": [(e, k, economy(e, lang)) for e, k in zip(ECONOMIES, fig.mix, strict=True)
                    if k] if fig.mix is not None else [],
            "fte": fig.fte, "target_group_fte": fig.target_group_fte,
            "fte_vs_mean": _ratio(fig.fte, figures.mean_fte),
            "target_vs_mean": _ratio(fig.target_group_fte, figures.mean_target_group_fte),
            "farthest_km": fig.farthest_km,
            "farthest": None if far is None else (problem.names[far[0]], problem.names[far[1]]),
            "sectors": Counter(orgs[i].division for i in fig.members).most_common()
                       if orgs else [],
            "broken": [(r.id, problem.rules[r.rule].label_in(lang), r.hard, r.per_group[g])
                       for r in evaluation.rules if r.per_group[g]],
            "offences": [(problem.rules[o.rule].hard, words) for o, words in said
                         if o.group == g],
            "analysis": found_g,
        })

    risks = drop_out_risks(problem, groups)
    extra = {k: v for k, v in meta.items()
             if k not in _META_KEYS and k not in ("description", "sources", "title", "gain")}
    return {
        "lang": lang,
        "title": meta.get("title") or text("report.title", lang),
        "description": meta.get("description") or "",
        "sources": dict(meta.get("sources") or problem.source),
        "run": [(text(f"meta.{k}", lang),
                 f"{100 * meta[k]:.2f} %" if k == "gap" else meta[k])
                for k in _META_KEYS if meta.get(k) is not None] + list(extra.items()),
        "run_values": [(k, text(f"meta.{k}", lang), meta[k]) for k in _META_KEYS
                       if meta.get(k) is not None] + [(k, k, v) for k, v in extra.items()],
        "objective": evaluation.objective,
        "complementarity": evaluation.complementarity,
        "per_member": evaluation.per_member,
        "names_are_labels": names_are_labels(problem),
        "penalty": evaluation.penalty,
        "feasible": evaluation.feasible,
        "gain": meta.get("gain") or "",
        "explained": bool(explained),
        "broken_hard": [r for r in rules if r["hard"] and not r["satisfied"]],
        "n": problem.organisations,
        "m": problem.m,
        "mean_fte": figures.mean_fte,
        "mean_target_group_fte": figures.mean_target_group_fte,
        "left_out": [(problem.ids[i], problem.names[i]) for i in evaluation.left_out],
        "rules": rules,
        "groups": views,
        "risks": None if risks is None else [risk_words(r.to_dict(problem), lang)
                                             for r in risks],
        "risks_checked_max": f"{CHECKED_MAX:,}",
        "overall": analysis.overall if analysis is not None else None,
        "communities": analysis.communities if analysis is not None else None,
        "economies": {e: (c, economy(e, lang)) for e, c in ECONOMY_COLOURS.items()}
                     if orgs else {},
    }


def _alternative(problem: Problem, alt: Alternative, lang: Lang) -> str:
    """Another place for a member in words: the group (and the partner of a swap), the change
    of the objective and, if it breaks hard rules, why."""
    group, change = problem.group_names[alt.group], f"{alt.change.objective:+g}"
    words = (text("alt.move", lang, group=group, change=change) if alt.partner is None else
             text("alt.swap", lang, group=group, partner=problem.ids[alt.partner], change=change))
    return "; ".join([words, *(w.words(lang) for w in alt.why)])


def _ratio(value: float | None, mean: float | None) -> float | None:
    """``value`` against ``mean`` (0.1: 10 % above), None without a mean."""
    return None if value is None or not mean else value / mean - 1


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pilotopt.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _num
    env.filters["pct"] = _pct
    env.filters["signed_pct"] = _signed_pct
    return env


def render_html(
    problem: Problem,
    assignment: npt.ArrayLike,
    evaluation: Evaluation,
    orgs: Sequence[Organisation] | None = None,
    analysis: Analysis | None = None,
    meta: Mapping[str, Any] | None = None,
    rule_notes: Mapping[str, str] | None = None,
    lang: Lang = "en",
    explanations: Sequence[Explanation] = (),
    profile: Mapping[str, Any] | None = None,
) -> str:
    """The report as one self-contained HTML page; see :func:`report_context` for the inputs.
    ``profile``, the roster's profile in words (:meth:`pilotopt.profile.Profile.view`), opens
    the first section."""
    ctx = report_context(problem, assignment, evaluation, orgs, analysis, meta, rule_notes, lang,
                         explanations)
    ctx["profile"] = profile
    groups = np.asarray(assignment, dtype=np.int64)
    for view in ctx["groups"]:
        members = [int(i) for i in np.flatnonzero(groups == view["index"])]
        found = view["analysis"]
        view["graph"] = _graph(members, problem, orgs, None if found is None else found.edges)
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "pilotopt"}):
        ctx["map_svg"] = _map_svg(orgs, groups) if orgs else None
        ctx["chart_svg"] = _complementarity_svg([v["complementarity"] for v in ctx["groups"]])
    return _environment().get_template("report.html").render(
        ctx, t=lambda key, **values: text(key, lang, **values))


def write_html(
    path: str | Path,
    problem: Problem,
    assignment: npt.ArrayLike,
    evaluation: Evaluation,
    orgs: Sequence[Organisation] | None = None,
    analysis: Analysis | None = None,
    meta: Mapping[str, Any] | None = None,
    rule_notes: Mapping[str, str] | None = None,
    lang: Lang = "en",
) -> Path:
    """Render the report and write it to ``path`` whole or not at all; returns the path."""
    out = Path(path)
    atomic_write(out, render_html(problem, assignment, evaluation, orgs, analysis, meta,
                                  rule_notes, lang))
    return out
