"""M6 Diaspora: corridor nodes, knowledge transfer, remittances and the network effect.

Each origin -> destination corridor with skilled members is a node. Its size (added to the
data's all-education stock) lowers moving costs and raises recognition (M4, M5). Knowledge
transfer home = members x skill x tie x ICT(origin) x ICT(destination) x engagement; it raises the
origin's productivity (M8) and, through e-training, its education quality. Remittances, net of
transfer costs, flow home and ease the financing of study (M1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.population import WORKER, tally

if TYPE_CHECKING:
    from simulation.model import MigrationModel


def corridor_sums(model: MigrationModel, values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(origins, locations) sum of values over the masked agents."""
    pop, n = model.pop, model.state.n
    key = pop.origin[mask].astype(np.int64) * n + pop.location[mask]
    return tally(key, values, n * n).reshape(n, n)


def skilled_abroad_mask(model: MigrationModel) -> np.ndarray:
    pop = model.pop
    return (pop.kind == WORKER) & (pop.location != pop.origin)


def corridor_members(model: MigrationModel) -> np.ndarray:
    """(origins, locations) weighted skilled emigrants."""
    abroad = skilled_abroad_mask(model)
    return corridor_sums(model, model.pop.weight[abroad], abroad)


def diaspora_step(model: MigrationModel, etraining: bool = True) -> None:
    """Update corridor sizes, knowledge transfer and remittances for this year."""
    p, s, pop = model.params, model.state, model.pop
    abroad = skilled_abroad_mask(model)
    weight = pop.weight[abroad]
    members = corridor_sums(model, weight, abroad)
    model.skilled_diaspora = members
    model.diaspora = np.maximum(
        model.world.migrant_stock + members - model.skilled_diaspora_start, 0.0
    )
    if not p.m6_diaspora:
        s.knowledge_transfer[:] = 0.0
        s.remittances[:] = 0.0
        return
    o, loc = pop.origin[abroad], pop.location[abroad]
    tie = pop.tie[abroad].astype(float)
    transfer = weight * pop.skill[abroad] * tie * s.ict[o] * s.ict[loc] * s.engagement[o]
    s.knowledge_transfer = tally(o, transfer, s.n)
    earned = np.where(pop.recognised[abroad], s.wage_skilled[loc], s.wage_unskilled[loc])
    sent = weight * p.remittance_share * tie * earned * (1 - s.remittance_cost[o])
    s.remittances = tally(o, sent, s.n)
    if not etraining:
        return
    gain = p.knowledge_etraining * s.knowledge_transfer / model.adults()
    s.edu_quality = np.minimum(1.0, s.edu_quality + np.minimum(gain, 0.01))
