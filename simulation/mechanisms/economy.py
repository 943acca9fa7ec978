"""M8 Economy: productivity, wages and ICT.

Productivity grows at a base rate plus the diaspora's knowledge transfer (M6); the unskilled wage
follows productivity; the skilled wage carries a premium that rises when skills are scarce; ICT
diffuses logistically toward 1, or faster where an ICT investment sets a target. Shocks (M7)
depress wages while they last.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simulation.model import MigrationModel

MIN_HUMAN_CAPITAL = 0.005


def update_economy(model: MigrationModel) -> None:
    """Yearly productivity and ICT change (frozen when M8 is off), then wages."""
    p, s = model.params, model.state
    if p.m8_economy:
        transfer = p.knowledge_productivity * s.knowledge_transfer / model.adults()
        s.productivity *= 1 + p.productivity_growth + np.minimum(transfer, 0.01)
        logit = np.log(s.ict / (1 - s.ict)) + p.ict_growth
        s.ict = 1 / (1 + np.exp(-logit))
    apply_ict_targets(model)
    set_wages(model)


def apply_ict_targets(model: MigrationModel) -> None:
    """ICT investments: raise ICT along a straight line to the target by the target year."""
    s = model.state
    active = np.isfinite(s.ict_target_year)
    if not active.any():
        return
    span = np.maximum(s.ict_target_year - s.ict_target_start, 1.0)
    progress = np.clip((model.year - s.ict_target_start) / span, 0.0, 1.0)
    planned = s.ict_target_from + (s.ict_target - s.ict_target_from) * progress
    s.ict = np.where(active, np.clip(np.maximum(s.ict, planned), 0.001, 0.999), s.ict)


def set_wages(model: MigrationModel) -> None:
    """Unskilled wage from productivity; skilled wage with a scarcity premium."""
    p, s = model.params, model.state
    damage = np.minimum(0.9, p.shock_wage_damage * s.shock) if p.m7_shocks else 0.0
    s.wage_unskilled = p.unskilled_wage_share * s.gdppc * s.productivity * (1 - damage)
    h = (
        np.maximum(model.human_capital(), MIN_HUMAN_CAPITAL)
        if p.m8_economy
        else s.tertiary_share_start
    )
    premium = p.skill_premium * (np.maximum(h, MIN_HUMAN_CAPITAL) / 0.1) ** (-p.scarcity_elasticity)
    s.wage_skilled = s.wage_unskilled * np.maximum(premium, 1.05)
