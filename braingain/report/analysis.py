"""Numbers the report needs beyond the CSV files: per-replication values of regions and the
world, from which it takes the probability of gain and the bands of the fan charts.

Regions are aggregated replication by replication with `simulation.aggregate_regions` (ratios
from summed numerators and denominators), as `summary.csv` and `comparison.csv` are.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from braingain.report.results import Results
from experiments.areas import WORLD_CODE
from experiments.errors import UserError
from experiments.stats import t_intervals
from simulation import METRICS, aggregate_regions
from simulation.metrics import metric_parts

KEYS = ["scenario", "replication", "year", "country"]
FAN_QUANTILES = (0.1, 0.9)  # the outer band: where 80% of replications fall


def _parts(metrics: Sequence[str]) -> list[str]:
    """The columns needed to aggregate `metrics` (the metrics themselves and their parts)."""
    needed: list[str] = []
    for name in metrics:
        if name in METRICS:
            for column in [name, *metric_parts(name)]:
                if column not in needed:
                    needed.append(column)
    return needed


def region_map(results: Results) -> dict[str, str]:
    from experiments.scenario import cached_world

    world = results.scenarios[0].get("world") if results.scenarios else None
    if world is None:
        raise UserError(f"{results.folder}: the manifest names no world; cannot group regions")
    try:
        countries = cached_world(str(world)).countries
    except Exception as exc:  # a world folder that moved: the user's input
        raise UserError(
            f"{results.folder}: cannot load the world {world!r} of these results ({exc}); "
            "allowed: results made on a built-in world or a world folder that still exists"
        ) from None
    return dict(zip(countries["iso3"], countries["region"], strict=True))


def area_runs(results: Results, metrics: Sequence[str]) -> pd.DataFrame:
    """Per scenario, replication, area (regions and WLD) and year: the metrics."""
    if results.metrics_path is None:
        return pd.DataFrame()
    available = set(pq.read_schema(results.metrics_path).names)
    # a metric aggregates to regions from its parts (a slim run may have kept the metric alone)
    wanted = [m for m in metrics if m in available and set(_parts([m])) <= available]
    columns = [c for c in [*KEYS, *_parts(wanted)] if c in available]
    frame = pq.read_table(results.metrics_path, columns=columns).to_pandas()
    if frame.empty:
        return frame
    regions = region_map(results)
    parts = []
    for mapping in (regions, dict.fromkeys(regions, WORLD_CODE)):
        agg = aggregate_regions(frame, mapping).rename(columns={"country": "area"})
        parts.append(agg)
    out = pd.concat(parts, ignore_index=True)
    return out[["scenario", "replication", "area", "year", *wanted]]


def paired_differences(runs: pd.DataFrame, base: str, alt: str) -> pd.DataFrame:
    """ALT - BASE per replication, area and year (the replications both have)."""
    keys = ["replication", "area", "year"]
    metrics = [c for c in runs.columns if c not in ("scenario", *keys)]
    b = runs[runs["scenario"] == base].set_index(keys)[metrics]
    a = runs[runs["scenario"] == alt].set_index(keys)[metrics]
    a, b = a.align(b, join="inner")
    out = (a - b).reset_index()
    out.insert(0, "scenario", alt)
    return out


def probability_of_gain(frame: pd.DataFrame, metric: str, year: int) -> pd.DataFrame:
    """Per scenario and area: the share of replications with `metric` > 0 in `year`, and n."""
    cell = frame[frame["year"] == year]
    grouped = cell.groupby(["scenario", "area"], sort=False)[metric]
    return pd.DataFrame(
        {"gains": grouped.apply(lambda s: int((s > 0).sum())), "n": grouped.count()}
    ).reset_index()


def fan(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per scenario, area and year: mean with its 95% t-interval, and the 10th-90th percentile
    band of the replications (a fan chart's inner and outer bands)."""
    means = t_intervals(frame, ["scenario", "area", "year"], [metric])
    grouped = frame.groupby(["scenario", "area", "year"], sort=True)[metric]
    low, high = (grouped.quantile(q).rename(f"q{int(100 * q)}") for q in FAN_QUANTILES)
    spread = pd.concat([low, high], axis=1).reset_index()
    return means.merge(spread, on=["scenario", "area", "year"])


def last_year(frame: pd.DataFrame) -> int:
    return int(np.max(frame["year"]))
