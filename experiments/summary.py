"""summary.csv: mean and 95% t-interval over replications, per scenario, area and year.

One row per scenario, level (country, region, world), area (ISO3, region code, WLD) and year;
columns `replications`, then `<metric>_mean`, `<metric>_ci_low`, `<metric>_ci_high`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from experiments.areas import metric_columns, read_scenario, region_map, with_areas
from experiments.batch import Batch
from experiments.stats import t_intervals_wide
from experiments.store import atomic_write_text

SUMMARY_FILE = "summary.csv"
BY = ["scenario", "level", "area", "year"]


def summarize(frame: pd.DataFrame, regions: dict[str, str]) -> pd.DataFrame:
    """The summary rows of one or more scenarios' runs."""
    areas = with_areas(frame, regions)
    return t_intervals_wide(areas, BY, metric_columns(frame))


def write_summary(metrics_path: Path, batch: Batch, out: Path) -> Path:
    """Summarize scenario by scenario (one scenario's rows in memory at a time)."""
    parts = []
    for scenario in batch.scenarios:
        frame = read_scenario(str(metrics_path), scenario.name)
        if len(frame):
            parts.append(summarize(frame, region_map(scenario)))
    table = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=[*BY, "replications"])
    )
    path = out / SUMMARY_FILE
    atomic_write_text(path, table.to_csv(index=False, float_format="%.8g"))
    return path
