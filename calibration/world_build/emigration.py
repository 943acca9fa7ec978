"""Skilled emigration rates (IAB) and the tertiary share among emigrants."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from calibration.world_build.common import (
    BuildLog,
    expit,
    fill,
    fit_predict,
    group_median,
    logit,
    mark,
)
from calibration.world_build.sources import iab
from calibration.world_build.years import StartYear


def add_emigration(df: pd.DataFrame, data: Path, log: BuildLog, start: StartYear) -> None:
    """Skilled emigration rate (IAB, start year) and the tertiary share among emigrants.

    Missing rates are fitted (log-odds of the IAB rate on log-odds of UN DESA's emigrant
    share and log income). The skilled share among emigrants follows from the IAB rates:
    high emigrants = h/(1-h) x tertiary residents, all emigrants = t/(1-t) x adults.
    """
    imp = log.imputed
    rates, union_filled = iab.read_rates(data, start.year)
    rates = rates.reindex(df.index)
    df["skilled_emigration_rate"] = rates["high_rate"]
    mark(imp, "skilled_emigration_rate", union_filled & set(df.index))
    share = df["disp_share"] if start.year == 2000 else df[f"disp_share{start.year}"]
    fit = pd.DataFrame(
        {
            "logit_skilled_rate": logit(df["skilled_emigration_rate"]),
            "logit_emigrant_share": logit(share),
            "ln_gdppc": df["ln_gdppc"],
        },
        index=df.index,
    )
    own = df.index.difference(sorted(imp["skilled_emigration_rate"]))  # fit on own figures
    predictors = ["logit_emigrant_share", "ln_gdppc"]
    fit_y = fit_predict(fit, "logit_skilled_rate", predictors, own, log.notes)
    fill(df, "skilled_emigration_rate", expit(fit_y).clip(0.001, 0.99), imp)

    h, t = rates["high_rate"], rates["tot_rate"]
    high = h / (1 - h) * df["tertiary_share"]
    total = (t / (1 - t)).where(t > 0)
    df["emigrant_skilled_share"] = (high / total).clip(0.02, 1.0)
    derived_from_imputed = imp["tertiary_share"] | (union_filled & set(df.index))
    mark(imp, "emigrant_skilled_share", derived_from_imputed & set(df.index[total.notna()]))
    region_median = group_median(df, "emigrant_skilled_share", "region")
    fill(df, "emigrant_skilled_share", region_median, imp)


IAB_HISTORY_YEARS: tuple[int, ...] = (1990, 1995)


def add_iab_history(df: pd.DataFrame, data: Path, log: BuildLog) -> None:
    """IAB high-skill emigration rates of 1990 and 1995 (calibration targets), and the flag of
    the 20 IAB destinations.

    Never imputed: NaN where the IAB has no figure for the country (it is a target). Serbia
    and Montenegro both get their former union's rate, flagged.
    """
    for year in IAB_HISTORY_YEARS:
        col = f"iab_high_rate_{year}"
        rates, union_filled = iab.read_rates(data, year)
        df[col] = rates["high_rate"].reindex(df.index)
        mark(log.imputed, col, union_filled & set(df.index))
        missing = sorted(df.index[df[col].isna()])
        log.notes.append(f"{col}: {df[col].notna().sum()} countries; no IAB value: {missing}")
    df["iab_destination"] = df.index.isin(iab.destinations(data)).astype("int64")
