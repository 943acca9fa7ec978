"""The world tables (simulation/data) and the build that makes them.

Three groups: the committed tables (always run); the whole build run on the committed SYNTHETIC
fixture `tests/fixtures/shared_data` (always run: schema, determinism, imputation flags and
values computed by hand from the fixture); and a rebuild from the real reference data folder,
which exists only on developers' machines, compared byte for byte with the committed tables.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calibration import build_world
from calibration.world_build.build import build

ROOT = Path(__file__).resolve().parents[1]
TABLES = ROOT / "simulation" / "data"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "shared_data"
# The reference data sit beside the project (../shared/data); BRAINGAIN_SHARED_DATA overrides.
SHARED_DATA = Path(os.environ.get("BRAINGAIN_SHARED_DATA", ROOT.parent / "shared" / "data"))
OUTPUT_FILES = (
    "countries.csv",
    "countries_1990.csv",
    "corridors.csv",
    "drivers.csv",
    "columns.csv",
    "teaching_world.csv",
    "README.md",
)
_spec = importlib.util.spec_from_file_location(
    "make_shared_fixture", FIXTURE.parent / "make_shared_fixture.py"
)
make_shared_fixture = importlib.util.module_from_spec(_spec)
sys.modules["make_shared_fixture"] = make_shared_fixture  # dataclasses look the module up
_spec.loader.exec_module(make_shared_fixture)
FIXTURE_TEACHING = (("USA", "destination"), ("MEX", "origin"), ("IND", "origin"))

HAZARD_COLUMNS = [
    f"hazard_{h}_{x}" for h in ("drought", "flood", "cyclone", "heat") for x in ("p", "sev")
]
# Written out on purpose: a change to the schema must be deliberate.
COUNTRY_COLUMNS = [
    "iso3", "name", "region", "lon", "lat", "pop_adult", "tertiary_share", "gdppc_ppp",
    "tertiary_ger", "ger_logit_trend", "edu_quality", "ict", "pop_growth",
    "hazard_drought_p", "hazard_drought_sev", "hazard_flood_p", "hazard_flood_sev",
    "hazard_cyclone_p", "hazard_cyclone_sev", "hazard_heat_p", "hazard_heat_sev",
    "visa_openness", "remittance_cost", "outbound_ratio", "inbound_rate",
    "skilled_emigration_rate", "iab_high_rate_1990", "iab_high_rate_1995",
    "emigrant_skilled_share", "iab_destination", "quality_assurance", "adaptation",
    "ldc", "sids", "lldc",
    "conv_africa", "conv_arab", "conv_asia_pacific", "conv_latin_america", "conv_europe",
    "conv_mediterranean", "conv_global", "imputed",
]  # fmt: skip
CORRIDOR_COLUMNS = [
    "origin", "destination", "distance_km", "contiguous", "common_language", "border_change",
    "migrant_stock", "migrant_stock_1990", "iab_stock_2000", "iab_stock_1990", "imputed",
]  # fmt: skip
DRIVER_COLUMNS = [
    "iso3", "year", "gdppc_ppp", "internet", "tertiary_ger", "remittance_cost",
    "disaster_displaced", "pop_adult", "imputed",
]  # fmt: skip
REQUIRED_NUMERIC = [
    "pop_adult", "tertiary_share", "gdppc_ppp", "tertiary_ger", "ger_logit_trend",
    "edu_quality", "ict", "visa_openness", "remittance_cost", "outbound_ratio", "inbound_rate",
    "skilled_emigration_rate", "emigrant_skilled_share", "quality_assurance", "adaptation",
    "lon", "lat", "iab_destination", "ldc", "sids", "lldc", *HAZARD_COLUMNS,
]  # fmt: skip
UNIT_INTERVAL = ["tertiary_share", "ict", "visa_openness", "remittance_cost", "edu_quality"]
REGIONS = {"EAS", "ECS", "LCN", "MEA", "NAC", "SAS", "SSF"}


def read(folder: Path, name: str) -> pd.DataFrame:
    """A table as the model reads it (empty cells are missing, 'NA' is Namibia)."""
    return pd.read_csv(folder / name, keep_default_na=False, na_values=[""])


def flagged(table: pd.DataFrame, key: str | tuple, column: str) -> bool:
    """Whether `column` is listed in the `imputed` cell of row `key` (index already set)."""
    cell = table.loc[key, "imputed"]
    return isinstance(cell, str) and column in cell.split(";")


def undocumented(folder: Path) -> list[tuple[str, str]]:
    """Columns of the tables without a row in columns.csv."""
    docs = read(folder, "columns.csv")
    documented = set(zip(docs["table"], docs["column"], strict=True))
    have = [
        (table, c)
        for table in ("countries", "countries_1990", "corridors", "drivers")
        for c in read(folder, f"{table}.csv").columns
    ]
    return [tc for tc in have if tc not in documented]


def check_tables(folder: Path) -> None:
    """Schema and completeness that every build must satisfy (committed or fixture)."""
    countries = read(folder, "countries.csv")
    countries_1990 = read(folder, "countries_1990.csv")
    corridors = read(folder, "corridors.csv")
    drivers = read(folder, "drivers.csv")
    assert list(countries.columns) == COUNTRY_COLUMNS
    assert list(countries_1990.columns) == COUNTRY_COLUMNS
    assert list(corridors.columns) == CORRIDOR_COLUMNS
    assert list(drivers.columns) == DRIVER_COLUMNS
    for table in (countries, countries_1990):
        gaps = {c: int(table[c].isna().sum()) for c in REQUIRED_NUMERIC}
        assert {c: n for c, n in gaps.items() if n} == {}
        assert table["iso3"].is_unique and table["iso3"].is_monotonic_increasing
        named = set(table["imputed"].dropna().str.split(";").explode())
        assert named <= set(COUNTRY_COLUMNS)
    assert countries["iso3"].tolist() == countries_1990["iso3"].tolist()
    codes = countries["iso3"]
    pairs = set(zip(corridors["origin"], corridors["destination"], strict=True))
    assert len(pairs) == len(corridors)
    assert pairs == set(itertools.permutations(codes, 2))
    assert corridors[CORRIDOR_COLUMNS[2:-1]].notna().all().all()
    assert set(corridors["imputed"].dropna().str.split(";").explode()) <= set(CORRIDOR_COLUMNS)
    years = range(1990, 2024)
    assert set(zip(drivers["iso3"], drivers["year"], strict=True)) == set(
        itertools.product(codes, years)
    )
    assert set(drivers["imputed"].dropna().str.split(";").explode()) <= set(DRIVER_COLUMNS)
    assert undocumented(folder) == []


# --- committed tables (always run) -----------------------------------------------------------


def test_committed_tables_schema_and_completeness():
    check_tables(TABLES)
    assert list(build_world.COUNTRY_COLUMNS) == COUNTRY_COLUMNS
    assert list(build_world.CORRIDOR_COLUMNS) == CORRIDOR_COLUMNS


def test_teaching_world_covers_every_region():
    teaching = pd.read_csv(TABLES / "teaching_world.csv")
    countries = read(TABLES, "countries.csv").set_index("iso3")
    assert set(teaching["iso3"]) <= set(countries.index)
    assert set(countries.loc[teaching["iso3"], "region"]) == REGIONS


def test_committed_border_change_is_symmetric_and_within_former_states():
    corridors = read(TABLES, "corridors.csv")
    bc = corridors[corridors["border_change"] == 1]
    assert set(zip(bc["origin"], bc["destination"], strict=True)) == set(
        zip(bc["destination"], bc["origin"], strict=True)
    )
    members = {("IND", "PAK"), ("BGD", "PAK"), ("KAZ", "RUS"), ("CZE", "SVK"), ("HRV", "SRB")}
    have = set(zip(bc["origin"], bc["destination"], strict=True))
    assert members <= have
    assert ("MEX", "USA") not in have and ("POL", "RUS") not in have


# --- the whole build on the synthetic fixture (always run) -----------------------------------


def test_fixture_is_generated_by_its_committed_script(tmp_path: Path):
    # The committed fixture is exactly what the generator writes (no hand edits, no real data).
    make_shared_fixture.make(tmp_path)
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(FIXTURE) for p in FIXTURE.rglob("*") if p.is_file())
    assert made == committed
    for rel in made:
        assert (tmp_path / rel).read_bytes() == (FIXTURE / rel).read_bytes(), rel


@pytest.fixture(scope="module")
def fixture_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fixture_world")
    build(FIXTURE, out, teaching=FIXTURE_TEACHING)
    return out


def test_fixture_build_writes_every_table_with_the_schema(fixture_build: Path):
    assert sorted(p.name for p in fixture_build.iterdir()) == sorted(OUTPUT_FILES)
    check_tables(fixture_build)
    countries = read(fixture_build, "countries.csv")
    # CUB has no GDP (excluded); KNA has under 50,000 adults (dropped).
    assert countries["iso3"].tolist() == [
        "BGD", "FRA", "IND", "KAZ", "MEX", "MNE", "PAK", "RUS", "SRB", "USA",
    ]  # fmt: skip
    readme = (fixture_build / "README.md").read_text()
    assert "CUB" in readme and "KNA" in readme


def test_fixture_build_is_deterministic(fixture_build: Path, tmp_path: Path):
    build(FIXTURE, tmp_path, teaching=FIXTURE_TEACHING)
    for name in OUTPUT_FILES:
        assert (tmp_path / name).read_bytes() == (fixture_build / name).read_bytes(), name


def test_fixture_countries_values_by_hand(fixture_build: Path):
    c = read(fixture_build, "countries.csv").set_index("iso3")
    # Barro-Lee pop is in thousands; lhc in percent.
    assert c.loc["USA", "pop_adult"] == 160_000_000
    assert c.loc["USA", "tertiary_share"] == pytest.approx(0.26)
    # UN DESA population grows 1% a year in the fixture: (pop2000/pop1990)^(1/10) - 1.
    assert c.loc["USA", "pop_growth"] == pytest.approx(0.01, abs=1e-7)
    # Montenegro has no Barro-Lee row: adults and attainment imputed, flagged.
    assert flagged(c, "MNE", "pop_adult") and flagged(c, "MNE", "tertiary_share")
    assert not flagged(c, "USA", "pop_adult")
    # IAB high-skill rates: own, union (flagged) and none (empty, NOT imputed, not flagged).
    assert c.loc["KAZ", "iab_high_rate_1990"] == pytest.approx(0.004)
    assert c.loc["KAZ", "iab_high_rate_1995"] == pytest.approx(0.006)
    assert c.loc["KAZ", "skilled_emigration_rate"] == pytest.approx(0.015)
    for iso in ("SRB", "MNE"):
        assert c.loc[iso, "iab_high_rate_1990"] == pytest.approx(0.05)
        assert flagged(c, iso, "iab_high_rate_1990")
    assert math.isnan(c.loc["BGD", "iab_high_rate_1990"])
    assert not flagged(c, "BGD", "iab_high_rate_1990")
    assert flagged(c, "BGD", "skilled_emigration_rate")  # the start value is fitted
    # Enrolment trend: IND's logit(GER) rises exactly 0.1 a year; KAZ has 3 points (too few)
    # and takes its region's median, which is RUS's (the only ECS country with enough).
    assert c.loc["IND", "ger_logit_trend"] == pytest.approx(0.1, abs=1e-6)
    assert c.loc["KAZ", "ger_logit_trend"] == c.loc["RUS", "ger_logit_trend"]
    assert flagged(c, "KAZ", "ger_logit_trend") and not flagged(c, "IND", "ger_logit_trend")
    assert c["ger_logit_trend"].between(0.0, 0.15).all()
    # Lee & Lee fills WDI's gap for the USA (2000: ter 70 %); not imputed.
    assert c.loc["USA", "tertiary_ger"] == pytest.approx(0.70)
    # Groups and IAB destinations.
    assert (c.loc["BGD", "ldc"], c.loc["KAZ", "lldc"], c.loc["USA", "ldc"]) == (1, 1, 0)
    assert c.loc[["USA", "FRA"], "iab_destination"].tolist() == [1, 1]
    assert c["iab_destination"].sum() == 2
    # Conventions: the 1979 convention predates FRA's Lisbon ratification; a signature does not
    # make a party; Council of Europe members without a date get 2012, flagged.
    assert c.loc["FRA", "conv_europe"] == 1982 and c.loc["RUS", "conv_europe"] == 2000
    assert c.loc["KAZ", "conv_asia_pacific"] == 2019
    assert math.isnan(c.loc["IND", "conv_global"])
    assert c.loc["SRB", "conv_europe"] == 2012 and flagged(c, "SRB", "conv_europe")


def test_fixture_1990_world_values_by_hand(fixture_build: Path):
    c = read(fixture_build, "countries_1990.csv").set_index("iso3")
    assert c.loc["USA", "pop_adult"] == 150_000_000
    assert c.loc["KAZ", "skilled_emigration_rate"] == pytest.approx(0.004)
    assert c.loc["MEX", "skilled_emigration_rate"] == pytest.approx(0.14)
    # Enrolment nearest 1990 within 1986-1994: KAZ's first reading is 1991 (40 %).
    assert c.loc["KAZ", "tertiary_ger"] == pytest.approx(0.40)
    # WDI's GDP for Montenegro starts in 1997: that value, flagged.
    gdp = pd.read_csv(FIXTURE / "wdi_gdppc_ppp/gdppc_ppp_const2021_long.csv")
    first = gdp[gdp["iso3"] == "MNE"].sort_values("year").iloc[0]
    assert first["year"] == 1997
    assert c.loc["MNE", "gdppc_ppp"] == pytest.approx(first["gdppc_ppp_const2021"], rel=1e-5)
    assert flagged(c, "MNE", "gdppc_ppp") and not flagged(c, "USA", "gdppc_ppp")
    # No student mobility before 1998: carried back, every cell flagged.
    assert all(flagged(c, iso, "outbound_ratio") for iso in c.index)
    # Time-invariant columns are the default world's.
    c2000 = read(fixture_build, "countries.csv").set_index("iso3")
    for col in ("ger_logit_trend", "visa_openness", "hazard_flood_p", "iab_high_rate_1995"):
        pd.testing.assert_series_equal(c[col], c2000[col])


def test_fixture_corridors_values_by_hand(fixture_build: Path):
    k = read(fixture_build, "corridors.csv").set_index(["origin", "destination"])
    mex_usa = k.loc[("MEX", "USA")]
    assert mex_usa["migrant_stock"] == 8_000_000  # the WB matrix cell
    assert mex_usa["iab_stock_2000"] == 6_500_000 and mex_usa["iab_stock_1990"] == 3_500_000
    # 1990 = 2000 stock + UN DESA 1990 - UN DESA 2000.
    assert mex_usa["migrant_stock_1990"] == 8_000_000 + 3_000_000 - 7_500_000
    assert not flagged(k, ("MEX", "USA"), "migrant_stock_1990")
    assert k.loc[("PAK", "FRA"), "migrant_stock_1990"] == 4_000 + 30_000 - 10_000
    # 5,000 + 10,000 - 20,000 < 0: the UN DESA ratio instead, 5,000 x 10,000/20,000; flagged.
    assert k.loc[("IND", "FRA"), "migrant_stock_1990"] == 2_500
    assert flagged(k, ("IND", "FRA"), "migrant_stock_1990")
    # WB lacks Serbia and Montenegro: UN DESA's 2000 stock. Montenegro has no UN DESA 1990
    # figures as a destination: the world ratio of UN DESA totals 1990/2000, flagged.
    assert k.loc[("SRB", "MNE"), "migrant_stock"] == 80_000
    assert 0 < k.loc[("SRB", "MNE"), "migrant_stock_1990"] < 80_000
    assert flagged(k, ("SRB", "MNE"), "migrant_stock_1990")
    # Serbia and Montenegro's IAB stock (100,000 in the USA, 2000) split by 2000 population:
    # 9,500,000 and 600,000 x 1.002^10 = 612,109 persons.
    assert k.loc[("SRB", "USA"), "iab_stock_2000"] == round(100_000 * 9.5e6 / (9.5e6 + 612_109))
    assert k.loc[("MNE", "USA"), "iab_stock_2000"] == round(100_000 * 612_109 / (9.5e6 + 612_109))
    assert flagged(k, ("SRB", "USA"), "iab_stock_2000")
    assert k.xs("MEX", level="destination")["iab_stock_2000"].eq(0).all()  # not an IAB dest
    # Border changes: British India, the USSR, Yugoslavia; none elsewhere.
    for pair in [("IND", "PAK"), ("PAK", "BGD"), ("BGD", "IND"), ("KAZ", "RUS"), ("MNE", "SRB")]:
        assert k.loc[pair, "border_change"] == 1, pair
    assert k.loc[("USA", "MEX"), "border_change"] == 0
    assert k.loc[("IND", "RUS"), "border_change"] == 0
    # CEPII lacks KAZ-BGD (great circle, flagged) and Montenegro (borders by hand, flagged).
    assert flagged(k, ("KAZ", "BGD"), "distance_km") and not flagged(
        k, ("MEX", "USA"), "distance_km"
    )
    assert k.loc[("MNE", "SRB"), "contiguous"] == 1 and flagged(k, ("MNE", "SRB"), "contiguous")
    assert k.loc[("MNE", "SRB"), "common_language"] == 1  # Montenegro's proxy is Serbia


def test_fixture_drivers_values_by_hand(fixture_build: Path):
    d = read(fixture_build, "drivers.csv").set_index(["iso3", "year"])
    # PAK's 2005 GDP is missing: the mean of 2004 and 2006, flagged.
    mean = (d.loc[("PAK", 2004), "gdppc_ppp"] + d.loc[("PAK", 2006), "gdppc_ppp"]) / 2
    assert d.loc[("PAK", 2005), "gdppc_ppp"] == pytest.approx(mean, rel=1e-5)
    assert flagged(d, ("PAK", 2005), "gdppc_ppp") and not flagged(d, ("PAK", 2004), "gdppc_ppp")
    # BGD internet: 0 % in 1994, 0.4 % in 1999, 1995-1998 missing: linear, flagged.
    assert d.loc[("BGD", 1996), "internet"] == pytest.approx(0.0016)
    assert flagged(d, ("BGD", 1996), "internet")
    # Montenegro's GDP starts in 1997: empty before, nothing held.
    assert np.isnan(d.loc[("MNE", 1996), "gdppc_ppp"])
    # Enrolment: observed to 2004 only; IND's 1992 lies on its logit-linear path only
    # approximately (linear interpolation between 1990 and 1995), and is flagged.
    assert d.xs(2005, level="year")["tertiary_ger"].isna().all()
    assert flagged(d, ("IND", 1992), "tertiary_ger")
    # Disasters: FRA has no IDMC rows: 0 in 2008-2022, flagged; empty outside.
    assert d.loc[("FRA", 2010), "disaster_displaced"] == 0
    assert flagged(d, ("FRA", 2010), "disaster_displaced")
    assert np.isnan(d.loc[("FRA", 2007), "disaster_displaced"])
    assert np.isnan(d.loc[("FRA", 2023), "disaster_displaced"])
    # PAK 2015 has a row but no disaster figure: 0, flagged.
    assert d.loc[("PAK", 2015), "disaster_displaced"] == 0 and flagged(
        d, ("PAK", 2015), "disaster_displaced"
    )
    # Adults: the world tables in 1990 and 2000, Barro-Lee in 1995, linear between, none later.
    assert d.loc[("USA", 1990), "pop_adult"] == 150_000_000
    assert d.loc[("USA", 1995), "pop_adult"] == 151_000_000
    assert d.loc[("USA", 2000), "pop_adult"] == 160_000_000
    assert d.loc[("USA", 1997), "pop_adult"] == 151_000_000 + 2 * (9_000_000 / 5)
    assert flagged(d, ("USA", 1997), "pop_adult") and not flagged(d, ("USA", 1995), "pop_adult")
    assert np.isnan(d.loc[("USA", 2001), "pop_adult"])
    # Remittance costs: KAZ recorded from 2014 only.
    assert np.isnan(d.loc[("KAZ", 2013), "remittance_cost"])
    assert d.loc[("KAZ", 2014), "remittance_cost"] > 0


# --- rebuild from the reference data (developers' machines only) ---------------------------


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"reference data folder {SHARED_DATA} is only on developers' machines "
            "(raw data are never committed; set BRAINGAIN_SHARED_DATA to point elsewhere)"
        )
    out = tmp_path_factory.mktemp("world")
    build_world.build(SHARED_DATA, out)
    return out


@pytest.mark.parametrize("name", OUTPUT_FILES)
def test_rebuild_equals_committed_tables(rebuilt: Path, name: str):
    # Deterministic and in step: rerun `python -m calibration.build_world` if this fails.
    assert (rebuilt / name).read_bytes() == (TABLES / name).read_bytes()


def test_rebuilt_coverage_and_ranges(rebuilt: Path):
    countries = read(rebuilt, "countries.csv")
    assert len(countries) >= 150
    assert set(countries["region"]) == REGIONS
    for col in UNIT_INTERVAL:
        assert countries[col].between(0, 1).all(), col
    check_tables(rebuilt)


def test_rebuilt_tables_reproduce_published_figures(rebuilt: Path):
    countries = read(rebuilt, "countries.csv").set_index("iso3")
    # FACTS.md: IAB high-skill emigration rates, both sexes, 2000; Jamaica 1990 81.4 %
    assert countries.loc["JAM", "skilled_emigration_rate"] == pytest.approx(0.587, abs=0.01)
    assert countries.loc["GHA", "skilled_emigration_rate"] == pytest.approx(0.158, abs=0.01)
    assert countries.loc["JAM", "iab_high_rate_1990"] == pytest.approx(0.814, abs=0.01)
    corridors = read(rebuilt, "corridors.csv").set_index(["origin", "destination"])
    # FACTS.md: World Bank 2000 bilateral matrix, Mexico -> US 9.37 million
    assert corridors.loc[("MEX", "USA"), "migrant_stock"] == pytest.approx(9.37e6, rel=0.01)
    drivers = read(rebuilt, "drivers.csv").set_index(["iso3", "year"])
    # FACTS.md: WDI internet users 2022, Ghana 69.8 %, Jamaica 85.1 %
    assert drivers.loc[("GHA", 2022), "internet"] == pytest.approx(0.698, abs=0.002)
    assert drivers.loc[("JAM", 2022), "internet"] == pytest.approx(0.851, abs=0.002)
