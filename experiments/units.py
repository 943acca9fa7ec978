"""How a metric is shown to people, from its unit in simulation.METRICS.

One convention for the console and the figures: a share (unit "share", a fraction 0-1 in the
files) is shown in percent, and a difference of two shares (a what-if minus the baseline, or a
metric whose unit is "share difference" such as net_brain_gain) in percentage points. Other
units are shown as they are. The files (metrics.parquet, summary.csv, comparison.csv) keep the
model's units.

`figure` writes every shown number (console tables, report, report.txt) by one rule, so a small
but real effect never prints as 0.00.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulation.metrics import METRICS

PERCENT, POINTS = "percent", "percentage points"


@dataclass(frozen=True)
class Display:
    scale: float  # multiply the model's value by this to show it
    level: str  # unit label of a value
    difference: str  # unit label of a difference of two values

    @staticmethod
    def short(label: str) -> str:
        """The label in a table header: %, pp, or the unit itself."""
        return {PERCENT: "%", POINTS: "pp"}.get(label, label)


def display(metric: str) -> Display:
    unit = METRICS[metric].unit if metric in METRICS else ""
    if unit == "share":
        return Display(100.0, PERCENT, POINTS)
    if unit == "share difference":
        return Display(100.0, POINTS, POINTS)
    return Display(1.0, unit, unit)


def possible_range(metric: str) -> tuple[float, float] | None:
    """The values a metric can take in the files: 0 to 1 for a share, None when unbounded
    (differences, counts, the metric's own units)."""
    unit = METRICS[metric].unit if metric in METRICS else ""
    return (0.0, 1.0) if unit == "share" else None


def within_range(metric: str, low: float, high: float) -> tuple[float, float, bool]:
    """A level's interval cut to the metric's possible range, and whether it was cut: a
    t-interval from few replications can reach below 0% or above 100%, which no share can."""
    bounds = possible_range(metric)
    if bounds is None:
        return low, high, False
    cut_low = max(low, bounds[0]) if math.isfinite(low) else low
    cut_high = min(high, bounds[1]) if math.isfinite(high) else high
    return cut_low, cut_high, (cut_low, cut_high) != (low, high)


def model_difference(metric: str) -> str:
    """The files' unit of a difference of two values of the metric (what `display(metric)`
    shows as its `difference`): a share difference for a share or a share difference, the
    metric's own unit otherwise."""
    unit = METRICS[metric].unit if metric in METRICS else ""
    return "share difference" if unit == "share" else unit


def with_unit(text: str, label: str) -> str:
    """A shown number with its unit: 30%, 1.2 pp, 5 persons/year, or the number alone."""
    short = Display.short(label)
    if short == "%":
        return f"{text}%"
    return f"{text} {short}" if short else text


SCIENTIFIC_BELOW = 1e-6  # magnitudes this small print as 1.2e-07 rather than 0.00000012


def figure(
    value: float,
    *,
    signed: bool = False,
    decimals: int = 2,
    significant: int = 2,
    grouping: bool = False,
) -> str:
    """A number as people read it: at least `decimals` decimals, and as many more as a value
    below 1 needs to keep `significant` significant digits, so that a value that is not zero
    never reads as zero (0.0031 -> '0.0031', 12.345 -> '12.35'). `grouping` writes values of
    1,000 or more as whole numbers with thousands separators; 'n/a' for NaN and infinities."""
    if not math.isfinite(value):
        return "n/a"
    sign = "+" if signed else ""
    size = abs(value)
    if 0 < size < SCIENTIFIC_BELOW:
        return f"{value:{sign}.{max(significant - 1, 0)}e}"
    if grouping and size >= 1000:
        return f"{value:{sign},.0f}"
    places = decimals
    if 0 < size < 1:
        places = max(decimals, significant - 1 - math.floor(math.log10(size)))
    return f"{value:{sign}{',' if grouping else ''}.{places}f}"


def percent(share: float, decimals: int = 1) -> str:
    """A share as percent by `figure`: 0.123 -> '12.3%', 0.00063 -> '0.063%' (never '0.0%');
    'n/a' for NaN and infinities."""
    if not math.isfinite(share):
        return "n/a"
    return f"{figure(100 * share, decimals=decimals)}%"
