"""M7 Environmental shocks.

Per country and hazard kind an event arrives with probability p0 x (accumulated climate trend);
its severity (share of residents displaced) adds to a shock intensity that fades over years and is
softened by adaptation. The intensity cuts wages and seats (M8, M1) and raises the chance of
considering a move (M4); the displaced are counted, and a share of displaced skilled residents
(and of unskilled ones, as counts) cross to neighbouring countries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.choice import sample_by_class
from simulation.mechanisms.migration import relocate
from simulation.population import WORKER

if TYPE_CHECKING:
    from simulation.model import MigrationModel


def neighbour_probabilities(model: MigrationModel) -> np.ndarray:
    """(countries, countries): where cross-border environmental migrants go; mostly next door."""
    w = model.world
    closeness = np.exp(-w.distance_km / 1_000.0) + 2.0 * w.contiguous
    np.fill_diagonal(closeness, 0.0)
    total = closeness.sum(axis=1, keepdims=True)
    return np.divide(closeness, total, out=np.zeros_like(closeness), where=total > 0)


def shock_step(model: MigrationModel) -> None:
    """Draw this year's events, update intensity, displace residents."""
    p, s = model.params, model.state
    rng = model.stream("shocks")
    draws = rng.random(s.hazard_p.shape)
    sizes = rng.exponential(1.0, s.hazard_p.shape)
    if not p.m7_shocks:
        model.scheduled_severity[:] = 0.0
        return
    s.hazard_factor *= 1 + s.climate_trend
    hit = draws < np.clip(s.hazard_p * s.hazard_factor[:, None], 0.0, 1.0)
    severity = np.minimum((hit * s.hazard_sev * sizes).sum(axis=1) + model.scheduled_severity, 0.9)
    model.scheduled_severity[:] = 0.0
    damage = p.shock_intensity_scale * severity * (1 - p.adaptation_effect * s.adaptation)
    s.shock = np.minimum(1.0, s.shock * (1 - p.shock_recovery) + damage)
    displaced_share = severity
    model.flows["env_displaced"] += displaced_share * (s.unskilled + model.skilled_residents())
    if model.migration and displaced_share.any():
        displace_across_borders(model, displaced_share * p.cross_border_share)


def displace_across_borders(model: MigrationModel, share: np.ndarray) -> None:
    """Cross-border environmental migrants: skilled agents move; unskilled move as counts."""
    s, pop = model.state, model.pop
    rng = model.stream("displacement")
    near = neighbour_probabilities(model)
    moved_unskilled = s.unskilled * share
    s.unskilled += near.T @ moved_unskilled - moved_unskilled
    residents = np.flatnonzero((pop.kind == WORKER) & (share[pop.location] > 0))
    if not len(residents):
        return
    go = residents[rng.random(len(residents)) < share[pop.location[residents]]]
    if len(go):
        destination = sample_by_class(near, pop.location[go], rng.random(len(go)))
        relocate(model, go, destination)
