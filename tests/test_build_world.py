"""The default world tables (simulation/data) and the script that builds them.

The first group checks the committed tables and always runs. The second rebuilds them from the
reference data folder, which exists only on developers' machines, and checks that the rebuild
matches what is committed and reproduces known published figures.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest

from calibration import build_world

TABLES = Path(__file__).resolve().parents[1] / "simulation" / "data"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
OUTPUT_FILES = ("countries.csv", "corridors.csv", "columns.csv", "teaching_world.csv", "README.md")

HAZARD_COLUMNS = [
    f"hazard_{h}_{x}" for h in ("drought", "flood", "cyclone", "heat") for x in ("p", "sev")
]
COUNTRY_COLUMNS = [
    "iso3", "name", "region", "lon", "lat", "pop_adult", "tertiary_share", "gdppc_ppp",
    "tertiary_ger", "edu_quality", "ict", "pop_growth",
    "hazard_drought_p", "hazard_drought_sev", "hazard_flood_p", "hazard_flood_sev",
    "hazard_cyclone_p", "hazard_cyclone_sev", "hazard_heat_p", "hazard_heat_sev",
    "visa_openness", "remittance_cost", "outbound_ratio", "inbound_rate",
    "skilled_emigration_rate", "emigrant_skilled_share", "quality_assurance", "adaptation",
    "conv_africa", "conv_arab", "conv_asia_pacific", "conv_latin_america", "conv_europe",
    "conv_mediterranean", "conv_global", "imputed",
]  # fmt: skip
CORRIDOR_COLUMNS = [
    "origin", "destination", "distance_km", "contiguous", "common_language", "migrant_stock",
]  # fmt: skip
REQUIRED_NUMERIC = [
    "pop_adult", "tertiary_share", "gdppc_ppp", "tertiary_ger", "edu_quality", "ict",
    "visa_openness", "remittance_cost", "outbound_ratio", "inbound_rate",
    "emigrant_skilled_share", "quality_assurance", "adaptation", "lon", "lat",
    *HAZARD_COLUMNS,
]  # fmt: skip
UNIT_INTERVAL = ["tertiary_share", "ict", "visa_openness", "remittance_cost", "edu_quality"]
REGIONS = {"EAS", "ECS", "LCN", "MEA", "NAC", "SAS", "SSF"}


def read_countries(folder: Path) -> pd.DataFrame:
    """countries.csv as the model reads it (empty cells are missing, 'NA' is not)."""
    return pd.read_csv(folder / "countries.csv", keep_default_na=False, na_values=[""])


def read_corridors(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "corridors.csv", keep_default_na=False, na_values=[""])


def undocumented(folder: Path) -> list[tuple[str, str]]:
    """Columns of countries.csv or corridors.csv without a row in columns.csv."""
    docs = pd.read_csv(folder / "columns.csv", keep_default_na=False)
    documented = set(zip(docs["table"], docs["column"], strict=True))
    have = [("countries", c) for c in read_countries(folder).columns]
    have += [("corridors", c) for c in read_corridors(folder).columns]
    return [tc for tc in have if tc not in documented]


# --- committed tables (always run) -----------------------------------------------------------


def test_schema_is_exact():
    assert list(read_countries(TABLES).columns) == COUNTRY_COLUMNS
    assert list(read_corridors(TABLES).columns) == CORRIDOR_COLUMNS
    assert list(build_world.COUNTRY_COLUMNS) == COUNTRY_COLUMNS
    assert list(build_world.CORRIDOR_COLUMNS) == CORRIDOR_COLUMNS


def test_required_numeric_columns_are_complete():
    countries = read_countries(TABLES)
    gaps = {c: int(countries[c].isna().sum()) for c in REQUIRED_NUMERIC}
    assert {c: n for c, n in gaps.items() if n} == {}
    assert countries["iso3"].is_unique and countries["iso3"].is_monotonic_increasing


def test_corridors_cover_every_ordered_pair():
    codes = read_countries(TABLES)["iso3"]
    corridors = read_corridors(TABLES)
    pairs = set(zip(corridors["origin"], corridors["destination"], strict=True))
    assert len(pairs) == len(corridors)
    assert pairs == {(o, d) for o, d in itertools.permutations(codes, 2)}
    assert corridors[CORRIDOR_COLUMNS[2:]].notna().all().all()


def test_every_column_is_documented_and_teaching_world_exists():
    assert undocumented(TABLES) == []
    teaching = pd.read_csv(TABLES / "teaching_world.csv")
    countries = read_countries(TABLES).set_index("iso3")
    assert set(teaching["iso3"]) <= set(countries.index)
    assert set(countries.loc[teaching["iso3"], "region"]) == REGIONS


# --- rebuild from the reference data (developers' machines only) ---------------------------


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"reference data folder {SHARED_DATA} is only on developers' machines "
            "(raw data are never committed)"
        )
    out = tmp_path_factory.mktemp("world")
    build_world.build(SHARED_DATA, out)
    return out


@pytest.mark.parametrize("name", OUTPUT_FILES)
def test_rebuild_equals_committed_tables(rebuilt: Path, name: str):
    # Deterministic and in step: rerun `python -m calibration.build_world` if this fails.
    assert (rebuilt / name).read_bytes() == (TABLES / name).read_bytes()


def test_rebuilt_coverage_and_ranges(rebuilt: Path):
    countries = read_countries(rebuilt)
    assert len(countries) >= 150
    assert set(countries["region"]) == REGIONS
    for col in UNIT_INTERVAL:
        assert countries[col].between(0, 1).all(), col
    assert undocumented(rebuilt) == []


def test_rebuilt_tables_reproduce_published_figures(rebuilt: Path):
    countries = read_countries(rebuilt).set_index("iso3")
    # FACTS.md: IAB high-skill emigration rates, both sexes, 2000
    assert countries.loc["JAM", "skilled_emigration_rate"] == pytest.approx(0.587, abs=0.01)
    assert countries.loc["GHA", "skilled_emigration_rate"] == pytest.approx(0.158, abs=0.01)
    corridors = read_corridors(rebuilt).set_index(["origin", "destination"])
    # FACTS.md: World Bank 2000 bilateral matrix, Mexico -> US 9.37 million
    assert corridors.loc[("MEX", "USA"), "migrant_stock"] == pytest.approx(9.37e6, rel=0.01)
