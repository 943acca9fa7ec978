"""A study's result files: samples.parquet, indices.csv, convergence.csv, sweep.csv, report.txt
and figures, written next to the runner's files in the study's folder."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from experiments.csvout import write_csv
from experiments.sensitivity.analysis import (
    INDEX_COLUMNS,
    OutputAnalysis,
    analyze_output,
    output_display,
    point_means,
    run_values,
    sweep_table,
)
from experiments.sensitivity.design import Design
from experiments.store import atomic_write_text, write_table
from experiments.units import POINTS, Display, figure, with_unit

SAMPLES_FILE = "samples.parquet"
INDICES_FILE = "indices.csv"
CONVERGENCE_FILE = "convergence.csv"
SWEEP_FILE = "sweep.csv"
REPORT_FILE = "report.txt"


@dataclass
class StudyAnalysis:
    """What `braingain sensitivity` reports and writes."""

    outputs: list[OutputAnalysis]
    samples: pd.DataFrame
    sweep: pd.DataFrame | None
    files: list[Path]

    @property
    def indices(self) -> pd.DataFrame:
        parts = [o.indices for o in self.outputs if len(o.indices)]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=INDEX_COLUMNS)

    @property
    def lines(self) -> list[str]:
        return [line for o in self.outputs for line in [*o.lines, ""]]


def samples_frame(design: Design, runs: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per design row: row, block, point, the inputs as applied, then per output the
    mean over replications (empty where a replication is missing) and the runs done."""
    experiment = design.experiment
    point = {p: k for k, p in enumerate(design.points)}
    index = np.array([point[p] for p in design.point_of_row])
    frame = pd.DataFrame(
        {
            "row": np.arange(design.rows),
            "block": design.blocks,
            "point": design.point_of_row,
        }
    )
    for k, item in enumerate(experiment.inputs):
        column = design.values[:, k]
        frame[item.name] = np.round(column).astype(np.int64) if item.integer else column
    for name, values in runs.items():
        frame[name] = point_means(values)[index]
        frame[f"{name}_runs"] = np.isfinite(values).sum(axis=1)[index]
    return frame


def analyze_study(design: Design, metrics_path: Path, out: Path) -> StudyAnalysis:
    """Analyze every output and write the result files."""
    from experiments.sensitivity.figures import write_figures

    out = Path(out)
    runs = run_values(metrics_path, design)
    outputs = [analyze_output(design, o.name, runs[o.name]) for o in design.experiment.outputs]
    samples = samples_frame(design, runs)
    write_table(out / SAMPLES_FILE, pa.Table.from_pandas(samples, preserve_index=False))
    files = [out / SAMPLES_FILE]
    sweep = None
    if design.experiment.method == "sweep":
        sweep = sweep_table(design, runs)
        files.append(_csv(out / SWEEP_FILE, sweep))
        for item in outputs:
            item.lines[1:1] = sweep_lines(design, sweep, item.output)
    else:
        indices = pd.concat([o.indices for o in outputs], ignore_index=True)
        files.append(_csv(out / INDICES_FILE, indices))
        convergence = pd.concat([o.convergence for o in outputs], ignore_index=True)
        files.append(_csv(out / CONVERGENCE_FILE, convergence))
    analysis = StudyAnalysis(outputs, samples, sweep, files)
    atomic_write_text(out / REPORT_FILE, "\n".join(analysis.lines))
    files.append(out / REPORT_FILE)
    files += write_figures(design, analysis, out)
    return analysis


def sweep_lines(design: Design, sweep: pd.DataFrame, output: str) -> list[str]:
    """The sweep in words: each grid point's mean and interval, and where the maximum is, in
    the output's display unit (sweep.csv keeps the model's units)."""
    names = [i.name for i in design.experiment.inputs]
    shown = output_display(design, output)
    unit = Display.short(shown.level)
    signed = shown.level == POINTS
    title = f"{'mean':>12} [95% interval]" + (f" ({unit})" if unit else "")
    lines = ["  " + "  ".join(f"{n:>16}" for n in names) + f"  {title}"]
    for row in sweep.itertuples(index=False):
        values = row._asdict()
        mean, low, high = (
            shown.scale * values[f"{output}_{k}"] for k in ("mean", "ci_low", "ci_high")
        )
        cells = "  ".join(f"{values[n]:>16.4g}" for n in names)
        mean, low, high = (figure(v, signed=signed) for v in (mean, low, high))
        lines.append(f"  {cells}  {mean:>12} [{low}, {high}]")
    best = sweep.loc[sweep[f"{output}_mean"].idxmax()]
    at = ", ".join(f"{n} = {best[n]:.4g}" for n in names)
    top = figure(shown.scale * best[f"{output}_mean"], signed=signed)
    lines.append(f"  maximum {with_unit(top, shown.level)} at {at}")
    return lines


def _csv(path: Path, frame: pd.DataFrame) -> Path:
    buffer = io.BytesIO()
    write_csv(frame, buffer)
    atomic_write_text(path, buffer.getvalue().decode())
    return path
