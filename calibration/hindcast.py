"""Hindcast bands and their score against observations the model was not fitted to.

A hindcast batch (e.g. `calibration/hindcast_2000_2010.toml`, replications drawing parameter sets
from the calibrated posterior) gives, per metric, country and year, the mean over replications
and the 80% band (10th to 90th percentile): predictive uncertainty, not seed noise alone. Scored
against an observed table (`statistic, area, year, value`, the shape of
`calibration/targets.csv`), it reports per statistic and year what the in-sample fit reports:
R^2, Spearman, mean absolute error of the model and of persistence (the start-year value carried
forward) and the share of observations inside the 80% band (`calibration.outputs.fit_scores`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from calibration.outputs import MIN_SCORED_COUNTRIES, fit_scores
from experiments.errors import UserError

KEYS = ("statistic", "area", "year")
OBSERVED_COLUMNS = ("statistic", "area", "year", "value")


def hindcast_bands(metrics_path: Path, start_year: int) -> pd.DataFrame:
    """Per (statistic, area, year) after the start: mean, 10th and 90th percentile over
    replications, and the start year's mean (persistence's forecast)."""
    frame = pq.read_table(metrics_path).to_pandas()
    keys = {"scenario", "replication", "year", "country"}
    metrics = [c for c in frame.columns if c not in keys]
    long = frame.melt(
        id_vars=["replication", "year", "country"],
        value_vars=metrics,
        var_name="statistic",
        value_name="simulated",
    ).rename(columns={"country": "area"})
    grouped = long.groupby(list(KEYS), sort=True)["simulated"]
    bands = pd.DataFrame(
        {
            "simulated_mean": grouped.mean(),
            "simulated_p10": grouped.quantile(0.1),
            "simulated_p90": grouped.quantile(0.9),
            "replications": grouped.count(),
        }
    ).reset_index()
    start = bands[bands["year"] == start_year].set_index(["statistic", "area"])["simulated_mean"]
    if start.empty:
        raise UserError(
            f"{metrics_path}: no rows for the start year {start_year}; allowed: a batch that "
            f"kept it (e.g. --years {start_year},2005,2010), as persistence is scored from it"
        )
    later = bands[bands["year"] > start_year].copy()
    index = pd.MultiIndex.from_frame(later[["statistic", "area"]])
    later["start_year_value"] = start.reindex(index).to_numpy()
    return later.reset_index(drop=True)


def read_observed(path: Path) -> pd.DataFrame:
    """The observed table; a bad file is one clear error naming the file and the column."""
    try:
        observed = pd.read_csv(path, keep_default_na=False, na_values=[""])
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read it as CSV ({exc})") from None
    missing = [c for c in OBSERVED_COLUMNS if c not in observed.columns]
    if missing:
        raise UserError(
            f"{path}: column {missing[0]!r} missing; allowed: a CSV with columns "
            f"{', '.join(OBSERVED_COLUMNS)} (statistic = a metric name, area = an ISO3 code, "
            "value = a share, e.g. 0.12 for 12%)"
        )
    for column in ("year", "value"):
        values = pd.to_numeric(observed[column], errors="coerce")
        bad = observed.loc[values.isna() & observed[column].notna(), column]
        if len(bad):
            raise UserError(f"{path}: column {column!r}: {bad.iloc[0]!r} is not a number")
        observed[column] = values
    observed = observed.dropna(subset=["value"])
    observed["year"] = observed["year"].astype(int)
    return observed[list(OBSERVED_COLUMNS)]


def score_hindcast(
    bands: pd.DataFrame, observed: pd.DataFrame, start_year: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Observations beside their bands (`inside_80_band`), and the scores per statistic and
    year. Observations with no simulated counterpart are left out (and counted by the caller)."""
    joined = observed.merge(bands, on=list(KEYS), how="inner")
    joined["inside_80_band"] = (joined["value"] >= joined["simulated_p10"]) & (
        joined["value"] <= joined["simulated_p90"]
    )
    return joined, fit_scores(joined, start_year)


def unscored(joined: pd.DataFrame) -> list[str]:
    """One line per statistic and year observed in too few countries to be scored, saying why
    (a Spearman or R^2 over one or two countries means nothing)."""
    lines = []
    scorable = joined.dropna(subset=["value", "simulated_mean"])  # the rows fit_scores uses
    scorable = scorable[scorable["area"] != "WLD"]
    countries = scorable.groupby(["statistic", "year"], sort=True)["area"]
    for (statistic, year), areas in countries:
        if areas.nunique() < MIN_SCORED_COUNTRIES:
            n = areas.nunique()
            lines.append(
                f"{statistic} {year}: not scored, {n} observed countr{'y' if n == 1 else 'ies'} "
                f"({', '.join(sorted(areas.unique()))}) with a simulated counterpart; "
                f"scores need {MIN_SCORED_COUNTRIES} or more"
            )
    return lines


def describe_scores(scores: pd.DataFrame) -> list[str]:
    """One plain line per statistic and year."""
    lines = []
    for row in scores.itertuples():
        ratio = row.error_vs_persistence
        against = (
            f"error {ratio:.2f} x persistence's (the {row.persistence_year} value carried forward)"
            if np.isfinite(ratio)
            else "persistence not scored"
        )
        lines.append(
            f"{row.statistic} {row.year}: {row.countries} countries, Spearman {row.spearman:.3f}, "
            f"R^2 {row.r2:.3f}, {against}, {100 * row.coverage_80:.0f}% inside the 80% band"
            + _beside_persistence(row)
        )
    return lines


def _beside_persistence(row) -> str:
    """What persistence alone ranks, and whether the model's changes point the right way."""
    rho = getattr(row, "spearman_persistence", np.nan)
    r = getattr(row, "change_correlation", np.nan)
    if not (np.isfinite(rho) and np.isfinite(r)):
        return ""
    return f"; persistence alone: Spearman {rho:.3f}; simulated vs observed change: r {r:.2f}"
