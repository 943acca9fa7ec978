"""Run the model for some years and return its metrics: the functions the runner calls."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from simulation.events import PolicyEvent
from simulation.metrics import metrics_frame
from simulation.model import MigrationModel
from simulation.parameters import Params
from simulation.world import World


def simulate(
    world: World,
    params: Params | None = None,
    years: int = 30,
    seed: int | np.random.SeedSequence = 0,
    events: Sequence[PolicyEvent] = (),
    migration: bool = True,
) -> pd.DataFrame:
    """Run `years` steps; one row per year and country (the start year first, from the initial
    state), one column per metric."""
    model = MigrationModel(
        world,
        params,
        rng=seed,
        events=events,
        migration=migration,
        years=years,
        collect_country_data=False,
    )
    while model.running:
        model.step()
    return metrics_frame(model.records, world.codes)


def simulate_with_counterfactual(
    world: World,
    params: Params | None = None,
    years: int = 30,
    seed: int | np.random.SeedSequence = 0,
    events: Sequence[PolicyEvent] = (),
) -> pd.DataFrame:
    """The run plus the same world with migration switched off and the same seed (common random
    numbers); adds `human_capital_no_migration` and `net_brain_gain` (Beine, Docquier &
    Rapoport: > 0 is a brain gain)."""
    with_migration = simulate(world, params, years, seed, events, migration=True)
    without = simulate(world, params, years, seed, events, migration=False)
    out = with_migration.copy()
    out["human_capital_no_migration"] = without["human_capital"].to_numpy()
    out["net_brain_gain"] = out["human_capital"] - out["human_capital_no_migration"]
    return out
