"""The fit report: one self-contained HTML file (figures embedded as PNG), no network needed.

Sections: what was calibrated; observed against simulated values at the last target year
(scatter, R^2, Spearman, error against persistence of the start-year value); the per-target
table; the implausibility per wave and the share of input space left; the emulators' validation;
the posterior ranges of the inputs.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from calibration.history import nth_largest  # noqa: E402
from calibration.outputs import (  # noqa: E402
    draws_frame,
    fit_scores,
    median_implausibility,
    posterior_table,
    run_implausibility,
    summary_implausibility,
    targets_table,
    waves_table,
)
from calibration.pipeline import CalibrationResult  # noqa: E402
from experiments.store import atomic_write_text  # noqa: E402

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; display: block;
        overflow-x: auto; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: right; }
th { background: #f0f0f0; } td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; } .note { color: #555; font-size: 0.9em; }
details { margin-bottom: 1.5em; }
"""


def _figure(fig: plt.Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


def _table(frame: pd.DataFrame, digits: int = 4) -> str:
    def cell(value: object) -> str:
        if isinstance(value, float | np.floating):
            return "" if np.isnan(value) else f"{value:.{digits}g}"
        return html.escape(str(value))

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _scatter(targets: pd.DataFrame, scores: pd.DataFrame) -> str:
    """Observed vs simulated per statistic at its last year, with persistence as a second set."""
    if "simulated_mean" not in targets:
        return "<p class='note'>No check runs: no observed-vs-simulated comparison.</p>"
    if scores.empty:
        return ""
    last = scores.sort_values("year").groupby("statistic").tail(1)
    parts = []
    for row in last.itertuples():
        g = targets[
            (targets["statistic"] == row.statistic)
            & (targets["year"] == row.year)
            & (targets["area"] != "WLD")
        ].dropna(subset=["simulated_mean"])
        fig, ax = plt.subplots(figsize=(5.2, 5))
        low = float(min(g["value"].min(), g["simulated_p10"].min(), 0))
        high = float(max(g["value"].max(), g["simulated_p90"].max()))
        ax.plot([low, high], [low, high], color="#999", lw=1, label="1:1")
        ax.errorbar(
            g["value"],
            g["simulated_mean"],
            yerr=[  # a skewed spread can put the mean outside its own 10-90% band
                (g["simulated_mean"] - g["simulated_p10"]).clip(lower=0),
                (g["simulated_p90"] - g["simulated_mean"]).clip(lower=0),
            ],
            fmt="o",
            ms=3,
            lw=0.6,
            alpha=0.8,
            label="model (mean, 10-90% over posterior runs)",
        )
        if g["start_year_value"].notna().any():
            ax.scatter(
                g["value"],
                g["start_year_value"],
                s=8,
                marker="x",
                color="#c44",
                alpha=0.6,
                label=f"persistence ({row.persistence_year} value)",
            )
        ax.set_xlabel(f"observed {row.statistic} {row.year}")
        ax.set_ylabel("simulated")
        ratio = (
            f", error/persistence {row.error_vs_persistence:.2f}"
            if np.isfinite(row.error_vs_persistence)
            else ""
        )
        ax.set_title(
            f"{row.statistic} {row.year}: R² {row.r2:.2f}, Spearman {row.spearman:.2f}{ratio}",
            fontsize=9,
        )
        ax.legend(fontsize=7, loc="upper left")
        parts.append(_figure(fig))
    return "".join(parts)


def _bands(targets: pd.DataFrame, limit: int = 40) -> str:
    """World targets (or all, if few): the observation with +-2 SD, the model's 10-90% band
    over the check runs and its mean, one panel per statistic."""
    if "simulated_mean" not in targets:
        return ""
    shown = targets if len(targets) <= limit else targets[targets["area"] == "WLD"]
    if shown.empty:
        return ""
    statistics = list(dict.fromkeys(shown["statistic"]))
    heights = [max(1.2, 0.32 * (shown["statistic"] == s).sum() + 0.8) for s in statistics]
    fig, axes = plt.subplots(
        len(statistics), 1, figsize=(7.5, sum(heights)), squeeze=False,
        gridspec_kw={"height_ratios": heights},
    )  # fmt: skip
    for ax, statistic in zip(axes[:, 0], statistics, strict=True):
        g = shown[shown["statistic"] == statistic].reset_index(drop=True)
        y = np.arange(len(g))
        ax.hlines(y, g["simulated_p10"], g["simulated_p90"], color="#4a7", lw=6, alpha=0.5,
                  label="model 10-90%")  # fmt: skip
        ax.plot(g["simulated_mean"], y, "o", color="#276", ms=4, label="model mean")
        ax.errorbar(g["value"], y, xerr=2 * g["obs_sd"], fmt="x", color="k", capsize=3,
                    label="observed ± 2 SD")  # fmt: skip
        ax.set_yticks(y, [f"{a} {yr}" for a, yr in zip(g["area"], g["year"], strict=True)])
        ax.set_title(statistic, fontsize=9)
        ax.invert_yaxis()
    axes[0, 0].legend(fontsize=7, loc="best")
    fig.tight_layout()
    return _figure(fig)


def _implausibility_figure(result: CalibrationResult) -> str:
    summaries = summary_implausibility(result)
    if not summaries:
        return ""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    cutoff = result.config.history.cutoff
    top = max(float(np.quantile(s, 0.99)) for s in summaries) if summaries else cutoff
    bins = np.linspace(0, max(top, cutoff * 1.5), 60)
    for w, s in zip(result.waves, summaries, strict=True):
        left.hist(np.clip(s, 0, bins[-1]), bins=bins, histtype="step", label=f"after wave {w.wave}")
    left.axvline(cutoff, color="k", ls="--", lw=1, label=f"cut-off {cutoff:g}")
    left.set_xlabel("summary implausibility of uniform points (all waves so far)")
    left.set_ylabel("points")
    left.legend(fontsize=7)
    shares = [w.space.share for w in result.waves]
    right.plot([0, *[w.wave for w in result.waves]], [1.0, *shares], marker="o")
    right.set_yscale("log")
    right.set_xlabel("wave")
    right.set_ylabel("share of input space left")
    right.set_xticks([0, *[w.wave for w in result.waves]])
    return _figure(fig)


def _posterior_figure(result: CalibrationResult) -> str:
    if result.posterior is None:
        return ""
    draws = draws_frame(result)
    table = posterior_table(result).set_index("input")
    inputs = result.config.inputs
    columns = min(3, len(inputs))
    rows = int(np.ceil(len(inputs) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 2.6 * rows), squeeze=False)
    for ax, spec in zip(axes.ravel(), inputs, strict=False):
        values = draws[spec.name].to_numpy(float)
        ax.hist(values, bins=30, range=(spec.low, spec.high), color="#4a7")
        row = table.loc[spec.name]
        ax.axvspan(row["interval_low"], row["interval_high"], color="#4a7", alpha=0.15)
        ax.axvline(row["median"], color="k", lw=1)
        ax.set_xlim(spec.low, spec.high)
        ax.set_title(spec.name, fontsize=9)
        ax.set_yticks([])
    for ax in axes.ravel()[len(inputs) :]:
        ax.axis("off")
    fig.tight_layout()
    return _figure(fig)


def _hardest(result: CalibrationResult, targets: pd.DataFrame, count: int = 15) -> list[str]:
    """The targets no run matched best, and how the best point of the runs fares."""
    if "runs_best_implausibility" not in targets or not result.waves:
        return []
    config = result.config
    runs = run_implausibility(result)
    summary = nth_largest(runs, config.history.order)
    best = int(np.nanargmin(summary))
    beyond = int(np.sum(runs[best] > config.history.cutoff))
    columns = ["target", "value", "runs_best_implausibility", "obs_sd", "discrepancy_sd", "seed_sd"]
    hardest = targets.sort_values("runs_best_implausibility", ascending=False).head(count)
    return [
        "<h3>Targets hardest to match</h3>",
        f"<p class='note'>Implausibility from the runs themselves (mean over replications, no "
        f"emulator). The best-fitting design point has its {_ordinal(config.history.order)} "
        f"largest implausibility at {summary[best]:.2f}, with {beyond} of {runs.shape[1]} "
        f"targets beyond the cut-off {config.history.cutoff:g}. Below: the targets whose best "
        "implausibility over all runs is the largest.</p>",
        _table(hardest[columns]),
    ]


def write_report(result: CalibrationResult, path: Path) -> Path:
    config = result.config
    targets = targets_table(result)
    scores = fit_scores(targets, config.start_year)
    waves = waves_table(result)
    inputs = pd.DataFrame(
        [
            {"input": i.name, "low": i.low, "high": i.high, "integer": i.integer}
            for i in config.inputs
        ]
    )
    counts = config.targets.groupby(["statistic", "year"]).size().rename("targets").reset_index()
    sections = [
        f"<h1>Calibration report: {html.escape(config.name)}</h1>",
        f"<p>{html.escape(config.description)}</p>",
        f"<p>World <code>{html.escape(config.world_ref)}</code>, {config.start_year} → "
        f"{config.end_year}; seed {config.seed}; {config.design.waves} waves of "
        f"{config.design.points} points × {config.design.replications} replications; "
        f"cut-off {config.history.cutoff:g} on the {_ordinal(config.history.order)} largest "
        f"implausibility; {result.failed_runs} failed runs. Method and references: "
        "docs/CALIBRATION.md.</p>",
        "<h2>Inputs and targets</h2>",
        _table(inputs),
        _table(counts),
    ]
    if result.posterior is None:
        sections.append(
            "<p><b>No posterior:</b> history matching ruled out every point. The model cannot "
            "match the targets within the stated observation error, seed noise and model "
            "discrepancy; widen the input ranges, state a larger discrepancy, or raise "
            "<code>order</code>. The targets hardest to match follow.</p>"
        )
    sections += _hardest(result, targets)
    sections += [
        "<h2>Observed and simulated</h2>",
        "<p class='note'>Simulated = runs of the model at posterior draws (one run per draw). "
        "R² = 1 − Σ(obs − sim)² / Σ(obs − mean obs)², against the 1:1 line. Persistence carries "
        f"the observed {config.start_year} value forward; error/persistence is the model's mean "
        "absolute error divided by persistence's, on the countries with both (below 1: the model "
        "beats persistence). spearman_persistence is what persistence alone ranks (a model "
        "that keeps the start's order scores about this); change_correlation is the correlation "
        "of the simulated with the observed change since the start year (does the model move "
        "countries the way they moved?).</p>",
        _scatter(targets, scores),
        _bands(targets),
        _table(scores) if not scores.empty else "",
        "<h2>History matching</h2>",
        _implausibility_figure(result),
        _table(waves),
        "<p class='note'>Emulator validation: each wave's emulators are refitted on about "
        f"{1 - config.history.validation_share:.0%} of its training points and predict the rest. "
        "A standardised error is (simulated mean − emulator mean) / sd; about 5% beyond 2 and "
        "under 1% beyond 3 are expected of a well-calibrated emulator. 'Wrongly ruled out' counts "
        "held-back points the simulator's own values keep but the emulators would rule out.</p>",
        "<h2>Posterior</h2>",
    ]
    if result.posterior is not None:
        p = result.posterior
        sections += [
            f"<p>{len(p.draws)} draws from {p.chains} Metropolis chains of {p.steps} steps "
            f"({p.burn} burn-in), acceptance {p.acceptance:.0%}; split-R-hat near 1 means the "
            "chains agree. Summary implausibility at the posterior median: "
            f"{median_implausibility(result):.2f}.</p>",
            _posterior_figure(result),
            _table(posterior_table(result)),
        ]
    shown = targets.drop(columns=["kind"], errors="ignore")
    sections += [
        "<h2>Targets</h2>",
        f"<details><summary>{len(shown)} targets (click to open)</summary>"
        + _table(shown)
        + "</details>",
    ]
    document = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(config.name)}: calibration report</title>"
        f"<style>{STYLE}</style></head><body>" + "\n".join(sections) + "</body></html>\n"
    )
    atomic_write_text(path, document)
    return path


def _ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")
