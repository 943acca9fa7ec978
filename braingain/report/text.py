"""How numbers read in the report: shares as percent, differences of shares as percentage
points, always labelled; and the plain-word verdicts. Every number passed here comes from a
result file; nothing is typed in."""

from __future__ import annotations

import math

from experiments.areas import AREA_NAMES
from simulation import METRICS

PP = "percentage points"
VERDICT = {"increase": "gain", "decrease": "loss", "no clear change": "no clear change"}
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


def is_share(metric: str) -> bool:
    spec = METRICS.get(metric)
    return spec is not None and spec.unit == "share"


def _digits(value: float) -> int:
    """Decimals that keep about two significant digits of small numbers."""
    size = abs(value)
    if size == 0 or size >= 1:
        return 2
    return min(4, max(2, 1 - math.floor(math.log10(size))))


def number(value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"{value:,.{_digits(value)}f}" if abs(value) < 1000 else f"{value:,.0f}"


def percent(share: float, decimals: int | None = None) -> str:
    """A share as percent: 0.123 -> '12.3%' (or with `decimals` decimals)."""
    if not math.isfinite(share):
        return "n/a"
    places = max(1, _digits(100 * share) - 1) if decimals is None else decimals
    return f"{100 * share:.{places}f}%"


def points(difference: float, unit: bool = True) -> str:
    """A difference of shares in percentage points, signed: 0.0012 -> '+0.12 percentage
    points'."""
    if not math.isfinite(difference):
        return "n/a"
    value = 100 * difference
    text = f"{value:+.{_digits(value)}f}"
    return f"{text} {PP}" if unit else text


def level(metric: str, value: float, decimals: int | None = None) -> str:
    """A metric's value: percent for shares (net brain gain, a difference, in points)."""
    if metric == "net_brain_gain":
        return points(value)
    return percent(value, decimals) if is_share(metric) else number(value)


def difference(metric: str, value: float, unit: bool = True) -> str:
    """A what-if minus baseline difference: points for shares, signed numbers otherwise."""
    if is_share(metric):
        return points(value, unit)
    return f"{value:+,.{_digits(value)}f}" if math.isfinite(value) else "n/a"


def interval(metric: str, low: float, high: float, as_difference: bool) -> str:
    """'95% interval A to B' in the metric's unit (or 'no interval' for one replication)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return "no interval (one replication)"
    if as_difference or metric == "net_brain_gain":
        lo, hi = difference(metric, low, unit=False), difference(metric, high, unit=False)
        unit = f" {PP}" if is_share(metric) else ""
        return f"95% interval {lo} to {hi}{unit}"
    return f"95% interval {level(metric, low)} to {level(metric, high)}"


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
