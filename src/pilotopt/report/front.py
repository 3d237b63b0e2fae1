"""The trade-off front as a self-contained HTML page: an inline SVG plot (no network, no script)
where each point links to its assignment's files, and a table of the points."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from pilotopt.report.i18n import Lang, text

if TYPE_CHECKING:
    from pilotopt.instance import Instance
    from pilotopt.proposals.front import Front

__all__ = ["front_html", "nice_ticks", "write_front"]

_W, _H = 640, 420
_LEFT, _RIGHT, _TOP, _BOTTOM = 70, 20, 20, 50


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering ``[lo, hi]``.

    >>> nice_ticks(0, 97)
    [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    >>> nice_ticks(3, 3)
    [2.0, 2.5, 3.0, 3.5, 4.0]
    """
    if hi <= lo:
        lo, hi = lo - 1, hi + 1
    raw = (hi - lo) / count
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(lo / step) * step
    out = []
    value = first
    while value < hi + step * 1e-9:
        out.append(round(value, 10) + 0.0)  # + 0.0: no "-0" tick
        value += step
    if out[-1] < hi:
        out.append(round(value, 10))
    return out


def front_html(rows: Sequence[Mapping[str, object]], links: Sequence[Mapping[str, str]],
               rules: Sequence[str], meta: Mapping[str, object], *, lang: Lang = "en") -> str:
    """The page: ``rows`` as :meth:`pilotopt.proposals.front.Front.rows` gives them, ``links``
    per point (label -> relative path; the first is where the point itself links), ``rules``
    the labels of the rules swept, ``meta`` shown under the title (seed, time limit, ...)."""
    xs = [float(str(r["penalty"])) for r in rows]
    ys = [float(str(r["complementarity"])) for r in rows]
    xt, yt = nice_ticks(min(xs, default=0), max(xs, default=1)), nice_ticks(
        min(ys, default=0), max(ys, default=1))

    def px(x: float) -> float:
        return _LEFT + (x - xt[0]) / (xt[-1] - xt[0]) * (_W - _LEFT - _RIGHT)

    def py(y: float) -> float:
        return _H - _BOTTOM - (y - yt[0]) / (yt[-1] - yt[0]) * (_H - _TOP - _BOTTOM)

    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" '
           f'viewBox="0 0 {_W} {_H}" role="img" aria-label="{escape(text("front.title", lang))}">']
    for x in xt:
        svg.append(f'<line x1="{px(x):.1f}" y1="{_TOP}" x2="{px(x):.1f}" y2="{_H - _BOTTOM}" '
                   f'stroke="#ddd"/><text x="{px(x):.1f}" y="{_H - _BOTTOM + 16}" '
                   f'text-anchor="middle">{x:g}</text>')
    for y in yt:
        svg.append(f'<line x1="{_LEFT}" y1="{py(y):.1f}" x2="{_W - _RIGHT}" y2="{py(y):.1f}" '
                   f'stroke="#ddd"/><text x="{_LEFT - 6}" y="{py(y) + 4:.1f}" '
                   f'text-anchor="end">{y:g}</text>')
    svg.append(f'<text x="{(_LEFT + _W - _RIGHT) / 2}" y="{_H - 10}" text-anchor="middle">'
               f'{escape(text("front.x", lang))}</text>')
    svg.append(f'<text transform="translate(16 {(_TOP + _H - _BOTTOM) / 2}) rotate(-90)" '
               f'text-anchor="middle">{escape(text("front.y", lang))}</text>')
    on = sorted((x, y) for x, y, r in zip(xs, ys, rows, strict=True) if r["on_front"])
    if len(on) > 1:
        line = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in on)
        svg.append(f'<polyline points="{line}" fill="none" stroke="#1f6f8b" stroke-width="2"/>')
    shared: dict[tuple[float, float], list[str]] = {}
    for x, y, r in zip(xs, ys, rows, strict=True):
        shared.setdefault((x, y), []).append(str(r["point"]))
    for x, y, r, link in zip(xs, ys, rows, links, strict=True):
        # Points at one place get one label naming them all.
        label = ", ".join(shared[(x, y)]) if shared[(x, y)][0] == str(r["point"]) else ""
        href = next(iter(link.values()), "")
        tip = text("front.tip", lang, point=r["point"], factor=f"{float(str(r['factor'])):g}",
                   c=f"{y:g}", p=f"{x:g}", objective=f"{float(str(r['objective'])):g}")
        colour = "#1f6f8b" if r["on_front"] else "#aaa"
        svg.append(f'<a href="{escape(href)}"><circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="7" '
                   f'fill="{colour}"><title>{escape(tip)}</title></circle>'
                   f'<text x="{px(x) + 10:.1f}" y="{py(y) - 8:.1f}">{label}</text></a>')
    svg.append("</svg>")
    head = ["#", text("front.factor", lang), text("front.y", lang), text("front.x", lang),
            text("alt.objective", lang), text("front.on", lang), text("front.files", lang)]
    body = []
    for r, link in zip(rows, links, strict=True):
        files = " ".join(f'<a href="{escape(path)}">{escape(label)}</a>'
                         for label, path in link.items())
        body.append("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in (
            r["point"], f"{float(str(r['factor'])):g}", r["complementarity"], r["penalty"],
            r["objective"], "✓" if r["on_front"] else ""))
            + f"<td>{files}</td></tr>")
    facts = " · ".join(f"{escape(str(k))}: {escape(str(v))}" for k, v in meta.items())
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{escape(text("front.title", lang))}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:60em}}svg text{{font-size:12px}}
table{{border-collapse:collapse}}td,th{{padding:.2em .6em;border-bottom:1px solid #ddd;
text-align:right}}</style></head><body>
<h1>{escape(text("front.title", lang))}</h1>
<p>{escape(text("front.intro", lang, rules=", ".join(rules)))}</p>
<p>{facts}</p>
{"".join(svg)}
<table><thead><tr>{"".join(f"<th>{escape(h)}</th>" for h in head)}</tr></thead>
<tbody>{"".join(body)}</tbody></table>
</body></html>
"""


def write_front(out: Path, instance: Instance, found: Front, sources: dict[str, dict[str, str]],
                *, lang: Lang = "en") -> list[Path]:
    """Each point's assignment.csv and result.json in ``out/point-J``, then front.csv,
    front.json and front.html (whose points link to those files). Every file whole or not at
    all; the page last, so it never links to a file not yet written."""
    from pilotopt.io.outputs import assignment_csv, write_outputs
    from pilotopt.report.proposals import rows_csv
    from pilotopt.report.summary import package_version, result_document

    problem = instance.problem
    rows = found.rows(problem)
    written: list[Path] = []
    links = []
    for j, (p, row) in enumerate(zip(found.points, rows, strict=True)):
        folder = f"point-{j + 1}"
        document = {**result_document(problem, p.result, sources, instance.orgs),
                    "front": {"factor": p.factor, "on_front": not p.dominated,
                              "rules": [problem.rules[k].id for k in found.rules]}}
        written += write_outputs(out / folder, {
            "assignment.csv": assignment_csv(problem, p.result.assignment),
            "result.json": document})
        links.append({"assignment.csv": f"{folder}/assignment.csv",
                      "result.json": f"{folder}/result.json"})
        row["folder"] = folder
    seeds = sorted({p.result.params.seed for p in found.points})
    meta: dict[str, object] = {"seed": ", ".join(map(str, seeds)), "points": len(rows)}
    if found.message:
        meta["note"] = found.message
    labels = [problem.rules[k].label_in(lang) for k in found.rules]
    written += write_outputs(out, {
        "front.csv": rows_csv(rows),
        "front.json": {"pilotopt_version": package_version(), "inputs": sources,
                       "rules": [problem.rules[k].id for k in found.rules],
                       "message": found.message, "points": rows},
        "front.html": front_html(rows, links, labels, meta, lang=lang)})
    return written
