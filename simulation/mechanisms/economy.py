"""M8 Economy: the drivers (GDP per head, internet use, enrolment trend), productivity, wages.

GDP per head and internet use follow the observed paths while the data have them, then the
documented rules of `simulation.drivers`; the diaspora's knowledge transfer (M6) adds a
productivity gain on top; ICT investments (events) raise ICT above its path. The unskilled wage
follows GDP per head x productivity; the skilled wage carries a premium that rises when skills
are scarce. Shocks (M7) depress wages while they last.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.drivers import next_enrolment, next_gdppc, next_ict, observed

if TYPE_CHECKING:
    from simulation.model import MigrationModel

MIN_HUMAN_CAPITAL = 0.005
MIN_WAGE_KEPT = 1e-6  # share of the wage a shock at severity_cap = 1 leaves


def update_economy(model: MigrationModel) -> None:
    """This year's drivers and productivity (frozen when M8 is off), ICT investments, wages."""
    p, s, w, year = model.params, model.state, model.world, model.year
    if p.m8_economy:
        transfer = p.knowledge_productivity * s.knowledge_transfer / model.adults()
        s.productivity *= 1 + np.minimum(transfer, p.max_productivity_gain)
        s.gdppc = next_gdppc(w, p, s.gdppc, year)
        s.ict_base = next_ict(w, p, s.ict_base, year)
        s.enrolment_trend = next_enrolment(
            w, p, s.enrolment_start, s.enrolment_trend, year, model.fixed.enrolment_slope
        )
        cost = observed(w, "remittance_cost", year)  # where recorded, unless a policy set it
        s.remittance_cost = np.where(
            np.isfinite(cost) & ~s.remittance_policy, cost, s.remittance_cost
        )
    s.ict = np.maximum(s.ict_base, planned_ict(model))
    set_wages(model)


def planned_ict(model: MigrationModel) -> np.ndarray:
    """ICT investments: a straight line from the level at the event to the target by the target
    year (0 where no investment is active)."""
    s = model.state
    active = np.isfinite(s.ict_target_year)
    span = np.maximum(s.ict_target_year - s.ict_target_start, 1.0)
    progress = np.clip((model.year - s.ict_target_start) / np.where(active, span, 1.0), 0.0, 1.0)
    planned = s.ict_target_from + (s.ict_target - s.ict_target_from) * progress
    return np.where(active, np.clip(planned, 0.001, 0.999), 0.0)


def set_wages(model: MigrationModel) -> None:
    """Unskilled wage from GDP per head and productivity; skilled wage with a scarcity premium."""
    p, s = model.params, model.state
    damage = np.minimum(p.severity_cap, p.shock_wage_damage * s.shock) if p.m7_shocks else 0.0
    # a shock at the cap of 1 would wipe wages out and leave log(wage) undefined: keep a trace
    kept = np.maximum(1 - damage, MIN_WAGE_KEPT)
    s.wage_unskilled = p.unskilled_wage_share * s.gdppc * s.productivity * kept
    h = model.human_capital() if p.m8_economy else s.tertiary_share_start
    scarcity = (np.maximum(h, MIN_HUMAN_CAPITAL) / p.premium_reference_share) ** (
        -p.scarcity_elasticity
    )
    s.wage_skilled = s.wage_unskilled * np.maximum(
        p.skill_premium * scarcity, p.skill_premium_floor
    )
