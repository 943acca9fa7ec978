"""Student mobility: UIS outbound mobility ratio and inbound mobility rate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from calibration.world_build.common import BuildLog, fill, fit_predict, group_median, nearest_year
from calibration.world_build.sources import uis


def uis_nearest(data: Path, filename: str, target: int) -> pd.Series:
    """A UIS indicator (fraction) at the year nearest `target` within the UIS window."""
    u = uis.read_indicator(data, filename)
    return nearest_year(u, "iso3", "year", "value", *uis.WINDOW, target=target)


def add_student_mobility(df: pd.DataFrame, data: Path, log: BuildLog) -> None:
    """UIS outbound mobility ratio and inbound mobility rate near 2000, imputed.

    The outbound ratio falls steeply with country size and home enrolment (small states send
    most of their students abroad), so a regional median would, e.g., give Ghana the 26 % of
    Africa's small states; a log-linear fit on log population, log income and log enrolment
    explains about 80 % of its variance instead. The inbound rate has no such predictor
    (R^2 about 0.1): region median.
    """
    df["outbound_ratio"] = uis_nearest(data, uis.OUTBOUND, 2000) / 100
    df["inbound_rate"] = uis_nearest(data, uis.INBOUND, 2000) / 100
    fit = pd.DataFrame(
        {
            "ln_outbound_ratio": np.log(df["outbound_ratio"]),
            "ln_pop": np.log(df["pop2000"]),
            "ln_gdppc": df["ln_gdppc"],
            "ln_tertiary_ger": np.log(df["tertiary_ger"]),
        }
    )
    observed = df.index.difference(sorted(log.imputed["tertiary_ger"]))
    predictors = ["ln_pop", "ln_gdppc", "ln_tertiary_ger"]
    pred = fit_predict(fit, "ln_outbound_ratio", predictors, observed, log.notes)
    low, high = df["outbound_ratio"].min(), df["outbound_ratio"].max()
    fill(df, "outbound_ratio", np.exp(pred).clip(low, high), log.imputed)
    fill(df, "inbound_rate", group_median(df, "inbound_rate", "region"), log.imputed)
