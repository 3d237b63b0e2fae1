"""Municipality lookup: by name or NIS code, any case or accents, 2025 merger names."""

from __future__ import annotations

import pytest

from pilotopt.io.municipalities import find_municipality, suggest_municipalities


@pytest.mark.parametrize(
    "text", ["Brugge", "31005", "31005.0", " brugge ", "BRUGGE", "Brügge", "Brùgge"]
)
def test_brugge_every_way(text: str) -> None:
    mun = find_municipality(text)
    assert mun is not None
    assert (mun.name, mun.nis_code, mun.province) == ("Brugge", "31005", "West-Vlaanderen")


def test_hyphens_and_spaces_are_alike() -> None:
    mun = find_municipality("sint niklaas")
    assert mun is not None and mun.name == "Sint-Niklaas"


def test_brussels_municipality() -> None:
    mun = find_municipality("Etterbeek")
    assert mun is not None and mun.province == "Brussels-Capital Region"


def test_merged_2025_name_is_a_weighted_centroid_of_its_parts() -> None:
    merged = find_municipality("Beveren-Kruibeke-Zwijndrecht")
    parts = [find_municipality(n) for n in ("Beveren", "Kruibeke", "Zwijndrecht")]
    assert merged is not None and all(p is not None for p in parts)
    assert merged.nis_code == ""
    assert merged.province == "Oost-Vlaanderen"
    assert merged.population == sum(p.population for p in parts if p)
    lats = [p.lat for p in parts if p]
    assert min(lats) <= merged.lat <= max(lats)


def test_a_name_that_lives_on_keeps_its_own_centroid() -> None:
    by_name = find_municipality("Antwerpen")
    by_code = find_municipality("11002")
    assert by_name is not None and by_name == by_code


@pytest.mark.parametrize("text", ["Atlantis", "", "99999", "Brugges"])
def test_unknown(text: str) -> None:
    assert find_municipality(text) is None


def test_suggestions() -> None:
    assert "Brugge" in suggest_municipalities("Brugges")
    assert suggest_municipalities("xxxxxxxxxxxx") == []
