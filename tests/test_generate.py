"""The synthetic instance generator: deterministic, realistic, loadable and solvable."""

from __future__ import annotations

import csv
import math
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from pilotopt.cli import main
from pilotopt.generate import (
    ECONOMY_OF,
    FTE_RANGE,
    TYPE_SHARES,
    GenerationError,
    generate,
    generate_instance,
    write_instance,
)
from pilotopt.instance import load_instance
from pilotopt.io.municipalities import find_municipality
from pilotopt.solve import Params, solve

TARGETS = {"social": 0.32, "regular": 0.48, "public": 0.13, "knowledge": 0.07}


@pytest.fixture(scope="module")
def big() -> list[dict[str, str]]:
    rows, _ = generate(2000, seed=7)
    return rows


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    write_instance(tmp_path / "a", 120, seed=5)
    write_instance(tmp_path / "b", 120, seed=5)
    write_instance(tmp_path / "c", 120, seed=6)
    for name in ("roster.csv", "scenario.toml"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "roster.csv").read_bytes() != (
        tmp_path / "c" / "roster.csv").read_bytes()


def test_economy_shares_close_to_targets(big: list[dict[str, str]]) -> None:
    counts = Counter(r["economy"] for r in big)
    for economy, share in TARGETS.items():
        assert abs(counts[economy] / len(big) - share) < 0.02, economy
    types = Counter(r["type"] for r in big)
    assert abs(types["maatwerkbedrijf"] / len(big) - TYPE_SHARES["maatwerkbedrijf"]) < 0.01
    assert all(ECONOMY_OF[r["type"]] == r["economy"] for r in big)


def test_fte_and_target_group_within_type_ranges(big: list[dict[str, str]]) -> None:
    for r in big:
        lo, hi = FTE_RANGE[r["type"]]
        fte, tg = int(r["fte"]), int(r["target_group_fte"])
        assert lo <= fte <= hi, r
        assert 0 <= tg <= fte, r
    maatwerk = [r for r in big if r["type"] == "maatwerkbedrijf"]
    share = sum(int(r["target_group_fte"]) for r in maatwerk) / sum(int(r["fte"])
                                                                   for r in maatwerk)
    assert 0.75 < share < 0.9  # Beta mean 0.83 (DOMAIN.md 5.1)
    median = sorted(int(r["fte"]) for r in maatwerk)[len(maatwerk) // 2]
    assert 80 < median < 170  # lognormal median 120
    assert all(r["target_group_fte"] == "0" for r in big
               if r["type"] in ("knowledge_institution", "training_provider", "financier"))


def test_places_are_municipalities_near_their_centroid(big: list[dict[str, str]]) -> None:
    local = Counter(r["municipality"] for r in big if r["type"] == "local_government")
    assert max(local.values()) == 1  # one local government per municipality
    for r in big:
        mun = find_municipality(r["municipality"])
        assert mun is not None, r["municipality"]
        dy = (float(r["lat"]) - mun.lat) * 111.2
        dx = (float(r["lon"]) - mun.lon) * 111.2 * math.cos(math.radians(mun.lat))
        assert math.hypot(dx, dy) < 15  # N(0, 2 km) jitter


def test_sector_tags_and_primary_activity(big: list[dict[str, str]]) -> None:
    from pilotopt.generate import _taxonomy

    _, offered_by, needed_by = _taxonomy()
    for r in big:
        assert len(r["sector"]) == 2 and r["sector"].isdigit()
        offers, needs = r["offers"].split(";"), [t for t in r["needs"].split(";") if t]
        assert 1 <= len(offers) <= 7 and len(needs) <= 7  # 1 + Poisson capped at 6, + doorstroom
        assert not set(offers) & set(needs)
        assert all(r["type"] in offered_by[t] for t in offers), r
        assert all(r["type"] in needed_by[t] for t in needs), r
    kringwinkel = [r for r in big if r["type"] == "kringwinkel"]
    assert all(r["offers"].split(";")[0] in ("reuse_sales_channel", "collection_sorting_reuse")
               for r in kringwinkel)
    assert {r["sector"] for r in kringwinkel} <= {"47", "38"}


def test_competitors_symmetric_same_family(big: list[dict[str, str]]) -> None:
    by_id = {r["id"]: r for r in big}
    pairs = 0
    for r in big:
        comp = [c for c in r["competitors"].split(";") if c]
        assert r["id"] not in comp
        for c in comp:
            other = by_id[c]
            assert r["id"] in other["competitors"].split(";")
            assert other["economy"] == r["economy"] and r["economy"] in ("social", "regular")
            if r["economy"] == "regular":
                assert other["sector"] == r["sector"]
            pairs += 1
    assert pairs > 0


def test_ids_and_names(big: list[dict[str, str]]) -> None:
    assert [r["id"] for r in big[:2]] == ["org-000001", "org-000002"]
    assert len({r["name"] for r in big}) == len(big)
    assert all(r["name"].startswith("Gemeente ") for r in big if r["type"] == "local_government")


def test_generated_files_load(tmp_path: Path) -> None:
    inst, written = write_instance(tmp_path, 60, seed=3)
    loaded = load_instance(tmp_path / "roster.csv", tmp_path / "scenario.toml")
    assert loaded.roster is not None and not loaded.roster.warnings
    assert loaded.problem.n == 60 and loaded.problem.m == round(60 / 9) == inst.groups
    with (tmp_path / "roster.csv").open(encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == 60


def test_scenario_rules() -> None:
    small = generate_instance(40, 5, seed=1)
    assert small.travel_hard and 'kind = "max_distance"' in small.scenario
    assert 'kind = "coverage"' in small.scenario
    many = generate_instance(300, 30, seed=1)
    assert not many.travel_hard
    assert "Soft, not hard" in many.scenario  # the comment says why


def test_infeasible_requests_are_refused() -> None:
    with pytest.raises(GenerationError, match="social-economy"):
        generate(40, 14, min_size=2)  # 13 social organisations for 14 groups
    with pytest.raises(GenerationError, match="do not fit"):
        generate(40, 2)


def test_small_instance_solves_with_every_hard_rule(tmp_path: Path) -> None:
    write_instance(tmp_path, 30, 4, seed=11)
    problem = load_instance(tmp_path / "roster.csv", tmp_path / "scenario.toml").problem
    result = solve(problem, Params(time_limit=2, seed=0, workers=2))
    assert result.evaluation.feasible
    assert not result.evaluation.broken_hard_rules()


def test_cli_generate(tmp_path: Path) -> None:
    out = tmp_path / "inst"
    res = CliRunner().invoke(main, ["generate", "--organisations", "40", "--groups", "5",
                                    "--seed", "40", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "roster.csv").exists() and (out / "scenario.toml").exists()
    bad = CliRunner().invoke(main, ["generate", "-n", "20", "-g", "10", "--out", str(out)])
    assert bad.exit_code == 2
