"""IDMC Global Internal Displacement Database: disaster displacements by country-year."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

GIDD = "idmc_displacement/idmc_gidd_country_year_2008_2022.csv"
YEARS = range(2008, 2023)


def read_disasters(data: Path) -> pd.DataFrame:
    """Disaster internal displacements (persons), long: iso3, year, displaced, recorded.

    `displaced` is the raw count (the rounded one where the raw is missing), 0 where the row
    has no disaster figure; `recorded` says whether the row had one. Country-years without a
    row are absent (none recorded).
    """
    d = pd.read_csv(data / GIDD)
    raw = d["Disaster Internal Displacements (Raw)"]
    value = raw.fillna(d["Disaster Internal Displacements"])
    d = d.rename(columns={"ISO3": "iso3", "Year": "year"})
    return d[["iso3", "year"]].assign(displaced=value.fillna(0.0), recorded=value.notna())
