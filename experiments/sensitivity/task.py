"""What a worker runs for one sample point: the model (or a built-in function) reduced to the
experiment's outputs, so a run hands back one row of a few numbers instead of the full table.

Outputs are aggregated in the worker with `simulation.aggregate_regions` (counts add up, ratios
come from summed numerators and denominators, states are weighted means), year by year, then
averaged over the output's years.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from simulation import METRICS, aggregate_regions

try:  # the metrics only the paired run (with its no-migration twin) produces
    from simulation.metrics import COUNTERFACTUAL_METRICS
except ImportError:  # pragma: no cover - renamed in the model: assume today's names
    COUNTERFACTUAL_METRICS = ("human_capital_no_migration", "net_brain_gain")

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
        regions = dict(zip(world.countries["iso3"], world.countries["region"], strict=True))
        return pd.DataFrame({o.name: [reduce(frame, o, regions)] for o in self.outputs})

    def _simulate(self, world: Any, params: Any, years: int, seed: Any, events: Any):
        if self.task != "model":
            module, _, name = self.task.partition(":")
            return getattr(importlib.import_module(module), name)(
                world, params, years, seed, events
            )
        import simulation

        paired = any(o.metric in COUNTERFACTUAL_METRICS for o in self.outputs)
        run = simulation.simulate_with_counterfactual if paired else simulation.simulate
        return run(world, params, years, seed, events)


def _parts(metric: str) -> list[str]:
    """The columns a metric's aggregate is computed from."""
    spec = METRICS[metric]
    if spec.aggregate == "ratio":
        return [metric, spec.numerator, spec.denominator]
    if spec.aggregate == "mean":
        return [metric, spec.weight]
    return [metric]


def reduce(frame: pd.DataFrame, output: OutputPlan, regions: dict[str, str]) -> float:
    """One output of one run: the metric aggregated over the area, averaged over the years."""
    rows = frame["year"].isin(output.years)
    if output.members is not None:
        rows &= frame["country"].isin(output.members)
    part = frame.loc[rows, ["year", "country", *dict.fromkeys(_parts(output.metric))]]
    if part.empty:
        raise ValueError(f"output {output.name}: no rows for its years and countries")
    mapping = dict.fromkeys(regions, "AREA")
    yearly = aggregate_regions(part, mapping)[output.metric]
    return float(yearly.mean())
