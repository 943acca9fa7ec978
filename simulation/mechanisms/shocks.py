"""M7 Environmental shocks.

Per country and hazard kind an event arrives with probability p0 x (1 + climate trend)^t; its
severity (share of residents displaced) adds to a shock intensity that fades over years. Adaptation
prevents part of both the damage and the displacement. The intensity cuts wages and seats (M8,
M1) and raises the chance of considering a move (M4). Most disaster displacement is internal and
temporary: only `cross_border_share` of the displaced cross a border, to destinations weighted by
size, proximity, contiguity and diaspora, and the displaced return home at
`displaced_return_rate` a year. Skilled people cross as cap-sized pieces split off resident agents
(see M4), unskilled people as counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.choice import nonzero_cells, stochastic_round
from simulation.drivers import observed
from simulation.mechanisms.migration import relocate, weight_caps
from simulation.pieces import pick_by_weight, within_weight
from simulation.population import WORKER, tally

if TYPE_CHECKING:
    from simulation.model import MigrationModel


def displacement_destinations(model: MigrationModel, rows: np.ndarray | None = None) -> np.ndarray:
    """(from, to): where people displaced across a border go; `rows`: only these countries'
    rows (a year's shocks hit about a quarter of the countries)."""
    p, s, c = model.params, model.state, model.corridors
    rows = np.arange(s.n) if rows is None else rows
    adults = s.adults_start[None, :]
    weight = adults * model.fixed.displacement_nearness[rows]
    weight = weight * (1 + p.displacement_diaspora_weight * c.diaspora[rows] / adults)
    weight[np.arange(len(rows)), rows] = 0.0  # nobody is displaced to their own country
    total = weight.sum(axis=1, keepdims=True)
    return np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)


def shock_step(model: MigrationModel) -> None:
    """Draw this year's events, update intensity, bring the displaced home, displace people."""
    p, s = model.params, model.state
    rng = model.stream("shocks")
    draws = rng.random(s.hazard_p.shape)
    sizes = rng.exponential(1.0, s.hazard_p.shape)
    if not p.m7_shocks:
        s.scheduled_severity[:] = 0.0
        return
    s.hazard_factor *= 1 + s.climate_trend
    hit = draws < np.clip(s.hazard_p * s.hazard_factor[:, None], 0.0, 1.0)
    natural = (hit * s.hazard_sev * sizes).sum(axis=1)
    # where IDMC recorded the year's disaster displacement, the record replaces the draw
    recorded = observed(model.world, "disaster_displaced", model.year)
    population = s.adults_start * p.population_per_adult
    natural = np.where(np.isfinite(recorded), recorded / population, natural)
    severity = np.minimum(natural + s.scheduled_severity, p.severity_cap)
    s.scheduled_severity[:] = 0.0
    # the data's severities already reflect each country's adaptation at start: more (or less)
    # adaptation since then scales damage and displacement
    unprotected = (1 - p.adaptation_effect * s.adaptation) / (
        1 - p.adaptation_effect * s.adaptation_start
    )
    s.shock = np.minimum(
        1.0, s.shock * (1 - p.shock_recovery) + p.shock_intensity_scale * severity * unprotected
    )
    displaced_share = severity * unprotected
    model.flows.env_displaced += displaced_share * (s.unskilled + model.skilled_residents())
    return_displaced(model)
    if displaced_share.any():
        displace_across_borders(model, displaced_share * p.cross_border_share)


def return_displaced(model: MigrationModel) -> None:
    """People displaced across a border in earlier years go home at the return rate."""
    p, s, c, pop = model.params, model.state, model.corridors, model.pop
    back = c.displaced * p.displaced_return_rate
    c.displaced -= back
    s.unskilled += back.sum(axis=1) - back.sum(axis=0)
    rows = np.flatnonzero(pop.displaced & (pop.kind == WORKER))
    if not len(rows):  # no draws to make: the year's stream need not be built
        return
    going = rows[model.stream("displaced_return").random(len(rows)) < p.displaced_return_rate]
    relocate(model, going, pop.origin[going], np.zeros(len(going), bool))


def displace_across_borders(model: MigrationModel, share: np.ndarray) -> None:
    """Move `share` of each country's residents across its borders. Only the rows of the
    countries hit are worked on (the others move nobody)."""
    s, c, pop = model.state, model.corridors, model.pop
    rng = model.stream("displacement")
    hit = np.flatnonzero(share > 0)  # a quarter of the countries are hit in a year
    where = displacement_destinations(model, hit)  # (hit, to)
    moved = s.unskilled * share
    flow = moved[hit, None] * where
    c.displaced[hit] += flow
    s.unskilled += flow.sum(axis=0) - moved
    residents = np.flatnonzero((pop.kind == WORKER) & (share > 0)[pop.location])
    if not len(residents):
        return
    location, weight = pop.location[residents], pop.weight[residents]
    skilled_here = tally(location, weight, s.n)
    mean_weight = skilled_here / np.maximum(np.bincount(location, minlength=s.n), 1)
    unit = np.minimum(weight_caps(model)[None, :], mean_weight[hit, None])  # (hit, to)
    expected = (share * skilled_here)[hit, None] * where
    uniforms = rng.random((s.n, s.n))  # one per cell, drawn whether used or not
    count = stochastic_round(expected / np.maximum(unit, 1e-300), uniforms[hit])
    row, destination = nonzero_cells(count)
    repeats = count[row, destination]
    row, destination = np.repeat(row, repeats), np.repeat(destination, repeats)
    source = hit[row]
    if not len(source):
        return
    # each piece is split off a resident of the country hit, chosen by weight
    member, _ = pick_by_weight(location, weight, source, rng.random(len(source)))
    parents = residents[member]
    piece = np.minimum(unit[row, destination], pop.weight[parents])
    keep = within_weight(parents, piece, pop.weight)
    children = pop.split_off(parents[keep], piece[keep])
    destination = destination[keep]
    relocate(model, children, destination, np.zeros(len(children), bool), displaced=True)
