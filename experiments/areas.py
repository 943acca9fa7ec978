"""Countries, regions and the world in one tidy frame (regions aggregated per replication)."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq

from experiments.scenario import Scenario, cached_world
from simulation.metrics import METRICS, aggregate_regions
from simulation.world import REGIONS

WORLD_CODE = "WLD"
AREA_NAMES = {**REGIONS, WORLD_CODE: "World"}
KEYS = ("scenario", "replication", "level", "area", "year")


def region_map(scenario: Scenario) -> dict[str, str]:
    countries = cached_world(scenario.world_ref).countries
    return dict(zip(countries["iso3"], countries["region"], strict=True))


def read_scenario(metrics_path: str, name: str) -> pd.DataFrame:
    """One scenario's rows of metrics.parquet (row groups of other scenarios are skipped)."""
    table = pq.read_table(metrics_path, filters=[("scenario", "==", name)])
    return table.to_pandas()


def metric_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in ("scenario", "replication", "year", "country")]


def with_areas(frame: pd.DataFrame, regions: dict[str, str]) -> pd.DataFrame:
    """Per replication and year: each country, each region and the world.

    Regions are aggregated replication by replication with `aggregate_regions` (ratios from
    summed numerators and denominators), before any averaging over replications.
    """
    metrics = metric_columns(frame)
    known = [m for m in metrics if m in METRICS]
    parts = [frame.rename(columns={"country": "area"}).assign(level="country")]
    if known:
        base = frame[["scenario", "replication", "year", "country", *known]]
        for level, mapping in (
            ("region", regions),
            ("world", dict.fromkeys(regions, WORLD_CODE)),
        ):
            agg = aggregate_regions(base, mapping).rename(columns={"country": "area"})
            parts.append(agg.assign(level=level))
    out = pd.concat(parts, ignore_index=True)
    return out[[*KEYS, *metrics]]
