"""M3 Graduation, and the theory-mode emigration lottery.

After the study years a student becomes a skilled worker where it studied, with skill = ability x
(1 - degree_quality_weight + degree_quality_weight x the education quality there). Foreign
graduates then decide where to live (M4, with a post-study bonus for staying); without emigration
or with M3 off they go home, with M4 off they stay. In theory mode (`use_fixed_prospect`), each
new graduate at home emigrates with the exogenous probability `fixed_prospect` (Mountford 1997;
Beine, Docquier & Rapoport 2001).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.choice import sample_by_class
from simulation.initial import degree_skill_factor
from simulation.mechanisms.education import lottery_destinations
from simulation.mechanisms.migration import count_new_emigrants, relocate
from simulation.population import STUDENT, WORKER, tally

if TYPE_CHECKING:
    from simulation.model import MigrationModel


def graduate(model: MigrationModel) -> tuple[np.ndarray, np.ndarray]:
    """Students finishing this year become workers where they studied. Returns the rows of new
    graduates abroad and at home."""
    p, s, pop = model.params, model.state, model.pop
    students = np.flatnonzero(pop.kind == STUDENT)
    left = pop.column("study_left")
    left[students] -= 1
    done = students[left[students] <= 0]
    if not len(done):
        return done, done
    pop.column("kind")[done] = WORKER
    pop.column("recognised")[done] = True  # a degree is recognised where it was earned
    quality = s.edu_quality[pop.location[done]]
    pop.column("skill")[done] *= degree_skill_factor(quality, p).astype(np.float32)
    pop.column("skill_change")[done] = 0.0
    model.flows.graduates += tally(pop.origin[done], pop.weight[done], s.n)
    abroad = pop.location[done] != pop.origin[done]
    return done[abroad], done[~abroad]


def send_graduates_home_or_keep(model: MigrationModel, abroad: np.ndarray) -> np.ndarray:
    """Without emigration or without post-study stays, foreign graduates go home; with M4 off
    they stay where they studied (new emigrants). Returns the graduates who decide in M4."""
    p, pop = model.params, model.pop
    if not (model.emigration and p.m3_post_study_stay):
        relocate(model, abroad, pop.origin[abroad], np.ones(len(abroad), bool))
        return np.zeros(0, dtype=np.int64)
    if not p.m4_migration:
        count_new_emigrants(model, abroad)
        return np.zeros(0, dtype=np.int64)
    return abroad


def emigration_lottery(model: MigrationModel, at_home: np.ndarray) -> None:
    """Theory mode: each new graduate at home emigrates with the fixed prospect, to a country
    that pays more (where none does, nobody leaves)."""
    if not (model.emigration and model.params.use_fixed_prospect and len(at_home)):
        return
    pop = model.pop
    rng = model.stream("lottery")
    leaving = at_home[rng.random(len(at_home)) < model.params.fixed_prospect]
    if not len(leaving):
        return
    probs = lottery_destinations(model)
    leaving = leaving[probs[pop.origin[leaving]].sum(axis=1) > 0]
    destination = sample_by_class(probs, pop.origin[leaving], rng.random(len(leaving)))
    relocate(model, leaving, destination, np.zeros(len(leaving), bool))
