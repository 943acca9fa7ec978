"""Countries, regions and the world in one tidy frame (regions aggregated per replication)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import pyarrow.parquet as pq

from experiments.outputs import WORLD_CODE
from experiments.scenario import Scenario, cached_world
from simulation.metrics import METRICS, aggregate_regions, metric_parts
from simulation.world import REGIONS

AREA_NAMES = {**REGIONS, WORLD_CODE: "World"}
KEYS = ("scenario", "replication", "level", "area", "year")
RUN_KEYS = ("scenario", "replication", "year", "country")


def region_map(scenario: Scenario) -> dict[str, str]:
    countries = cached_world(scenario.world_ref).countries
    return dict(zip(countries["iso3"], countries["region"], strict=True))


def read_scenario(metrics_path: str, name: str) -> pd.DataFrame:
    """One scenario's rows of metrics.parquet (row groups of other scenarios are skipped)."""
    table = pq.read_table(metrics_path, filters=[("scenario", "==", name)])
    return table.to_pandas()


def metric_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in RUN_KEYS]


def aggregable(metrics: Sequence[str], columns: Sequence[str]) -> list[str]:
    """The metrics that can be aggregated to larger areas from these columns: counts, and
    ratios, differences and weighted means whose parts (`metric_parts`) were kept too."""
    present = set(columns)
    return [
        name
        for name in metrics
        if name in METRICS and all(part in present for part in metric_parts(name))
    ]


def with_areas(
    frame: pd.DataFrame, regions: dict[str, str], level: str = "country", empty: bool = True
) -> pd.DataFrame:
    """Per replication and year: each country, each region and the world.

    Regions are aggregated replication by replication with `aggregate_regions` (ratios from
    summed numerators and denominators), before any averaging over replications. `level` is the
    level of the rows given (a batch that kept only regions or the world, see
    `experiments.outputs`); a region batch's `WLD` rows are its world, aggregated in the worker
    from every country. Larger areas missing from the rows are added, every kept metric there:
    aggregated if its parts were kept too, empty otherwise (with `empty=False`, larger areas
    are added only if some kept metric can be aggregated: a comparison has nothing to say
    about areas where every number is empty).
    """
    metrics = metric_columns(frame)
    known = aggregable(metrics, metrics)
    rows = frame.rename(columns={"country": "area"})
    levels = pd.Series(level, index=rows.index)
    if level == "region":
        levels[rows["area"] == WORLD_CODE] = "world"
    parts = [rows.assign(level=levels.to_numpy())]
    larger = {"country": ("region", "world"), "region": ("world",), "world": ()}[level]
    base = frame[["scenario", "replication", "year", "country", *known]]
    for target in larger:
        if target in set(levels) or not (known or empty):
            continue
        mapping = (
            regions
            if target == "region"
            else dict.fromkeys([*regions, *regions.values()], WORLD_CODE)
        )
        agg = aggregate_regions(base, mapping).rename(columns={"country": "area"})
        parts.append(agg.assign(level=target))
    out = pd.concat(parts, ignore_index=True)
    return out[[*KEYS, *metrics]]
