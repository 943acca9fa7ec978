"""Drivers: GDP per head, internet use and tertiary enrolment over calendar years.

A baseline without events changes through these (and population growth) only. While the world's
driver table has an observed value for a country and year the model follows it; afterwards (or
in worlds without driver data, such as synthetic ones) documented rules continue the path
(docs/ODD.md, M8 and M1):

- GDP per head grows by `productivity_growth + convergence_rate * ln(frontier / own)`, the
  frontier being the 90th percentile of countries (conditional convergence, Barro 2012);
- internet use grows logistically, `logit(ICT) += ict_growth`;
- enrolment follows the logit trend of the gross enrolment ratio fitted on 1990-2004
  (`ger_logit_trend`), scaled by `ger_trend_scale`.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, logit

from simulation.parameters import Params
from simulation.world import World

FRONTIER_PERCENTILE = 90


def observed(world: World, name: str, year: int) -> np.ndarray:
    """The driver's observed value per country in `year` (NaN where none is observed)."""
    return world.drivers.at(name, year)


def next_gdppc(world: World, params: Params, gdppc: np.ndarray, year: int) -> np.ndarray:
    """GDP per head in `year`: observed, else last year's grown with convergence."""
    frontier = np.percentile(gdppc, FRONTIER_PERCENTILE)
    growth = params.productivity_growth + params.convergence_rate * np.log(frontier / gdppc)
    rule = gdppc * (1 + growth)
    data = observed(world, "gdppc_ppp", year)
    return np.where(np.isfinite(data), data, rule)


def next_ict(world: World, params: Params, ict: np.ndarray, year: int) -> np.ndarray:
    """Internet use in `year` without investments: observed, else logistic growth."""
    rule = expit(logit(ict) + params.ict_growth)
    data = observed(world, "internet", year)
    return np.clip(np.where(np.isfinite(data), data, rule), 0.001, 0.999)


def next_enrolment(
    world: World, params: Params, start: np.ndarray, current: np.ndarray, year: int
) -> np.ndarray:
    """The enrolment trend in `year` (share of a youth cohort entering tertiary education).

    While the data have the gross enrolment ratio, enrolment moves from its start level as the
    data move from theirs (in logit units, scaled by `ger_trend_scale`), so the start table and
    the driver series need not agree in level; afterwards last year's logit grows by the
    country's fitted trend (times the scale)."""
    data = observed(world, "tertiary_ger", year) * params.entry_per_ger
    base = observed(world, "tertiary_ger", world.start_year) * params.entry_per_ger
    slope = (
        np.nan_to_num(world.column("ger_logit_trend"))
        if "ger_logit_trend" in world.countries
        else 0.0
    )
    change = _logit(data) - _logit(np.where(np.isfinite(base), base, start))
    followed = _logit(start) + params.ger_trend_scale * change
    extrapolated = _logit(current) + slope * params.ger_trend_scale
    return np.clip(expit(np.where(np.isfinite(data), followed, extrapolated)), 0.005, 0.9)


def _logit(share: np.ndarray) -> np.ndarray:
    return logit(np.clip(share, 0.005, 0.9))
