"""UNESCO Institute for Statistics student mobility indicators (via Our World in Data)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

OUTBOUND = "uis_mobility/outbound_mobility_ratio_to_2004.csv"
INBOUND = "uis_mobility/inbound_mobility_rate_to_2004.csv"
WINDOW = (1998, 2004)  # UIS data start in 1998


def read_indicator(data: Path, filename: str) -> pd.DataFrame:
    """A UIS indicator (percent -> fraction), long: iso3, year, value; aggregates dropped."""
    u = pd.read_csv(data / filename)
    u = u.dropna(subset=["Code"])
    u = u[u["Code"].str.fullmatch(r"[A-Z]{3}")]  # drops OWID_/WB_ aggregates
    value = u.columns[-1]
    return pd.DataFrame({"iso3": u["Code"], "year": u["Year"], "value": u[value]})
