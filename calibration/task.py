"""The function a calibration's runs execute in the workers: run the model, keep the summaries.

A calibration needs a few numbers per run (the targeted statistics at the target years), not
the full metrics frame, so the worker computes them and hands back kilobytes. The simulator is
named by a `MODULE:FUNCTION` string (default `simulation:simulate`) so the task stays picklable
and its name in the manifest stays stable; tests swap in a cheap analytic simulator.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import pandas as pd

from calibration.statistics import compute

DEFAULT_SIMULATOR = "simulation:simulate"


@lru_cache(maxsize=8)
def simulator_function(name: str) -> Callable[..., pd.DataFrame]:
    """Import MODULE:FUNCTION (raises ImportError/AttributeError/ValueError if it cannot)."""
    module, sep, attr = name.partition(":")
    if not sep or not module or not attr:
        raise ValueError(f"{name!r} is not MODULE:FUNCTION")
    function = getattr(importlib.import_module(module), attr)
    if not callable(function):
        raise ValueError(f"{name!r} is not a function")
    return function


def summary_task(
    world: Any,
    params: Any,
    years: int,
    seed: Any,
    events: Sequence[Any] = (),
    *,
    statistics: tuple[str, ...],
    target_years: tuple[int, ...],
    simulator: str = DEFAULT_SIMULATOR,
) -> pd.DataFrame:
    """Run the simulator for `years` years and return the statistics at `target_years`: one row
    per (year, area) with areas the world's countries and `WLD`, one column per statistic."""
    frame = simulator_function(simulator)(world, params, years, seed, events)
    return compute(frame, statistics, target_years)
