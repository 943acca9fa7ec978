"""Run the model for some years and return its metrics: the functions the runner calls."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from simulation.events import PolicyEvent
from simulation.metrics import counterfactual, metrics_frame, stack_records
from simulation.model import MigrationModel
from simulation.parameters import Params
from simulation.world import World


def run_to_end(model: MigrationModel) -> pd.DataFrame:
    """Step a model until it stops; its metrics as a tidy frame."""
    while model.running:
        model.step()
    return metrics_frame(model.records, model.world.codes)


def natives_to_end(twin: MigrationModel) -> dict[str, np.ndarray]:
    """Step a twin that records its natives until it stops; their columns, year after year
    (no frame: only `counterfactual` reads them)."""
    while twin.running:
        twin.step()
    return stack_records(twin.records)


def simulate(
    world: World,
    params: Params | None = None,
    years: int = 30,
    seed: int | np.random.SeedSequence = 0,
    events: Sequence[PolicyEvent] = (),
    emigration: bool = True,
) -> pd.DataFrame:
    """Run `years` steps; one row per year and country (the start year first, from the initial
    state), one column per metric."""
    model = MigrationModel(
        world,
        params,
        rng=seed,
        events=events,
        emigration=emigration,
        years=years,
        collect_data=False,
    )
    return run_to_end(model)


def simulate_with_counterfactual(
    world: World,
    params: Params | None = None,
    years: int = 30,
    seed: int | np.random.SeedSequence = 0,
    events: Sequence[PolicyEvent] = (),
) -> pd.DataFrame:
    """The run plus its net brain gain (Beine, Docquier & Rapoport: > 0 is a brain gain).

    The counterfactual of a country is the same world, seed and events in which the country's
    own people do not emigrate (a twin run with `emigration=False`, from the same start), with
    this run's immigrants: its skilled and adult residents are the twin's natives at home plus
    this run's immigrants, so net brain gain measures what emigration does, not what
    immigration does (`immigration_effect` reports that)."""
    model = MigrationModel(world, params, rng=seed, events=events, years=years, collect_data=False)
    twin = model.twin(emigration=False, recording="natives")
    out = run_to_end(model)
    for name, values in counterfactual(out, natives_to_end(twin)).items():
        out[name] = values
    return out
