"""Summary statistics a calibration compares with its targets, computed from a run's frame.

A statistic is either a metric of `simulation.METRICS` (read per country at a year, and for
the area `WLD` aggregated over all countries as the metric's spec says: ratios from summed
numerators and denominators) or one of the derived statistics below, for the soft targets of
the literature that no single metric measures. Everything is computed from the metrics frame
that `simulation.simulate` returns, so the calibration needs nothing of the model's internals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulation.metrics import METRICS, aggregate_regions

WORLD = "WLD"  # the area code of a whole-world statistic


@dataclass(frozen=True)
class DerivedStatistic:
    """A statistic that is not a metric: how it is computed and which years it needs."""

    name: str
    unit: str
    description: str
    window: int  # years of the frame used, ending at the statistic's year
    world_only: bool
    compute: Callable[[pd.DataFrame, int], pd.Series]  # (frame, year) -> value per area


def _window(frame: pd.DataFrame, year: int, width: int) -> pd.DataFrame:
    return frame[(frame["year"] > year - width) & (frame["year"] <= year)]


def _five_year_return_ratio(frame: pd.DataFrame, year: int) -> pd.Series:
    rows = _window(frame, year, 5)
    returns = rows.groupby("country")["returns"].sum(min_count=1)
    leaving = rows.groupby("country")["emigrations"].sum(min_count=1)
    per_country = returns / leaving.where(leaving > 0)
    total = returns.sum() / leaving.sum() if leaving.sum() > 0 else np.nan
    return pd.concat([per_country, pd.Series({WORLD: total})])


def _flow_network_elasticity(frame: pd.DataFrame, year: int) -> pd.Series:
    """OLS across origins: log(new skilled emigrants over five years) on log(skilled diaspora
    just before those years), holding log(skilled residents then) fixed."""
    rows = _window(frame, year, 5)
    before = frame[frame["year"] == year - 5].set_index("country")
    flows = rows.groupby("country")["emigrations"].sum(min_count=1)
    if before.empty:
        return pd.Series({WORLD: np.nan})
    data = pd.DataFrame(
        {
            "flow": flows,
            "diaspora": before["skilled_emigrants"],
            "residents": before["skilled_residents"],
        }
    ).dropna()
    data = data[(data > 0).all(axis=1)]
    if len(data) < 5:
        return pd.Series({WORLD: np.nan})
    design = np.column_stack(
        [np.ones(len(data)), np.log(data["diaspora"]), np.log(data["residents"])]
    )
    coefficients, *_ = np.linalg.lstsq(design, np.log(data["flow"].to_numpy()), rcond=None)
    return pd.Series({WORLD: float(coefficients[1])})


DERIVED: dict[str, DerivedStatistic] = {
    s.name: s
    for s in (
        DerivedStatistic(
            "five_year_return_ratio",
            "share",
            "Returns over the five years ending at the year / new skilled emigrants over the "
            "same years (per origin, and for the world). A proxy for the share of immigrants "
            "who leave within five years of arrival (OECD 2008): it counts returns home, not "
            "moves on to a third country.",
            5,
            False,
            _five_year_return_ratio,
        ),
        DerivedStatistic(
            "flow_network_elasticity",
            "elasticity",
            "Across origins, the OLS slope of log new skilled emigrants over the five years "
            "ending at the year on log skilled emigrants abroad just before them (the row of "
            "year - 5), controlling for log skilled residents then: the elasticity of flows to "
            "diaspora size (Beine, Docquier & Ozden 2011), measured at country rather than "
            "corridor level.",
            5,
            True,
            _flow_network_elasticity,
        ),
    )
}


def available() -> list[str]:
    """Every statistic name a calibration may target."""
    return [*METRICS, *DERIVED]


def describe(name: str) -> str:
    if name in DERIVED:
        return DERIVED[name].description
    return METRICS[name].description


def needs_columns(statistics: Sequence[str]) -> set[str]:
    """Metric columns the statistics read (a metric, its numerator and denominator, weights)."""
    out: set[str] = set()
    for name in statistics:
        if name in DERIVED:
            out |= {"returns", "emigrations", "skilled_emigrants", "skilled_residents"}
        else:
            spec = METRICS[name]
            out |= {name, *(c for c in (spec.numerator, spec.denominator) if c)}
            if spec.aggregate == "mean":
                out.add(spec.weight)
    return out


def compute(frame: pd.DataFrame, statistics: Sequence[str], years: Sequence[int]) -> pd.DataFrame:
    """One row per (year, area), areas = the frame's countries then `WLD`; one column per
    statistic (NaN where a statistic has no value, e.g. a world-only one for a country)."""
    countries = list(dict.fromkeys(frame["country"]))
    areas = [*countries, WORLD]
    metrics = [s for s in statistics if s not in DERIVED]
    world = None
    if metrics:
        keep = ["year", "country", *sorted(needs_columns(metrics) & set(frame.columns))]
        world = aggregate_regions(frame[keep], dict.fromkeys(countries, WORLD))
    blocks = []
    for year in years:
        if not (frame["year"] == year).any():
            raise ValueError(f"the run has no row for year {year}")
        block = pd.DataFrame({"year": year, "country": areas})
        here = frame[frame["year"] == year].set_index("country")
        for name in statistics:
            if name in DERIVED:
                values = DERIVED[name].compute(frame, year)
            else:
                there = world[world["year"] == year].set_index("country")[name]
                values = pd.concat([here[name], there])
            block[name] = values.reindex(areas).to_numpy(dtype=float)
        blocks.append(block)
    return pd.concat(blocks, ignore_index=True)
