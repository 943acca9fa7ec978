"""How a metric is shown to people, from its unit in simulation.METRICS.

One convention for the console and the figures: a share (unit "share", a fraction 0-1 in the
files) is shown in percent, and a difference of two shares (a what-if minus the baseline, or a
metric whose unit is "share difference" such as net_brain_gain) in percentage points. Other
units are shown as they are. The files (metrics.parquet, summary.csv, comparison.csv) keep the
model's units.
"""

from __future__ import annotations

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
