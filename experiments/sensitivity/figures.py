"""Figures of a study: index bars with 95% intervals, the Morris mu*-sigma plane, sweep curves."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from experiments.sensitivity.analysis import (  # noqa: E402
    INDICES,
    NOT_DISTINGUISHABLE,
    RANKED_BY,
    SEED,
    OutputAnalysis,
    effect_unit,
    index_display,
    output_display,
    output_metric,
)
from experiments.sensitivity.design import Design  # noqa: E402
from experiments.units import percent  # noqa: E402

if TYPE_CHECKING:
    from experiments.sensitivity.results import StudyAnalysis

COLOURS = ("#3b75af", "#e1812c")


def write_figures(design: Design, analysis: StudyAnalysis, out: Path) -> list[Path]:
    folder = Path(out) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    method = design.experiment.method
    written = []
    for item in analysis.outputs:
        if method == "sweep" and analysis.sweep is not None:
            written.append(sweep_figure(design, analysis.sweep, item.output, folder))
        elif method == "morris" and len(item.indices):
            written.append(morris_figure(item, output_metric(design, item.output), folder))
        elif len(item.indices):
            written.append(bars_figure(item, method, folder))
    return written


def _seed_note(item: OutputAnalysis) -> str:
    seed = item.indices[(item.indices["input"] == SEED) & (item.indices["index"] == "ST")]
    if seed.empty or not np.isfinite(seed["value"].iloc[0]):
        return ""
    share = percent(seed["value"].iloc[0])  # as the console: 0.063%, not 0%
    return f"; seed noise {share} of the variance"


def bars_figure(item: OutputAnalysis, method: str, folder: Path) -> Path:
    """Horizontal bars of the two indices of each input, with 95% intervals; inputs whose main
    index is not distinguishable from 0 are drawn pale and marked n.d."""
    table = item.indices[item.indices["input"] != SEED]
    first, second = (index for index, _ in INDICES[method])
    ranked = RANKED_BY[method]
    order = (
        table[table["index"] == ranked].set_index("input")["value"].fillna(-np.inf).sort_values()
    )
    names = list(order.index)
    fig, ax = plt.subplots(figsize=(7.5, 1.2 + 0.42 * len(names)))
    y = np.arange(len(names))
    for k, index in enumerate((first, second)):
        part = table[table["index"] == index].set_index("input").reindex(names)
        value = part["value"].to_numpy(float)
        shown = np.clip(np.nan_to_num(value), 0, None)
        low = np.clip(shown - part["ci_low"].to_numpy(float), 0, None)
        high = np.clip(part["ci_high"].to_numpy(float) - shown, 0, None)
        pale = (part["finding"] == NOT_DISTINGUISHABLE).to_numpy()
        offset = (k - 0.5) * 0.38
        ax.barh(
            y + offset,
            shown,
            height=0.36,
            color=COLOURS[k],
            label=index,
            alpha=1.0,
            edgecolor="none",
        )
        ax.barh(y[pale] + offset, shown[pale], height=0.36, color="white", alpha=0.55)
        ax.errorbar(
            shown,
            y + offset,
            xerr=[np.nan_to_num(low), np.nan_to_num(high)],
            fmt="none",
            ecolor="black",
            elinewidth=0.8,
            capsize=2,
        )
        for row in np.flatnonzero(pale):
            ax.text(0.005, y[row] + offset, "n.d.", va="center", fontsize=7, color="dimgrey")
    ax.set_yticks(y, names, fontsize=8)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel("index (share of the variance of the replication mean); bars: 95% interval")
    ax.set_title(f"{item.output}: {method} indices{_seed_note(item)}", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path = folder / f"indices_{item.output}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def morris_plot(item: OutputAnalysis, metric: str) -> plt.Figure:
    """The mu*-sigma plane: far right = influential, high = non-linear or interacting; both in
    the output's display unit per input range, as the console prints them (index_display:
    percentage points for net brain gain and shares). The caller saves and closes it."""
    table = item.indices[item.indices["input"] != SEED]
    wide = table.pivot(index="input", columns="index", values="value")
    conf = table[table["index"] == "mu_star"].set_index("input")
    fig, ax = plt.subplots(figsize=(7, 5.5))
    scale = index_display(metric, "mu_star").scale
    mu_star, sigma = (scale * wide[k].to_numpy(float) for k in ("mu_star", "sigma"))
    half = scale * (conf.reindex(wide.index)["ci_high"] - wide["mu_star"]).to_numpy(float)
    ax.errorbar(
        mu_star,
        sigma,
        xerr=np.nan_to_num(half),
        fmt="o",
        ms=4,
        color=COLOURS[0],
        ecolor="grey",
        elinewidth=0.8,
        capsize=2,
    )
    top = np.nanmax(np.r_[mu_star, sigma, 1e-12])
    ax.plot([0, top], [0, top], ls="--", color="grey", lw=0.8, label="sigma = mu*")
    for name, x, s in zip(wide.index, mu_star, sigma, strict=True):
        ax.annotate(name, (x, s), fontsize=7, xytext=(3, 3), textcoords="offset points")
    unit = effect_unit(metric, item.output)
    ax.set_xlabel(f"mu*, {unit}: mean absolute elementary effect (bars: 95% interval)")
    ax.set_ylabel(f"sigma, {unit}: spread of elementary effects")
    ax.set_title(f"{item.output}: Morris screening{_seed_note(item)}", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def morris_figure(item: OutputAnalysis, metric: str, folder: Path) -> Path:
    """figures/morris_<output>.png (see morris_plot)."""
    fig = morris_plot(item, metric)
    path = folder / f"morris_{item.output}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def sweep_plot(design: Design, sweep: pd.DataFrame, output: str) -> plt.Figure:
    """The output's mean over replications against the first input, with a 95% band (one line
    per level of the second input, if any), in the output's display unit as the console prints
    it (experiments.units: net brain gain in percentage points, shares in percent). The caller
    saves and closes the figure."""
    inputs = [i.name for i in design.experiment.inputs]
    x = inputs[0]
    shown = output_display(design, output)
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    lines = [(None, sweep)] if len(inputs) == 1 else list(sweep.groupby(inputs[1]))
    for level, part in lines:
        part = part.sort_values(x)
        label = None if level is None else f"{inputs[1]} = {level:.3g}"
        mean, low, high = (
            shown.scale * part[f"{output}_{k}"] for k in ("mean", "ci_low", "ci_high")
        )
        ax.plot(part[x], mean, marker="o", ms=3, label=label)
        ax.fill_between(part[x], low, high, alpha=0.2)
    ax.axhline(0, color="grey", lw=0.8, ls="--")
    ax.set_xlabel(x)
    unit = f"{shown.level}: " if shown.level else ""
    ax.set_ylabel(f"{unit}mean over replications (95% band)")
    ax.set_title(output, fontsize=10)
    if len(inputs) > 1:
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def sweep_figure(design: Design, sweep: pd.DataFrame, output: str, folder: Path) -> Path:
    """figures/sweep_<output>.png (see sweep_plot)."""
    fig = sweep_plot(design, sweep, output)
    path = folder / f"sweep_{output}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
