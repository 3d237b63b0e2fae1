"""The Flemish (and Brussels) municipality table the package ships, for locating organisations."""

from __future__ import annotations

import csv
import difflib
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["Municipality", "find_municipality", "suggest_municipalities"]


@dataclass(frozen=True)
class Municipality:
    """A municipality with its centroid; ``nis_code`` is empty for a 2025 merger name."""

    nis_code: str
    name: str
    province: str
    lat: float
    lon: float
    population: int


def _key(text: str) -> str:
    """Case- and accent-insensitive key, so 'sint-niklaas' and 'Sint-Niklaas ' match."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().replace("-", " ").split())


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("pilotopt.data").joinpath(filename).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def _table() -> dict[str, Municipality]:
    by_key: dict[str, Municipality] = {}
    by_code: dict[str, Municipality] = {}
    for filename in ("municipalities_flanders.csv", "municipalities_brussels.csv"):
        for r in _rows(filename):
            mun = Municipality(
                r["nis_code"], r["name"], r["province"],
                float(r["lat"]), float(r["lon"]), int(r["population"]),
            )
            by_code[mun.nis_code] = mun
            by_key.setdefault(_key(mun.name), mun)
    # Names of the municipalities merged on 1 January 2025: population-weighted centroid.
    merged: dict[str, list[tuple[Municipality, str]]] = {}
    for r in _rows("municipality_mergers_2025.csv"):
        merged.setdefault(r["new_name_2025"], []).append(
            (by_code[r["old_nis_code"]], r["new_province_2025"])
        )
    for new_name, parts in merged.items():
        if _key(new_name) in by_key:
            continue  # the name lives on (e.g. Antwerpen); keep its own centroid
        pop = sum(m.population for m, _ in parts)
        by_key[_key(new_name)] = Municipality(
            "", new_name, parts[0][1],
            round(sum(m.lat * m.population for m, _ in parts) / pop, 5),
            round(sum(m.lon * m.population for m, _ in parts) / pop, 5),
            pop,
        )
    by_key.update(by_code)
    return by_key


def find_municipality(name_or_code: str) -> Municipality | None:
    """The municipality named (any case, with or without accents) or with that NIS code."""
    text = name_or_code.strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]  # a NIS code read as a number from a spreadsheet
    return _table().get(text) or _table().get(_key(text))


def suggest_municipalities(name: str, k: int = 3) -> list[str]:
    """Close names, for 'did you mean' messages."""
    names = {m.name for m in _table().values()}
    by_key = {_key(n): n for n in names}
    return [by_key[c] for c in difflib.get_close_matches(_key(name), list(by_key), n=k)]
