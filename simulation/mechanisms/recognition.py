"""M5 Recognition and brain waste.

R[g, d] is the chance that a degree from country g is recognised in country d: a base rate plus
boosts for a shared regional convention and for both being party to the Global Convention, the
quality assurance of g, a diaspora referral term and bilateral agreements; capped to [0, 1], and
1 where the degree was earned. Unrecognised workers take unskilled work (brain waste), may be
recognised later and lose skill meanwhile; skill lost lowers their pay once recognised.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from simulation.population import WORKER

if TYPE_CHECKING:
    from simulation.model import MigrationModel


def diaspora_size(model: MigrationModel) -> np.ndarray:
    """[o, d] ln(1 + diaspora / scale): the size term of the network effects (M5, M4, M2)."""
    return np.log1p(model.corridors.diaspora / model.params.diaspora_scale)


class ConventionLinks(NamedTuple):
    """[g, d] pairs of countries linked by the recognition conventions they are party to."""

    shared_regional: np.ndarray  # both party to the same regional convention
    both_global: np.ndarray  # both party to the Global Convention
    shared_any: np.ndarray  # both party to the same convention, regional or global


def convention_links(model: MigrationModel) -> ConventionLinks:
    """This year's `ConventionLinks` (M5 and M2). Membership changes only in the years a
    country joins, so the matrices are made once per distinct membership table."""
    member = model.state.memberships(model.year)
    return _links(member.tobytes(), member.shape)


@lru_cache(maxsize=32)
def _links(packed: bytes, shape: tuple[int, int]) -> ConventionLinks:
    member = np.frombuffer(packed, dtype=bool).reshape(shape).astype(float)
    regional = member[:, :-1]
    links = ConventionLinks(
        shared_regional=(regional @ regional.T) > 0,
        both_global=np.outer(member[:, -1], member[:, -1]) > 0,
        shared_any=(member @ member.T) > 0,
    )
    for matrix in links:
        matrix.flags.writeable = False  # shared between runs: nobody may change it
    return links


def recognition_matrix(model: MigrationModel, size: np.ndarray | None = None) -> np.ndarray:
    """R[g, d] for the current year (`size`: this year's `diaspora_size`, if made)."""
    p, s, c = model.params, model.state, model.corridors
    n = s.n
    if not p.m5_recognition:
        return np.ones((n, n))
    shared_regional, both_global, _ = convention_links(model)
    r = (
        p.recognition_base
        + p.recognition_regional_boost * shared_regional
        + p.recognition_global_boost * both_global
        + p.recognition_qa_weight * (s.quality_assurance[:, None] - 0.5)
        + c.bilateral
    )
    if p.m6_diaspora:
        size = diaspora_size(model) if size is None else size
        r = r + p.recognition_diaspora_weight * size
    r = np.clip(r, 0.0, 1.0)
    np.fill_diagonal(r, 1.0)
    return r


def later_recognition_and_skill(model: MigrationModel) -> None:
    """Unrecognised workers: recognised later with probability later_rate x R; lose skill
    each year meanwhile. Recognised workers abroad gain skill (brought home on return)."""
    p, pop = model.params, model.pop
    workers = pop.kind == WORKER
    idx = np.flatnonzero(workers & ~pop.recognised)
    if len(idx):
        r = model.corridors.recognition[pop.degree_country[idx], pop.location[idx]]
        draws = model.stream("recognition").random(len(idx))
        recognised_now = draws < p.later_recognition_rate * r
        pop.column("recognised")[idx[recognised_now]] = True
        _change_skill(model, idx[~recognised_now], 1 - p.skill_depreciation)
    gaining = np.flatnonzero(workers & pop.recognised & (pop.location != pop.origin))
    _change_skill(model, gaining, 1 + p.skill_growth_abroad)


def _change_skill(model: MigrationModel, rows: np.ndarray, factor: float) -> None:
    model.pop.column("skill")[rows] *= np.float32(factor)
    model.pop.column("skill_change")[rows] += np.float32(np.log(factor))


def draw_recognition(
    model: MigrationModel, rows: np.ndarray, destination: np.ndarray
) -> np.ndarray:
    """Whether movers' qualifications are recognised at their new location."""
    degree = model.pop.degree_country[rows]
    chance = model.corridors.recognition[degree, destination]
    return model.stream("recognition_move").random(len(rows)) < chance
