"""Internet use, remittance costs and the income-based adaptation proxy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from calibration.world_build.common import BuildLog, fill, group_median
from calibration.world_build.sources import wdi
from calibration.world_build.years import StartYear


def internet_near(data: Path, start: StartYear) -> tuple[pd.Series, pd.Series]:
    """Internet users (fraction) in the start year, and where that year is missing, the
    linear interpolation (or the nearest side) within the ICT window."""
    lo, hi = start.ict_window
    window = wdi.read_internet(data)[list(range(lo, hi + 1))]
    exact = window[start.year].dropna() / 100
    interp = window.T.interpolate(method="index", limit_area="inside").T
    reach = max(start.year - lo, hi - start.year)
    near = window.T.bfill(limit=reach).ffill(limit=reach).T  # nearest side when only one exists
    alt = interp[start.year].fillna(near[start.year]).dropna() / 100
    return exact, alt.drop(exact.index, errors="ignore")


def add_ict(df: pd.DataFrame, data: Path, log: BuildLog, start: StartYear) -> None:
    """Internet users in the start year; neighbouring years; else income-group median."""
    exact, near = internet_near(data, start)
    df["ict"] = exact
    fill(df, "ict", near, log.imputed)
    fill(df, "ict", group_median(df, "ict", "income"), log.imputed)


def earliest_remittance_cost(data: Path) -> pd.Series:
    """Cost of sending remittances to a country (share), earliest available year 2011-2020."""
    first = wdi.read_remittance_cost(data).bfill(axis=1).iloc[:, 0]
    return first.dropna() / 100


def add_remittance_cost(df: pd.DataFrame, data: Path, log: BuildLog) -> None:
    """Remittance cost (earliest 2011-2020); region median, else global median."""
    df["remittance_cost"] = earliest_remittance_cost(data)
    fill(df, "remittance_cost", group_median(df, "remittance_cost", "region"), log.imputed)


def add_adaptation(df: pd.DataFrame) -> None:
    """Adaptation capacity 0-1 (ASSUMPTION): log income scaled from $1,000 to $100,000."""
    df["adaptation"] = (np.log(df["gdppc_ppp"] / 1000) / np.log(100)).clip(0.05, 0.95)
