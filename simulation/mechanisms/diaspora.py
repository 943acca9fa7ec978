"""M6 Diaspora: corridor sizes, knowledge transfer, remittances and e-training.

Each origin -> destination corridor with skilled members is a diaspora node. Its size (added to
the data's all-education stock) lowers moving costs and raises recognition (M4, M5). Knowledge
transfer home = members x skill x tie x ICT(origin) x ICT(destination) x engagement; it raises
the origin's productivity (M8) and, through e-training, its education quality. Remittances, net
of transfer costs, flow home and ease the financing of study (M1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.mechanisms.migration import wage_factor
from simulation.population import WORKER, pair_key, tally, tally_pairs

if TYPE_CHECKING:
    from simulation.model import MigrationModel


def skilled_abroad(model: MigrationModel) -> np.ndarray:
    pop = model.pop
    return np.flatnonzero((pop.kind == WORKER) & (pop.location != pop.origin))


def corridor_members(model: MigrationModel) -> np.ndarray:
    """(origins, locations) weighted skilled emigrants."""
    pop = model.pop
    rows = skilled_abroad(model)
    return tally_pairs(pop.origin[rows], pop.location[rows], pop.weight[rows], model.state.n)


def diaspora_step(model: MigrationModel, etraining: bool = True) -> None:
    """Update corridor sizes, knowledge transfer and remittances for this year.

    Per-agent quantities are summed onto corridors first (tie-weighted members, skill, pay);
    country factors (ICT, engagement, wages, costs) then act on the (origin, destination)
    matrices, which is far cheaper than gathering them per agent.
    """
    p, s, c, pop = model.params, model.state, model.corridors, model.pop
    n = s.n
    rows = skilled_abroad(model)
    weight = pop.weight[rows]
    corridor = pair_key(pop.origin[rows], pop.location[rows], n)  # made once for four tallies

    def by_corridor(values: np.ndarray) -> np.ndarray:
        """(origins, locations) sums of `values` (as tally_pairs, one key for all four)."""
        return tally(corridor, values, n * n).reshape(n, n)

    c.skilled_diaspora = by_corridor(weight)
    c.diaspora = np.maximum(c.migrant_stock + c.skilled_diaspora - c.skilled_diaspora_start, 0.0)
    if not p.m6_diaspora:
        s.knowledge_transfer[:] = 0.0
        s.remittances[:] = 0.0
        return
    tied = weight * pop.tie[rows]
    skill_tied = by_corridor(tied * pop.skill[rows])
    recognised = pop.recognised[rows]
    skilled_pay = by_corridor(tied * recognised * wage_factor(model, rows))
    unskilled_pay = by_corridor(tied * ~recognised)
    s.knowledge_transfer = (skill_tied @ s.ict) * s.ict * s.engagement
    earned = skilled_pay @ s.wage_skilled + unskilled_pay @ s.wage_unskilled
    s.remittances = p.remittance_share * earned * (1 - s.remittance_cost)
    if etraining:
        gain = p.knowledge_etraining * s.knowledge_transfer / model.adults()
        s.edu_quality = np.minimum(1.0, s.edu_quality + np.minimum(gain, p.max_etraining_gain))
