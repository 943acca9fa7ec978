"""Loading worlds: the built-in 2000 and 1990 worlds, their new fields, drivers and folders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.world import (
    COUNTRY_GROUPS,
    DRIVER_NAMES,
    OPTIONAL_COUNTRY_COLUMNS,
    WORLD_NAMES,
    Drivers,
    World,
    load_world,
    synthetic_world,
    two_country_world,
)

TABLES = Path(__file__).resolve().parents[1] / "simulation" / "data"


@pytest.fixture(scope="module")
def default() -> World:
    return load_world("default")


@pytest.fixture(scope="module")
def world1990() -> World:
    return load_world("default1990")


def idx(world: World, iso: str) -> int:
    return world.codes.index(iso)


def test_builtin_names():
    assert WORLD_NAMES == ("default", "teaching", "default1990", "teaching1990")
    with pytest.raises(FileNotFoundError, match="default1990"):
        load_world("default1980")


def test_default_world_new_fields(default: World):
    n = default.n
    assert default.start_year == 2000
    assert default.border_change.shape == (n, n) and default.border_change.dtype == bool
    assert default.iab_stock.shape == (n, n)
    assert (default.border_change == default.border_change.T).all()
    assert not default.border_change.diagonal().any()
    mex, usa, kaz, rus = (idx(default, c) for c in ("MEX", "USA", "KAZ", "RUS"))
    # World Bank 2000 matrix (FACTS.md: 9.37 M); IAB's own 2000 count for the same corridor.
    assert default.migrant_stock[mex, usa] == pytest.approx(9.37e6, rel=0.01)
    assert default.iab_stock[mex, usa] == 7_598_244
    assert default.border_change[kaz, rus] and not default.border_change[mex, usa]
    # IAB stocks only towards the 20 IAB destinations.
    dest = default.column("iab_destination").astype(bool)
    assert dest.sum() == 20
    assert (default.iab_stock[:, ~dest] == 0).all()
    for group in COUNTRY_GROUPS:
        assert set(default.countries[group].unique()) <= {0, 1}
    assert default.countries.set_index("iso3").loc["BGD", "ldc"] == 1


def test_1990_world(default: World, world1990: World):
    assert world1990.start_year == 1990
    assert world1990.codes == default.codes
    c = world1990.countries.set_index("iso3")
    # IAB high_rate, both sexes, 1990, read from the source file (FACTS.md: Jamaica 81.4 %).
    assert c.loc["JAM", "skilled_emigration_rate"] == pytest.approx(0.814156, rel=1e-5)
    assert c.loc["MEX", "skilled_emigration_rate"] == pytest.approx(0.121119, rel=1e-5)
    assert default.countries.set_index("iso3").loc["JAM", "iab_high_rate_1990"] == pytest.approx(
        0.814156, rel=1e-5
    )
    mex, usa = idx(world1990, "MEX"), idx(world1990, "USA")
    assert world1990.migrant_stock[mex, usa] < default.migrant_stock[mex, usa] / 1.5
    assert world1990.iab_stock[mex, usa] < default.iab_stock[mex, usa]
    assert c.loc["USA", "ict"] < 0.02  # internet around 1990
    assert (world1990.border_change == default.border_change).all()
    teaching = load_world("teaching1990")
    assert teaching.start_year == 1990 and teaching.n == 16 and teaching.name == "teaching1990"


def test_drivers_read_by_year(default: World):
    drivers = default.drivers
    assert drivers.years[0] == 1990 and drivers.years[-1] == 2023
    for name in DRIVER_NAMES:
        assert drivers.series(name).shape == (default.n, 34)
    table = pd.read_csv(TABLES / "drivers.csv", keep_default_na=False, na_values=[""])
    row = table[(table["iso3"] == "GHA") & (table["year"] == 2022)].iloc[0]
    gha = idx(default, "GHA")
    assert drivers.at("internet", 2022)[gha] == row["internet"]
    assert drivers.at("internet", 2022)[gha] == pytest.approx(0.698, abs=0.002)  # FACTS.md
    row2010 = table[(table["iso3"] == "GHA") & (table["year"] == 2010)].iloc[0]
    assert drivers.at("gdppc_ppp", 2010)[gha] == row2010["gdppc_ppp"]
    # Enrolment ends in 2004; latest() holds the last observed value, at() does not.
    usa = idx(default, "USA")
    assert np.isnan(drivers.at("tertiary_ger", 2010)).all()
    held = drivers.latest("tertiary_ger", 2010)[usa]
    last = drivers.series("tertiary_ger")[usa][~np.isnan(drivers.series("tertiary_ger")[usa])][-1]
    assert held == last
    assert drivers.last_observed_year("tertiary_ger")[usa] <= 2004
    assert np.isnan(drivers.at("gdppc_ppp", 1980)).all()
    assert np.isnan(drivers.latest("gdppc_ppp", 1980)).all()
    with pytest.raises(KeyError, match="gdppc_ppp"):
        drivers.at("gdp", 2000)
    # Interpolated cells are flagged.
    assert drivers.filled["pop_adult"][usa, 1997 - 1990]
    assert not drivers.filled["pop_adult"][usa, 2000 - 1990]


def test_drivers_match_the_start_tables(default: World, world1990: World):
    pop = default.drivers.at("pop_adult", 2000)
    assert np.array_equal(pop, default.column("pop_adult"))
    assert np.array_equal(world1990.drivers.at("pop_adult", 1990), world1990.column("pop_adult"))
    own = ~default.countries["imputed"].fillna("").str.contains("ict").to_numpy()
    assert own.sum() > 150
    internet = default.drivers.at("internet", 2000)
    assert np.allclose(internet[own], default.column("ict")[own], rtol=1e-5)


def test_subset_keeps_the_new_fields(default: World):
    small = default.subset(["KAZ", "RUS", "USA"], name="three")
    assert small.border_change.shape == (3, 3) and small.border_change[0, 1]
    assert small.drivers.gdppc_ppp.shape == (3, 34)
    assert (
        small.drivers.at("gdppc_ppp", 2010)[2]
        == default.drivers.at("gdppc_ppp", 2010)[idx(default, "USA")]
    )


def test_folder_world_without_new_columns_loads(tmp_path: Path):
    countries = pd.read_csv(TABLES / "countries.csv", keep_default_na=False, na_values=[""])
    countries.drop(columns=list(OPTIONAL_COUNTRY_COLUMNS)).to_csv(
        tmp_path / "countries.csv", index=False
    )
    corridors = pd.read_csv(TABLES / "corridors.csv", keep_default_na=False, na_values=[""])
    old = ["origin", "destination", "distance_km", "contiguous", "common_language"]
    corridors[[*old, "migrant_stock"]].to_csv(tmp_path / "corridors.csv", index=False)
    world = load_world(tmp_path)
    assert world.start_year == 2000
    assert not world.border_change.any() and not world.iab_stock.any()
    assert len(world.drivers.years) == 0 and world.drivers.gdppc_ppp.shape == (world.n, 0)
    assert np.isnan(world.drivers.at("internet", 2005)).all()
    assert (world.column("ldc") == 0).all()
    assert np.isnan(world.column("iab_high_rate_1990")).all()


def test_synthetic_worlds_have_the_new_fields():
    world = synthetic_world(30, seed=3)
    n = world.n
    assert world.border_change.shape == (n, n) and world.iab_stock.shape == (n, n)
    assert (world.border_change == world.border_change.T).all()
    assert (world.border_change <= world.contiguous).all()
    dest = world.column("iab_destination").astype(bool)
    assert np.array_equal(world.iab_stock[:, dest], world.migrant_stock[:, dest])
    assert (world.iab_stock[:, ~dest] == 0).all()
    # no observed drivers: the model's growth rules act from the start
    assert len(world.drivers.years) == 0
    assert np.isnan(world.drivers.at("gdppc_ppp", 2010)).all()
    # The columns that existed before keep their values (new ones draw from another stream).
    rng = np.random.default_rng(3)
    gdppc = np.exp(rng.uniform(np.log(1_000), np.log(60_000), n))
    assert np.array_equal(world.column("gdppc_ppp"), gdppc)
    two = two_country_world()
    assert two.border_change.shape == (2, 2) and not two.border_change.any()
    assert two.iab_stock.shape == (2, 2) and len(two.drivers.years) == 0
    assert two.countries["iab_destination"].tolist() == [0.0, 1.0]


def test_world_rejects_misshaped_fields():
    two = two_country_world()
    with pytest.raises(ValueError, match="border_change"):
        World(
            name="bad",
            countries=two.countries,
            distance_km=two.distance_km,
            contiguous=two.contiguous,
            common_language=two.common_language,
            migrant_stock=two.migrant_stock,
            border_change=np.zeros((3, 3), dtype=bool),
        )
    with pytest.raises(ValueError, match="consecutive"):
        Drivers(np.array([2000, 2002]), *(np.zeros((2, 2)) for _ in DRIVER_NAMES))
