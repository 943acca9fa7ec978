"""What a worker runs for one sample point: the model (or a built-in function) reduced to the
experiment's outputs, so a run hands back one row of a few numbers instead of the full table.

Outputs are aggregated in the worker as `simulation.aggregate_regions` does (counts add up,
ratios come from summed numerators and denominators, states are weighted means), year by year,
then averaged over the output's years.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulation.metrics import combine, needs_counterfactual

ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1


def ishigami(x1: float, x2: float, x3: float, a: float = ISHIGAMI_A, b: float = ISHIGAMI_B):
    """The Ishigami & Homma (1990) test function: analytic Sobol indices are known."""
    return math.sin(x1) + a * math.sin(x2) ** 2 + b * x3**4 * math.sin(x1)


FUNCTIONS = {"ishigami": ishigami}


@dataclass(frozen=True)
class OutputPlan:
    """A picklable view of an output for the worker."""

    name: str
    metric: str
    members: tuple[str, ...] | None
    years: tuple[int, ...]


@dataclass(frozen=True)
class StudyTask:
    """The task of a study's runs: `task` is 'model', a built-in function or MODULE:FUNCTION."""

    task: str
    outputs: tuple[OutputPlan, ...]

    def __repr__(self) -> str:  # stable across processes: it names the task in manifests
        blob = json.dumps([asdict(o) for o in self.outputs], sort_keys=True)
        digest = hashlib.sha256(blob.encode()).hexdigest()[:12]
        return f"StudyTask({self.task}, {len(self.outputs)} outputs {digest})"

    def __call__(
        self, world: Any, params: Any, years: int, seed: Any, events: Any = (), **variables: float
    ) -> pd.DataFrame:
        function = FUNCTIONS.get(self.task)
        if function is not None:
            value = function(**variables)
            return pd.DataFrame({o.name: [value] for o in self.outputs})
        frame = self._simulate(world, params, years, seed, events)
        countries = pd.factorize(frame["country"])
        return pd.DataFrame({o.name: [reduce(frame, o, countries)] for o in self.outputs})

    def _simulate(self, world: Any, params: Any, years: int, seed: Any, events: Any):
        if self.task != "model":
            module, _, name = self.task.partition(":")
            return getattr(importlib.import_module(module), name)(
                world, params, years, seed, events
            )
        import simulation

        paired = needs_counterfactual(o.metric for o in self.outputs)
        run = simulation.simulate_with_counterfactual if paired else simulation.simulate
        return run(world, params, years, seed, events)


def reduce(
    frame: pd.DataFrame, output: OutputPlan, countries: tuple[np.ndarray, Any] | None = None
) -> float:
    """One output of one run: the metric aggregated over the area year by year, as
    `simulation.aggregate_regions` aggregates (counts add up, ratios come from summed numerators
    and denominators, states are means weighted by their weight column), then averaged over
    the output's years. Written with bincounts rather than a pandas group-by: it runs after
    every run, and costs about a millisecond instead of tens (tests check it against
    aggregate_regions). `countries` is `pandas.factorize(frame["country"])`, computed once per
    run for all outputs."""
    years = np.asarray(output.years)
    year = frame["year"].to_numpy()
    rows = np.isin(year, years)
    if output.members is not None:
        codes, names = countries if countries is not None else pd.factorize(frame["country"])
        rows &= np.isin(codes, np.flatnonzero(np.isin(np.asarray(names), output.members)))
    if not rows.any():
        raise ValueError(f"output {output.name}: no rows for its years and countries")
    slot = np.searchsorted(years, year[rows])

    def total(name: str, weight: np.ndarray | None = None) -> np.ndarray:
        values = frame[name].to_numpy(dtype=float)[rows]
        if weight is not None:
            values = values * weight
        return np.bincount(slot, values, minlength=len(years))

    def weighted_total(name: str, weight: str) -> np.ndarray:
        return total(name, frame[weight].to_numpy(dtype=float)[rows])

    yearly = combine(output.metric, total, weighted_total)
    return float(yearly.mean())
