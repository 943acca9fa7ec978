"""Scenario discovery on a study's runs: where in the input space does an output cross a line?

PRIM (the patient rule induction method) from EMA Workbench peels the input box until the runs
left inside are mostly "of interest" (e.g. net brain gain above 0). Each step of the peeling
trajectory trades coverage (the share of all runs of interest that the box holds) for density
(the share of the box's runs that are of interest). We report the trajectory, pick a box (the
most covering one whose density reaches the target), and say its limits in plain words.

The threshold is given and shown in the output's display unit (experiments.units: percentage
points for net brain gain and other differences of shares, percent for shares), as the console,
`braingain sensitivity` and the report show the output; the runs and files keep the model's
units (fractions), and discovery.json records the threshold in both.

A study's runs are also exported in EMA Workbench's `(experiments, outcomes)` form, so its
other analyses (feature scoring, dimensional stacking, CART) work on them directly.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from experiments.errors import UserError
from experiments.store import METRICS_FILE, atomic_write_text
from experiments.units import Display, display, with_unit
from simulation.metrics import METRICS

SAMPLES_FILE = "samples.parquet"
EMA_FILE = "ema_results.tar.gz"
DISCOVERY_FILE = "discovery.json"
DEFAULT_DENSITY = 0.8


@dataclass(frozen=True)
class StudyRuns:
    """One row per finished run: the inputs of its sample point and its outputs."""

    name: str
    inputs: list[str]
    outputs: list[str]
    frame: pd.DataFrame  # point, replication, inputs..., outputs... (model units)
    metrics: dict[str, str] = field(default_factory=dict)  # output -> its metric

    def display(self, output: str) -> Display:
        """How the output is shown (its metric's display unit; as it is for a task's own)."""
        return display(self.metrics.get(output, output))


def load_runs(folder: str | Path) -> StudyRuns:
    """The finished runs of the study in `folder` (a `braingain sensitivity` output folder)."""
    folder = Path(folder)
    entry = _experiment_entry(folder)
    inputs = [i["name"] for i in entry["inputs"]]
    outputs = [o["name"] for o in entry["outputs"]]
    metrics = {o["name"]: o.get("metric") or o["name"] for o in entry["outputs"]}
    samples = pq.read_table(folder / SAMPLES_FILE, columns=["point", *inputs]).to_pandas()
    points = samples.drop_duplicates("point").set_index("point")
    runs = pq.read_table(folder / METRICS_FILE).to_pandas()
    runs = runs[runs["scenario"].isin(points.index)].rename(columns={"scenario": "point"})
    frame = runs.join(points, on="point")[["point", "replication", *inputs, *outputs]]
    return StudyRuns(entry["name"], inputs, outputs, frame.reset_index(drop=True), metrics)


def _experiment_entry(folder: Path) -> dict:
    manifest_path = folder / "manifest.json"
    missing = [p.name for p in (manifest_path, folder / SAMPLES_FILE) if not p.is_file()]
    if missing:
        raise UserError(
            f"{folder}: no {' or '.join(missing)}; allowed: the output folder of a finished "
            "`braingain sensitivity` run"
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{manifest_path}: unreadable ({exc})") from None
    entries = [e for e in manifest.get("scenarios", []) if e.get("kind") == "experiment"]
    current = [e for e in entries if e["name"] in manifest.get("batch", [])]
    if not current:
        raise UserError(
            f"{folder}: holds no sensitivity study; allowed: the output folder of "
            "`braingain sensitivity`"
        )
    return current[0]


# --- EMA Workbench export ------------------------------------------------------------------------
def ema_results(runs: StudyRuns) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The runs as EMA Workbench's `(experiments, outcomes)`: one experiment per run, with the
    inputs as uncertainties and columns scenario (run number), policy and model."""
    experiments = runs.frame[runs.inputs].copy()
    experiments["scenario"] = np.arange(len(experiments))
    experiments["policy"] = "none"
    experiments["model"] = runs.name
    outcomes = {name: runs.frame[name].to_numpy(dtype=float) for name in runs.outputs}
    return experiments, outcomes


def export_ema(runs: StudyRuns, path: Path) -> Path:
    """Write the runs with EMA Workbench's `save_results` (load them with `load_results`)."""
    with warnings.catch_warnings():  # its optional parallel back ends warn on import
        warnings.simplefilter("ignore")
        from ema_workbench import ScalarOutcome, save_results

    for name in runs.outputs:  # EMA serialises outcomes by their registered kind
        ScalarOutcome(name)
    save_results(ema_results(runs), str(path))
    return path


# --- the line ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Threshold:
    """The line an output crosses: `value` in the output's display unit (as typed after
    --threshold and shown), `model` in the model's units (as the files keep the output)."""

    output: str
    above: bool
    value: float
    shown: Display
    metric: str = ""

    @property
    def model(self) -> float:
        return self.value / self.shown.scale

    @property
    def side(self) -> str:
        return "above" if self.above else "below"

    @property
    def text(self) -> str:
        """'1.2 pp', '30%', '5 persons/year' or '5'."""
        return with_unit(f"{self.value:g}", self.shown.level)

    @property
    def folder_name(self) -> str:
        """discovery/<output>_<above|below>_<threshold as typed, in the display unit>."""
        return f"{self.output}_{self.side}_{self.value:g}"

    def describe(self) -> str:
        """'net_brain_gain_SSF_2030 above 1.2 pp (0.012 in the files' model units)'."""
        files = f" ({self.model:g} in the files' model units)" if self.shown.scale != 1 else ""
        return f"{self.output} {self.side} {self.text}{files}"

    def record(self) -> dict:
        """discovery.json: the threshold in model units, and as shown."""
        unit = METRICS[self.metric].unit if self.metric in METRICS else ""
        return {
            "output": self.output,
            "metric": self.metric,
            "side": self.side,
            "threshold": self.model,
            "threshold_unit": f"{unit or 'the output'}'s model unit, as in metrics.parquet",
            "shown_threshold": self.value,
            "shown_unit": self.shown.level,
            "shown_scale": self.shown.scale,
        }


LEGACY_NAME = re.compile(r"^(?P<output>.+)_(?P<side>above|below)_(?P<threshold>[^_]+)$")


def read_threshold(folder: Path) -> Threshold | None:
    """The threshold of the discovery folder `folder` (DIR/discovery/<name>), from its
    discovery.json, or for a folder written before that file existed from its name (whose
    threshold is in model units) and the study's manifest (for the output's metric); None if
    neither tells."""
    folder = Path(folder)
    record = _json(folder / DISCOVERY_FILE)
    if record is not None:
        try:
            shown = Display(
                float(record["shown_scale"]), str(record["shown_unit"]), str(record["shown_unit"])
            )
            return Threshold(
                str(record["output"]),
                record["side"] == "above",
                float(record["shown_threshold"]),
                shown,
                str(record.get("metric", "")),
            )
        except (KeyError, TypeError, ValueError):
            return None
    match = LEGACY_NAME.match(folder.name)
    if match is None:
        return None
    try:
        model = float(match["threshold"])
    except ValueError:
        return None
    output = match["output"]
    manifest = _json(folder.parent.parent / "manifest.json") or {}
    entries = [e for e in manifest.get("scenarios", []) if e.get("kind") == "experiment"]
    metrics = {o.get("name"): o.get("metric") for e in entries for o in e.get("outputs", [])}
    metric = metrics.get(output) or output
    shown = display(metric)
    return Threshold(output, match["side"] == "above", shown.scale * model, shown, metric)


def legacy_sentence(sentence: str, threshold: Threshold) -> str:
    """A sentence of a report.txt written before discovery.json existed, when thresholds were
    printed in model units without a unit: the threshold shown in the display unit."""
    side, model = threshold.side, re.escape(f"{threshold.model:g}")
    return re.sub(rf"\b{side} {model}(?= )", f"{side} {threshold.text}", sentence)


def _json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# --- PRIM ----------------------------------------------------------------------------------------
@dataclass
class Discovery:
    """A PRIM box and how it was found."""

    line: Threshold
    share: float  # of all runs that are of interest
    trajectory: pd.DataFrame  # id, coverage, density, mass, res_dim, n, k
    chosen: int
    rule: str
    limits: pd.DataFrame  # input, low, high, box_low, box_high, qp_low, qp_high
    sentence: str

    @property
    def output(self) -> str:
        return self.line.output

    @property
    def above(self) -> bool:
        return self.line.above

    @property
    def threshold(self) -> float:
        """In the output's display unit (self.line.model: in model units)."""
        return self.line.value

    def lines(self) -> list[str]:
        out = [
            f"{self.line.describe()}: {self.share:.0%} of all runs",
            "peeling trajectory (coverage = share of those runs inside the box; density = "
            "share of the box's runs that are of interest; mass = share of all runs inside):",
            "   step  coverage  density    mass  inputs restricted",
        ]
        steps = self.trajectory
        shown = sorted(
            {*np.linspace(0, len(steps) - 1, min(len(steps), 12)).astype(int), self.chosen}
        )
        for i in shown:
            row = steps.iloc[i]
            mark = "  <- chosen" if i == self.chosen else ""
            out.append(
                f"  {int(row['id']):5d}  {row['coverage']:8.0%}  {row['density']:7.0%}  "
                f"{row['mass']:6.0%}  {int(row['res_dim']):17d}{mark}"
            )
        out += [f"box chosen: {self.rule}", self.sentence]
        return out


def discover(
    runs: StudyRuns,
    output: str,
    threshold: float,
    above: bool = True,
    density: float = DEFAULT_DENSITY,
    mass_min: float = 0.05,
) -> Discovery:
    """Run PRIM for `output` crossing `threshold`, given in the output's display unit (as the
    console shows it: percentage points for net brain gain, percent for shares); the box is
    the most covering one whose density reaches `density` (the densest one if none does)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

    if output not in runs.outputs:
        raise UserError(
            f"--output: {output!r} is not an output of study {runs.name!r}; allowed: "
            f"{', '.join(runs.outputs)}"
        )
    shown = runs.display(output)
    line = Threshold(output, above, float(threshold), shown, runs.metrics.get(output, output))
    frame = runs.frame.dropna(subset=[output])
    values = shown.scale * frame[output].to_numpy(dtype=float)  # in the display unit
    y = values > threshold if above else values < threshold
    side = line.side
    if y.all() or not y.any():
        low, high = (with_unit(f"{v:.4g}", shown.level) for v in (values.min(), values.max()))
        unit = shown.level or "the output's own unit"
        raise UserError(
            f"--threshold: {output} is {side} {line.text} in {'every' if y.all() else 'no'} "
            f"run ({len(y)} runs, from {low} to {high}); allowed: a threshold inside that "
            f"range, in {unit}"
        )
    x = frame[runs.inputs].reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finder = prim.Prim(x, y, mass_min=mass_min)
        box = finder.find_box()
    trajectory = box.peeling_trajectory[
        ["id", "coverage", "density", "mass", "res_dim", "n", "k"]
    ].reset_index(drop=True)
    dense = trajectory.index[trajectory["density"] >= density]
    if len(dense):
        chosen = int(trajectory.loc[dense, "coverage"].idxmax())
        rule = f"the most covering box with density >= {density:.0%}"
    else:
        chosen = int(trajectory["density"].idxmax())
        rule = f"no box reaches density {density:.0%}: the densest box"
    limits = _limits(box, chosen, runs.inputs)
    share = float(y.mean())
    row = trajectory.iloc[chosen]
    sentence = _sentence(line, row, limits, share)
    return Discovery(line, share, trajectory, chosen, rule, limits, sentence)


def _limits(box, chosen: int, inputs: list[str]) -> pd.DataFrame:
    start, end = box.box_lims[0], box.box_lims[chosen]
    p_values = box.p_values[chosen] if chosen < len(box.p_values) else {}
    rows = []
    for name in inputs:
        low, high = float(start[name].iloc[0]), float(start[name].iloc[1])
        box_low, box_high = float(end[name].iloc[0]), float(end[name].iloc[1])
        qp = p_values.get(name, (np.nan, np.nan))
        rows.append([name, low, high, box_low, box_high, qp[0], qp[1]])
    return pd.DataFrame(
        rows, columns=["input", "low", "high", "box_low", "box_high", "qp_low", "qp_high"]
    )


def _sentence(line: Threshold, row: pd.Series, limits: pd.DataFrame, share: float) -> str:
    parts = []
    for item in limits.itertuples():
        raised, lowered = item.box_low > item.low, item.box_high < item.high
        if raised and lowered:
            parts.append(f"{item.box_low:.3g} <= {item.input} <= {item.box_high:.3g}")
        elif raised:
            parts.append(f"{item.input} >= {item.box_low:.3g}")
        elif lowered:
            parts.append(f"{item.input} <= {item.box_high:.3g}")
    where = " and ".join(parts) if parts else "anywhere (no input restricts it)"
    output, side, threshold = line.output, line.side, line.text
    return (
        f"{output} is {side} {threshold} in {row['density']:.0%} of the runs when {where} "
        f"(this box holds {row['coverage']:.0%} of all runs {side} {threshold} and "
        f"{row['mass']:.0%} of all runs; over all runs the share is {share:.0%})"
    )


def write_discovery(found: Discovery, folder: Path) -> list[Path]:
    """trajectory.csv, box.csv, report.txt, discovery.json (the threshold in model units and
    as shown) and the coverage-density figure in `folder`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    trajectory = folder / "trajectory.csv"
    atomic_write_text(trajectory, found.trajectory.to_csv(index=False, float_format="%.6g"))
    box = folder / "box.csv"
    atomic_write_text(box, found.limits.to_csv(index=False, float_format="%.6g"))
    report = folder / "report.txt"
    atomic_write_text(report, "\n".join(found.lines()) + "\n")
    record = folder / DISCOVERY_FILE
    atomic_write_text(record, json.dumps(found.line.record(), indent=2) + "\n")
    fig, ax = plt.subplots(figsize=(6, 4.5))
    points = ax.scatter(  # in percent, as the console prints them
        100 * found.trajectory["coverage"],
        100 * found.trajectory["density"],
        c=found.trajectory["res_dim"],
        cmap="viridis",
        s=18,
    )
    chosen = found.trajectory.iloc[found.chosen]
    ax.scatter(
        [100 * chosen["coverage"]],
        [100 * chosen["density"]],
        s=120,
        facecolors="none",
        edgecolors="red",
        label="chosen box",
    )
    fig.colorbar(points, label="inputs restricted")
    ax.set_xlabel("coverage (% of the runs of interest inside the box)")
    ax.set_ylabel("density (% of the box's runs of interest)")
    ax.set_title(f"PRIM: {found.output} {found.line.side} {found.line.text}", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    figure = folder / "tradeoff.png"
    fig.savefig(figure, dpi=110)
    plt.close(fig)
    return [trajectory, box, report, record, figure]
