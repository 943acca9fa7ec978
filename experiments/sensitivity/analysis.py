"""Analyze a study's runs: sensitivity indices with intervals, seed noise and convergence.

The model is stochastic, and that is handled in the open:
- each sample point's output is the mean over its replications, and the indices describe the
  variance of that mean;
- the replications give the share of the output's variance that is seed noise (the seed's total
  index: the mean variance over replications within a point, over the total variance) and the
  seed's own first-order index (the variance, over replications, of the mean over points:
  replication r uses the same seed at every point);
- an index whose 95% interval contains 0 is "not distinguishable from 0", never a finding;
- indices from the first half of the design are set beside those from all of it, and the report
  says plainly when more samples are needed;
- Sobol needs complete blocks (a base sample and its D + 1 companions), Morris complete
  trajectories: blocks with a failed run are dropped and counted; FAST needs every run.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from SALib.analyze import delta as delta_analyze
from SALib.analyze import fast as fast_analyze
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from scipy import stats

from experiments.sensitivity.design import FAST_HARMONICS, Design
from experiments.sensitivity.experiment import Experiment
from experiments.units import Display, display, figure, model_difference, percent

CONFIDENCE = 0.95
NOT_DISTINGUISHABLE = "not distinguishable from 0"
ABOVE = "above 0"
NEGATIVE = "below 0: estimator noise, more samples needed"
NOT_ESTIMATED = "not estimated"
NEGLIGIBLE = "above 0 but negligible (< 0.01)"
NEGLIGIBLE_BELOW = 0.01  # a share of variance this small is no finding even if estimated exactly
SEED = "seed"
ROW_COLUMNS = ["output", "input", "index", "value", "ci_low", "ci_high", "finding"]
INDEX_COLUMNS = [*ROW_COLUMNS, "unit"]  # unit: of value and its interval, in the model's units
MORRIS_STATISTICS = ("mu_star", "sigma", "mu")  # of elementary effects: the output's unit
PER_RANGE = "per input range"
SHARE_OF_VARIANCE = "share of variance"


def finding(value: float, low: float, high: float, share: bool = True) -> str:
    """How an index reads: only an interval clear of 0 is a finding (and a share of variance
    under 1% is called negligible)."""
    if not np.isfinite(value):
        return NOT_ESTIMATED
    if not (np.isfinite(low) and np.isfinite(high)):
        return ""  # a descriptive number without an interval (Morris mu, sigma)
    if low <= 0 <= high:
        return NOT_DISTINGUISHABLE
    if high < 0:
        return NEGATIVE
    return NEGLIGIBLE if share and value < NEGLIGIBLE_BELOW else ABOVE


def impossible_share(index: str, value: float, high: float) -> bool:
    """A share of variance (Sobol's S1, S2 and ST, FAST's, delta's, the seed's) estimated
    outside 0 to 1, where no share can lie: the estimator's noise at too few samples (Sobol's
    estimators are unbiased, not bounded, so small N gives ST 2.25 or S1 -0.4), never a finding.
    An estimate below 0 whose interval reaches 0 is already 'not distinguishable from 0' and not
    flagged again; an estimate inside 0 to 1 whose interval crosses a bound is only uncertain.
    Morris statistics carry the output's unit and have no such bound."""
    if index in MORRIS_STATISTICS or not np.isfinite(value):
        return False
    return value > 1 or (value < 0 and np.isfinite(high) and high < 0)


def analysis_seed(experiment: Experiment) -> int:
    """The seed of SALib's bootstrap intervals, never 0: SALib 1.6's sobol, fast and delta
    analyses skip seeding when given 0 (`if seed:`), which would make the intervals of a file
    with sample_seed = 0 differ from run to run."""
    return int(np.random.SeedSequence(experiment.sample_seed).generate_state(1)[0]) | 1


@dataclass
class OutputAnalysis:
    """Everything said about one output."""

    output: str
    indices: pd.DataFrame  # INDEX_COLUMNS
    convergence: pd.DataFrame  # output, input, index, half, full, change, converged
    lines: list[str] = field(default_factory=list)  # the plain-words report
    blocks_used: int = 0
    blocks_total: int = 0


# --- runs -> arrays ------------------------------------------------------------------------------
def run_values(metrics_path: Path, design: Design) -> dict[str, np.ndarray]:
    """Per output, a (points, replications) array of run results (NaN where not finished)."""
    experiment = design.experiment
    names = [o.name for o in experiment.outputs]
    index = {p: k for k, p in enumerate(design.points)}
    out = {n: np.full((len(design.points), experiment.replications), np.nan) for n in names}
    frame = pq.read_table(metrics_path).to_pandas()
    frame = frame[frame["replication"] < experiment.replications]
    rows = frame["scenario"].map(index)
    keep = rows.notna().to_numpy()
    p = rows[keep].astype(int).to_numpy()
    r = frame.loc[keep, "replication"].to_numpy()
    for name in names:
        out[name][p, r] = frame.loc[keep, name].to_numpy(dtype=float)
    return out


def point_means(values: np.ndarray) -> np.ndarray:
    """Mean over replications of each point; NaN unless every replication finished."""
    means = np.full(len(values), np.nan)
    complete = np.isfinite(values).all(axis=1)
    means[complete] = values[complete].mean(axis=1)
    return means


# --- the methods ---------------------------------------------------------------------------------
def _rows(output: str, names: list[str], index: str, value, conf=None) -> list[dict]:
    value = np.asarray(value, dtype=float)
    half = np.full(len(value), np.nan) if conf is None else np.asarray(conf, dtype=float)
    share = index not in MORRIS_STATISTICS  # Morris effects carry the output's unit
    rows = []
    for name, v, h in zip(names, value, half, strict=True):
        low, high = v - h, v + h
        rows.append(_row(output, name, index, v, low, high, finding(v, low, high, share)))
    return rows


def _row(*values) -> dict:
    return dict(zip(ROW_COLUMNS, values, strict=True))


def _factor_names(design: Design) -> list[str]:
    groups = design.experiment.groups
    return list(dict.fromkeys(groups)) if groups else [i.name for i in design.experiment.inputs]


def _sobol(design: Design, y: np.ndarray, experiment: Experiment) -> dict[str, np.ndarray]:
    if np.ptp(y) == 0:  # the averaged output never changes: nothing to apportion
        zeros = np.zeros(len(_factor_names(design)))
        return {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros}
    return dict(
        sobol_analyze.analyze(
            design.problem,
            y,
            calc_second_order=False,
            num_resamples=experiment.resamples,
            conf_level=CONFIDENCE,
            seed=analysis_seed(experiment),
        )
    )


def _morris(design: Design, x: np.ndarray, y: np.ndarray, experiment: Experiment) -> dict:
    result = morris_analyze.analyze(
        design.problem,
        x,
        y,
        num_resamples=experiment.resamples,
        conf_level=CONFIDENCE,
        num_levels=experiment.levels,
        seed=analysis_seed(experiment),
    )
    return {
        k: np.ma.filled(np.asarray(v, dtype=float), np.nan) if k != "names" else v
        for k, v in result.items()
    }


def _fast(design: Design, y: np.ndarray, experiment: Experiment) -> dict[str, np.ndarray]:
    if np.ptp(y) == 0:
        zeros = np.zeros(len(design.experiment.inputs))
        return {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros}
    with warnings.catch_warnings():  # SALib 1.6 warns that FAST's bootstrap intervals are
        warnings.simplefilter("ignore")  # indicative only: the report says so itself
        return dict(
            fast_analyze.analyze(
                design.problem,
                y,
                M=FAST_HARMONICS,
                num_resamples=experiment.resamples,
                conf_level=CONFIDENCE,
                seed=analysis_seed(experiment),
            )
        )


def _delta(design: Design, x: np.ndarray, y: np.ndarray, experiment: Experiment) -> dict:
    """Borgonovo's moment-independent delta (SALib 1.6's `delta_raw`: on the sample as it is,
    bootstrap intervals) and the first-order index estimated from the same sample."""
    if np.ptp(y) == 0:
        zeros = np.zeros(len(design.experiment.inputs))
        return {"delta": zeros, "delta_conf": zeros, "S1": zeros, "S1_conf": zeros}
    formatter = warnings.formatwarning  # SALib's delta replaces it for the whole process
    with warnings.catch_warnings(record=True):  # and notes how it merged bins of variants we
        result = delta_analyze.analyze(  # do not report
            design.problem,
            x,
            y,
            num_resamples=experiment.resamples,
            conf_level=CONFIDENCE,
            seed=analysis_seed(experiment),
        )
    warnings.formatwarning = formatter
    return {
        "delta": result["delta_raw"],
        "delta_conf": result["delta_raw_conf"],
        "S1": result["S1"],
        "S1_conf": result["S1_conf"],
    }


INDICES = {
    "sobol": (("S1", "S1_conf"), ("ST", "ST_conf")),
    "fast": (("S1", "S1_conf"), ("ST", "ST_conf")),
    "delta": (("delta", "delta_conf"), ("S1", "S1_conf")),
    "morris": (("mu_star", "mu_star_conf"), ("sigma", None), ("mu", None)),
}
RANKED_BY = {"sobol": "ST", "fast": "ST", "delta": "delta", "morris": "mu_star"}


def _estimate(design: Design, x: np.ndarray, y: np.ndarray) -> dict:
    experiment = design.experiment
    method = experiment.method
    if method == "sobol":
        return _sobol(design, y, experiment)
    if method == "morris":
        return _morris(design, x, y, experiment)
    if method == "fast":
        return _fast(design, y, experiment)
    return _delta(design, x, y, experiment)


# --- one output ----------------------------------------------------------------------------------
def analyze_output(design: Design, name: str, values: np.ndarray) -> OutputAnalysis:
    """Indices, seed noise and convergence of one output (values: points x replications)."""
    experiment = design.experiment
    method = experiment.method
    means = point_means(values)
    point = {p: k for k, p in enumerate(design.points)}
    y_rows = means[[point[p] for p in design.point_of_row]]
    blocks = y_rows.reshape(-1, design.block)
    complete = np.isfinite(blocks).all(axis=1)
    analysis = OutputAnalysis(
        name,
        pd.DataFrame(columns=INDEX_COLUMNS),
        _empty_convergence(),
        [],
        int(complete.sum()),
        len(blocks),
    )
    rows: list[dict] = []
    if method != "sweep":
        rows += _indices(design, name, y_rows, complete, analysis)
    rows += _seed_rows(name, values, experiment)
    metric = output_metric(design, name)
    for row in rows:
        row["unit"] = model_unit(metric, row["index"])
    analysis.indices = pd.DataFrame(rows, columns=INDEX_COLUMNS)
    analysis.lines = _report(design, analysis, values)
    return analysis


def _indices(
    design: Design, name: str, y_rows: np.ndarray, complete: np.ndarray, analysis: OutputAnalysis
) -> list[dict]:
    experiment = design.experiment
    method = experiment.method
    used = int(complete.sum())
    needed = 1 if method in ("fast",) else 2
    if method == "fast" and not used:
        missing = int(np.isnan(y_rows).sum())
        analysis.lines.append(
            f"  cannot estimate indices: FAST needs every run and {missing} sample rows lack "
            "one; rerun the command to retry the failed runs"
        )
        return []
    if used < needed or (method == "delta" and used < 20):
        analysis.lines.append(f"  cannot estimate indices: only {used} complete blocks")
        return []
    keep_rows = np.repeat(complete, design.block)
    x, y = design.values[keep_rows], y_rows[keep_rows]
    names = _factor_names(design)
    full = _estimate(design, x, y)
    rows = []
    for index, conf in INDICES[method]:
        rows += _rows(name, names, index, full[index], full[conf] if conf else None)
    if method != "fast" and used >= 4:
        half_blocks = used // 2
        cut = half_blocks * design.block
        half = _estimate(design, x[:cut], y[:cut])
        analysis.convergence = _convergence(name, names, method, half, full)
    return rows


def _convergence(name: str, names: list[str], method: str, half: dict, full: dict) -> pd.DataFrame:
    rows = []
    for index, _ in INDICES[method]:
        if index in ("sigma", "mu"):
            continue
        a, b = np.asarray(half[index], float), np.asarray(full[index], float)
        if method == "morris":  # mu* has the output's unit: compare shares of the largest
            a = a / np.nanmax(a) if np.nanmax(a) > 0 else a
            b = b / np.nanmax(b) if np.nanmax(b) > 0 else b
        for input_name, h, f in zip(names, a, b, strict=True):
            rows.append([name, input_name, index, h, f, abs(f - h)])
    frame = pd.DataFrame(rows, columns=["output", "input", "index", "half", "full", "change"])
    return frame


def _empty_convergence() -> pd.DataFrame:
    return pd.DataFrame(columns=["output", "input", "index", "half", "full", "change"])


# --- seed noise ----------------------------------------------------------------------------------
def seed_indices(values: np.ndarray) -> tuple[float, float]:
    """(seed first-order index, seed total index = share of variance that is seed noise) of a
    (points, replications) array of complete points."""
    total = values.var()
    if values.shape[1] < 2 or np.ptp(values) == 0:
        return np.nan, np.nan
    noise = values.var(axis=1).mean() / total
    first = values.mean(axis=0).var() / total
    return float(first), float(noise)


def _seed_rows(name: str, values: np.ndarray, experiment: Experiment) -> list[dict]:
    complete = values[np.isfinite(values).all(axis=1)]
    if experiment.replications < 2 or not len(complete):
        return []
    first, noise = seed_indices(complete)
    rng = np.random.default_rng(experiment.sample_seed)
    draws = []
    for _ in range(experiment.resamples):
        pick = rng.integers(0, len(complete), len(complete))
        draws.append(seed_indices(complete[pick]))
    draws = np.array(draws)
    rows = []
    for k, (index, value) in enumerate((("S1", first), ("ST", noise))):
        ok = draws[np.isfinite(draws[:, k]), k]
        low, high = (np.quantile(ok, 0.025), np.quantile(ok, 0.975)) if len(ok) else (np.nan,) * 2
        label = finding(value, low, high) if np.isfinite(value) else NOT_ESTIMATED
        rows.append(_row(name, SEED, index, value, low, high, label))
    return rows


def output_metric(design: Design, output: str) -> str:
    """The metric an output reads (a task's own output: its name)."""
    return {o.name: o.metric for o in design.experiment.outputs}.get(output, output)


def output_display(design: Design, output: str) -> Display:
    """How an output is shown (experiments.units, from its metric): net brain gain in
    percentage points, shares in percent; a task's own outputs as they are."""
    return display(output_metric(design, output))


# --- units of indices ----------------------------------------------------------------------------
# Sobol, FAST and delta indices (and the seed's) are shares of variance: no unit, shown as they
# are. Morris's mu*, sigma and mu are statistics of elementary effects, and SALib divides the
# change of the output by the input's step on its range scaled to 0-1: an effect is a difference
# of the output per the input's whole range, shown as such a difference is (experiments.units:
# percentage points for net brain gain and for shares). The console, report.txt, the figures and
# `braingain report` show indices by these functions; indices.csv keeps the model's units.
def index_display(metric: str, index: str) -> Display:
    """How an index of an output of this metric is shown (scale and unit)."""
    if index not in MORRIS_STATISTICS:
        return Display(1.0, "", "")
    shown = display(metric).difference
    return Display(display(metric).scale, shown, shown)


def index_unit(metric: str, index: str) -> str:
    """The shown unit of an index: 'pp per input range' for a Morris statistic of net brain
    gain or of a share, 'share of variance' for the other indices."""
    if index not in MORRIS_STATISTICS:
        return SHARE_OF_VARIANCE
    return f"{Display.short(index_display(metric, index).level)} {PER_RANGE}".strip()


def effect_unit(metric: str, output: str) -> str:
    """Morris statistics' shown unit in words: 'pp per input range', or for an output without
    a unit "y's own unit per input range"."""
    unit = index_unit(metric, "mu_star")
    return unit if unit != PER_RANGE else f"{output}'s own unit {PER_RANGE}"


def model_unit(metric: str, index: str) -> str:
    """The unit of an index in indices.csv: 'share of variance', or for a Morris statistic
    the model unit of a difference of the output per input range ('share difference per input
    range' for net brain gain and for shares)."""
    if index not in MORRIS_STATISTICS:
        return SHARE_OF_VARIANCE
    return f"{model_difference(metric)} {PER_RANGE}".strip()


# --- words ---------------------------------------------------------------------------------------
def _fmt(row: pd.Series, scale: float = 1.0) -> str:
    """An index and its interval as shown: `scale` from index_display."""
    if row["finding"] == NOT_DISTINGUISHABLE:
        return "n.d."
    if row["finding"] == NOT_ESTIMATED:
        return "-"
    value, low, high = (figure(scale * row[k]) for k in ("value", "ci_low", "ci_high"))
    return f"{value} [{low}, {high}]" if np.isfinite(row["ci_low"]) else value


def _report(design: Design, analysis: OutputAnalysis, values: np.ndarray) -> list[str]:
    experiment = design.experiment
    method = experiment.method
    lines = list(analysis.lines)
    runs = int(np.isfinite(values).sum())
    head = (
        f"{analysis.output}: {method}, N = {experiment.samples}, "
        f"{experiment.replications} replication(s) per point, {runs} runs"
    )
    lines.insert(0, head)
    if analysis.blocks_total and analysis.blocks_used < analysis.blocks_total:
        unit = {"sobol": "blocks", "morris": "trajectories"}.get(method, "rows")
        dropped = analysis.blocks_total - analysis.blocks_used
        lines.append(
            f"  dropped {dropped} of {analysis.blocks_total} {unit} with failed runs "
            f"(indices from the other {analysis.blocks_used})"
        )
    table = analysis.indices[analysis.indices["input"] != SEED]
    if len(table):
        columns = [index for index, _ in INDICES[method]]
        ranked = RANKED_BY[method]
        wide = table.pivot(index="input", columns="index", values="value")
        order = wide[ranked].fillna(-np.inf).sort_values(ascending=False).index
        by_key = table.set_index(["input", "index"])
        metric = output_metric(design, analysis.output)
        if method == "morris":
            lines.append(_morris_words(metric, analysis.output))
        titles = [_column_title(metric, c) for c in columns]
        lines.append("  " + "  ".join(f"{c:>20}" for c in titles) + "  input")
        for name in order:
            cells = [_fmt(by_key.loc[(name, c)], index_display(metric, c).scale) for c in columns]
            lines.append("  " + "  ".join(f"{c:>20}" for c in cells) + f"  {name}")
        main = table[table["index"] == ranked]
        nd = main.loc[main["finding"] == NOT_DISTINGUISHABLE, "input"].tolist()
        if nd:
            lines.append(f"  {NOT_DISTINGUISHABLE} ({ranked}): {', '.join(nd)}")
    lines += _seed_words(analysis, experiment)
    lines += _convergence_words(analysis, experiment, runs)
    return lines


def _column_title(metric: str, index: str) -> str:
    """An index's column header: 'mu_star (pp)' for a Morris statistic in a unit."""
    if index not in MORRIS_STATISTICS:
        return index
    unit = Display.short(index_display(metric, index).level)
    return f"{index} ({unit})" if unit else index


def _morris_words(metric: str, output: str) -> str:
    """What Morris's numbers are, in their shown unit."""
    return (
        f"  elementary effects in {effect_unit(metric, output)} (the change in {output} as an "
        "input moves across its whole range): mu_star their mean absolute value [95% "
        "interval], sigma their spread, mu their mean"
    )


def _seed_words(analysis: OutputAnalysis, experiment: Experiment) -> list[str]:
    seed = analysis.indices[analysis.indices["input"] == SEED].set_index("index")
    if experiment.replications < 2:
        return ["  seed noise: not measured (needs replications >= 2)"]
    if seed.empty or not np.isfinite(seed.loc["ST", "value"]):
        return ["  seed noise: none (the output is the same in every run)"]
    st, s1 = seed.loc["ST"], seed.loc["S1"]

    return [
        f"  seed noise: {percent(st['value'])} of the output's variance is seed noise "
        f"(seed total index, 95% interval {percent(st['ci_low'])}-{percent(st['ci_high'])}); "
        f"the seed's own first-order index is {figure(s1['value'])} [{figure(s1['ci_low'])}, "
        f"{figure(s1['ci_high'])}]"
    ]


CONVERGED, NOT_CONVERGED, NOT_CHECKED = "converged", "NOT converged", "not checked"


@dataclass(frozen=True)
class Convergence:
    """Whether an output's indices have settled: the one rule behind the console, report.txt
    and `braingain report`. `line` says it in words (after 'convergence: ')."""

    status: str  # CONVERGED, NOT_CONVERGED or NOT_CHECKED
    line: str

    @property
    def converged(self) -> bool:
        return self.status == CONVERGED


def convergence(
    frame: pd.DataFrame, method: str, samples: int, tolerance: float, runs: int | None = None
) -> Convergence | None:
    """The verdict on one output's convergence.csv rows (indices from the first half of the
    design beside all of it): converged when no index moved by more than `tolerance`. None for
    a sweep (no indices). `runs`, if known, is named as reused by a bigger study."""
    n = samples
    if method == "sweep":
        return None
    if method == "fast":
        return Convergence(
            NOT_CHECKED,
            f"not checked (FAST designs at N/2 and N do not nest); rerun with --samples {2 * n} "
            "and compare. FAST's intervals come from a bootstrap SALib calls indicative only",
        )
    if frame.empty:
        return Convergence(
            NOT_CHECKED, f"too few complete blocks to check; run with --samples {2 * n}"
        )
    worst = frame.loc[frame["change"].idxmax()]
    half = n // 2
    if worst["change"] <= tolerance:
        return Convergence(
            CONVERGED,
            f"indices at N/2 = {half} and N = {n} differ by at most {worst['change']:.3f} "
            f"(tolerance {tolerance}): converged",
        )
    reused = f"the {runs} runs done" if runs is not None else "the runs done"
    return Convergence(
        NOT_CONVERGED,
        f"{NOT_CONVERGED}: {worst['index']} of {worst['input']} moved by {worst['change']:.3f} "
        f"between N/2 = {half} and N = {n} (tolerance {tolerance}); more samples are needed: "
        f"run again with --samples {2 * n} ({reused} are reused)",
    )


def _convergence_words(analysis: OutputAnalysis, experiment: Experiment, runs: int) -> list[str]:
    found = convergence(
        analysis.convergence,
        experiment.method,
        experiment.samples,
        experiment.convergence_tolerance,
        runs,
    )
    return [] if found is None else [f"  convergence: {found.line}"]


# --- sweep ---------------------------------------------------------------------------------------
def sweep_table(design: Design, runs: dict[str, np.ndarray]) -> pd.DataFrame:
    """Per grid point: input values, then per output the mean and 95% t-interval."""
    experiment = design.experiment
    point = {p: k for k, p in enumerate(design.points)}
    index = [point[p] for p in design.point_of_row]
    frame = pd.DataFrame(
        {i.name: [design.applied(r)[i.name] for r in range(design.rows)] for i in experiment.inputs}
    )
    for name, values in runs.items():
        v = values[index]
        n = np.isfinite(v).sum(axis=1)
        mean = np.nanmean(np.where(n[:, None] > 0, v, 0.0), axis=1)
        mean = np.where(n > 0, mean, np.nan)
        sd = np.array(
            [np.nanstd(row, ddof=1) if k > 1 else np.nan for row, k in zip(v, n, strict=True)]
        )
        with np.errstate(invalid="ignore"):
            half = stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
        frame[f"{name}_mean"] = mean
        frame[f"{name}_ci_low"] = mean - half
        frame[f"{name}_ci_high"] = mean + half
        frame[f"{name}_runs"] = n
    return frame
