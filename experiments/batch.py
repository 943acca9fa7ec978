"""A batch: scenarios x replications, and the task that runs one of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from experiments.outputs import OutputSelection, SelectedTask
from experiments.scenario import Scenario, event_dict
from experiments.worker import RunSpec, TaskFn

RunKey = tuple[str, int]


class RunnerBatch(Protocol):
    """What the runner needs of a batch: scenario batches and sensitivity studies both are."""

    task: TaskFn  # names the results (manifest) and their code (fingerprint)

    @property
    def run_task(self) -> TaskFn: ...  # what workers call (the task, maybe cut to outputs)

    def keys(self) -> list[RunKey]: ...

    def specs(self) -> list[RunSpec]: ...

    def manifest_entries(self) -> list[dict[str, Any]]: ...  # each with "name", "fingerprint"

    def outputs_description(self) -> dict[str, Any]: ...


def default_task() -> TaskFn:
    """The model: each run also simulates its no-migration twin (for net_brain_gain)."""
    from simulation import simulate_with_counterfactual

    return simulate_with_counterfactual


@dataclass(frozen=True)
class Batch:
    """What to run. Runs are listed scenario by scenario, replication by replication."""

    scenarios: tuple[Scenario, ...]
    task: TaskFn
    outputs: OutputSelection = field(default_factory=OutputSelection)

    @property
    def run_task(self) -> TaskFn:
        """The task as workers run it: cut to the kept metrics, years and level, if any."""
        return self.task if self.outputs.full else SelectedTask(self.task, self.outputs)

    def manifest_entries(self) -> list[dict[str, Any]]:
        return [manifest_entry(s) for s in self.scenarios]

    def outputs_description(self) -> dict[str, Any]:
        return self.outputs.describe()

    def specs(self) -> list[RunSpec]:
        return [
            RunSpec(
                scenario=s.name,
                replication=r,
                world=s.world_ref,
                params=s.params_for(r).to_dict(),
                years=s.years,
                root_seed=s.seed,
                events=s.events,
            )
            for s in self.scenarios
            for r in range(s.replications)
        ]

    def keys(self) -> list[RunKey]:
        return [(s.name, r) for s in self.scenarios for r in range(s.replications)]

    def scenario(self, name: str) -> Scenario:
        return next(s for s in self.scenarios if s.name == name)


def make_batch(
    scenarios: Sequence[Scenario],
    task: TaskFn | None = None,
    outputs: OutputSelection | None = None,
) -> Batch:
    """A batch with unique scenario names (a repeated name gets a suffix _2, _3, ...).

    `outputs` keeps only some metrics, years and one level of every run (default: everything);
    see `experiments.outputs.make_selection`."""
    seen: dict[str, int] = {}
    unique: list[Scenario] = []
    for scenario in scenarios:
        count = seen.get(scenario.name, 0) + 1
        seen[scenario.name] = count
        unique.append(
            scenario if count == 1 else scenario.with_options(name=f"{scenario.name}_{count}")
        )
    return Batch(tuple(unique), task or default_task(), outputs or OutputSelection())


def manifest_entry(scenario: Scenario) -> dict[str, Any]:
    """How a scenario appears in manifest.json: enough to rerun it from the manifest alone."""
    return {
        "name": scenario.name,
        "description": scenario.description,
        "file": str(scenario.path),
        "sources": [{"file": f, "text": t} for f, t in scenario.sources],
        "world": scenario.world_ref,
        "start_year": scenario.start_year,
        "years": scenario.years,
        "replications": scenario.replications,
        "seed": scenario.seed,
        "parameter_overrides": scenario.overrides,
        "parameters": scenario.params.to_dict(),
        "events": [event_dict(e) for e in scenario.events],
        "calibration": scenario.posterior.describe() if scenario.posterior else None,
        "fingerprint": scenario.fingerprint(),
    }
