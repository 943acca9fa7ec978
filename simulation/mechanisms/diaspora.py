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


def corridor_sums(model: MigrationModel, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    """(origins, locations) sum of values over the given agents' rows."""
    pop, n = model.pop, model.state.n
    key = pop.origin[rows].astype(np.int64) * n + pop.location[rows]
    return tally(key, values, n * n).reshape(n, n)


def skilled_abroad(model: MigrationModel) -> np.ndarray:
    pop = model.pop
    return np.flatnonzero((pop.kind == WORKER) & (pop.location != pop.origin))


def corridor_members(model: MigrationModel) -> np.ndarray:
    """(origins, locations) weighted skilled emigrants."""
    rows = skilled_abroad(model)
    return corridor_sums(model, rows, model.pop.weight[rows])


def diaspora_step(model: MigrationModel, etraining: bool = True) -> None:
    """Update corridor sizes, knowledge transfer and remittances for this year.

    Per-agent quantities are summed onto corridors first (tie-weighted members, skill and
    recognised members); country factors (ICT, engagement, wages, costs) then act on the
    (origin, destination) matrices, which is far cheaper than gathering them per agent.
    """
    p, s, pop = model.params, model.state, model.pop
    rows = skilled_abroad(model)
    weight = pop.weight[rows]
    members = corridor_sums(model, rows, weight)
    model.skilled_diaspora = members
    model.diaspora = np.maximum(
        model.world.migrant_stock + members - model.skilled_diaspora_start, 0.0
    )
    if not p.m6_diaspora:
        s.knowledge_transfer[:] = 0.0
        s.remittances[:] = 0.0
        return
    tied = weight * pop.tie[rows]
    skill_tied = corridor_sums(model, rows, tied * pop.skill[rows])
    recognised_tied = corridor_sums(model, rows, tied * pop.recognised[rows])
    all_tied = corridor_sums(model, rows, tied)
    s.knowledge_transfer = (skill_tied @ s.ict) * s.ict * s.engagement
    earned = recognised_tied @ s.wage_skilled + (all_tied - recognised_tied) @ s.wage_unskilled
    s.remittances = p.remittance_share * earned * (1 - s.remittance_cost)
    if not etraining:
        return
    gain = p.knowledge_etraining * s.knowledge_transfer / model.adults()
    s.edu_quality = np.minimum(1.0, s.edu_quality + np.minimum(gain, 0.01))
