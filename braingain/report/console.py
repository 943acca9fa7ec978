"""Short console tables of a comparison: the baseline's regions and who gains or loses (printed
by `braingain compare` and `braingain main`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.console import Console
from rich.table import Table

from experiments.areas import AREA_NAMES, WORLD_CODE
from experiments.batch import Batch
from experiments.compare import Comparison

HEADLINE = ("skilled_emigration_rate", "human_capital", "net_brain_gain")
VERDICT = {
    "increase": ("gain", "green"),
    "decrease": ("loss", "red"),
    "no clear change": ("no clear change", "dim"),
}


def _console() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=120)


def _order(areas: Sequence[str]) -> list[str]:
    regions = sorted(a for a in areas if a != WORLD_CODE)
    return regions + ([WORLD_CODE] if WORLD_CODE in areas else [])


def _pct(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{100 * value:.1f}%"


def _pp(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{100 * value:+.2f}"


def _cell(mean: float, low: float, high: float, unit: str) -> str:
    fmt = _pct if unit == "%" else _pp
    if not (np.isfinite(low) and np.isfinite(high)):
        return fmt(mean)
    return f"{fmt(mean)} [{fmt(low)}, {fmt(high)}]"


def print_baseline(comparison: Comparison, batch: Batch) -> None:
    """Baseline at the last year, per region and the world: mean [95% CI]."""
    base = batch.scenarios[0]
    year = base.last_year
    levels = comparison.levels
    cells = levels[(levels["scenario"] == base.name) & (levels["year"] == year)]
    table = Table(
        title=f"{base.name} in {year}: mean [95% CI] over {base.replications} replications",
        title_justify="left",
    )
    table.add_column("region")
    for metric in HEADLINE:
        table.add_column(metric.replace("_", " "), justify="right")
    for area in _order(list(cells["area"].unique())):
        row = cells[cells["area"] == area].set_index("metric")
        values = []
        for metric in HEADLINE:
            if metric not in row.index:
                values.append("n/a")
                continue
            r = row.loc[metric]
            unit = "pp" if metric == "net_brain_gain" else "%"
            values.append(_cell(r["mean"], r["ci_low"], r["ci_high"], unit))
        table.add_row(AREA_NAMES.get(area, area), *values)
    console = _console()
    console.print(table)
    console.print(
        "net brain gain: human capital with migration minus without (same seeds), in "
        "percentage points; > 0 is a brain gain.\n"
    )


def print_differences(
    comparison: Comparison,
    batch: Batch,
    metrics: Sequence[str] = ("net_brain_gain", "human_capital"),
) -> None:
    """Per what-if: ALT - BASE per region at the last compared year, with gain/loss marks."""
    table_all = comparison.table
    broad = table_all[table_all["level"].isin(["region", "world"])]
    if broad.empty:
        return
    year = int(broad["year"].max())
    console = _console()
    for alternative, part in broad[broad["year"] == year].groupby("alternative", sort=False):
        pairs = int(part["pairs"].max())
        table = Table(
            title=f"{alternative} - {batch.scenarios[0].name} in {year} (percentage points, "
            f"mean [95% CI] of {pairs} paired replications)",
            title_justify="left",
        )
        table.add_column("region")
        for metric in metrics:
            table.add_column(f"Δ {metric.replace('_', ' ')}", justify="right")
            table.add_column("", justify="left")
        for area in _order(list(part["area"].unique())):
            row = part[part["area"] == area].set_index("metric")
            values: list[str] = []
            for metric in metrics:
                if metric not in row.index:
                    values += ["n/a", ""]
                    continue
                r = row.loc[metric]
                word, colour = VERDICT[r["change"]]
                values += [
                    _cell(r["difference"], r["ci_low"], r["ci_high"], "pp"),
                    f"[{colour}]{word}[/{colour}]",
                ]
            table.add_row(AREA_NAMES.get(area, area), *values)
        console.print(table)
    console.print("gain / loss: the 95% CI excludes 0; no clear change: it spans 0.\n")
