"""UN DESA International Migrant Stock: country totals and bilateral stocks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

TOTALS = "undesa_stock/country_totals_1990_2000.csv"
BILATERAL = "undesa_stock/bilateral_stock_1990_2000.csv"
YEARS: tuple[int, ...] = (1990, 1995, 2000)


def read_population(data: Path) -> pd.DataFrame:
    """Per ISO3: population 1990/1995/2000, emigrant share abroad by year, and the name.

    Columns pop1990, pop1995, pop2000, disp_share1990, disp_share1995, disp_share (2000),
    undesa_name (the name the bilateral file uses).
    """
    u = pd.read_csv(data / TOTALS)
    u = u.dropna(subset=["alpha3"])
    pop = u.pivot(index="alpha3", columns="year", values="pop")
    share = u.pivot(index="alpha3", columns="year", values="disp_share")
    out = pd.DataFrame({f"pop{y}": pop[y] for y in YEARS})
    out["disp_share1990"] = share[1990]
    out["disp_share1995"] = share[1995]
    out["disp_share"] = share[2000]
    names = u[u["year"] == 2000].set_index("alpha3")["name"]
    out["undesa_name"] = names.str.rstrip("*")
    return out


def read_bilateral(data: Path, names: pd.Series, year: int) -> pd.Series:
    """Bilateral stock (persons) in `year` by (origin, destination) ISO3 pair.

    `names` maps ISO3 -> the UN DESA name (read_population's undesa_name); rows whose origin or
    destination is not a country (regional subtotals, "Other") drop out.
    """
    b = pd.read_csv(data / BILATERAL)
    b = b[b["Year"] == year]
    code = dict(zip(names.to_numpy(), names.index, strict=True))
    b = b.assign(origin=b["Origin"].map(code), destination=b["Dest"].map(code))
    b = b.dropna(subset=["origin", "destination"])
    return b.groupby(["origin", "destination"])["stock"].sum()
