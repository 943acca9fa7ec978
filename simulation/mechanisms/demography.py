"""M9 Demography: everyone ages a year; skilled workers retire at the retirement age and are
counted out (never lost silently); unskilled residents, held as counts, retire at 1 / span."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulation.population import WORKER, tally

if TYPE_CHECKING:
    from simulation.model import MigrationModel


def demography_step(model: MigrationModel) -> None:
    """Age everyone, count the retiring out, and drop them with the agents whose whole weight
    moved on as pieces (M4, M7), in one pass over the population's columns."""
    p, s, c, pop = model.params, model.state, model.corridors, model.pop
    keep = pop.weight > 0
    if p.m9_demography:
        pop.column("age")[:] += 1
        remain = 1 - 1 / p.working_span
        s.unskilled *= remain
        s.unskilled_immigrants *= remain
        c.displaced *= remain
        retiring = (pop.kind == WORKER) & (pop.age >= p.retirement_age)
        if retiring.any():
            weight = pop.weight[retiring]
            model.flows.retired += tally(pop.location[retiring], weight, s.n)
            model.retired += tally(pop.origin[retiring], weight, s.n)
            keep &= ~retiring
    pop.keep(keep)
