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


def percentile(values: np.ndarray, q: float) -> float:
    """`np.percentile(values, q)` (its default, linear method) by numpy's own arithmetic — the
    two order statistics around (n - 1) q / 100 and numpy's interpolation between them — without
    its generic machinery, which costs more than the rest of the yearly economy step."""
    if np.isnan(values).any():
        return np.nan
    last = len(values) - 1
    position = last * (q / 100)
    below = int(np.floor(position))
    above = min(below + 1, last)
    share = position - below
    low, high = np.partition(values, [below, above])[[below, above]]
    step = high - low
    return high - step * (1 - share) if share >= 0.5 else low + step * share


def next_gdppc(world: World, params: Params, gdppc: np.ndarray, year: int) -> np.ndarray:
    """GDP per head in `year`: observed, else last year's grown with convergence."""
    frontier = percentile(gdppc, FRONTIER_PERCENTILE)
    growth = params.productivity_growth + params.convergence_rate * np.log(frontier / gdppc)
    rule = gdppc * (1 + growth)
    data = observed(world, "gdppc_ppp", year)
    return np.where(np.isfinite(data), data, rule)


def next_ict(world: World, params: Params, ict: np.ndarray, year: int) -> np.ndarray:
    """Internet use in `year` without investments: observed, else logistic growth."""
    rule = expit(logit(ict) + params.ict_growth)
    data = observed(world, "internet", year)
    return np.clip(np.where(np.isfinite(data), data, rule), 0.001, 0.999)


def enrolment_slope(world: World) -> np.ndarray | float:
    """Each country's fitted yearly trend of the GER's logit (0 in worlds without one)."""
    if "ger_logit_trend" not in world.countries:
        return 0.0
    return np.nan_to_num(world.column("ger_logit_trend"))


def next_enrolment(
    world: World,
    params: Params,
    start: np.ndarray,
    current: np.ndarray,
    year: int,
    slope: np.ndarray | float | None = None,
) -> np.ndarray:
    """The enrolment trend in `year` (share of a youth cohort entering tertiary education).

    While the data have the gross enrolment ratio, enrolment moves from its start level as the
    data move from theirs (in logit units, scaled by `ger_trend_scale`), so the start table and
    the driver series need not agree in level; afterwards last year's logit grows by the
    country's fitted trend (times the scale). `slope`: `enrolment_slope(world)`, if the caller
    keeps it (a table lookup every year is not free)."""
    data = observed(world, "tertiary_ger", year) * params.entry_per_ger
    base = observed(world, "tertiary_ger", world.start_year) * params.entry_per_ger
    slope = enrolment_slope(world) if slope is None else slope
    change = _logit(data) - _logit(np.where(np.isfinite(base), base, start))
    followed = _logit(start) + params.ger_trend_scale * change
    extrapolated = _logit(current) + slope * params.ger_trend_scale
    return np.clip(expit(np.where(np.isfinite(data), followed, extrapolated)), 0.005, 0.9)


def _logit(share: np.ndarray) -> np.ndarray:
    return logit(np.clip(share, 0.005, 0.9))
