"""How numbers read in the report: shares as percent, differences of shares as percentage
points, always labelled; and the plain-word verdicts. Every number passed here comes from a
result file; nothing is typed in. Which metric is shown how (its scale and unit label) is
`experiments.units.display`, the rule the console and the figures follow too."""

from __future__ import annotations

import math

from experiments import units
from experiments.areas import AREA_NAMES
from experiments.units import PERCENT, POINTS, Display, display, figure, within_range

PP = POINTS
LABELS = {
    "net_brain_gain": "net brain gain",
    "human_capital": "human capital",
    "skilled_emigration_rate": "skilled emigration rate",
    "brain_waste_rate": "brain waste rate",
}


def label(metric: str) -> str:
    return LABELS.get(metric, metric.replace("_", " "))


def area_name(code: str) -> str:
    return AREA_NAMES.get(code, code)


def number(value: float) -> str:
    return figure(value, grouping=True)


def percent(share: float, decimals: int | None = None) -> str:
    """A share as percent: 0.123 -> '12.3%' (at least `decimals` decimals, default 1; more
    for a small share, which never reads as 0.0%)."""
    return units.percent(share, 1 if decimals is None else decimals)


def points(difference: float, unit: bool = True) -> str:
    """A difference of shares in percentage points, signed: 0.0012 -> '+0.12 percentage
    points'."""
    if not math.isfinite(difference):
        return "n/a"
    text = figure(100 * difference, signed=True)
    return f"{text} {PP}" if unit else text


def level(metric: str, value: float, decimals: int | None = None) -> str:
    """A metric's value in its display unit: percent for shares, percentage points for a
    difference of shares (net brain gain), the number itself otherwise."""
    shown = display(metric).level
    if shown == PERCENT:
        return percent(value, decimals)
    if shown == POINTS:
        return difference(metric, value)
    return number(value)


def bare(metric: str, value: float) -> str:
    """A value in the metric's display unit without its label (for a table whose header says
    the unit): 12.3 for a share of 0.123, +0.12 for a share difference of 0.0012."""
    shown = display(metric)
    if shown.level == POINTS:
        return difference(metric, value, unit=False)
    return number(shown.scale * value) if math.isfinite(value) else "n/a"


def short_unit(metric: str) -> str:
    """The unit of a level in a table header: %, pp, or the metric's own unit."""
    return Display.short(display(metric).level)


def _signed(value: float) -> str:
    return figure(value, signed=True, grouping=True)


def difference(metric: str, value: float, unit: bool = True) -> str:
    """A what-if minus baseline difference (or a value that is itself a difference of shares),
    signed, scaled and labelled as `experiments.units.display` says: percentage points for
    shares and share differences (net brain gain, immigration effect), as they are otherwise."""
    shown = display(metric)
    signed = _signed(shown.scale * value)
    labelled = unit and shown.difference == POINTS and math.isfinite(value)
    return f"{signed} {PP}" if labelled else signed


def interval(metric: str, low: float, high: float, as_difference: bool) -> str:
    """'95% interval A to B' in the metric's unit (or 'no interval' for one replication)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return "no interval (one replication)"
    shown = display(metric)
    if as_difference or shown.level == POINTS:
        lo, hi = difference(metric, low, unit=False), difference(metric, high, unit=False)
        unit = f" {PP}" if shown.difference == POINTS else ""
        return f"95% interval {lo} to {hi}{unit}"
    low, high, cut = within_range(metric, low, high)
    note = ", cut to the possible 0% to 100%" if cut else ""
    return f"95% interval {level(metric, low)} to {level(metric, high)}{note}"


def share_of_runs(gains: int, n: int) -> str:
    """'8 of 10 replications (80%)'."""
    if n == 0:
        return "no replications"
    return f"{gains} of {n} replications ({100 * gains / n:.0f}%)"


def listing(items: list[str]) -> str:
    if not items:
        return "none"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]
