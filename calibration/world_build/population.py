"""Which countries make the world, where they are, and how many adults they have."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from calibration.world_build.codes import INCOME_GROUPS
from calibration.world_build.common import MIN_ADULTS, BuildLog, fill, group_median, nearest_year
from calibration.world_build.sources import barro_lee, cepii, undesa, wdi
from calibration.world_build.years import StartYear


def core_countries(
    data: Path, log: BuildLog, start: StartYear, codes: list[str] | None = None
) -> pd.DataFrame:
    """Countries with a UN DESA population and a GDP per capita, with name and region.

    These two are the core data; everything else can be imputed. Regional and income
    aggregates have no region in the WB metadata and drop out here. `codes` fixes the set
    (a world for another start year keeps the default world's countries).
    """
    pop = undesa.read_population(data)
    g = wdi.read_gdppc(data)
    gdp = nearest_year(g, "iso3", "year", "gdppc_ppp", *start.gdp_window, target=start.year)
    meta = wdi.read_metadata(data)
    has_pop = pop.index[pop["pop2000"].notna()]
    if codes is None:
        codes = sorted(has_pop.intersection(gdp.index).intersection(meta.index))
        log.excluded_no_core = sorted(set(has_pop) - set(codes))
    df = pd.DataFrame(index=pd.Index(codes, name="iso3"))
    df["name"] = meta["name"]
    df["region"] = meta["region"]
    income = wdi.read_income(data, start.year).reindex(df.index)
    df["income"] = income.fillna(meta["income_now"])
    odd = set(df["income"]) - set(INCOME_GROUPS)
    if odd:  # income-group medians would silently form a bogus group
        raise ValueError(f"unexpected income groups: {sorted(map(str, odd))}")
    df = df.join(pop)
    df["gdppc_ppp"] = gdp
    if start.flag_gdp_other_year:
        first = g[g["iso3"].isin(df.index)].groupby("iso3")["year"].min()
        log.imputed.setdefault("gdppc_ppp", set()).update(first.index[first != start.year])
    return df


def add_geography(df: pd.DataFrame, data: Path) -> None:
    """Capital coordinates and the area/landlocked facts used by the hazard split."""
    caps = cepii.read_capitals(data).reindex(df.index)
    for col in ("lon", "lat", "area", "landlocked"):
        df[col] = caps[col]
    missing = df.index[df[["lon", "lat"]].isna().any(axis=1)]
    if len(missing):
        raise ValueError(f"no capital coordinates for {list(missing)}")


def add_population(
    df: pd.DataFrame, data: Path, log: BuildLog, start: StartYear, drop_small: bool
) -> pd.DataFrame:
    """Adults 25+ (Barro-Lee; else UN DESA total x regional median adult share), growth.

    With `drop_small` (when the build decides the country set), drops territories with fewer
    than MIN_ADULTS adults: too small to matter as origins or destinations, and mostly
    without the other data.
    """
    bl = barro_lee.read_attainment(data)
    bl = bl[bl["year"] == start.year].set_index("iso3")
    total = df[f"pop{start.year}"]
    df["pop_adult"] = bl["pop_adult"]
    df["bl_tertiary_share"] = bl["tertiary_share"]
    df["adult_share"] = df["pop_adult"] / total
    fill(df, "pop_adult", total * group_median(df, "adult_share", "region"), log.imputed)
    df["pop_adult"] = df["pop_adult"].round()
    if drop_small:
        small = df.index[df["pop_adult"] < MIN_ADULTS]
        log.dropped_small = sorted(small)
        df = df.drop(small)
        log.imputed["pop_adult"] &= set(df.index)
    df["pop_growth"] = (df["pop2000"] / df["pop1990"]) ** (1 / 10) - 1
    df["ln_gdppc"] = np.log(df["gdppc_ppp"])
    return df
