"""The HTML report: every section, a card per group, nothing fetched, user text escaped."""

from __future__ import annotations

import csv
import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path

from matplotlib.path import Path as Outline
from report_cases import EVIL, ROOT, Case, demo, flanders300, mdgplib

from pilotopt.compile import compile_problem
from pilotopt.evaluate import evaluate
from pilotopt.instance import load_instance
from pilotopt.report.html import province_outlines, render_html, write_html
from pilotopt.report.i18n import tag


class Page(HTMLParser):
    """What a test needs from a page: sections, group cards, links, scripts and the text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.cards: list[str] = []
        self.links: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        a = dict(attrs)
        if a.get("data-section"):
            self.sections.append(str(a["data-section"]))
        if a.get("data-group"):
            self.cards.append(str(a["data-group"]))
        self.links += [str(v) for k, v in attrs if k in ("src", "href", "xlink:href")]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check(case: Case, sections: set[str]) -> tuple[str, Page]:
    html = render_html(*case.args())
    page = Page(html)
    assert set(page.sections) == sections
    assert page.cards == [str(g + 1) for g in range(case.problem.m)]
    assert not [u for u in page.links if re.match(r"\s*(https?:)?//", u)]
    assert "script" not in page.tags and "iframe" not in page.tags
    text = "".join(page.text)
    assert all(oid in text for oid in case.problem.ids)
    return html, page


def test_demo_report_has_every_section_and_a_card_per_group() -> None:
    case = demo()
    html, page = check(case, {"summary", "overview", "map", "groups", "rules"})
    text = "".join(page.text)
    assert "Every hard rule holds." in text and case.evaluation.feasible
    assert "time limit (s)" in text and "mixed social/regular groups" in text
    assert "quota economy=social min 2" in text and "competitors" in text
    # What members give and get comes from the analysis, tag by tag.
    assert case.analysis is not None
    first = case.analysis.groups[0]
    tags = [t for ts in first.gives.values() for t in ts]
    assert tags and all(tag(t) in text for t in tags)


def test_the_evil_name_is_text_and_no_script() -> None:
    case = demo()
    html, page = check(case, {"summary", "overview", "map", "groups", "rules"})
    assert EVIL in "".join(page.text)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co &#34;BV&#34;" in html


def test_infeasible_flanders_300_shows_broken_rules() -> None:
    case = flanders300()
    assert not case.evaluation.feasible
    html, page = check(case, {"summary", "overview", "map", "groups", "rules"})
    text = "".join(page.text)
    assert "Hard rules broken" in text
    for r in case.evaluation.broken_hard_rules():
        assert f"{r.label}: off by" in text
    assert len(html) < 3_000_000


def test_mdgplib_renders_without_a_roster() -> None:
    case = mdgplib()
    html, page = check(case, {"summary", "overview", "groups", "rules"})
    assert "economy" not in "".join(page.text)


def test_named_groups_without_an_anchor_are_said_to_be_labels() -> None:
    case = mdgplib()
    said = 'id="names-are-labels"'
    assert said not in render_html(*case.args())  # G1, G2, ...: nothing to say
    named = dataclasses.replace(case.problem, group_names=tuple(
        f"Gemeente {g + 1}" for g in range(case.problem.m)))
    assert said in render_html(named, case.assignment, evaluate(named, case.assignment))


def test_rule_notes_and_meta_appear() -> None:
    case = demo()
    note = "competitors <never> share a table"
    html = render_html(*case.args(), rule_notes={"rule 6": note})
    text = "".join(Page(html).text)
    assert note in text
    assert "seed" in text and str(case.meta["seed"]) in text


def test_write_html_writes_the_rendered_page(tmp_path: Path) -> None:
    case = demo()
    path = write_html(tmp_path / "sub" / "report.html", *case.args())
    assert path.read_text(encoding="utf-8") == render_html(*case.args())
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]


def test_a_large_factored_problem_renders_without_an_analysis() -> None:
    # Beyond DENSE_MAX_ORGANISATIONS the scores are factors and ``score`` is empty: the ties of
    # a group are drawn from the factors' block (this raised IndexError before).
    case = flanders300()
    inst = load_instance(ROOT / "instances/flanders-300/roster.csv",
                         ROOT / "instances/flanders-300/scenario.toml")
    assert inst.roster is not None and inst.scenario is not None
    factored = compile_problem(inst.roster.organisations, inst.scenario,
                               columns=inst.roster.columns, dense=False)
    assert factored.factors is not None and factored.score.shape == (0, 0)
    evaluation = evaluate(factored, case.assignment)
    html = render_html(factored, case.assignment, evaluation, case.orgs)
    dense = render_html(case.problem, case.assignment, case.evaluation, case.orgs)
    assert html.count("<line ") == dense.count("<line ") > 0


def test_figures_and_offenders_in_the_report() -> None:
    case = flanders300()
    text = "".join(Page(render_html(*case.args())).text)
    assert "Target-group FTE" in text and "against the mean group of" in text
    assert "Farthest apart" in text and " km" in text
    assert "are both in" in text or "lie" in text


def test_dutch_report() -> None:
    case = demo()
    text = "".join(Page(render_html(*case.args(), lang="nl")).text)
    assert "De groepen" in text and "Wat elke regel vraagt" in text
    assert "sociale economie" in text and "Every hard rule" not in text
    # The rules by their Dutch labels, none by its English one.
    assert "groepen van 6 tot 10 leden" in text and "quotum economy=social min 2" in text
    assert all(r.label_nl in text and r.label not in text for r in case.problem.rules)


def test_province_outlines_ship_with_the_package_and_draw_on_the_map() -> None:
    outlines = province_outlines()
    assert set(outlines) == {"Antwerpen", "Vlaams-Brabant", "West-Vlaanderen",
                             "Oost-Vlaanderen", "Limburg", "Brussels-Capital Region"}
    for rings in outlines.values():
        for ring in rings:
            assert (ring[0] == ring[-1]).all()  # closed
            assert ((ring[:, 0] > 2.5) & (ring[:, 0] < 6.5)).all()
            assert ((ring[:, 1] > 50.6) & (ring[:, 1] < 51.6)).all()
        assert 30 <= sum(len(r) for r in rings) <= 600  # a few hundred points at most
    # Every municipality of a province lies inside that province's outline.

    with open(ROOT / "src/pilotopt/data/municipalities_flanders.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    inside = 0
    for row in rows:
        point = (float(row["lon"]), float(row["lat"]))
        inside += any(Outline(r).contains_point(point) for r in outlines[row["province"]])
    assert inside == len(rows)
    html = render_html(*demo().args())
    map_svg = html[html.index('id="map"'):]
    assert map_svg.count("<path") > len(outlines)


def test_member_cards_say_why_each_member_sits_there_in_dutch() -> None:
    from markupsafe import escape

    from pilotopt.explain import explain
    from pilotopt.report.html import _alternative

    case = demo()
    found = explain(case.problem, case.assignment, None, case.orgs)
    page = render_html(*case.args(), lang="nl", explanations=found)
    assert "<th>aandeel</th><th>beste elders</th><th>beter, maar geblokkeerd</th>" in page
    for e in found:
        assert e.alternatives
        words = _alternative(case.problem, e.alternatives[0], "nl")
        assert "doel" in words and str(escape(words)) in page
        if e.blocked is not None:
            assert str(escape(_alternative(case.problem, e.blocked, "nl"))) in page
    assert any(e.blocked is not None for e in found)
    meta = {**case.meta, "gain": "Met de hand: doel 1; pilotopt 2: +1 (+100%)."}
    assert '<p id="gain">Met de hand: doel 1' in render_html(*case.args()[:5], meta, lang="nl")


def test_the_roster_profile_opens_the_report_when_given() -> None:
    from pilotopt.profile import profile

    case = demo()
    inst = load_instance(ROOT / "instances/demo/roster.csv", ROOT / "models/esf-proeftuin.toml")
    found = profile(inst)
    html = render_html(*case.args(), lang="nl", profile=found.view("nl"))
    page = Page(html)
    assert page.sections[:2] == ["summary", "profile"]
    text = "".join(page.text)
    assert found.view("nl")["title"] in text and "hoever elke quotumregel" in text
    assert all(q.label_in("nl") in text and q.label not in text for q in found.quotas)


def test_drop_out_risks_in_the_report() -> None:
    data = ROOT / "tests/data"
    inst = load_instance(data / "roster.csv", data / "scenario.toml")
    a = [0, 1, 1, 0, 0, 1, 0, 1]
    text = " ".join(Page(render_html(inst.problem, a, evaluate(inst.problem, a),
                                     inst.orgs)).text)
    assert "Drop-out risks" in text and "4 organisation(s) would earn more" in text
    assert "rg03 (Digitaal Leuven) G1 -> G2: earns 1.6 -> 4.3" in text
    calm = [0, 1, 0, 1, 0, 1, 0, 1]  # only pb01 would gain: a count of 1
    text = " ".join(Page(render_html(inst.problem, calm, evaluate(inst.problem, calm),
                                     inst.orgs)).text)
    assert "1 organisation(s) would earn more" in text and "pb01" in text
