"""Outputs sized for studies: keep only chosen metrics, years and one level of a batch's runs.

The full table (every metric, year and country) stays the default. A selection is applied in the
worker, right after the task returns, so only the kept rows and columns are pickled and stored:
regions and the world are aggregated there from the full frame (`aggregate_regions`: ratios from
summed numerators and denominators), then the chosen metrics are kept. At the `region` level
the stored table holds each region and the world (the `country` column holds the region code,
or `WLD`); at the `world` level, the world alone.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from experiments.errors import UserError
from simulation.metrics import METRICS, aggregate_regions, needs_counterfactual

LEVELS = ("country", "region", "world")
WORLD_CODE = "WLD"
REGION_AREAS = "regions and the world"


@dataclass(frozen=True)
class OutputSelection:
    """Which metrics, years and level a batch keeps (None: all of them)."""

    metrics: tuple[str, ...] | None = None
    years: tuple[int, ...] | None = None
    level: str = "country"

    @property
    def full(self) -> bool:
        return self.metrics is None and self.years is None and self.level == "country"

    @property
    def needs_counterfactual(self) -> bool:
        """Whether a kept metric comes from the run's no-emigration twin (all metrics are kept
        when none are chosen)."""
        return self.metrics is None or needs_counterfactual(self.metrics)

    def describe(self) -> dict[str, Any]:
        """For the manifest: a folder's runs all share one selection. A region batch names its
        world rows too: folders made before they were kept are refused, not mixed."""
        described = {
            "metrics": list(self.metrics) if self.metrics is not None else "all",
            "years": list(self.years) if self.years is not None else "all",
            "level": self.level,
        }
        if self.level == "region":
            described["areas"] = REGION_AREAS
        return described

    def apply(self, frame: pd.DataFrame, regions: dict[str, str]) -> pd.DataFrame:
        """The kept part of one run's frame (`regions` maps ISO3 codes to region codes)."""
        if self.years is not None:
            frame = frame[frame["year"].isin(self.years)]
        if self.level == "region":
            frame = with_world(frame, regions)
        elif self.level == "world":
            frame = world_of(frame, regions)
        if self.metrics is not None:
            frame = frame[["year", "country", *self.metrics]]
        return frame.reset_index(drop=True)


def with_world(frame: pd.DataFrame, regions: dict[str, str]) -> pd.DataFrame:
    """A run's regions and its world (`WLD`), each aggregated from every country, year by year
    (the regions, then the world): the world's ratios need the countries' parts, which a region
    batch may not keep."""
    areas = pd.concat([aggregate_regions(frame, regions), world_of(frame, regions)])
    return areas.sort_values("year", kind="stable", ignore_index=True)


def world_of(frame: pd.DataFrame, regions: dict[str, str]) -> pd.DataFrame:
    """A run's world (`WLD`), aggregated from every country, year by year."""
    return aggregate_regions(frame, dict.fromkeys(regions, WORLD_CODE))


def make_selection(
    metrics: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    level: str = "country",
    option: str = "--",
) -> OutputSelection:
    """A checked selection; bad names raise UserError naming the option and what is allowed."""
    if level not in LEVELS:
        raise UserError(f"{option}level: got {level!r}; allowed: one of {', '.join(LEVELS)}")
    chosen = None
    if metrics is not None:
        unknown = [m for m in metrics if m not in METRICS]
        if unknown:
            close = difflib.get_close_matches(unknown[0], list(METRICS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise UserError(
                f"{option}metrics: unknown metric {unknown[0]!r}{hint}; allowed: names in "
                "simulation.METRICS (see `braingain list --metrics`)"
            )
        if not metrics:
            raise UserError(f"{option}metrics: empty; allowed: one or more metric names")
        chosen = tuple(dict.fromkeys(metrics))
    kept_years = tuple(sorted(set(years))) if years is not None else None
    if kept_years is not None and not kept_years:
        raise UserError(f"{option}years: empty; allowed: one or more years")
    return OutputSelection(chosen, kept_years, level)


def check_years_in_runs(selection: OutputSelection, scenarios: Sequence[Any], option: str) -> None:
    """Every kept year must be recorded by every scenario of the batch (objects with `name`,
    `start_year` and `last_year`); the message names the scenarios that fall short."""
    if selection.years is not None:
        check_years_recorded(selection.years, scenarios, option, "the runs")


def check_years_recorded(
    years: Sequence[int], scenarios: Sequence[Any], option: str, runs: str
) -> None:
    """A UserError unless every year lies in every scenario's start_year..last_year, naming
    each scenario that does not record a year asked for (a glob that picked up a shorter run)."""
    first = max(s.start_year for s in scenarios)
    last = min(s.last_year for s in scenarios)
    bad = [y for y in years if not first <= y <= last]
    if not bad:
        return
    short = [
        f"{s.name} records {s.start_year}..{s.last_year}"
        for s in scenarios
        if any(not s.start_year <= y <= s.last_year for y in bad)
    ]
    raise UserError(
        f"{option}: {bad} outside {runs} ({'; '.join(short)}); allowed: years in "
        f"{first}..{last}, recorded by every scenario"
    )


@dataclass(frozen=True)
class SelectedTask:
    """A task whose frame is cut to a selection in the worker (picklable; the world it gets
    gives the region of each country)."""

    task: Any
    selection: OutputSelection

    def __repr__(self) -> str:  # stable across processes: it names the task in manifests
        from experiments.provenance import task_name

        return f"SelectedTask({task_name(self.task)}, {self.selection.describe()})"

    def __call__(self, world: Any, params: Any, years: int, seed: Any, events: Any = ()):
        frame = self._task()(world, params, years, seed, events)
        regions = dict(zip(world.countries["iso3"], world.countries["region"], strict=True))
        return self.selection.apply(frame, regions)

    def _task(self) -> Any:
        """The model without its no-emigration twin when no kept metric reads the twin: the
        run's other metrics are the same numbers either way (the twin has its own model and
        draws), and a run costs about a third less."""
        from simulation import simulate, simulate_with_counterfactual

        if self.task is simulate_with_counterfactual and not self.selection.needs_counterfactual:
            return simulate
        return self.task
