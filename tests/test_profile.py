"""The roster's profile before solving, on the eight organisations of tests/data."""

from __future__ import annotations

from pathlib import Path

import pytest

from pilotopt.instance import load_instance
from pilotopt.profile import profile

DATA = Path(__file__).parent / "data"
ROSTER = DATA / "roster.csv"
SCENARIO = (DATA / "scenario.toml").read_text(encoding="utf-8")


def _profile(tmp_path: Path, scenario: str = SCENARIO):  # type: ignore[no-untyped-def]
    path = tmp_path / "scenario.toml"
    path.write_text(scenario, encoding="utf-8")
    return profile(load_instance(ROSTER, path))


def test_counts_and_tags_nobody_matches(tmp_path: Path) -> None:
    found = _profile(tmp_path)
    assert (found.organisations, found.groups) == (8, 2)
    assert found.counts["economy"] == {"social": 4, "regular": 3, "public": 1}
    assert sum(found.counts["province"].values()) == 8
    assert found.counts["type"]["maatwerkbedrijf"] == 3
    # social_impact is needed by rg01 and rg03 and offered by nobody; the others are offered.
    assert found.orphan_needs == {"social_impact": ["rg01", "rg03"]}
    assert found.unneeded_offers == {"logistics_warehousing": ["se02", "se03"],
                                     "packaging": ["se01"], "repair_refurbish": ["se02"]}


def test_how_many_groups_each_quota_can_meet(tmp_path: Path) -> None:
    scenario = SCENARIO.replace('value = "social"\nmin = 1', 'value = "social"\nmin = 3')
    scenario = scenario.replace('value = "regular"\nmin = 1',
                                'value = "regular"\nmin_share = 0.5')
    social, regular, public = _profile(tmp_path, scenario).quotas
    # 4 social organisations, 3 per group: one group only.
    assert (social.count, social.need, social.can_meet, social.short) == (4, 3, 1, True)
    # Half of a group of at least 3 is 2 members; 3 regular organisations make one group.
    assert (regular.count, regular.need, regular.can_meet) == (3, 2, 1)
    # One public organisation, at most one per group: it fits.
    assert (public.can_meet, public.max_fits, public.short) == (None, True, False)


def test_warns_when_group_sizes_can_differ(tmp_path: Path) -> None:
    found = _profile(tmp_path)  # 8 in 2 groups of 3 to 5: 3 + 5 is allowed
    assert found.unequal_sizes and found.sizes == (3, 5)
    assert "larger groups score more" in found.lines()[-1]
    assert "grotere groepen scoren meer" in found.lines("nl")[-1]
    fixed = _profile(tmp_path, SCENARIO.replace("min = 3, max = 5", "min = 4, max = 4"))
    assert not fixed.unequal_sizes and fixed.warning() == ""
    assert "per_member = true" in found.warning()
    fair = _profile(tmp_path, SCENARIO.replace("[complementarity]\n",
                                               "[complementarity]\nper_member = true\n"))
    assert not fair.unequal_sizes and fair.warning() == ""


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_lines_name_every_part(tmp_path: Path, lang: str) -> None:
    text = "\n".join(_profile(tmp_path).lines(lang))  # type: ignore[arg-type]
    assert "social_impact: rg01, rg03" in text
    assert ("quotum" if lang == "nl" else "quota") + " economy=social min 1" in text
    assert ("orphan" not in text) and ("Roster profile" in text or "Profiel" in text)
