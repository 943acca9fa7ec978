"""The report's figures: fan charts per region, probability of gain, influential inputs.

Each figure is written as a PNG file and returned as bytes for embedding in the HTML.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter, MaxNLocator

from experiments.areas import AREA_NAMES, WORLD_CODE

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2")


def _save(fig: Figure, path: Path) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    data = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def _areas(frame: pd.DataFrame) -> list[str]:
    regions = sorted(a for a in frame["area"].unique() if a != WORLD_CODE)
    return ([WORLD_CODE] if WORLD_CODE in set(frame["area"]) else []) + regions


def fan_chart(
    fans: pd.DataFrame,
    title: str,
    unit: str,
    path: Path,
    order: list[str],
    scale: float = 100.0,
    zero_line: bool = True,
) -> bytes:
    """One panel per area: each series' mean, its 95% interval (dark band) and the 10th-90th
    percentile of replications (light band); series in `order`."""
    areas = _areas(fans)
    cols = min(4, len(areas))
    rows = -(-len(areas) // cols)
    fig = Figure(figsize=(3.4 * cols, 2.6 * rows + 0.6))
    axes = fig.subplots(rows, cols, sharex=True, squeeze=False).ravel()
    for ax in axes[len(areas) :]:
        ax.set_visible(False)
    present = set(fans["scenario"])
    series = [name for name in order if name in present]
    for ax, area in zip(axes, areas, strict=False):
        for i, name in enumerate(series):
            line = fans[(fans["area"] == area) & (fans["scenario"] == name)].sort_values("year")
            colour = PALETTE[i % len(PALETTE)]
            years = line["year"].to_numpy()
            ax.fill_between(years, scale * line["q10"], scale * line["q90"], color=colour,
                            alpha=0.12, lw=0)  # fmt: skip
            ax.fill_between(years, scale * line["ci_low"], scale * line["ci_high"], color=colour,
                            alpha=0.3, lw=0)  # fmt: skip
            ax.plot(years, scale * line["mean"], color=colour, lw=1.6, label=name)
        if zero_line:
            ax.axhline(0, color="#7f8c8d", lw=0.7, ls="--")
        ax.set_title(AREA_NAMES.get(area, area), fontsize=9)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.set_ylabel(unit, fontsize=7)
    axes[0].legend(fontsize=7, frameon=False)
    fig.suptitle(f"{title}: mean, 95% interval (dark) and 80% of replications (light)", fontsize=10)
    top = 1 - 0.55 / fig.get_figheight()
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.08, top=top, hspace=0.35, wspace=0.28)
    return _save(fig, path)


def gain_bars(gains: pd.DataFrame, title: str, path: Path, order: list[str]) -> bytes:
    """Probability of gain per area (bars), one colour per scenario (in `order`)."""
    areas = _areas(gains)
    series = [name for name in order if name in set(gains["scenario"])]
    fig = Figure(figsize=(max(6.0, 1.1 * len(areas)), 3.4))
    ax = fig.subplots()
    width = 0.8 / max(1, len(series))
    x = np.arange(len(areas))
    for i, name in enumerate(series):
        part = gains[gains["scenario"] == name].set_index("area").reindex(areas)
        share = 100 * part["gains"] / part["n"]
        ax.bar(x + i * width - 0.4 + width / 2, share, width, label=name,
               color=PALETTE[i % len(PALETTE)])  # fmt: skip
    ax.axhline(50, color="#7f8c8d", lw=0.7, ls="--")
    ax.set_xticks(x, [AREA_NAMES.get(a, a) for a in areas], rotation=25, ha="right", fontsize=7)
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of replications", fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    return _save(fig, path)


def index_bars(table: pd.DataFrame, output: str, path: Path) -> bytes:
    """Sensitivity indices of one output: a bar per input and index kind, with intervals; the
    axis names the table's `unit` column (shares of variance, or Morris statistics' unit)."""
    part = table[table["output"] == output]
    inputs = list(dict.fromkeys(part.sort_values("value", ascending=False)["input"]))[:15]
    kinds = list(dict.fromkeys(part["index"])) if "index" in part else ["value"]
    fig = Figure(figsize=(7.5, 0.35 * len(inputs) + 1.4))
    ax = fig.subplots()
    height = 0.8 / max(1, len(kinds))
    y = np.arange(len(inputs))
    for i, kind in enumerate(kinds):
        rows = part[part["index"] == kind] if "index" in part else part
        rows = rows.set_index("input").reindex(inputs)
        err = None
        if {"ci_low", "ci_high"} <= set(rows.columns):
            err = np.vstack([rows["value"] - rows["ci_low"], rows["ci_high"] - rows["value"]])
            err = np.nan_to_num(np.abs(err))
        ax.barh(y + i * height - 0.4 + height / 2, rows["value"], height, xerr=err, label=kind,
                color=PALETTE[i % len(PALETTE)])  # fmt: skip
    ax.set_yticks(y, inputs, fontsize=7)
    ax.invert_yaxis()
    ax.axvline(0, color="#7f8c8d", lw=0.7)
    units = [u for u in dict.fromkeys(part["unit"]) if u] if "unit" in part else []
    ax.set_xlabel(", ".join(units), fontsize=8)
    ax.set_title(f"Influence on {output}", fontsize=10)
    ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    return _save(fig, path)


def pattern_scatter(table: pd.DataFrame, year: int, start_year: int, path: Path) -> bytes:
    """Net brain gain at `year` against the start's tertiary share, one point per country of
    `table` (a theory-check table), coloured by the start's skilled emigration rate; the
    countries below both medians ringed, the median tertiary share and 0 drawn, the extremes
    labelled. The x axis is logarithmic when the shares span more than a factor of ten."""
    hc = 100 * table["human_capital_start"].to_numpy(dtype=float)
    ser = 100 * table["skilled_emigration_rate_start"].to_numpy(dtype=float)
    gain = 100 * table["net_brain_gain"].to_numpy(dtype=float)
    low = table["below_both_medians"].to_numpy(dtype=bool)
    fig = Figure(figsize=(7.5, 4.8))
    ax = fig.subplots()
    positive = hc[hc > 0]
    if len(positive) and positive.max() > 10 * positive.min():
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
    points = ax.scatter(hc, gain, c=ser, cmap="viridis", s=28, zorder=3, edgecolors="none")
    ax.scatter(hc[low], gain[low], s=90, facecolors="none", edgecolors="#1c2833", lw=1.0,
               zorder=4, label="below both medians")  # fmt: skip
    ax.axhline(0, color="#7f8c8d", lw=0.8, ls="--")
    if len(hc):
        ax.axvline(np.median(hc), color="#b03a2e", lw=0.8, ls=":", label="median tertiary share")
    bar = fig.colorbar(points, ax=ax)
    bar.set_label(f"skilled emigration rate {start_year}, % (red: median)", fontsize=8)
    if len(ser):
        bar.ax.axhline(np.median(ser), color="#b03a2e", lw=2.0)
    bar.ax.tick_params(labelsize=7)
    order = np.argsort(gain)
    extremes = dict.fromkeys([*order[:3], *order[::-1][:3]])
    for i in extremes:
        ax.annotate(str(table["country"].iloc[i]), (hc[i], gain[i]), fontsize=7,
                    xytext=(4, 3), textcoords="offset points")  # fmt: skip
    ax.set_xlabel(f"tertiary share of adults {start_year}, %", fontsize=8)
    ax.set_ylabel(f"net brain gain {year}, percentage points", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_title(f"Developing countries: net brain gain {year} against human capital", fontsize=10)
    ax.legend(fontsize=7, frameon=False, loc="best")
    fig.tight_layout()
    return _save(fig, path)
