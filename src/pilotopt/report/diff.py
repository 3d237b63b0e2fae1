"""Two assignments compared (:func:`pilotopt.diff.diff`), for the terminal and as one
self-contained HTML page, in English or Dutch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jinja2

from pilotopt.diff import Diff
from pilotopt.report.i18n import Lang, text

__all__ = ["diff_context", "diff_lines", "render_diff_html"]

#: Pairs kept, broken or formed named one by one in the terminal (all are in diff.json).
PAIRS_SHOWN = 10


def _n(x: float) -> str:
    return f"{x:g}"


def _signed(x: float) -> str:
    return f"{x:+g}" if x else "0"


def diff_context(d: Diff, sources: Mapping[str, str], lang: Lang = "en") -> dict[str, Any]:
    """Plain values both the terminal and the HTML page show; ``sources`` names the two
    assignment files (``a``, ``b``)."""
    doc = d.to_dict()
    names = {o: n for o, n in zip(d.problem.ids, d.problem.names, strict=True)}
    # The document keeps the English labels (it is also the machine output).
    label = {r.id: r.label_in(lang) for r in d.problem.rules}

    def hard(ok: bool, rules: list[str]) -> str:
        return text("hard_ok", lang) if ok else text("hard_broken", lang, rules=", ".join(rules))

    broken = {side: [label[r["id"]] for r in doc["rules"] if r["hard"] and r["violation"][side]]
              for side in ("a", "b")}
    no_group = text("diff.no_group", lang)
    return {
        "lang": lang,
        "doc": doc,
        "sources": dict(sources),
        "hard": {s: hard(doc["all_hard_rules_hold"][s], broken[s]) for s in ("a", "b")},
        "moved": [(m["organisation"], m["name"], m["from"] or no_group, m["to"] or no_group)
                  for m in doc["moved"]],
        "rules": [r | {"label": label[r["id"]]} for r in doc["rules"]
                  if r["violation"]["change"] or r["penalty"]["change"]],
        "groups": [g for g in doc["groups"]
                   if g["joined"] or g["left"] or g["complementarity"]["change"]],
        "names": names,
    }


def diff_lines(d: Diff, sources: Mapping[str, str], lang: Lang = "en") -> list[str]:
    """The comparison as plain text lines: both objectives, who moved, the pairs, the rules
    and groups that change."""
    ctx = diff_context(d, sources, lang)
    doc = ctx["doc"]

    def t(key: str, **values: object) -> str:
        return text(key, lang, **values)

    out = [t("diff.side", side=s.upper(), file=ctx["sources"].get(s, ""),
             objective=_n(doc["objective"][s]), hard=ctx["hard"][s]) for s in ("a", "b")]
    out.append(t("diff.change", objective=_signed(doc["objective"]["change"]),
                 complementarity=_signed(doc["complementarity"]["change"]),
                 penalty=_signed(doc["penalty"]["change"])))
    out.append(t("diff.moved", count=len(ctx["moved"])))
    out += [f"  {o} ({name}): {f} -> {to}" for o, name, f, to in ctx["moved"]]
    pairs = doc["pairs"]
    out.append(t("diff.pairs", kept=pairs["kept"], broken=len(pairs["broken"]),
                 formed=len(pairs["formed"])))
    for key in ("broken", "formed"):
        shown = pairs[key][:PAIRS_SHOWN]
        if shown:
            more = len(pairs[key]) - len(shown)
            out.append(f"  {t('diff.' + key)}: " + ", ".join(f"{x}-{y}" for x, y in shown)
                       + (f" (+{more})" if more else ""))
    out.append(t("diff.rules", count=len(ctx["rules"])))
    for r in ctx["rules"]:
        v, p = r["violation"], r["penalty"]
        out.append("  " + t("diff.rule", label=r["label"], a=v["a"], b=v["b"],
                            change=_signed(v["change"]), pa=_n(p["a"]), pb=_n(p["b"]),
                            pchange=_signed(p["change"])))
    out.append(t("diff.groups", count=len(ctx["groups"])))
    for g in ctx["groups"]:
        s, c = g["size"], g["complementarity"]
        line = "  " + t("diff.group", group=g["group"], a=s["a"], b=s["b"], ca=_n(c["a"]),
                        cb=_n(c["b"]), change=_signed(c["change"]))
        if g["joined"]:
            line += "; " + t("diff.joined", ids=", ".join(g["joined"]))
        if g["left"]:
            line += "; " + t("diff.left", ids=", ".join(g["left"]))
        out.append(line)
    return out


def render_diff_html(d: Diff, sources: Mapping[str, str], lang: Lang = "en") -> str:
    """The comparison as one HTML page that opens without network access."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("pilotopt.report", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = _n
    env.filters["signed"] = _signed
    return env.get_template("diff.html").render(
        diff_context(d, sources, lang), t=lambda key, **values: text(key, lang, **values))
