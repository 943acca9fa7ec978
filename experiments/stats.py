"""Means and 95% confidence intervals over replications (Student t).

The interval is the t-interval of the mean over the rows of each group (the replications):
mean +- t(0.975, n - 1) * sd / sqrt(n). It is undefined (NaN) for n < 2, and exactly the mean
when every replication agrees (sd = 0), e.g. paired differences of identical scenarios.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

CONFIDENCE = 0.95


MEANINGFUL_REPLICATIONS = 5


def few_replications(n: int) -> str | None:
    """A warning when n replications are too few for a meaningful 95% interval, else None.

    Why 5: the t-interval's half-width is t(0.975, n - 1) x sd / sqrt(n), and with few
    replications both factors fail: t is 12.7 at n = 2, 4.3 at 3 and 3.2 at 4 against 2.8 at 5
    and 2.0 for many, so below 5 the interval is mostly the small-sample penalty (at n = 2 it
    spans about 9 standard deviations of the runs each side, and a share's interval reaches
    below 0%), and the sd itself rests on 1-3 degrees of freedom. From 5 on the interval
    narrows roughly as 1 / sqrt(n), as readers expect."""
    if n >= MEANINGFUL_REPLICATIONS:
        return None
    if n < 2:
        return (
            f"with {n} replication there is no interval and seed noise is not measured; "
            f"use {MEANINGFUL_REPLICATIONS} or more replications (--replications)"
        )
    quantile = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1))
    return (
        f"with only {n} replications the 95% intervals are very wide and unreliable (t "
        f"quantile {quantile:.1f}, against 2.8 at {MEANINGFUL_REPLICATIONS} replications and "
        f"2.0 for many); use {MEANINGFUL_REPLICATIONS} or more replications (--replications)"
    )


def _t_quantiles(counts: np.ndarray, confidence: float) -> np.ndarray:
    """t(0.5 + confidence / 2, n - 1) for every count (NaN for n < 2), computed once per
    distinct n: a summary has millions of cells but a handful of replication counts."""
    distinct, where = np.unique(counts, return_inverse=True)
    with np.errstate(invalid="ignore"):
        values = stats.t.ppf(0.5 + confidence / 2, np.where(distinct > 1, distinct - 1, np.nan))
    return values[where].reshape(counts.shape)


def _parts(
    frame: pd.DataFrame, by: Sequence[str], metrics: Sequence[str], confidence: float
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    grouped = frame.groupby(list(by), sort=True, dropna=False)[list(metrics)]
    n, mean, sd = grouped.count(), grouped.mean(), grouped.std(ddof=1)
    counts = n.to_numpy(float)
    spread = sd.to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        quantile = _t_quantiles(counts, confidence)
        half = np.where(spread == 0, 0.0, quantile * spread / np.sqrt(counts))
    half = np.where(counts > 1, half, np.nan)
    return n, mean, sd, pd.DataFrame(half, index=mean.index, columns=mean.columns)


def t_intervals(
    frame: pd.DataFrame, by: Sequence[str], metrics: Sequence[str], confidence: float = CONFIDENCE
) -> pd.DataFrame:
    """Long table: `by` columns, metric, n, mean, sd, ci_low, ci_high."""
    n, mean, sd, half = _parts(frame, by, metrics, confidence)
    parts = {"n": n, "mean": mean, "sd": sd, "half": half}
    long = pd.concat({k: v.stack(future_stack=True) for k, v in parts.items()}, axis=1)
    long.index = long.index.set_names([*by, "metric"])
    long = long.reset_index()
    long["n"] = long["n"].astype(int)
    long["ci_low"] = long["mean"] - long["half"]
    long["ci_high"] = long["mean"] + long["half"]
    return long.drop(columns="half")


def t_intervals_wide(
    frame: pd.DataFrame, by: Sequence[str], metrics: Sequence[str], confidence: float = CONFIDENCE
) -> pd.DataFrame:
    """Wide table: `by` columns, replications, then <metric>_mean, _ci_low, _ci_high."""
    n, mean, _, half = _parts(frame, by, metrics, confidence)
    columns: dict[str, pd.Series] = {"replications": n.max(axis=1).astype(int)}
    for metric in metrics:
        columns[f"{metric}_mean"] = mean[metric]
        columns[f"{metric}_ci_low"] = mean[metric] - half[metric]
        columns[f"{metric}_ci_high"] = mean[metric] + half[metric]
    return pd.DataFrame(columns).reset_index()


def direction(low: float, high: float) -> str:
    """'increase' / 'decrease' when the interval excludes 0, else 'no clear change'."""
    if np.isfinite(low) and low > 0:
        return "increase"
    if np.isfinite(high) and high < 0:
        return "decrease"
    return "no clear change"


GAIN_WORDS = {"increase": "gain", "decrease": "loss"}
GAIN_METRICS = ("net_brain_gain",)  # where "brain gain" and "brain drain" are the field's words


def change_word(metric: str, change: str) -> str:
    """comparison.csv's `change` as the tables say it: 'gain' / 'loss' for net brain gain,
    where more is a brain gain by definition, and the neutral 'increase' / 'decrease' for every
    other metric (a fall in brain waste is no loss, a rise in emigration no gain). One rule for
    the console, the report and comparison.csv."""
    return GAIN_WORDS.get(change, change) if metric in GAIN_METRICS else change
