"""The catalogue: every sentence in both languages with the same fields; labels of the data."""

from __future__ import annotations

import csv
import doctest
import string
from importlib import resources

import pytest

import pilotopt.report.i18n
from pilotopt.report.i18n import _ECONOMY, _TEXT, choose, economy, kind_meaning, tag, text
from pilotopt.schema.roster import Economy


def fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


@pytest.mark.parametrize("key", sorted(_TEXT))
def test_every_sentence_has_both_languages_with_the_same_fields(key: str) -> None:
    en, nl = _TEXT[key]
    assert fields(en) == fields(nl)
    assert bool(en) == bool(nl)


def test_every_economy_rule_kind_and_tag_has_a_dutch_label() -> None:
    from pilotopt.schema.scenario import RULE_KINDS

    assert set(_ECONOMY) == {e.value for e in Economy}
    assert all(model.meaning_nl for model in RULE_KINDS.values())
    assert kind_meaning("apart") == RULE_KINDS["apart"].meaning
    assert economy("social", "nl") == "sociale economie"
    assert kind_meaning("apart", "nl").startswith("paren die niet")
    assert "nooit" in kind_meaning("membership", "nl")  # the rule on organisations' copies
    data = resources.files("pilotopt.data").joinpath("capability_taxonomy.csv")
    rows = list(csv.DictReader(data.read_text(encoding="utf-8").splitlines()))
    assert all(r["label_nl"].strip() for r in rows)
    assert all(tag(r["tag"], "nl") == r["label_nl"] for r in rows)
    assert tag("not_a_tag", "nl") == "not_a_tag"


def test_language_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("LANG", "nl_BE.UTF-8")
    assert choose() == "nl" and choose(None, "en") == "en" and choose("en", "nl") == "en"
    monkeypatch.setenv("LANG", "fr_BE.UTF-8")
    assert choose() == "en" and choose(None, "nl") == "nl"
    assert text("rule.holds", "nl") == "gehaald"


def test_doctests() -> None:
    assert doctest.testmod(pilotopt.report.i18n).failed == 0
