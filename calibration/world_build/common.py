"""Shared constants, the build log and the small numeric helpers every build step uses."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

BASE_YEAR = 2000  # the default world's start year
MIN_ADULTS = 50_000  # territories with fewer adults (25+) are dropped
SIG_DIGITS = 6

Imputed = dict[str, set[str]]


@dataclass
class BuildLog:
    """What the build did that a user should know: imputations, unmatched names, fit quality."""

    imputed: Imputed = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    unmatched_names: list[str] = field(default_factory=list)
    dropped_small: list[str] = field(default_factory=list)
    excluded_no_core: list[str] = field(default_factory=list)


def nearest_year(
    frame: pd.DataFrame, key: str, year: str, value: str, lo: int, hi: int, target: int
) -> pd.Series:
    """Value at the year nearest `target` within [lo, hi] per key (ties: the earlier year).

    Several sources miss the exact start year for some countries; a neighbouring year is a
    better estimate than any cross-country imputation.
    """
    f = frame.loc[frame[year].between(lo, hi) & frame[value].notna(), [key, year, value]].copy()
    f["_dist"] = (f[year] - target).abs()
    f = f.sort_values([key, "_dist", year], kind="mergesort")
    return f.drop_duplicates(key).set_index(key)[value].astype(float)


def fill(df: pd.DataFrame, col: str, values: pd.Series, imputed: Imputed) -> None:
    """Fill the gaps of df[col] from `values` and remember which rows were imputed."""
    values = values.reindex(df.index)
    gap = df[col].isna() & values.notna()
    df.loc[gap, col] = values[gap]
    imputed.setdefault(col, set()).update(df.index[gap])


def mark(imputed: Imputed, col: str, codes: Iterable[str]) -> None:
    """Record rows of `col` whose value, though filled from data, is not the country's own."""
    imputed.setdefault(col, set()).update(codes)


def group_median(df: pd.DataFrame, col: str, group: str) -> pd.Series:
    """Median of the observed values of `col` within each group, for every row.

    Groups with no observed value fall back to the median over all countries.
    """
    med = df.groupby(group)[col].transform("median")
    return med.fillna(df[col].median())


def fit_predict(
    df: pd.DataFrame,
    target: str,
    predictors: Sequence[str],
    fit_rows: pd.Index | None = None,
    notes: list[str] | None = None,
) -> pd.Series:
    """Least-squares fit of target on predictors (with a constant) over complete rows.

    Used to impute a missing variable from better-covered ones (e.g. attainment from
    enrolment and income). Only `fit_rows` (default: all) train the fit, so imputed values
    never feed another fit. Returns the prediction for every row whose predictors are known;
    the fit's size and R^2 go to `notes` so the report shows how good the imputation is.
    """
    cols = [target, *predictors]
    train = df if fit_rows is None else df.loc[fit_rows]
    train = train[train[cols].notna().all(axis=1)]
    x = np.column_stack([np.ones(len(train)), train[list(predictors)].to_numpy(float)])
    y = train[target].to_numpy(float)
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    if notes is not None:
        r2 = 1 - np.sum((y - x @ coef) ** 2) / np.sum((y - y.mean()) ** 2)
        terms = " + ".join(f"{b:.4g}*{p}" for b, p in zip(coef[1:], predictors, strict=True))
        notes.append(f"fit {target} = {coef[0]:.4g} + {terms}: n={len(y)}, R2={r2:.2f}")
    known = df[list(predictors)].notna().all(axis=1)
    xa = np.column_stack([np.ones(known.sum()), df.loc[known, list(predictors)].to_numpy(float)])
    return pd.Series(xa @ coef, index=df.index[known])


def logit(p: pd.Series) -> pd.Series:
    """Log-odds, for fitting shares without predicting values outside (0, 1)."""
    p = p.clip(1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def expit(x: pd.Series) -> pd.Series:
    """Inverse of logit."""
    return 1 / (1 + np.exp(-x))


def flag_text(flags: dict[str, np.ndarray], n: int) -> np.ndarray:
    """Per row, the semicolon-separated names (in dict order) whose flag is True."""
    joined = np.full(n, "", dtype=object)
    for name, flag in flags.items():
        joined = joined + np.where(np.asarray(flag, dtype=bool), f"{name};", "").astype(object)
    return pd.Series(joined, dtype=str).str.rstrip(";").to_numpy(dtype=object)


def round_sig(x: float) -> float:
    """Round to SIG_DIGITS significant digits so output is stable and compact."""
    if x is None or not math.isfinite(x) or x == 0:
        return x
    return float(f"{x:.{SIG_DIGITS}g}")
