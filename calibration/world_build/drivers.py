"""drivers.csv: what changes year by year, 1990-2023, per country, as observed.

Long format (iso3, year, one column per driver, imputed). A driver is NaN where it was not
observed; gaps inside a country's observed span are filled by linear interpolation and listed
in the row's `imputed` column. Nothing is held or extrapolated outside the observed span: the
model's rules (hold, trend, convergence) do that, so the table shows what the data say.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from calibration.world_build.common import BuildLog, flag_text, group_median
from calibration.world_build.education import ger_observations
from calibration.world_build.sources import barro_lee, idmc, undesa, wdi
from simulation.world import DRIVER_COLUMNS, DRIVER_NAMES

YEARS = range(1990, 2024)


def _wide(long: pd.DataFrame, value: str, codes: pd.Index) -> pd.DataFrame:
    """A long (iso3, year, value) table as countries x YEARS."""
    wide = long.pivot_table(index="iso3", columns="year", values=value, aggfunc="first")
    return wide.reindex(index=codes, columns=list(YEARS)).astype(float)


def interpolate_inside(wide: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Linear interpolation of gaps between observed years; also the mask of filled cells."""
    filled = wide.T.interpolate(method="index", limit_area="inside").T
    return filled, wide.isna() & filled.notna()


def gdppc(data: Path, codes: pd.Index) -> pd.DataFrame:
    """GDP per capita, PPP, constant 2021 $ (WDI)."""
    return _wide(wdi.read_gdppc(data), "gdppc_ppp", codes)


def internet(data: Path, codes: pd.Index) -> pd.DataFrame:
    """Internet users, share 0-1 (WDI)."""
    wide = wdi.read_internet(data) / 100
    return wide.reindex(index=codes, columns=list(YEARS))


def tertiary_ger(data: Path, codes: pd.Index) -> pd.DataFrame:
    """Tertiary GER, fraction (WDI, else Lee & Lee), 1990-2004 observations only."""
    return _wide(ger_observations(data), "ger", codes)


def remittance_cost(data: Path, codes: pd.Index) -> pd.DataFrame:
    """Cost of sending remittances to the country, share (WDI, 2011-2020)."""
    return (wdi.read_remittance_cost(data) / 100).reindex(index=codes, columns=list(YEARS))


def disasters(data: Path, codes: pd.Index) -> tuple[pd.DataFrame, pd.DataFrame]:
    """IDMC disaster displacements (persons), 2008-2022; 0 where IDMC records none (flagged)."""
    d = idmc.read_disasters(data)
    d = d[d["recorded"] & d["year"].isin(idmc.YEARS)]
    wide = _wide(d, "displaced", codes)
    covered = wide.columns.isin(list(idmc.YEARS))
    none = wide.isna() & covered[None, :]
    return wide.mask(none, 0.0), none


def adults(
    data: Path, countries: pd.DataFrame, countries_1990: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Persons 25+ in 1990, 1995 and 2000 (the world tables; Barro-Lee 1995, else UN DESA x
    the region's median adult share), linearly interpolated between; flags."""
    codes = pd.Index(countries["iso3"])
    wide = pd.DataFrame(np.nan, index=codes, columns=list(YEARS))
    flagged = pd.DataFrame(False, index=codes, columns=list(YEARS))
    for year, table in ((1990, countries_1990), (2000, countries)):
        t = table.set_index("iso3").reindex(codes)
        wide[year] = t["pop_adult"].astype(float)
        flagged[year] = (";" + t["imputed"].fillna("") + ";").str.contains(";pop_adult;")
    bl = barro_lee.read_attainment(data)
    bl = bl[bl["year"] == 1995].set_index("iso3")["pop_adult"].reindex(codes)
    pop = undesa.read_population(data)["pop1995"].reindex(codes)
    frame = pd.DataFrame({"share": bl / pop, "region": countries.set_index("iso3")["region"]})
    wide[1995] = bl.fillna(pop * group_median(frame, "share", "region")).round()
    flagged[1995] = bl.isna()
    filled, interp = interpolate_inside(wide)
    return filled, flagged | interp


def build_drivers(
    data: Path, countries: pd.DataFrame, countries_1990: pd.DataFrame, log: BuildLog
) -> pd.DataFrame:
    """The drivers table for the countries of the world tables."""
    codes = pd.Index(countries["iso3"])
    tables: dict[str, pd.DataFrame] = {}
    flags: dict[str, pd.DataFrame] = {}
    for name, read in (
        ("gdppc_ppp", gdppc),
        ("internet", internet),
        ("tertiary_ger", tertiary_ger),
        ("remittance_cost", remittance_cost),
    ):
        tables[name], flags[name] = interpolate_inside(read(data, codes))
    tables["disaster_displaced"], flags["disaster_displaced"] = disasters(data, codes)
    tables["pop_adult"], flags["pop_adult"] = adults(data, countries, countries_1990)
    out = pd.DataFrame(
        {
            "iso3": np.repeat(codes.to_numpy(), len(YEARS)),
            "year": np.tile(np.asarray(YEARS), len(codes)),
        }
    )
    for name in DRIVER_NAMES:
        out[name] = tables[name].to_numpy().ravel()
    for name in ("disaster_displaced", "pop_adult"):
        out[name] = out[name].round().astype("Int64")
    out["imputed"] = flag_text({n: flags[n].to_numpy().ravel() for n in DRIVER_NAMES}, len(out))
    for name in DRIVER_NAMES:
        observed = int(out[name].notna().sum())
        log.notes.append(
            f"drivers {name}: {observed} country-years with a value, "
            f"{int(flags[name].to_numpy().sum())} of them filled"
        )
    return out[list(DRIVER_COLUMNS)]
