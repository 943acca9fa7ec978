"""Tertiary enrolment, attainment and education quality, with documented imputation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from calibration.world_build.common import (
    BuildLog,
    fill,
    fit_predict,
    group_median,
    mark,
    nearest_year,
)
from calibration.world_build.sources import barro_lee, hlo, wdi
from calibration.world_build.years import StartYear


def observed_ger(data: Path, start: StartYear) -> pd.Series:
    """Tertiary GER (fraction) near the start year: WDI nearest year, else Lee & Lee's `ter`.

    WDI lacks most OECD countries around 2000; Lee & Lee's 5-yearly series fills them.
    """
    wdi_ger = nearest_year(
        wdi.read_tertiary_ger(data), "iso3", "year", "tertiary_ger", *start.ger_window,
        target=start.year,
    )  # fmt: skip
    lee = barro_lee.read_lee_enrolment(data)
    lee = lee[lee["year"] == start.year].set_index("iso3")["ter"]
    return (wdi_ger / 100).combine_first(lee)


def add_education(df: pd.DataFrame, data: Path, log: BuildLog, start: StartYear) -> None:
    """Enrolment, attainment and quality, with fitted or group-median imputation."""
    imp = log.imputed
    df["tertiary_ger"] = observed_ger(data, start)
    ger_fit = fit_predict(df, "tertiary_ger", ["ln_gdppc"], notes=log.notes)
    fill(df, "tertiary_ger", ger_fit.clip(0.005, 1.0), imp)

    df["tertiary_share"] = df["bl_tertiary_share"]
    observed = df.index.difference(sorted(imp["tertiary_ger"]))
    predictors = ["tertiary_ger", "ln_gdppc"]
    share_fit = fit_predict(df, "tertiary_share", predictors, observed, log.notes)
    fill(df, "tertiary_share", share_fit.clip(0.002, 0.6), imp)

    quality, union_filled = hlo.read_edu_quality(data)
    df["edu_quality"] = quality
    mark(imp, "edu_quality", union_filled & set(df.index))
    fill(df, "edu_quality", group_median(df, "edu_quality", "income"), imp)
    df["quality_assurance"] = df["edu_quality"]
    mark(imp, "quality_assurance", imp["edu_quality"])
