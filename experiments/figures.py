"""PNG figures of the headline metrics over time, per region and the world, with 95% bands.

Values are shown as the console shows them (experiments.units): shares in percent, differences
of shares in percentage points, each axis labelled with its unit.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from experiments.areas import AREA_NAMES, WORLD_CODE  # noqa: E402
from experiments.units import display  # noqa: E402

FIGURE_METRICS = ("skilled_emigration_rate", "human_capital", "net_brain_gain", "brain_waste_rate")


def _panels(frame: pd.DataFrame) -> list[str]:
    regions = sorted(a for a in frame["area"].unique() if a != WORLD_CODE)
    return [WORLD_CODE, *regions] if WORLD_CODE in set(frame["area"]) else regions


def _grid(count: int) -> tuple[plt.Figure, list[plt.Axes]]:
    cols = min(4, count)
    rows = -(-count // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(3.6 * cols, 2.8 * rows), sharex=True, squeeze=False
    )
    flat = list(axes.ravel())
    for ax in flat[count:]:
        ax.set_visible(False)
    return fig, flat


def draw(
    frame: pd.DataFrame, series: str, title: str, scale: float, unit: str, zero_line: bool
) -> plt.Figure | None:
    """One panel per area: each series' mean x scale with its 95% band; the y axis says `unit`.
    The caller saves and closes the figure."""
    panels = _panels(frame)
    if not panels:
        return None
    fig, axes = _grid(len(panels))
    for ax, area in zip(axes, panels, strict=False):
        cell = frame[frame["area"] == area]
        for name, line in cell.groupby(series, sort=False):
            line = line.sort_values("year")
            ax.plot(line["year"], scale * line["mean"], label=str(name), lw=1.5)
            ax.fill_between(
                line["year"], scale * line["ci_low"], scale * line["ci_high"], alpha=0.2, lw=0
            )
        if zero_line:
            ax.axhline(0.0, color="grey", lw=0.8, ls="--")
        ax.set_title(AREA_NAMES.get(area, area), fontsize=9)
        ax.set_ylabel(unit, fontsize=7)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    axes[0].legend(fontsize=7, loc="best")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def level_figure(levels: pd.DataFrame, metric: str) -> plt.Figure | None:
    shown = display(metric)
    return draw(
        levels[levels["metric"] == metric],
        "scenario",
        f"{metric} ({shown.level}): mean and 95% CI over replications",
        shown.scale,
        shown.level,
        zero_line=shown.level == "percentage points",
    )


def difference_figure(differences: pd.DataFrame, metric: str) -> plt.Figure | None:
    shown = display(metric)
    return draw(
        differences[differences["metric"] == metric],
        "alternative",
        f"{metric}: what-if minus baseline ({shown.difference}), paired 95% CI",
        shown.scale,
        shown.difference,
        zero_line=True,
    )


def write_figures(levels: pd.DataFrame, differences: pd.DataFrame, out: Path) -> list[Path]:
    """levels_<metric>.png (each scenario) and difference_<metric>.png (ALT - BASE)."""
    folder = out / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for metric in FIGURE_METRICS:
        for kind, fig in (
            ("levels", level_figure(levels, metric)),
            ("difference", difference_figure(differences, metric)),
        ):
            if fig is None:
                continue
            path = folder / f"{kind}_{metric}.png"
            fig.savefig(path, dpi=110)
            plt.close(fig)
            written.append(path)
    return written
