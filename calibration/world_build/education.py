"""Tertiary enrolment, attainment and education quality, with documented imputation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from calibration.world_build.common import (
    BuildLog,
    fill,
    fit_predict,
    group_median,
    logit,
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
    add_enrolment_attainment(df, data, log, start)
    add_quality(df, data, log)


def add_enrolment_attainment(df: pd.DataFrame, data: Path, log: BuildLog, start: StartYear) -> None:
    """Tertiary GER and the tertiary share of adults, imputed by least-squares fits."""
    imp = log.imputed
    df["tertiary_ger"] = observed_ger(data, start)
    ger_fit = fit_predict(df, "tertiary_ger", ["ln_gdppc"], notes=log.notes)
    fill(df, "tertiary_ger", ger_fit.clip(0.005, 1.0), imp)

    df["tertiary_share"] = df["bl_tertiary_share"]
    observed = df.index.difference(sorted(imp["tertiary_ger"]))
    predictors = ["tertiary_ger", "ln_gdppc"]
    share_fit = fit_predict(df, "tertiary_share", predictors, observed, log.notes)
    fill(df, "tertiary_share", share_fit.clip(0.002, 0.6), imp)


def add_quality(df: pd.DataFrame, data: Path, log: BuildLog) -> None:
    """Education quality from HLO scores (a proxy), income-group median where missing."""
    imp = log.imputed
    quality, union_filled = hlo.read_edu_quality(data)
    df["edu_quality"] = quality
    mark(imp, "edu_quality", union_filled & set(df.index))
    fill(df, "edu_quality", group_median(df, "edu_quality", "income"), imp)
    df["quality_assurance"] = df["edu_quality"]
    mark(imp, "quality_assurance", imp["edu_quality"])


GER_OBSERVED_YEARS = (1990, 2004)  # enrolment observations used for drivers and the trend
TREND_MIN_POINTS = 4  # observations needed for a country's own trend ...
TREND_MIN_SPAN = 5  # ... spanning at least this many years
TREND_CLIP = (0.0, 0.15)  # plausible range of the logit slope per year
GER_LOGIT_CLIP = (0.001, 0.99)  # GER can exceed 1 (over-age students): capped for the logit


def ger_observations(data: Path) -> pd.DataFrame:
    """Observed tertiary GER (fraction), long: iso3, year, ger, source; 1990-2004.

    WDI (SE.TER.ENRR) where it has the year, else Lee & Lee's 5-yearly `ter` (the two agree
    within about 10% where both exist).
    """
    lo, hi = GER_OBSERVED_YEARS
    w = wdi.read_tertiary_ger(data)
    w = w[w["year"].between(lo, hi)]
    w = pd.DataFrame({"iso3": w["iso3"], "year": w["year"], "ger": w["tertiary_ger"] / 100})
    lee = barro_lee.read_lee_enrolment(data)
    lee = lee[lee["year"].between(lo, hi)].rename(columns={"ter": "ger"})
    both = pd.concat([w.assign(source="wdi"), lee.assign(source="lee")], ignore_index=True)
    both = both.drop_duplicates(["iso3", "year"], keep="first")  # WDI first
    return both.sort_values(["iso3", "year"], kind="mergesort").reset_index(drop=True)


def logit_slopes(obs: pd.DataFrame) -> pd.DataFrame:
    """Per country: least-squares slope of logit(GER) on year, number of points and span."""
    y = logit(obs["ger"].clip(*GER_LOGIT_CLIP))
    f = pd.DataFrame({"iso3": obs["iso3"], "x": obs["year"].astype(float), "y": y})
    g = f.groupby("iso3")
    dx = f["x"] - g["x"].transform("mean")
    dy = f["y"] - g["y"].transform("mean")
    sums = pd.DataFrame({"iso3": f["iso3"], "xy": dx * dy, "xx": dx * dx}).groupby("iso3").sum()
    stats = g["x"].agg(["size", "min", "max"])
    return pd.DataFrame(
        {
            "slope": sums["xy"] / sums["xx"].where(sums["xx"] > 0),
            "points": stats["size"],
            "span": stats["max"] - stats["min"],
        }
    )


def add_ger_trend(df: pd.DataFrame, data: Path, log: BuildLog) -> None:
    """Slope per year of logit(tertiary GER) over 1990-2004, for extrapolating enrolment.

    A country's own slope needs TREND_MIN_POINTS observations spanning TREND_MIN_SPAN years;
    otherwise its region's median slope (imputed). Then clipped to TREND_CLIP.
    """
    fits = logit_slopes(ger_observations(data)).reindex(df.index)
    enough = (fits["points"] >= TREND_MIN_POINTS) & (fits["span"] >= TREND_MIN_SPAN)
    df["ger_logit_trend"] = fits["slope"].where(enough)
    fill(df, "ger_logit_trend", group_median(df, "ger_logit_trend", "region"), log.imputed)
    lo, hi = TREND_CLIP
    clipped = int(((df["ger_logit_trend"] < lo) | (df["ger_logit_trend"] > hi)).sum())
    log.notes.append(
        f"ger_logit_trend: {int(enough.sum())} countries with their own slope, "
        f"{clipped} clipped to [{lo}, {hi}]"
    )
    df["ger_logit_trend"] = df["ger_logit_trend"].clip(lo, hi)
