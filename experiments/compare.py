"""Paired comparisons: ALT - BASE per replication (common random numbers), then a 95% t-interval.

Because replication r of every scenario uses the same seed, the difference of a pair removes the
noise the two runs share; two identical scenarios differ by exactly zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from experiments.areas import metric_columns, read_scenario, region_map, with_areas
from experiments.batch import Batch
from experiments.errors import UserError
from experiments.outputs import check_years_recorded
from experiments.scenario import Scenario
from experiments.stats import direction, t_intervals
from experiments.store import atomic_write_text

COMPARISON_FILE = "comparison.csv"
CELL = ["level", "area", "year"]
BROAD = ["region", "world"]


@dataclass
class Comparison:
    table: pd.DataFrame  # comparison.csv: differences at the chosen years, every area
    levels: pd.DataFrame  # regions and world, every year: mean and interval per scenario
    differences: pd.DataFrame  # regions and world, every year: ALT - BASE intervals


def check_pairable(base: Scenario, alts: Sequence[Scenario]) -> None:
    """Pairs need the same world, seed and replications (compare sets the latter two)."""
    for alt in alts:
        if alt.world_ref != base.world_ref:
            raise UserError(
                f"{alt.name}: world {alt.world_ref!r} differs from the baseline's "
                f"{base.world_ref!r}; allowed: scenarios on the same world (runs are paired)"
            )


def default_years(base: Scenario, alts: Sequence[Scenario]) -> list[int]:
    """A middle year and the last year the scenarios have in common."""
    last = min(s.last_year for s in (base, *alts))
    middle = base.start_year + (last - base.start_year + 1) // 2
    return sorted({middle, last})


def check_years(years: Sequence[int], base: Scenario, alts: Sequence[Scenario]) -> None:
    """The reported years must be in every run: the start year (recorded from the data, the
    same in every scenario) through the last simulated year they share."""
    check_years_recorded(years, [base, *alts], "--years", "the compared runs")


def paired(areas: pd.DataFrame, base: str, alt: str, metrics: list[str]) -> pd.DataFrame:
    """Interval of ALT - BASE per level, area, year over the replications both have."""
    keys = [*CELL, "replication"]
    b = areas[areas["scenario"] == base].set_index(keys)[metrics]
    a = areas[areas["scenario"] == alt].set_index(keys)[metrics]
    a, b = a.align(b, join="inner")
    diff = (a - b).reset_index()
    out = t_intervals(diff, CELL, metrics)
    out.insert(0, "alternative", alt)
    out.insert(0, "baseline", base)
    return out


def compare(
    metrics_path: Path, batch: Batch, base: str, alts: Sequence[str], years: Sequence[int]
) -> Comparison:
    """Differences at `years` for every area, and over all years for regions and the world."""
    names = [base, *alts]
    regions = region_map(batch.scenario(base))
    frames = [read_scenario(str(metrics_path), n) for n in names]
    frame = pd.concat([f for f in frames if len(f)], ignore_index=True)
    if frame.empty:
        raise UserError("no finished runs to compare")
    metrics = metric_columns(frame)
    areas = with_areas(frame, regions, batch.outputs.level, empty=False)
    broad = areas["level"].isin(BROAD)
    wanted = areas[broad | areas["year"].isin(list(years))]
    means = t_intervals(wanted, ["scenario", *CELL], metrics)
    diffs = pd.concat([paired(wanted, base, alt, metrics) for alt in alts], ignore_index=True)
    table = diffs[diffs["year"].isin(list(years))].copy()
    level_means = means.set_index(["scenario", *CELL, "metric"])["mean"]
    table["baseline_mean"] = level_means.reindex(
        pd.MultiIndex.from_frame(table[["baseline", *CELL, "metric"]])
    ).to_numpy()
    table["alternative_mean"] = level_means.reindex(
        pd.MultiIndex.from_frame(table[["alternative", *CELL, "metric"]])
    ).to_numpy()
    table = table.rename(columns={"n": "pairs", "mean": "difference", "sd": "difference_sd"})
    table["change"] = [
        direction(lo, hi) for lo, hi in zip(table["ci_low"], table["ci_high"], strict=True)
    ]
    columns = [
        "baseline",
        "alternative",
        *CELL,
        "metric",
        "pairs",
        "baseline_mean",
        "alternative_mean",
        "difference",
        "difference_sd",
        "ci_low",
        "ci_high",
        "change",
    ]
    return Comparison(
        table=table[columns].reset_index(drop=True),
        levels=means[means["level"].isin(BROAD)].reset_index(drop=True),
        differences=diffs[diffs["level"].isin(BROAD)].reset_index(drop=True),
    )


def write_comparison(comparison: Comparison, out: Path) -> Path:
    path = out / COMPARISON_FILE
    atomic_write_text(path, comparison.table.to_csv(index=False, float_format="%.8g"))
    return path
