"""The policy report: one self-contained HTML file (plus its PNG figures) from a results folder.

Order of the page, for readers who will ask "how sure are you?": findings in plain words, at most
three caveats, per-region differences with 95% intervals and the probability of gain, fan charts,
the theory check (does the baseline show the Beine, Docquier & Rapoport 2008 pattern?),
influential inputs and PRIM boxes (when the folder has them), the assumptions with their sources,
a quality card, and how to reproduce the numbers. Every number comes from the folder's
files (comparison.csv, summary.csv, metrics.parquet, indices.csv, manifest.json) or from the
model's own tables (parameters, data sources).
"""

from __future__ import annotations

import shlex
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from braingain.parameter_basis import basis, basis_sentence
from braingain.report import analysis, figures, page, text, theory
from braingain.report.calibration import Calibrated, calibration_of, parameter_values
from braingain.report.results import Results, load_results, planned_runs
from experiments.areas import WORLD_CODE
from experiments.sensitivity.analysis import (
    MORRIS_STATISTICS,
    NOT_CHECKED,
    NOT_DISTINGUISHABLE,
    SEED,
    SHARE_OF_VARIANCE,
    Convergence,
    convergence,
    impossible_share,
    index_display,
    index_unit,
)
from experiments.sensitivity.schema import ExperimentTable
from experiments.stats import change_word, few_replications
from experiments.store import atomic_write_text, check_writable_folder
from experiments.units import POINTS, Display, display, within_range
from simulation import PARAMETERS, parameter_table

NBG, HC, SER, WASTE = (
    "net_brain_gain",
    "human_capital",
    "skilled_emigration_rate",
    "brain_waste_rate",
)
HEADLINE = (NBG, HC, SER, WASTE)
GAIN_METRICS = (NBG, HC)  # "gain" = the metric rises
TOP_INPUTS = 3
CUT_MARK = " †"
CUT_NOTE = (
    "† The 95% t-interval reached below 0% or above 100%, which no share can: it is cut to "
    "the possible range. A t-interval from few replications is that wide; more replications "
    "narrow it."
)


@dataclass
class Report:
    path: Path
    figures: list[Path]
    tables: list[Path] = field(default_factory=list)  # CSV files written beside the page


class _Figures:
    """Collects the figures: a PNG file each, embedded in the page."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.paths: list[Path] = []

    def path(self, name: str) -> Path:
        path = self.folder / name
        self.paths.append(path)
        return path

    def name(self, path: Path) -> str:
        return f"{self.folder.name}/{path.name}"


# --- helpers over the files -----------------------------------------------------------------------
def _areas(codes) -> list[str]:
    codes = list(dict.fromkeys(codes))
    regions = sorted(c for c in codes if c != WORLD_CODE)
    return regions + ([WORLD_CODE] if WORLD_CODE in codes else [])


def _row(frame: pd.DataFrame, **match) -> pd.Series | None:
    mask = np.ones(len(frame), dtype=bool)
    for column, value in match.items():
        mask &= (frame[column] == value).to_numpy()
    rows = frame[mask]
    return None if rows.empty else rows.iloc[0]


def _gain_lookup(gains: pd.DataFrame | None) -> dict[tuple[str, str], tuple[int, int]]:
    if gains is None or gains.empty:
        return {}
    return {
        (str(r.scenario), str(r.area)): (int(r.gains), int(r.n))
        for r in gains.itertuples(index=False)
    }


def _replications(results: Results) -> list[int]:
    return [int(s.get("replications", 0)) for s in results.scenarios]


# --- findings and caveats -------------------------------------------------------------------------
def _compare_findings(results: Results, gains: dict) -> list[str]:
    table = results.comparison
    broad = table[table["level"].isin(["region", "world"])]
    year = int(broad["year"].max())
    out = []
    for alt in results.alternatives:
        cells = broad[(broad["alternative"] == alt) & (broad["year"] == year)]
        world = _row(cells, area=WORLD_CODE, metric=NBG)
        if world is not None:
            won = gains.get((alt, WORLD_CODE, NBG))
            chance = f"; it is higher in {text.share_of_runs(*won)}" if won else ""
            out.append(
                f"Under {alt}, the world's net brain gain in {year} differs from "
                f"{results.baseline} by {text.points(world['difference'])} "
                f"({text.interval(NBG, world['ci_low'], world['ci_high'], True)}), "
                f"{_verdict_words(world['change'])}{chance}."
            )
        regional = cells[(cells["level"] == "region") & (cells["metric"] == NBG)]
        groups: dict[str, list[str]] = {"increase": [], "decrease": [], "no clear change": []}
        for r in regional.sort_values("difference", ascending=False).itertuples(index=False):
            groups[r.change].append(f"{text.area_name(r.area)} ({text.points(r.difference)})")
        out.append(
            f"Net brain gain per region under {alt} in {year}: a clear gain in "
            f"{text.listing(groups['increase'])}; a clear loss in "
            f"{text.listing(groups['decrease'])}; no clear change in "
            f"{text.listing(groups['no clear change'])}."
        )
        for metric in (HC, WASTE):
            row = _row(cells, area=WORLD_CODE, metric=metric)
            if row is not None:
                out.append(
                    f"The world's {text.label(metric)} under {alt} in {year}: "
                    f"{text.difference(metric, row['difference'])} "
                    f"({text.interval(metric, row['ci_low'], row['ci_high'], True)}), "
                    f"from {text.level(metric, row['baseline_mean'], 2)} to "
                    f"{text.level(metric, row['alternative_mean'], 2)}."
                )
    return out


def _verdict_words(change: str) -> str:
    return {
        "increase": "a clear gain (the interval lies above 0)",
        "decrease": "a clear loss (the interval lies below 0)",
    }.get(change, "no clear change (the interval includes 0)")


def _run_findings(results: Results, gains: dict, only_first: bool) -> list[str]:
    summary = results.summary
    out = []
    scenarios = results.scenarios[:1] if only_first else results.scenarios
    for scenario in scenarios:
        name = scenario["name"]
        rows = summary[(summary["scenario"] == name) & summary["level"].isin(["region", "world"])]
        if rows.empty:
            continue
        year = int(rows["year"].max())
        rows = rows[rows["year"] == year]
        world = _row(rows, area=WORLD_CODE)
        if world is not None:
            parts = []
            for metric in (SER, HC, NBG):
                if f"{metric}_mean" in world:
                    parts.append(
                        f"{text.label(metric)} {text.level(metric, world[f'{metric}_mean'])} "
                        f"({
                            text.interval(
                                metric, world[f'{metric}_ci_low'], world[f'{metric}_ci_high'], False
                            )
                        })"
                    )
            won = gains.get((name, WORLD_CODE))
            chance = f"; net brain gain is above 0 in {text.share_of_runs(*won)}" if won else ""
            out.append(f"In {name}, the world in {year}: {'; '.join(parts)}{chance}.")
        if f"{NBG}_ci_low" in rows:
            regional = rows[rows["level"] == "region"].sort_values(f"{NBG}_mean", ascending=False)
            gain = [
                f"{text.area_name(r['area'])} ({text.points(r[f'{NBG}_mean'])})"
                for _, r in regional.iterrows()
                if r[f"{NBG}_ci_low"] > 0
            ]
            loss = [
                f"{text.area_name(r['area'])} ({text.points(r[f'{NBG}_mean'])})"
                for _, r in regional.iterrows()
                if r[f"{NBG}_ci_high"] < 0
            ]
            out.append(
                f"Compared with the same world without emigration, by {year} in {name}: a brain "
                f"gain in {text.listing(gain)}; a brain drain (net loss) in {text.listing(loss)}; "
                "the other regions are not clearly different from 0."
            )
    return out


def _indices(results: Results) -> pd.DataFrame | None:
    """indices.csv as the report shows it, by the console's rule
    (experiments.sensitivity.analysis.index_display): shares of variance as they are, Morris's
    statistics in the output's display unit per input range (pp for net brain gain), with
    that unit in the column `unit`. An output whose metric no manifest names keeps the file's
    numbers and the file's unit."""
    table = results.indices
    if table is None:
        return None
    table = table.copy()
    if "index" not in table:
        table["index"] = "index"
    if not {"ci_low", "ci_high"} <= set(table.columns):
        half = next((c for c in ("conf", "confidence", "value_conf", "ci") if c in table), None)
        if half is not None:
            table["ci_low"] = table["value"] - table[half]
            table["ci_high"] = table["value"] + table[half]
    outputs = (results.study or {}).get("outputs", [])
    metrics = {o.get("name"): o.get("metric", "") for o in outputs}
    filed = table["unit"] if "unit" in table else pd.Series("", index=table.index)
    scales, units = [], []
    for output, index, unit in zip(table["output"], table["index"].astype(str), filed, strict=True):
        metric = metrics.get(output)
        if metric is None:
            scales.append(1.0)
            known = unit if isinstance(unit, str) else ""
            units.append(known if index in MORRIS_STATISTICS else SHARE_OF_VARIANCE)
        else:
            scales.append(index_display(metric, index).scale)
            units.append(index_unit(metric, index))
    for column in ("value", "ci_low", "ci_high"):
        if column in table:
            table[column] = table[column] * np.array(scales)
    table["unit"] = units
    return table


def _main_index(part: pd.DataFrame) -> str:
    """The index that ranks an output's inputs (ST, mu_star, delta, S1), chosen among the
    inputs' own indices: the seed's rows (S1, ST) exist in every method's table."""
    inputs = part[part["input"].astype(str) != SEED]
    kinds = list(dict.fromkeys((inputs if len(inputs) else part)["index"].astype(str)))
    for preferred in ("ST", "mu_star", "delta", "S1"):
        if preferred in kinds:
            return preferred
    return kinds[0]


def _tolerance(study: dict) -> float:
    """The study's convergence tolerance: from its manifest entry, or for a folder written
    before the entry held it, from its experiment file's text (else the schema's default)."""
    if "convergence_tolerance" in study:
        return float(study["convergence_tolerance"])
    try:
        found = tomllib.loads(str(study.get("text") or "")).get("convergence_tolerance")
    except tomllib.TOMLDecodeError:
        found = None
    default = ExperimentTable.model_fields["convergence_tolerance"].default
    return float(found if isinstance(found, int | float) else default)


def _convergences(results: Results) -> dict[str, Convergence]:
    """Per output, the convergence verdict the console printed (the same rule on the same
    convergence.csv: experiments.sensitivity.analysis.convergence)."""
    study, frame = results.study, results.convergence
    if not study or frame is None or study.get("method") in (None, "sweep"):
        return {}
    runs = (results.manifest.get("timings") or {}).get("runs_done")
    out = {}
    for output in dict.fromkeys(results.indices["output"] if results.indices is not None else []):
        part = frame[frame["output"] == output]
        found = convergence(
            part,
            str(study["method"]),
            int(study.get("samples", 0)),
            _tolerance(study),
            int(runs) if runs is not None else None,
        )
        if found is not None:
            out[str(output)] = found
    return out


def _convergence_findings(convergences: dict[str, Convergence]) -> list[str]:
    """The study's convergence, first among the findings: the indices of an output that has
    not converged are not yet results."""
    out = []
    for output, found in convergences.items():
        if found.converged:
            continue
        if found.status == NOT_CHECKED:
            out.append(f"For {output}, convergence was {found.line}.")
        else:
            out.append(
                f"The sensitivity study has NOT converged for {output}, so its indices below "
                f"are not yet results: {found.line.removeprefix('NOT converged: ')}."
            )
    return out


def _impossible(rows: pd.DataFrame) -> pd.Series:
    """Rows whose share of variance lies outside 0 to 1 (impossible_share)."""
    high = rows["ci_high"] if "ci_high" in rows else pd.Series(np.nan, index=rows.index)
    return pd.Series(
        [
            impossible_share(str(i), float(v), float(h))
            for i, v, h in zip(rows["index"], rows["value"], high, strict=True)
        ],
        index=rows.index,
        dtype=bool,
    )


def _sensitivity_findings(
    table: pd.DataFrame, convergences: dict[str, Convergence] | None = None
) -> list[str]:
    """Per output, the inputs clearly above 0 by its main index. The seed is no input: its
    share is seed noise, said apart and only when it exceeds every input's effect. A share
    outside 0 to 1 is named as a sign of too few samples, never as an influence."""
    convergences = convergences or {}
    out = []
    for output in dict.fromkeys(table["output"]):
        part = table[table["output"] == output]
        kind = _main_index(part)
        rows = part[part["index"].astype(str) == kind].sort_values("value", ascending=False)
        has_ci = {"ci_low", "ci_high"} <= set(rows.columns)
        impossible = _impossible(rows)
        seed = rows[(rows["input"].astype(str) == SEED) & ~impossible]
        inputs = rows[rows["input"].astype(str) != SEED]
        possible = inputs[~impossible.loc[inputs.index]]
        clear = possible[possible["ci_low"] > 0] if has_ci else possible[possible["value"] > 0]
        unclear = len(inputs) - len(clear)
        named = []
        for r in clear.head(TOP_INPUTS).itertuples(index=False):
            span = (
                f", 95% interval {text.number(r.ci_low)} to {text.number(r.ci_high)}"
                if has_ci
                else ""
            )
            unit = f" {r.unit}" if kind in MORRIS_STATISTICS and r.unit else ""
            named.append(f"{r.input} ({kind} {text.number(r.value)}{unit}{span})")
        found = convergences.get(str(output))
        unsettled = " (not converged)" if found is not None and not found.converged else ""
        if named:
            sentence = (
                f"For {output}{unsettled}, the most influential inputs are {text.listing(named)}; "
                f"{unclear} of {len(inputs)} inputs are not distinguishable from 0"
            )
        else:
            sentence = (
                f"For {output}{unsettled}, no input's effect is distinguishable from 0 "
                f"({unclear} of {len(inputs)} inputs)"
            )
        if len(seed) and (not has_ci or seed["ci_low"].iloc[0] > 0):
            noise = seed.iloc[0]
            if not len(clear) or noise["value"] > clear["value"].max():
                span = (
                    f", 95% interval {text.number(noise['ci_low'])} to "
                    f"{text.number(noise['ci_high'])}"
                    if has_ci
                    else ""
                )
                sentence += (
                    f"; seed noise (the seed's {kind} {text.number(noise['value'])}{span}) "
                    "exceeds every input's effect: the runs differ more by their random seeds "
                    "than by the inputs"
                )
        odd = rows[impossible]
        if len(odd):
            shown = text.listing(
                [f"{r.input}'s {kind} {text.number(r.value)}" for r in odd.itertuples(index=False)]
            )
            sentence += (
                f"; {shown} lie{'s' if len(odd) == 1 else ''} outside 0 to 1, where no share of "
                "variance can be: a sign of too few samples, not a finding"
            )
        out.append(sentence + ".")
    return out


def _discovery_sentences(results: Results) -> list[str]:
    """The plain-words sentence of each box of `braingain discover` (from its report.txt)."""
    return [
        f"{d.sentence} (scenario discovery, {d.title})" for d in results.discoveries if d.sentence
    ]


def _sweep_findings(results: Results) -> list[str]:
    """Per output of a sweep: where its mean over replications is highest, with the interval."""
    table, study = results.sweep, results.study or {}
    if table is None:
        return []
    inputs = [i["name"] for i in study.get("inputs", []) if i.get("name") in table]
    out = []
    for output in study.get("outputs", []):
        name, metric = output["name"], output.get("metric", "")
        if f"{name}_mean" not in table or not inputs or table[f"{name}_mean"].isna().all():
            continue
        best = table.loc[table[f"{name}_mean"].idxmax()]
        swept = text.listing(
            [f"{i} from {text.number(table[i].min())} to {text.number(table[i].max())}"
             for i in inputs]
        )  # fmt: skip
        at = ", ".join(f"{i} = {text.number(best[i])}" for i in inputs)
        out.append(
            f"Sweeping {swept} ({len(table)} points, {study.get('replications')} replications "
            f"each), {name} is highest at {at}: {text.level(metric, best[f'{name}_mean'])} "
            f"({text.interval(metric, best[f'{name}_ci_low'], best[f'{name}_ci_high'], False)})."
        )
    return out


def _calibrations(results: Results) -> list[Calibrated]:
    """The scenarios of the results that run at a calibration (found from their values)."""
    found = (calibration_of(s) for s in results.scenarios)
    return [c for c in found if c is not None]


def _from_the_model(results: Results) -> bool:
    """Whether the results are the migration model's: a study of a test function (`task =
    "ishigami"`) shares none of the model's caveats, parameters or sources."""
    return results.study is None or results.study.get("task", "model") == "model"


def _not_the_model(results: Results) -> str:
    task = (results.study or {}).get("task", "")
    return (
        f"These results come from the study's function {task!r}, not from the migration model: "
        "the model's simplifications and parameter sources do not apply to them."
    )


def _caveats(results: Results) -> list[str]:
    assumed = sum(p.is_assumption for p in PARAMETERS)
    reps = sorted(set(_replications(results)))
    reps_text = " or ".join(str(r) for r in reps) if reps else "the"
    calibrated = _calibrations(results)
    fitted = (
        ". ".join(f"{c.scenario} runs with {c.words()}" for c in calibrated)
        + ". A calibration fits the model to observed data of its period only, so levels "
        "remain uncertain and differences between scenarios deserve more trust than levels"
        if calibrated
        else "the model has not been calibrated to observed data for these results, so "
        "differences between scenarios deserve more trust than levels"
    )
    fewest = min(reps) if reps else 0
    warning = (
        few_replications(fewest) if results.study is None or results.sweep is not None else None
    )
    seed_noise = (
        (f"Too few replications: {warning}. " if warning else "")
        + f"Intervals show the spread over {reps_text} replication{'' if reps == [1] else 's'} "
        "with different random seeds "
        "(seed noise), not uncertainty about parameters or data"
        + (
            "; the sensitivity analysis below shows which inputs matter."
            if results.indices is not None
            else "; the sweep below shows how the outputs follow the swept inputs."
            if results.sweep is not None
            else "; no sensitivity analysis is part of these results."
        )
    )
    if not _from_the_model(results):
        return [_not_the_model(results), seed_noise]
    return [
        "What the model leaves out: unskilled people are counted, not simulated as migrants; "
        "nobody dies before retirement; wages are a reduced form and human capital has no "
        "productivity spill-over (docs/ODD.md, section 4, lists every simplification).",
        f"{assumed} of the model's {len(PARAMETERS)} parameters are assumptions without a "
        f"published source{'. ' if calibrated else ', and '}{fitted}.",
        seed_noise,
    ]


# --- sections -------------------------------------------------------------------------------------
def _difference_tables(results: Results, gains: dict) -> list[str]:
    table = results.comparison
    broad = table[table["level"].isin(["region", "world"])]
    blocks = [
        page.paragraph(
            "What-if minus baseline, per region and the world: the mean over paired replications "
            "(same seeds) with its 95% t-interval, in percentage points (pp) of the share; gain "
            "or loss of net brain gain, increase or decrease of the other metrics, when the "
            "interval excludes 0. Probability of gain: the share of paired "
            "replications in which the what-if is higher."
        )
    ]
    metrics = [m for m in HEADLINE if m in set(broad["metric"])]
    for alt in results.alternatives:
        for year in sorted(broad["year"].unique(), reverse=True):
            cells = broad[(broad["alternative"] == alt) & (broad["year"] == year)]
            if cells.empty:
                continue
            last = year == broad["year"].max()
            headers = ["area"]
            for metric in metrics:
                unit = Display.short(display(metric).difference)
                headers.append(f"Δ {text.label(metric)}, {unit} [95% interval]")
                if metric in GAIN_METRICS and last:
                    headers.append(f"probability of gain ({text.label(metric)})")
            rows = []
            for area in _areas(cells["area"]):
                row: list[object] = [page.esc(text.area_name(area))]
                for metric in metrics:
                    r = _row(cells, area=area, metric=metric)
                    row.append(_difference_cell(metric, r))
                    if metric in GAIN_METRICS and last:
                        won = gains.get((alt, area, metric))
                        row.append(text.share_of_runs(*won) if won else "n/a")
                rows.append(row)
            blocks.append(page.heading(3, f"{alt} − {results.baseline}, {year}"))
            pairs = int(cells["pairs"].max())
            blocks.append(page.paragraph(f"{pairs} paired replications.", "meta"))
            blocks += _few_replications(pairs)
            blocks.append(
                page.table(headers, rows, numeric=range(1, len(headers)), raw=range(len(headers)))
            )
    return blocks


def _few_replications(n: int) -> list[str]:
    """experiments.stats.few_replications as a caveat paragraph above a table, or nothing."""
    warning = few_replications(n)
    return [page.paragraph(f"Too few replications: {warning}.", "caveats")] if warning else []


def _difference_cell(metric: str, row: pd.Series | None) -> str:
    """'+0.18 [-0.37, +0.72]' over a coloured verdict (HTML)."""
    if row is None:
        return "n/a"
    low, high = (text.difference(metric, row[c], unit=False) for c in ("ci_low", "ci_high"))
    value = text.difference(metric, row["difference"], unit=False)
    word = page.verdict(change_word(metric, row["change"]))
    return f"{page.esc(value)} [{page.esc(low)}, {page.esc(high)}]<br>{word}"


def _level_tables(results: Results, gains: dict) -> list[str]:
    summary = results.summary
    blocks = [
        page.paragraph(
            "Each scenario at its last year: mean over replications with its 95% t-interval. "
            "Rates in percent; net brain gain in percentage points (human capital with "
            "emigration minus without: the country's own people not emigrating, same seeds, "
            "same immigrants). Probability of gain: the share of "
            "replications with a net brain gain above 0."
        )
    ]
    metrics = [m for m in HEADLINE if f"{m}_mean" in summary]
    clipped = False
    for scenario in results.scenarios:
        name = scenario["name"]
        rows_all = summary[
            (summary["scenario"] == name) & summary["level"].isin(["region", "world"])
        ]
        if rows_all.empty:
            continue
        year = int(rows_all["year"].max())
        cells = rows_all[rows_all["year"] == year]
        headers = ["area"] + [f"{text.label(m)} [95% interval]" for m in metrics]
        headers.append("probability of gain")
        rows = []
        for area in _areas(cells["area"]):
            r = _row(cells, area=area)
            row: list[object] = [text.area_name(area)]
            for metric in metrics:
                in_points = display(metric).level == POINTS
                fmt = (
                    (lambda v, m=metric: text.difference(m, v, unit=False))
                    if in_points
                    else (lambda v, m=metric: text.level(m, v))
                )
                value = fmt(r[f"{metric}_mean"]) + (" pp" if in_points else "")
                lo, hi, cut = within_range(metric, r[f"{metric}_ci_low"], r[f"{metric}_ci_high"])
                if np.isfinite(lo) and np.isfinite(hi):
                    value += f" [{fmt(lo)}, {fmt(hi)}]{CUT_MARK if cut else ''}"
                    clipped = clipped or cut
                row.append(value)
            won = gains.get((name, area))
            row.append(text.share_of_runs(*won) if won else "—")
            rows.append(row)
        blocks.append(page.heading(3, f"{name}, {year}"))
        blocks += _few_replications(int(scenario.get("replications", 0)))
        blocks.append(page.table(headers, rows, numeric=range(1, len(headers))))
    if clipped:
        blocks.append(page.paragraph(CUT_NOTE, "meta"))
    return blocks


def _fan_section(results: Results, runs: pd.DataFrame, figs: _Figures) -> list[str]:
    blocks: list[str] = []
    if runs.empty:
        return blocks
    order = [s["name"] for s in results.scenarios]
    for metric, unit, title in (
        (NBG, "pp", "Net brain gain"),
        (SER, "%", "Skilled emigration rate"),
    ):
        if metric not in runs:
            continue
        path = figs.path(f"fan_{metric}.png")
        fans = analysis.fan(runs, metric)
        png = figures.fan_chart(fans, title, unit, path, order, zero_line=metric == NBG)
        blocks.append(page.figure(png, f"{title} per region, every scenario", figs.name(path)))
    if results.comparison is not None:
        diffs = _differences(results, runs)
        for metric, title in ((NBG, "Net brain gain"), (HC, "Human capital")):
            if metric not in diffs:
                continue
            path = figs.path(f"fan_difference_{metric}.png")
            fans = analysis.fan(diffs, metric)
            title_diff = f"{title}, what-if minus baseline"
            png = figures.fan_chart(fans, title_diff, "pp", path, results.alternatives)
            blocks.append(
                page.figure(png, f"{title}: what-if minus {results.baseline}", figs.name(path))
            )
    return blocks


def _differences(results: Results, runs: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(
        [analysis.paired_differences(runs, results.baseline, alt) for alt in results.alternatives],
        ignore_index=True,
    )


def _gains(results: Results, runs: pd.DataFrame, figs: _Figures) -> tuple[dict, dict, list[str]]:
    """Probability of gain at the last year: of a net brain gain above 0 per (scenario, area),
    and of a what-if above its baseline per (alternative, area, metric); and their figure."""
    if runs.empty or NBG not in runs:
        return {}, {}, []
    year = analysis.last_year(runs)
    levels = analysis.probability_of_gain(runs, NBG, year)
    if results.comparison is None:
        path = figs.path("probability_of_gain.png")
        title = f"Probability of a net brain gain (above 0), {year}"
        png = figures.gain_bars(levels, title, path, [s["name"] for s in results.scenarios])
        caption = "Probability of a net brain gain per region"
        return _gain_lookup(levels), {}, [page.figure(png, caption, figs.name(path))]
    diffs = _differences(results, runs)
    lookup: dict = {}
    blocks = []
    for metric in GAIN_METRICS:
        if metric not in diffs:
            continue
        probs = analysis.probability_of_gain(diffs, metric, year)
        for (alt, area), value in _gain_lookup(probs).items():
            lookup[(alt, area, metric)] = value
        if metric == NBG:
            path = figs.path("probability_of_gain.png")
            title = f"Probability that net brain gain is higher than in {results.baseline}, {year}"
            png = figures.gain_bars(probs, title, path, results.alternatives)
            blocks.append(page.figure(png, "Probability of gain per region", figs.name(path)))
    return _gain_lookup(levels), lookup, blocks


def _sensitivity_section(
    table: pd.DataFrame, figs: _Figures, convergences: dict[str, Convergence] | None = None
) -> list[str]:
    convergences = convergences or {}
    blocks = [page.items(_sensitivity_findings(table, convergences))]
    said = [f"{output}: {found.line}." for output, found in convergences.items()]
    unsettled = any(not found.converged for found in convergences.values())
    if said:
        blocks.append(page.items(said, "caveats" if unsettled else None))
    for i, output in enumerate(dict.fromkeys(table["output"])):
        path = figs.path(f"influence_{i + 1}.png")
        part = table[table["output"] == output]
        unit = part.loc[part["index"].astype(str) == _main_index(part), "unit"].iloc[0]
        png = figures.index_bars(part[part["unit"] == unit], output, path)  # one unit an axis
        blocks.append(page.figure(png, f"Influential inputs for {output}", figs.name(path)))
    numbers = [c for c in ("value", "ci_low", "ci_high") if c in table]
    columns = ["output", "input", "index", *numbers, "unit"]
    shown = table.head(200)
    readings = _readings(shown)
    rows = shown[columns].itertuples(index=False)
    cells = [
        [*(text.number(v) if isinstance(v, float) else v for v in row), reading]
        for row, reading in zip(rows, readings, strict=True)
    ]
    blocks.append(page.table([*columns, "reading"], cells, numeric=range(3, 3 + len(numbers))))
    return blocks


def _readings(table: pd.DataFrame) -> list[str]:
    """How each index reads: indices.csv's finding (the console's rule: 'n.d.' is its
    'not distinguishable from 0'), or a share outside 0 to 1 named as too few samples."""
    found = table["finding"] if "finding" in table else pd.Series("", index=table.index)
    impossible = _impossible(table)
    out = []
    for reading, odd in zip(found.fillna("").astype(str), impossible, strict=True):
        if odd:
            out.append("outside 0 to 1, impossible for a share: too few samples")
        else:
            out.append("n.d." if reading == NOT_DISTINGUISHABLE else reading)
    return out


def _sweep_section(results: Results) -> list[str]:
    table, study = results.sweep, results.study or {}
    inputs = [i["name"] for i in study.get("inputs", []) if i.get("name") in table]
    blocks = [page.items(_sweep_findings(results))]
    for output in study.get("outputs", []):
        name, metric = output["name"], output.get("metric", "")
        if f"{name}_mean" not in table:
            continue
        unit = text.short_unit(metric)
        headers = [*inputs, f"{name}{f' ({unit})' if unit else ''}, mean [95% interval]", "runs"]
        rows = []
        for r in table.to_dict("records"):
            mean, low, high = (
                text.bare(metric, r[f"{name}_{k}"]) for k in ("mean", "ci_low", "ci_high")
            )
            span = f" [{low}, {high}]" if low != "n/a" and high != "n/a" else ""
            runs = r.get(f"{name}_runs")
            rows.append(
                [
                    *(text.number(r[i]) for i in inputs),
                    mean + span,
                    "n/a" if runs is None else str(runs),
                ]
            )
        blocks.append(page.heading(3, name))
        blocks.append(page.table(headers, rows, numeric=range(len(headers))))
    return blocks


def _discovery_section(results: Results, figs: _Figures) -> list[str]:
    blocks = [
        page.paragraph(
            "PRIM (EMA Workbench) peels the input box until most runs left inside cross the "
            "line; coverage is the share of all such runs inside the box, density the share of "
            "the box's runs that cross it. Per box: each input's range in the study and in the "
            "box, and the quasi-p-values of its limits."
        )
    ]
    for found in results.discoveries:
        blocks.append(page.heading(3, found.title))
        said = [line for line in (found.sentence, found.rule) if line]
        if said:
            blocks.append(page.items(said))
        rows = []
        for r in found.box.to_dict("records"):
            narrowed = r["box_low"] > r.get("low", r["box_low"]) or r["box_high"] < r.get(
                "high", r["box_high"]
            )
            rows.append(
                [
                    r["input"],
                    f"{text.number(r.get('low', float('nan')))} to "
                    f"{text.number(r.get('high', float('nan')))}",
                    f"{text.number(r['box_low'])} to {text.number(r['box_high'])}",
                    "yes" if narrowed else "no",
                    text.number(r.get("qp_low", float("nan"))),
                    text.number(r.get("qp_high", float("nan"))),
                ]
            )
        headers = ["input", "range in the study", "box", "restricted", "qp low", "qp high"]
        blocks.append(page.table(headers, rows, numeric=(4, 5)))
        tradeoff = found.folder / "tradeoff.png"
        if tradeoff.exists():
            png = tradeoff.read_bytes()
            path = figs.path(f"prim_{found.name}.png")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(png)
            caption = f"PRIM peeling trajectory of {found.title}: coverage against density"
            line = found.threshold
            if line and line.shown.scale != 1 and not found.recorded:
                caption += (
                    f" (drawn by an earlier braingain, whose title gives the threshold in the "
                    f"files' model units: {line.model:g})"
                )
            blocks.append(page.figure(png, caption, figs.name(path)))
        blocks.append(page.paragraph(f"From {found.folder}.", "meta"))
    return blocks


def _assumptions(results: Results) -> list[str]:
    if not _from_the_model(results):
        return [page.paragraph(f"{_not_the_model(results)} It has no model parameters.")]
    used: dict[str, dict] = {s["name"]: parameter_values(s) for s in results.scenarios}
    base = used.get(results.baseline or "", {})
    sampled = {
        str(i["target"]): (float(i["low"]), float(i["high"]))
        for i in (results.study or {}).get("inputs", [])
        if i.get("kind") == "parameter" and i.get("low") is not None
    }
    kinds = {row["name"]: basis(row) for row in parameter_table()}
    rows = []
    changed = []
    for p in PARAMETERS:
        value = base.get(p.name, p.default)
        others = {v.get(p.name, p.default) for v in used.values()} - {value}
        shown = str(value) + (
            f" (also {', '.join(map(str, sorted(others, key=str)))})" if others else ""
        )
        if p.name in sampled:
            shown = f"sampled from {sampled[p.name][0]:g} to {sampled[p.name][1]:g}"
        if value != p.default or others or p.name in sampled:
            changed.append(p.name)
        span = "on/off" if p.low is None else f"{p.low:g} to {p.high:g}"
        rows.append(
            [
                p.name,
                shown,
                str(p.default),
                p.unit,
                span,
                p.mechanism,
                kinds[p.name],
                p.source,
                p.description,
            ]
        )
    calibrated = {c.scenario: c for c in _calibrations(results) if c.how == "medians"}
    fitted = calibrated.get(results.baseline or "")
    for row in rows:
        if fitted is not None and row[0] in fitted.parameters:
            row[6] += f", calibrated ({fitted.period or fitted.calibration})"
    rows.sort(key=lambda r: (not r[6].startswith("assumption"), r[5], r[0]))
    medians = (
        f" {fitted.scenario} runs with {fitted.words()}: {', '.join(fitted.parameters)}."
        if fitted is not None
        else ""
    )
    return [
        page.paragraph(
            f"{basis_sentence()}. "
            f"{len(changed)} differ from their defaults in these runs"
            + (f": {', '.join(changed)}." if changed else ".")
            + medians
        ),
        page.table(
            [
                "parameter",
                "value in these runs",
                "default",
                "unit",
                "range",
                "mechanism",
                "status",
                "source",
                "meaning",
            ],
            rows,
        ),
    ]


def _data_sources() -> pd.DataFrame | None:
    try:
        path = resources.files("simulation") / "data" / "columns.csv"
        with path.open(encoding="utf-8") as fh:
            return pd.read_csv(fh, keep_default_na=False)
    except (OSError, ValueError):
        return None


def _world_line(results: Results) -> list[str] | None:
    from experiments.scenario import cached_world

    first = results.scenarios[0] if results.scenarios else {}
    world_ref = first.get("world")
    if not world_ref:
        return None
    try:
        countries = cached_world(str(world_ref)).countries
    except Exception:  # the world folder may have moved: the card says so
        return ["World", f"{world_ref} (cannot be loaded here)"]
    imputed = int((countries["imputed"].fillna("").astype(str).str.len() > 0).sum())
    return [
        "World",
        f"{world_ref}: {len(countries)} countries from {first.get('start_year')} data; "
        f"{imputed} of {len(countries)} countries have at least one imputed input",
    ]


def _is_source(source: str) -> bool:
    """A data source, not bookkeeping: the build script itself ("this script": the imputed
    flags), another table of the world (identifiers from countries.csv) or nothing (the year
    column of the drivers)."""
    source = source.strip()
    return bool(source) and source.lower() != "this script" and not source.endswith(".csv")


def _sources_table() -> list[str]:
    sources = _data_sources()
    if sources is None or sources.empty:
        return []
    sources = sources[sources["source"].astype(str).map(_is_source)]
    rows = []
    for source, part in sources.groupby("source", sort=False):
        years = ", ".join(sorted({str(y) for y in part["year"] if str(y)}))
        columns = ", ".join(dict.fromkeys(part["column"].astype(str)))
        assumed = any(str(v).lower() == "true" for v in part["assumption"])
        rows.append([source, years, columns, "yes" if assumed else ""])
    return [
        page.heading(3, "Data sources of the world tables"),
        page.table(["source", "years", "columns", "includes assumptions"], rows),
        page.paragraph(
            "Each column appears once per source, whatever table holds it (countries of 2000 "
            "and of 1990, corridors, drivers). Not listed: identifiers, the year and the "
            "imputed flags, which the world-building script writes itself; "
            "simulation/data/columns.csv documents every column with its notes.",
            "meta",
        ),
    ]


def _validation(results: Results) -> str:
    checked = "stylised facts are checked by the test suite (tests/test_validation.py)"
    calibrated = _calibrations(results)
    if not calibrated:
        return f"{checked}; no calibration or out-of-sample validation is attached to these results"
    fitted = "; ".join(f"{c.scenario} runs with {c.words()}" for c in calibrated)
    return (
        f"{fitted}; {checked}; the out-of-sample check (the 2000-2010 hindcast, braingain "
        'hindcast, README "The 2000 → 2010 hindcast") is not part of these results'
    )


def _quality_card(results: Results) -> list[str]:
    m = results.manifest
    rows: list[list[str]] = []
    world = _world_line(results)
    if world:
        rows.append(world)
    runs = planned_runs(m)
    timings = m.get("timings") or {}
    study = results.study
    what = (
        f"study {study['name']} ({study.get('method')}): {study.get('points')} sample points x "
        f"{study.get('replications')} replications = {runs} runs"
        if study
        else f"{len(results.scenarios)} scenarios, {runs} runs"
    )
    if runs:
        rows.append(
            [
                "Runs",
                f"{what}; status: {m.get('status')}; "
                f"{timings.get('runs_done', 'n/a')} runs done, "
                f"{timings.get('mean_run_seconds', 'n/a')} s per run on average",
            ]
        )
    sensitivity = (
        "included below (indices.csv)"
        if results.indices is not None
        else "included below (sweep.csv)"
        if results.sweep is not None
        else "not part of these results (braingain sensitivity makes one)"
    )
    discovery = (
        f"included below (PRIM, {len(results.discoveries)} box"
        f"{'es' if len(results.discoveries) > 1 else ''})"
        if results.discoveries
        else "not part of these results (braingain discover)"
    )
    rows += [
        ["Sensitivity analysis", sensitivity],
        ["Scenario discovery", discovery],
        ["Calibration and validation", _validation(results)],
    ]
    git = m.get("git") or {}
    if git.get("commit"):
        dirty = " with uncommitted changes" if git.get("dirty") else ""
        code = m.get("code_fingerprint", "n/a")
        rows.append(["Model code", f"commit {git['commit']}{dirty}; code fingerprint {code}"])
    return [page.table(["", ""], rows, cls="card"), *_sources_table()]


def _reproduce(results: Results) -> list[str]:
    m = results.manifest
    commands = []
    for session in m.get("sessions", []):
        command = session.get("command") or []
        line = " ".join(shlex.quote(str(part)) for part in command)
        if line and line not in commands:
            commands.append(line)
    versions = m.get("versions") or {}
    git = m.get("git") or {}
    seeds = [
        f"{s['name']}: seed {s.get('seed')}, {s.get('replications')} replications"
        if s.get("kind") != "experiment"
        else f"{s['name']}: scenario seed {(s.get('base_scenario') or {}).get('seed')}, "
        f"sample seed {s.get('sample_seed')}, {s.get('points')} points x "
        f"{s.get('replications')} replications"
        for s in results.scenarios
    ]
    lines = [
        f"Command{'s' if len(commands) > 1 else ''}: " + (" ; ".join(commands) or "not recorded"),
        "Seeds: " + ("; ".join(seeds) or "not recorded") + f" ({m.get('seed_rule', '')})",
        f"Version: braingain {versions.get('braingain', 'n/a')}, Python "
        f"{versions.get('python', 'n/a')}, mesa {versions.get('mesa', 'n/a')}, numpy "
        f"{versions.get('numpy', 'n/a')}",
        f"Commit: {git.get('commit') or 'not recorded'}"
        + (" (with uncommitted changes)" if git.get("dirty") else ""),
        f"This report: braingain report {shlex.quote(str(results.folder))}",
    ]
    return [page.items(lines)]


def _file_description(entry: dict) -> str | None:
    """The `description` of a study's experiment file (the manifest keeps the file's text)."""
    try:
        found = tomllib.loads(str(entry.get("text") or "")).get("description")
    except tomllib.TOMLDecodeError:
        return None
    return found if isinstance(found, str) else None


# --- the page -------------------------------------------------------------------------------------
def build_report(
    results: Results, out: Path, progress: Callable[[str], None] | None = None
) -> Report:
    say = progress or (lambda _line: None)
    figs = _Figures(out.parent / f"{out.stem}_figures")
    body: list[str] = []
    metrics = list(HEADLINE)
    if results.metrics_path:
        say("reading the runs (metrics.parquet)")
    runs = analysis.area_runs(results, metrics) if results.metrics_path else pd.DataFrame()
    say("drawing the figures")
    level_gains, gains, gain_figures = _gains(results, runs, figs)

    findings: list[str] = []
    if results.comparison is not None:
        if results.summary is not None:
            findings += _run_findings(results, level_gains, only_first=True)
        findings += _compare_findings(results, gains)
    elif results.summary is not None:
        findings += _run_findings(results, level_gains, only_first=False)
    indices = _indices(results)
    convergences = _convergences(results)
    findings[:0] = _convergence_findings(convergences)  # first: it says how far to trust the rest
    if indices is not None:
        findings += _sensitivity_findings(indices, convergences)
    findings += _sweep_findings(results)
    findings += _discovery_sentences(results)
    theory_check = theory.check(results)
    findings += theory.finding(theory_check)

    if results.comparison is not None:
        title = f"Policy report: {', '.join(results.alternatives)} against {results.baseline}"
    elif results.scenarios:
        title = f"Policy report: {', '.join(s['name'] for s in results.scenarios)}"
    else:
        title = f"Policy report: {results.folder.name}"
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body.append(page.heading(1, title))
    body.append(
        page.paragraph(
            f"Made {created} from {results.folder} ({', '.join(results.kinds)} results).", "meta"
        )
    )
    descriptions = [
        f"{s['name']}: {s.get('description') or _file_description(s) or 'no description'}"
        for s in results.scenarios
    ]
    if descriptions:
        body.append(page.items(descriptions, "meta"))
    body.append(page.heading(2, "Findings", "findings"))
    body.append(page.items(findings or ["No headline metric in these results."], "findings"))
    body.append(page.heading(2, "Read with care", "caveats"))
    body.append(f'<div class="caveats">{page.items(_caveats(results))}</div>')
    if results.comparison is not None:
        body.append(page.heading(2, "What-if differences per region", "differences"))
        body += _difference_tables(results, gains)
    if results.summary is not None:
        body.append(page.heading(2, "Levels per region", "levels"))
        body += _level_tables(results, level_gains)
    if gain_figures or not runs.empty:
        body.append(page.heading(2, "Over time, with uncertainty", "fans"))
        body += gain_figures
        body += _fan_section(results, runs, figs)
    pattern_csv = out.parent / f"{out.stem}_bdr_pattern.csv"
    figure_path = figs.folder / "bdr_pattern.png"
    body += theory.section(theory_check, figure_path, figs.name(figure_path), pattern_csv)
    if figure_path.exists():
        figs.paths.append(figure_path)
    if indices is not None:
        body.append(page.heading(2, "Influential inputs (sensitivity analysis)", "sensitivity"))
        body += _sensitivity_section(indices, figs, convergences)
    if results.sweep is not None:
        body.append(page.heading(2, "Sweep (sensitivity analysis)", "sweep"))
        body += _sweep_section(results)
    if results.discoveries:
        body.append(page.heading(2, "Where the outcome flips (scenario discovery, PRIM)", "prim"))
        body += _discovery_section(results, figs)
    say("writing the tables and the page")
    body.append(page.heading(2, "Assumptions and their sources", "assumptions"))
    body += _assumptions(results)
    body.append(page.heading(2, "Quality card", "quality"))
    body += _quality_card(results)
    body.append(page.heading(2, "How to reproduce", "reproduce"))
    body += _reproduce(results)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, page.document(title, body))
    return Report(out, figs.paths, [pattern_csv] if pattern_csv.exists() else [])


REPORT_FILE = "report.html"
HTML_SUFFIXES = (".html", ".htm")


def report_target(folder: Path, out: Path | str | None) -> Path:
    """Where the report goes, checked before any work: --out is a folder (report.html and its
    side files inside it, as every other command's --out is a folder) unless it names an
    .html file; no --out writes into the results folder. A destination that cannot hold the
    report (a file, under a file, not writable, read-only) is refused with one line
    (experiments.store.check_writable_folder)."""
    if out is None:
        check_writable_folder(folder, "results folder", "RESULTS_DIR, or --out elsewhere")
        return folder / REPORT_FILE
    out = Path(out)
    if out.suffix.lower() in HTML_SUFFIXES and not out.is_dir():
        check_writable_folder(out.parent, "folder of --out", "--out FOLDER or FILE.html")
        return out
    check_writable_folder(out, "--out folder", "--out FOLDER or FILE.html")
    return out / REPORT_FILE


def write_report(
    folder: Path | str,
    out: Path | str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Read a results folder and write its report (default: FOLDER/report.html; --out a
    folder or an .html file, see report_target). `progress` hears one short line per stage."""
    results = load_results(Path(folder))  # bad input is refused before any line of progress
    target = report_target(results.folder, out)
    return build_report(results, target, progress)
