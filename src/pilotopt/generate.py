"""Synthetic instances: a roster of organisations and a scenario, after DOMAIN.md section 5.

Every figure below is an assumption of the generator specification (types and shares 5.1,
attributes 5.2, NACE 5.3, offers and needs 5.4, competitors 5.5, settings by scale 5.7), kept
as a module constant so it can be read and changed in one place. One
``numpy.random.Generator(seed)`` drives everything, so the same arguments give byte-identical
files.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from pilotopt.io.outputs import atomic_write

__all__ = [
    "ECONOMY_OF",
    "FTE_RANGE",
    "TYPE_SHARES",
    "GeneratedInstance",
    "GenerationError",
    "generate",
    "generate_instance",
    "write_instance",
]

GENERATOR_VERSION = 2

#: Organisation type -> share of the roster (DOMAIN.md 5.1; economies 0.32/0.48/0.13/0.07).
TYPE_SHARES: dict[str, float] = {
    "maatwerkbedrijf": 0.14,
    "kringwinkel": 0.03,
    "lde": 0.07,
    "social_enterprise": 0.08,
    "sme_micro": 0.18,
    "sme_small": 0.14,
    "sme_medium": 0.08,
    "large_company": 0.04,
    "employer_network": 0.03,
    "financier": 0.01,
    "local_government": 0.10,
    "public_agency": 0.03,
    "knowledge_institution": 0.04,
    "training_provider": 0.03,
}

ECONOMY_OF: dict[str, str] = {
    **dict.fromkeys(("maatwerkbedrijf", "kringwinkel", "lde", "social_enterprise"), "social"),
    **dict.fromkeys(("sme_micro", "sme_small", "sme_medium", "large_company",
                     "employer_network", "financier"), "regular"),
    **dict.fromkeys(("local_government", "public_agency"), "public"),
    **dict.fromkeys(("knowledge_institution", "training_provider"), "knowledge"),
}

#: Bounds of the staff size (FTE) per type; the distributions inside are in :func:`_fte`.
FTE_RANGE: dict[str, tuple[int, int]] = {
    "maatwerkbedrijf": (20, 2000),
    "kringwinkel": (30, 600),
    "lde": (3, 80),
    "social_enterprise": (1, 50),
    "sme_micro": (1, 9),
    "sme_small": (10, 49),
    "sme_medium": (50, 249),
    "large_company": (250, 5000),
    "employer_network": (5, 80),
    "financier": (5, 500),
    "local_government": (20, 10000),
    "public_agency": (20, 2000),
    "knowledge_institution": (50, 5000),
    "training_provider": (10, 300),
}

LABEL: dict[str, str] = {
    "maatwerkbedrijf": "Maatwerkbedrijf",
    "kringwinkel": "Kringwinkel",
    "lde": "LDE",
    "social_enterprise": "Sociale onderneming",
    "sme_micro": "Micro-onderneming",
    "sme_small": "Kleine onderneming",
    "sme_medium": "Middelgrote onderneming",
    "large_company": "Grote onderneming",
    "employer_network": "Werkgeversnetwerk",
    "financier": "Financier",
    "local_government": "Gemeente",
    "public_agency": "Publieke dienst",
    "knowledge_institution": "Kennisinstelling",
    "training_provider": "Opleidingscentrum",
}

#: Exponent of the population weight when placing an organisation (5.2).
ALPHA: dict[str, float] = {"large_company": 1.2, "knowledge_institution": 2.0}

#: (lambda offers, lambda needs) of ``1 + Poisson(lambda)`` tag counts, capped (5.4).
TAG_LAMBDA: dict[str, tuple[float, float]] = {
    "maatwerkbedrijf": (2, 1.5), "kringwinkel": (2, 1.5), "lde": (1.5, 1.5),
    "social_enterprise": (1, 2), "sme_micro": (0.5, 1), "sme_small": (1, 1.5),
    "sme_medium": (1.5, 2), "large_company": (2, 2), "employer_network": (1.5, 0.5),
    "financier": (1, 0.5), "local_government": (1.5, 2), "public_agency": (1.5, 1.5),
    "knowledge_institution": (1.5, 1), "training_provider": (1, 1),
}
MAX_TAGS = 6

#: Primary activity of a maatwerkbedrijf: (share, [(NACE division, primary offer tag)]) (5.3).
MAATWERK_PROFILES: list[tuple[float, list[tuple[str, str]]]] = [
    (0.35, [("82", "packaging"), ("25", "assembly"), ("28", "assembly")]),
    (0.15, [("81", "green_maintenance")]),
    (0.10, [("81", "cleaning_laundry")]),
    (0.10, [("16", "metal_wood_work"), ("25", "metal_wood_work")]),
    (0.10, [("38", "recycling_dismantling")]),
    (0.05, [("18", "printing_mailing")]),
    (0.05, [("13", "textile_sewing"), ("14", "textile_sewing")]),
    (0.05, [("56", "catering_food"), ("10", "catering_food")]),
    (0.05, [("52", "logistics_warehousing")]),
]
KRINGWINKEL_PROFILES: list[tuple[float, str, str]] = [
    (0.7, "47", "reuse_sales_channel"), (0.3, "38", "collection_sorting_reuse"),
]
LDE_PROFILES: list[tuple[str, str]] = [
    ("88", "care_support"), ("81", "green_maintenance"), ("56", "catering_food"),
    ("95", "repair_refurbish"), ("53", "logistics_warehousing"), ("43", "home_building_services"),
]
#: Social enterprises: any section, weighted to C, G, I, M, S, E; primary tag by section.
SOCIAL_ENTERPRISE_SECTION_WEIGHT = {"C": 3.0, "G": 3.0, "I": 3.0, "M": 3.0, "S": 3.0, "E": 3.0}
SOCIAL_ENTERPRISE_PRIMARY: dict[str, str] = {
    "C": "assembly", "E": "repair_refurbish", "F": "home_building_services",
    "G": "logistics_warehousing", "H": "logistics_warehousing", "I": "catering_food",
    "M": "circular_design", "S": "repair_refurbish",
}
SME_SECTIONS = {"G": 22, "F": 14, "C": 14, "M": 12, "I": 8, "H": 6, "N": 6, "J": 5, "Q": 4,
                "S": 3, "K": 2, "L": 2, "R": 1, "A": 1}
LARGE_SECTIONS = {"C": 35, "G": 20, "H": 12, "Q": 8, "N": 8, "J": 7, "K": 5, "F": 5}
FIXED_DIVISIONS: dict[str, list[str]] = {
    "employer_network": ["94"], "financier": ["64"], "local_government": ["84"],
    "public_agency": ["84", "88"], "knowledge_institution": ["85", "72"],
    "training_provider": ["85"],
}
#: NACE-conditional weight boosts of tags (5.4): section -> (needs, offers).
BOOST = 3.0
SECTION_BOOSTS: dict[str, tuple[set[str], set[str]]] = {
    "C": ({"packaging", "assembly", "sorting_inspection", "recycling_dismantling"},
          {"residual_streams"}),
    "F": ({"recycling_dismantling", "metal_wood_work"}, set()),
    "G": ({"logistics_warehousing", "packaging", "reuse_sales_channel"}, set()),
    "I": ({"cleaning_laundry", "catering_food"}, set()),
    "Q": ({"cleaning_laundry", "catering_food", "care_support"}, set()),
}
LARGE_BOOST = {"social_impact", "onsite_enclave_team", "target_group_workforce"}
LABOUR_SHORTAGE_P = 0.4

REGULAR_FIRMS = ("sme_micro", "sme_small", "sme_medium", "large_company")
COMPETITOR_KM = 25.0
COMPETITOR_P_REGULAR = 0.5
COMPETITOR_P_SOCIAL = 0.4
JITTER_KM = 2.0
KM_PER_DEG_LAT = 111.2

ROSTER_COLUMNS = ("id", "name", "economy", "type", "sector", "nace_section", "municipality",
                  "lat", "lon", "fte", "target_group_fte", "offers", "needs", "competitors")


class GenerationError(ValueError):
    """The requested instance cannot be generated (e.g. its hard rules could never hold)."""


@dataclass(frozen=True)
class GeneratedInstance:
    """A generated roster (rows of :data:`ROSTER_COLUMNS`) and its scenario (TOML text)."""

    rows: list[dict[str, str]]
    scenario: str
    groups: int
    travel_km: float
    travel_hard: bool

    def roster_csv(self) -> str:
        """The roster as CSV text."""
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=ROSTER_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return buf.getvalue()


# --- reference tables ---------------------------------------------------------------------

def _table(name: str) -> list[dict[str, str]]:
    text = resources.files("pilotopt.data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@dataclass(frozen=True)
class _Municipalities:
    nis: list[str]
    name: list[str]
    province: list[str]
    lat: np.ndarray
    lon: np.ndarray
    population: np.ndarray


def _municipalities(provinces: Sequence[str] | None) -> _Municipalities:
    rows = _table("municipalities_flanders.csv")
    if provinces:
        wanted = {p.strip().lower() for p in provinces}
        known = {r["province"].lower() for r in rows}
        unknown = sorted(wanted - known)
        if unknown:
            raise GenerationError(
                f"unknown province(s): {', '.join(unknown)}; choose from "
                f"{', '.join(sorted({r['province'] for r in rows}))}")
        rows = [r for r in rows if r["province"].lower() in wanted]
    return _Municipalities(
        [r["nis_code"] for r in rows], [r["name"] for r in rows],
        [r["province"] for r in rows],
        np.array([float(r["lat"]) for r in rows]), np.array([float(r["lon"]) for r in rows]),
        np.array([float(r["population"]) for r in rows]),
    )


def _divisions() -> dict[str, list[str]]:
    by_section: dict[str, list[str]] = {}
    for r in _table("nace_divisions.csv"):
        by_section.setdefault(r["section"], []).append(r["division"])
    return by_section


def _taxonomy() -> tuple[list[str], dict[str, set[str]], dict[str, set[str]]]:
    rows = _table("capability_taxonomy.csv")
    tags = [r["tag"] for r in rows]
    offered = {r["tag"]: set(r["offered_by"].split(";")) for r in rows}
    needed = {r["tag"]: set(r["needed_by"].split(";")) for r in rows}
    return tags, offered, needed


# --- drawing ------------------------------------------------------------------------------

def _type_counts(n: int) -> dict[str, int]:
    """Counts per type by largest remainder, so the shares hold as closely as n allows."""
    total = sum(TYPE_SHARES.values())
    exact = {t: n * s / total for t, s in TYPE_SHARES.items()}
    counts = {t: math.floor(x) for t, x in exact.items()}
    order = sorted(TYPE_SHARES, key=lambda t: (-(exact[t] - counts[t]), list(TYPE_SHARES).index(t)))
    for t in order[: n - sum(counts.values())]:
        counts[t] += 1
    return counts


def _pick(rng: np.random.Generator, weights: Sequence[float]) -> int:
    w = np.asarray(weights, dtype=float)
    return int(rng.choice(len(w), p=w / w.sum()))


def _fte(rng: np.random.Generator, kind: str, population: float) -> int:
    lo, hi = FTE_RANGE[kind]

    def lognormal(median: float, sigma: float) -> float:
        return float(rng.lognormal(math.log(median), sigma))

    def log_uniform() -> float:
        return float(math.exp(rng.uniform(math.log(lo), math.log(hi + 1))))

    if kind == "maatwerkbedrijf":
        x = lognormal(120, 0.9)
    elif kind == "kringwinkel":
        x = lognormal(120, 0.6)
    elif kind == "lde":
        x = lognormal(15, 0.6)
    elif kind == "social_enterprise":
        x = lognormal(6, 0.8)
    elif kind == "sme_micro":
        x = float(rng.integers(1, 10))
    elif kind == "local_government":
        x = 0.008 * population
    else:
        x = log_uniform()
    return int(min(hi, max(lo, math.floor(x) if kind != "local_government" else round(x))))


def _target_group_fte(rng: np.random.Generator, kind: str, fte: int) -> int:
    if kind == "maatwerkbedrijf":
        share = float(rng.beta(16.6, 3.4))  # mean 0.83
    elif kind in ("kringwinkel", "lde"):
        share = 0.70
    elif kind == "social_enterprise":
        share = float(rng.beta(2.0, 8.0))  # mean 0.2
    elif kind == "sme_micro":
        return 1 if rng.random() < 0.02 else 0
    elif kind in ("sme_small", "sme_medium", "large_company"):
        top = {"sme_small": 1, "sme_medium": 3, "large_company": 10}[kind]
        return min(fte, int(rng.integers(0, top + 1)))
    elif kind in ("local_government", "public_agency"):
        share = float(rng.uniform(0.0, 0.02))
    else:
        return 0
    return min(fte, round(share * fte))


def _sector(rng: np.random.Generator, kind: str,
            divisions: dict[str, list[str]]) -> tuple[str, str | None]:
    """NACE division and, for a social organisation, its primary offer tag."""
    if kind == "maatwerkbedrijf":
        profile = MAATWERK_PROFILES[_pick(rng, [s for s, _ in MAATWERK_PROFILES])][1]
        return profile[int(rng.integers(len(profile)))]
    if kind == "kringwinkel":
        _, div, tag = KRINGWINKEL_PROFILES[_pick(rng, [s for s, _, _ in KRINGWINKEL_PROFILES])]
        return div, tag
    if kind == "lde":
        return LDE_PROFILES[int(rng.integers(len(LDE_PROFILES)))]
    if kind == "social_enterprise":
        sections = [s for s in divisions if s not in ("B", "D", "O", "T", "U")]
        sec = sections[_pick(rng, [SOCIAL_ENTERPRISE_SECTION_WEIGHT.get(s, 1.0)
                                   for s in sections])]
        divs = divisions[sec]
        return divs[int(rng.integers(len(divs)))], SOCIAL_ENTERPRISE_PRIMARY.get(
            sec, "social_impact")
    if kind in REGULAR_FIRMS:
        table = LARGE_SECTIONS if kind == "large_company" else SME_SECTIONS
        sec = list(table)[_pick(rng, list(table.values()))]
        divs = divisions[sec]
        return divs[int(rng.integers(len(divs)))], None
    options = FIXED_DIVISIONS[kind]
    return options[int(rng.integers(len(options)))], None


def _draw_tags(rng: np.random.Generator, candidates: list[str], weights: list[float], k: int,
               first: str | None = None) -> list[str]:
    chosen = [first] if first else []
    pool = [(t, w) for t, w in zip(candidates, weights, strict=True) if t not in chosen]
    k = min(k, len(chosen) + len(pool))
    while len(chosen) < k and pool:
        j = _pick(rng, [w for _, w in pool])
        chosen.append(pool.pop(j)[0])
    return chosen


def _haversine(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray,
               lon2: np.ndarray) -> np.ndarray:
    la1, lo1, la2, lo2 = map(np.radians, (lat1, lon1, lat2, lon2))
    h = (np.sin((la2 - la1) / 2) ** 2
         + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2)
    return np.asarray(2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(h, 0, 1))))


def _pair_distances(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    return _haversine(lat[:, None], lon[:, None], lat[None, :], lon[None, :])


# --- the travel rule ----------------------------------------------------------------------

def _compact_partition(lat: np.ndarray, lon: np.ndarray, groups: int) -> list[np.ndarray]:
    """Split the points into ``groups`` near-equal, compact parts by recursive bisection."""
    parts: list[np.ndarray] = []

    def split(idx: np.ndarray, g: int) -> None:
        if g == 1:
            parts.append(idx)
            return
        g1 = g // 2
        n1 = round(len(idx) * g1 / g)
        y = (lat[idx] - lat[idx].mean()) * KM_PER_DEG_LAT
        x = (lon[idx] - lon[idx].mean()) * KM_PER_DEG_LAT * math.cos(math.radians(51.0))
        key = x if np.ptp(x) >= np.ptp(y) else y
        order = idx[np.argsort(key, kind="stable")]
        split(order[:n1], g1)
        split(order[n1:], g - g1)

    split(np.arange(len(lat)), groups)
    return parts


def _travel_km(lat: np.ndarray, lon: np.ndarray, groups: int) -> float:
    """The largest group diameter of a compact partition: a distance groups can keep."""
    worst = 0.0
    for part in _compact_partition(lat, lon, groups):
        if len(part) > 1:
            worst = max(worst, float(_pair_distances(lat[part], lon[part]).max()))
    return worst


# --- the whole instance -------------------------------------------------------------------

def _check_feasible(counts: Counter[str], n: int, groups: int, min_size: int, max_size: int,
                    competitors: list[set[int]]) -> None:
    """Cheap necessary conditions of the hard rules; raise naming the first that fails."""
    problems = []
    if groups < 1:
        problems.append(f"groups must be at least 1 (got {groups})")
    elif not groups * min_size <= n <= groups * max_size:
        problems.append(
            f"{n} organisations do not fit {groups} groups of {min_size} to {max_size} "
            f"(need {groups * min_size} to {groups * max_size}); change --groups")
    for economy in ("social", "regular"):
        if counts[economy] < groups:
            problems.append(
                f"only {counts[economy]} {economy}-economy organisations for {groups} groups "
                f"(the hard rule asks at least 1 per group); use fewer groups or more "
                f"organisations")
    if not problems and groups > 1:
        import networkx as nx

        graph = nx.Graph()
        graph.add_edges_from((i, j) for i, cs in enumerate(competitors) for j in cs if i < j)
        # A clique has at most (largest core number + 1) members, and listing the maximal
        # cliques takes time exponential in the worst case: only list them when that bound
        # exceeds the groups.
        if graph.number_of_edges() and max(nx.core_number(graph).values()) + 1 > groups:
            clique = max((len(c) for c in nx.find_cliques(graph)), default=0)
            if clique > groups:
                problems.append(f"{clique} organisations are all competitors of each other; "
                                f"they need {clique} groups but there are {groups}")
    if problems:
        raise GenerationError("cannot generate an instance whose hard rules can hold: "
                              + "; ".join(problems))


def generate_instance(
    organisations: int,
    groups: int | None = None,
    seed: int = 0,
    *,
    min_size: int = 6,
    max_size: int = 12,
    provinces: Sequence[str] | None = None,
    travel_km: float | None = None,
    travel_hard: bool | None = None,
    hard_travel_max_groups: int = 10,
) -> GeneratedInstance:
    """Generate a roster of ``organisations`` and a scenario of ``groups`` pilot groups.

    ``groups`` defaults to ``round(organisations / 9)``. ``provinces`` restricts the area
    (default all of Flanders). The travel rule (``max_distance``) uses ``travel_km``, by default
    the largest diameter of a compact geographic split into ``groups`` parts with a margin; it
    is hard when there are at most ``hard_travel_max_groups`` groups (then the other hard rules
    leave room to move organisations between neighbouring groups) and soft otherwise, unless
    ``travel_hard`` says which.

    Raises :class:`GenerationError` when the hard rules could never all hold.
    """
    n = int(organisations)
    if n < 2:
        raise GenerationError(f"need at least 2 organisations (got {n})")
    if min_size < 1 or max_size < min_size:
        raise GenerationError(f"group sizes {min_size} to {max_size} are not a range")
    m = max(1, round(n / 9)) if groups is None else int(groups)
    counts = _type_counts(n)
    per_economy: Counter[str] = Counter()
    for t, c in counts.items():
        per_economy[ECONOMY_OF[t]] += c
    _check_feasible(per_economy, n, m, min_size, max_size, [set()] * n)  # before drawing

    rng = np.random.default_rng(seed)
    mun = _municipalities(provinces)
    divisions = _divisions()
    tags, offered_by, needed_by = _taxonomy()

    # Local governments: one per municipality; the overflow becomes public agencies (5.1).
    if counts["local_government"] > len(mun.name):
        counts["public_agency"] += counts["local_government"] - len(mun.name)
        counts["local_government"] = len(mun.name)
    kinds = [t for t in TYPE_SHARES for _ in range(counts[t])]
    kinds = [kinds[i] for i in rng.permutation(n)]

    weight_cache: dict[float, np.ndarray] = {}

    def weights(alpha: float) -> np.ndarray:
        if alpha not in weight_cache:
            w = mun.population ** alpha
            weight_cache[alpha] = w / w.sum()
        return weight_cache[alpha]

    where = np.empty(n, dtype=np.int64)
    local = [i for i, k in enumerate(kinds) if k == "local_government"]
    if local:
        where[local] = rng.choice(len(mun.name), size=len(local), replace=False, p=weights(1.0))
    for i, k in enumerate(kinds):
        if k != "local_government":
            where[i] = rng.choice(len(mun.name), p=weights(ALPHA.get(k, 1.0)))
    lat = mun.lat[where] + rng.normal(0.0, JITTER_KM / KM_PER_DEG_LAT, n)
    lon = mun.lon[where] + rng.normal(0.0, JITTER_KM, n) / (
        KM_PER_DEG_LAT * np.cos(np.radians(mun.lat[where])))
    lat, lon = np.round(lat, 5), np.round(lon, 5)

    section_of = {d: s for s, ds in divisions.items() for d in ds}
    sector: list[str] = []
    primary: list[str | None] = []
    fte: list[int] = []
    tg: list[int] = []
    offers: list[list[str]] = []
    needs: list[list[str]] = []
    for i, k in enumerate(kinds):
        div, first = _sector(rng, k, divisions)
        sector.append(div)
        primary.append(first)
        size = _fte(rng, k, float(mun.population[where[i]]))
        fte.append(size)
        tg.append(_target_group_fte(rng, k, size))
        sec = section_of[div]
        boost_need, boost_offer = SECTION_BOOSTS.get(sec, (set(), set()))
        if k == "large_company":
            boost_need = boost_need | LARGE_BOOST
        is_firm = k in REGULAR_FIRMS
        can_offer = [t for t in tags if k in offered_by[t]]
        can_need = [t for t in tags if k in needed_by[t]]
        lam_o, lam_n = TAG_LAMBDA[k]
        o = _draw_tags(rng, can_offer,
                       [BOOST if is_firm and t in boost_offer else 1.0 for t in can_offer],
                       min(MAX_TAGS, 1 + int(rng.poisson(lam_o))), first)
        nd = _draw_tags(rng, [t for t in can_need if t not in o],
                        [BOOST if is_firm and t in boost_need else 1.0
                         for t in can_need if t not in o],
                        min(MAX_TAGS, 1 + int(rng.poisson(lam_n))))
        # Labour shortage (two-way doorstroom) at regular firms of 10 FTE or more.
        if k in REGULAR_FIRMS and size >= 10 and rng.random() < LABOUR_SHORTAGE_P:
            if "target_group_workforce" not in nd and "target_group_workforce" not in o:
                nd.append("target_group_workforce")
            if "transition_jobs" not in o and "transition_jobs" not in nd:
                o.append("transition_jobs")
        offers.append(o)
        needs.append(nd)

    competitors = _competitors(rng, kinds, sector, primary, mun, where, lat, lon)
    _check_feasible(per_economy, n, m, min_size, max_size, competitors)

    # Names: "<label> <municipality> <k>"; a municipality has one local government.
    seen: Counter[tuple[str, str]] = Counter()
    ids = [f"org-{i + 1:06d}" for i in range(n)]
    rows = []
    for i, k in enumerate(kinds):
        place = mun.name[where[i]]
        seen[(k, place)] += 1
        name = f"{LABEL[k]} {place}" + ("" if k == "local_government"
                                         else f" {seen[(k, place)]}")
        rows.append({
            "id": ids[i], "name": name, "economy": ECONOMY_OF[k], "type": k,
            "sector": sector[i], "nace_section": section_of[sector[i]], "municipality": place,
            "lat": f"{lat[i]:.5f}", "lon": f"{lon[i]:.5f}", "fte": str(fte[i]),
            "target_group_fte": str(tg[i]), "offers": ";".join(offers[i]),
            "needs": ";".join(needs[i]),
            "competitors": ";".join(ids[j] for j in sorted(competitors[i])),
        })

    witness = _travel_km(lat, lon, m)
    hard = m <= hard_travel_max_groups if travel_hard is None else travel_hard
    km = travel_km if travel_km is not None else max(
        10.0, 10 * math.ceil(witness * (1.3 if hard else 1.0) / 10))
    text = _scenario_toml(n, m, seed, min_size, max_size, km, hard, witness, provinces,
                          explicit_km=travel_km is not None)
    return GeneratedInstance(rows, text, m, km, hard)


def _competitors(rng: np.random.Generator, kinds: list[str], sector: list[str],
                 primary: list[str | None], mun: _Municipalities, where: np.ndarray,
                 lat: np.ndarray, lon: np.ndarray) -> list[set[int]]:
    """Symmetric competitor sets (5.5): regular firms of one NACE division within 25 km
    (p = 0.5); social organisations of one primary activity in one arrondissement (p = 0.4)."""
    result: list[set[int]] = [set() for _ in kinds]
    buckets: dict[tuple[str, str], list[int]] = {}
    for i, k in enumerate(kinds):
        if k in REGULAR_FIRMS:
            buckets.setdefault(("regular", sector[i]), []).append(i)
        elif ECONOMY_OF[k] == "social" and primary[i]:
            arrondissement = mun.nis[where[i]][:2]
            buckets.setdefault(("social", f"{primary[i]}@{arrondissement}"), []).append(i)
    for (family, _), members in sorted(buckets.items()):
        if len(members) < 2:
            continue
        idx = np.array(members)
        near = np.ones((len(idx), len(idx)), dtype=bool)
        p = COMPETITOR_P_SOCIAL
        if family == "regular":
            near = _pair_distances(lat[idx], lon[idx]) <= COMPETITOR_KM
            p = COMPETITOR_P_REGULAR
        draw = rng.random((len(idx), len(idx))) < p
        a, b = np.nonzero(np.triu(near & draw, 1))
        for x, y in zip(idx[a].tolist(), idx[b].tolist(), strict=True):
            result[x].add(y)
            result[y].add(x)
    return result


def _scenario_toml(n: int, m: int, seed: int, min_size: int, max_size: int, km: float,
                   hard: bool, witness: float, provinces: Sequence[str] | None,
                   *, explicit_km: bool) -> str:
    area = ", ".join(provinces) if provinces else "all of Flanders"
    if explicit_km:
        why = f"# {km:g} km as asked (a compact split of the roster reaches {witness:.0f} km)."
    else:
        why = (f"# A compact geographic split of the roster into {m} groups has group diameters "
               f"up to {witness:.0f} km;\n# {km:g} km is that"
               + (" with a 30 % margin, rounded up." if hard else ", rounded up."))
    if hard:
        travel = (f"{why}\n# Hard: with {m} groups the other hard rules leave room to move "
                  "organisations between\n# neighbouring groups.\n"
                  f'[[rules]]\nkind = "max_distance"\nkm = {km:g}\nname = "travel"\n')
    else:
        travel = (f"{why}\n# Soft, not hard: over {area} with {m} groups, a hard diameter "
                  "together with the competitor\n# and quota rules may have no solution, "
                  "and proving one exists is too costly at this size.\n"
                  f'[[rules]]\nkind = "max_distance"\nkm = {km:g}\nhard = false\n'
                  f'weight = 0.5\nname = "travel"\n')
    return f"""\
# Generated by `pilotopt generate` (generator version {GENERATOR_VERSION}): {n} organisations,
# {m} groups, seed {seed}, area: {area}. Same arguments, same files.
description = "Synthetic ESF proeftuin instance: {n} organisations, {m} groups (seed {seed})"

[groups]
count = {m}
size = {{ min = {min_size}, max = {max_size} }}

[complementarity]
offer_need = 1.0                # one organisation offers what another needs, both ways
sector_diversity = 0.2          # pairs from different NACE divisions
economy_mix = 0.5               # pairs across economies

# Mixed (hard): at least one social-economy organisation in every group.
[[rules]]
kind = "quota"
attribute = "economy"
value = "social"
min = 1
name = "social min 1"

# Mixed (hard): at least one regular-economy organisation in every group.
[[rules]]
kind = "quota"
attribute = "economy"
value = "regular"
min = 1
name = "regular min 1"

# Mixed (soft): preferably two social-economy organisations.
[[rules]]
kind = "quota"
attribute = "economy"
value = "social"
min = 2
hard = false
weight = 2.0
name = "social min 2"

# Mixed (soft): preferably two regular-economy organisations.
[[rules]]
kind = "quota"
attribute = "economy"
value = "regular"
min = 2
hard = false
weight = 2.0
name = "regular min 2"

# Workable (hard): competitors never in the same group.
[[rules]]
kind = "apart"
column = "competitors"
name = "competitors apart"

# Ecosystem (soft): a local government or public agency in each group.
[[rules]]
kind = "quota"
attribute = "economy"
value = "public"
min = 1
hard = false
weight = 2.0
name = "public min 1"

# Balanced (soft): target-group employees spread over the groups, per FTE outside +-30 %.
[[rules]]
kind = "balance"
attribute = "target_group_fte"
tolerance = 0.3
hard = false
weight = 0.01
name = "target-group balance"

# Complementary (soft): every need a member brings is met by another member of its group;
# each need left unmet costs 1, as much as one offer-need match earns.
[[rules]]
kind = "coverage"
hard = false
weight = 1.0
name = "needs covered"

# Workable (travel): no two members of a group further apart than the distance below.
{travel}"""


def generate(
    organisations: int, groups: int | None = None, seed: int = 0, **options: Any
) -> tuple[list[dict[str, str]], str]:
    """Roster rows and scenario TOML text; see :func:`generate_instance` for the options."""
    inst = generate_instance(organisations, groups, seed, **options)
    return inst.rows, inst.scenario


def write_instance(
    out_dir: str | Path, organisations: int, groups: int | None = None, seed: int = 0,
    **options: Any,
) -> tuple[GeneratedInstance, list[Path]]:
    """Generate and write ``roster.csv`` and ``scenario.toml`` into ``out_dir`` (atomically)."""
    inst = generate_instance(organisations, groups, seed, **options)
    out = Path(out_dir)
    written = []
    for name, text in (("roster.csv", inst.roster_csv()), ("scenario.toml", inst.scenario)):
        atomic_write(out / name, text)
        written.append(out / name)
    return inst, written
