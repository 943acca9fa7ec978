"""Short console tables of a comparison: the baseline's regions and who gains or loses.

Units follow experiments.units, as the figures do: shares in percent, differences of shares in
percentage points (pp), other metrics in their own unit, each column saying which.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.console import Console
from rich.table import Table

from experiments.areas import AREA_NAMES, WORLD_CODE
from experiments.batch import Batch
from experiments.compare import Comparison
from experiments.stats import change_word, few_replications
from experiments.units import PERCENT, POINTS, Display, display, figure, within_range

HEADLINE = ("skilled_emigration_rate", "human_capital", "net_brain_gain")
COLOUR = {"gain": "green", "loss": "red", "increase": "bold", "decrease": "bold"}


PIPED_WIDTH = 140  # two columns of small differences with their intervals fit unwrapped


def _console() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=PIPED_WIDTH)


def _order(areas: Sequence[str]) -> list[str]:
    regions = sorted(a for a in areas if a != WORLD_CODE)
    return regions + ([WORLD_CODE] if WORLD_CODE in areas else [])


def _number(value: float, label: str, difference: bool) -> str:
    """A shown value (already scaled), by experiments.units.figure so that a small nonzero
    value never reads as zero: percent as 12.3%, points and other differences signed."""
    if not np.isfinite(value):
        return "n/a"
    if label == PERCENT:
        return f"{figure(value, decimals=1)}%"
    return figure(value, signed=difference or label == POINTS, grouping=True)


def _cell(mean: float, low: float, high: float, shown: Display, difference: bool) -> str:
    """Mean [low, high] in the metric's display unit, the three by the same rule."""
    label = shown.difference if difference else shown.level
    mean, low, high = (shown.scale * v for v in (mean, low, high))
    if not (np.isfinite(low) and np.isfinite(high)):
        return _number(mean, label, difference)
    cells = (_number(v, label, difference) for v in (mean, low, high))
    return "{} [{}, {}]".format(*cells)


def _header(metric: str, difference: bool) -> str:
    shown = display(metric)
    unit = Display.short(shown.difference if difference else shown.level)
    name = metric.replace("_", " ")
    return f"Δ {name} ({unit})" if difference else f"{name} ({unit})"


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
        table.add_column(_header(metric, difference=False), justify="right")
    clipped = False
    for area in _order(list(cells["area"].unique())):
        row = cells[cells["area"] == area].set_index("metric")
        values = []
        for metric in HEADLINE:
            if metric not in row.index:
                values.append("n/a")
                continue
            r = row.loc[metric]
            low, high, cut = within_range(metric, r["ci_low"], r["ci_high"])
            clipped = clipped or cut
            cell = _cell(r["mean"], low, high, display(metric), False)
            values.append(cell + ("*" if cut else ""))
        table.add_row(AREA_NAMES.get(area, area), *values)
    console = _console()
    console.print(table)
    console.print(
        "shares in percent (%), differences of shares in percentage points (pp). net brain "
        "gain: human capital with emigration minus without (the country's own people not "
        "emigrating; same seeds, same immigrants); > 0 is a brain gain."
        + (" *: the 95% interval is cut at 0% or 100%, where a share ends." if clipped else "")
        + _few(base.replications)
        + "\n"
    )


def _change_words(metrics: Sequence[str]) -> str:
    """The legend's words for the metrics shown (experiments.stats.change_word)."""
    gains = [m for m in metrics if change_word(m, "increase") == "gain"]
    words = ["gain / loss (net brain gain)"] if gains else []
    if len(gains) < len(metrics):
        words.append("increase / decrease" + (" (other metrics)" if gains else ""))
    return ", ".join(words)


def _few(replications: int) -> str:
    """The warning of experiments.stats.few_replications as a sentence, or nothing."""
    warning = few_replications(replications)
    return f"\nToo few replications: {warning}." if warning else ""


def print_differences(
    comparison: Comparison,
    batch: Batch,
    metrics: Sequence[str] = ("net_brain_gain", "human_capital"),
    years: Sequence[int] | None = None,
) -> None:
    """Per what-if and year (default: every year compared): ALT - BASE per region, with
    gain/loss marks."""
    table_all = comparison.table
    broad = table_all[table_all["level"].isin(["region", "world"])]
    if years is not None:
        broad = broad[broad["year"].isin(list(years))]
    if broad.empty:
        print(
            "no region or world rows to show: the kept metrics cannot be added up from "
            "countries without their parts (keep those too, or use --level region); the "
            "countries are in comparison.csv"
        )
        return
    compared = list(dict.fromkeys(broad["metric"]))  # a batch may keep only some (--metrics)
    metrics = [m for m in metrics if m in compared] or compared[:2]
    console = _console()
    cells = [
        (alternative, year)
        for alternative in broad["alternative"].unique()  # command order
        for year in sorted(broad.loc[broad["alternative"] == alternative, "year"].unique())
    ]
    for alternative, year in cells:
        part = broad[(broad["alternative"] == alternative) & (broad["year"] == year)]
        pairs = int(part["pairs"].max())
        table = Table(
            title=f"{alternative} - {batch.scenarios[0].name} in {year} (mean [95% CI] of "
            f"{pairs} paired replications)",
            title_justify="left",
        )
        table.add_column("region")
        for metric in metrics:
            table.add_column(_header(metric, difference=True), justify="right")
            table.add_column("change", justify="left")  # as comparison.csv calls it
        for area in _order(list(part["area"].unique())):
            row = part[part["area"] == area].set_index("metric")
            values: list[str] = []
            for metric in metrics:
                if metric not in row.index:
                    values += ["n/a", ""]
                    continue
                r = row.loc[metric]
                word = change_word(metric, r["change"])
                colour = COLOUR.get(word, "dim")
                values += [
                    _cell(r["difference"], r["ci_low"], r["ci_high"], display(metric), True),
                    f"[{colour}]{word}[/{colour}]",
                ]
            table.add_row(AREA_NAMES.get(area, area), *values)
        console.print(table)
    console.print(
        f"pp: percentage points. {_change_words(metrics)}: the 95% CI excludes 0; no clear "
        "change: it spans 0." + _few(int(broad["pairs"].min())) + "\n"
    )
