"""One roster row: tags, ids, sector, economy, numbers and location, as a matchmaker wrote them."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import ValidationError

from pilotopt.schema.roster import Economy, Organisation, parse_tags


def _org(**fields: Any) -> Organisation:
    base: dict[str, Any] = {
        "id": "se01", "name": "Atelier", "economy": "social", "sector": "82",
        "municipality": "Geel", "fte": 10, "target_group_fte": 5, "offers": "", "needs": "",
    }
    return Organisation(**(base | fields))


def _error(**fields: Any) -> tuple[str, str]:
    with pytest.raises(ValidationError) as info:
        _org(**fields)
    [err] = info.value.errors()
    return str(err["loc"][0]), str(err["msg"])


@pytest.mark.parametrize(
    ("value", "tags"),
    [
        ("repair_refurbish;logistics", ("repair_refurbish", "logistics")),
        (" a ; b ;a", ("a", "b")),
        (["a", "b2"], ("a", "b2")),
        ("", ()),
        (None, ()),
        (math.nan, ()),
    ],
)
def test_parse_tags(value: Any, tags: tuple[str, ...]) -> None:
    assert parse_tags(value) == tags


@pytest.mark.parametrize("value", ["repair, logistics", "repair logistics", "repair|logistics"])
def test_tags_with_the_wrong_separator_say_so(value: str) -> None:
    with pytest.raises(ValueError, match="separate tags with ';'"):
        parse_tags(value)


@pytest.mark.parametrize("value", ["[repair]", "Repair", "2repair", "a;;b"])
def test_tags_of_the_wrong_form(value: str) -> None:
    with pytest.raises(ValueError, match="not valid"):
        parse_tags(value)


def test_a_valid_row() -> None:
    org = _org(economy=" Social ", offers="a;b", competitors="rg1; rg2")
    assert org.economy is Economy.social
    assert org.offers == ("a", "b")
    assert org.competitors == ("rg1", "rg2")
    assert org.division == "82"


@pytest.mark.parametrize(
    ("value", "sector"),
    [(25, "25"), (1, "01"), (1.0, "01"), ("1", "01"), ("82.92", "82.92"), ("1.1", "01.1")],
)
def test_sector(value: Any, sector: str) -> None:
    assert _org(sector=value).sector == sector


@pytest.mark.parametrize("value", ["825", "C25", "", "82.925"])
def test_sector_not_nace(value: str) -> None:
    assert _error(sector=value)[0] == "sector"


@pytest.mark.parametrize(
    ("fields", "column", "words"),
    [
        ({"economy": "sociaal"}, "economy", "'social'"),
        ({"fte": -1}, "fte", "greater than or equal to 0"),
        ({"fte": math.inf}, "fte", "finite"),
        ({"target_group_fte": 11}, "target_group_fte", "exceeds fte (10)"),
        ({"id": "se 01"}, "id", "no spaces"),
        ({"competitors": "rg1, rg2"}, "competitors", "separated by ';'"),
        ({"municipality": None}, "lon", "municipality (name or NIS code) or lat and lon"),
        ({"lat": 51.0}, "lon", "both lat and lon"),
        ({"lat": 91, "lon": 4}, "lat", "less than or equal to 90"),
        ({"colour": "red"}, "colour", "Extra inputs"),
    ],
)
def test_problems_name_their_column(fields: dict[str, Any], column: str, words: str) -> None:
    loc, msg = _error(**fields)
    assert loc == column
    assert words in msg


def test_coordinates_alone_locate() -> None:
    org = _org(municipality=None, lat=51.0, lon=4.5)
    assert (org.lat, org.lon) == (51.0, 4.5)


@pytest.mark.parametrize(("sector", "nearest"), [("34", "33 and 35"), ("00", "01 and 02"),
                                                 ("04.1", "03 and 05")])
def test_a_nace_division_that_does_not_exist(sector: str, nearest: str) -> None:
    column, message = _error(sector=sector)
    assert column == "sector" and f"no division {sector[:2]}" in message and nearest in message


@pytest.mark.parametrize(
    ("lat", "lon", "words"),
    [(4.4, 51.2, "swapped"), (48.85, 2.35, "outside Belgium"), (0.0, 0.0, "outside Belgium")],
)
def test_coordinates_outside_belgium(lat: float, lon: float, words: str) -> None:
    column, message = _error(municipality=None, lat=lat, lon=lon)
    assert column == "lon" and words in message


@pytest.mark.parametrize(("lat", "lon"), [(50.63, 3.06), (50.85, 5.69), (51.44, 3.57)])
def test_partners_just_over_the_border_are_welcome(lat: float, lon: float) -> None:
    assert _org(municipality=None, lat=lat, lon=lon).lat == lat  # Lille, Maastricht, Vlissingen
