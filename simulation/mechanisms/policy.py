"""Scheduled policy events and shocks (docs/ODD.md §3.3, "Policy events"), applied at the start
of their year."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.events import CONVENTIONS, HAZARDS, PolicyEvent

if TYPE_CHECKING:
    from simulation.model import MigrationModel


def apply_events(model: MigrationModel, events: list[PolicyEvent]) -> None:
    for event in events:
        apply_event(model, event)


def apply_event(model: MigrationModel, e: PolicyEvent) -> None:
    """Change the country state as the event says (see EVENT_KINDS for the meaning of value)."""
    s, c, w = model.state, model.corridors, model.world
    idx = w.resolve(list(e.countries)) if e.countries else np.arange(s.n)
    match e.kind:
        case "join_convention":
            j = CONVENTIONS.index(e.convention)
            s.convention_year[idx, j] = np.minimum(s.convention_year[idx, j], e.year)
        case "bilateral_recognition":
            partners = w.resolve(list(e.partners))
            c.bilateral[np.ix_(idx, partners)] += e.value
            c.bilateral[np.ix_(partners, idx)] += e.value
            np.fill_diagonal(c.bilateral, 0.0)
        case "quality_assurance":
            s.quality_assurance[idx] = e.value
        case "ict_investment":
            at_once = e.until is None or e.until <= e.year
            s.ict_target[idx] = e.value
            s.ict_target_from[idx] = e.value if at_once else s.ict[idx]
            s.ict_target_start[idx] = e.year
            s.ict_target_year[idx] = e.year if at_once else e.until
        case "diaspora_engagement":
            s.engagement[idx] = e.value
        case "return_incentive":
            s.return_incentive[idx] = e.value
        case "visa_facilitation":
            s.visa[e.group][idx] = max(e.value, model.params.visa_floor)
        case "integration_policy":
            s.social_openness[idx] = e.value
        case "education_seats":
            s.seats_multiplier[idx] *= e.value
        case "education_quality":
            s.edu_quality[idx] = np.clip(s.edu_quality[idx] + e.value, 0.01, 1.0)
        case "ethical_recruitment":
            origins = w.resolve(list(e.partners)) if e.partners else np.flatnonzero(s.shortage)
            c.ethical_cap[np.ix_(idx, origins)] = e.value
        case "climate_trend":
            s.climate_trend[idx] = e.value
        case "adaptation":
            s.adaptation[idx] = e.value
        case "shock":
            HAZARDS.index(e.hazard)  # validated already; kind only labels the event
            s.scheduled_severity[idx] += e.value
        case "remittance_cost":
            s.remittance_cost[idx] = e.value
            s.remittance_policy[idx] = True
        case _:
            raise ValueError(f"unknown event kind {e.kind!r}")
