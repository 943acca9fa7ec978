"""The files a calibration leaves: calibrated values, posterior draws and the report's tables.

`calibrated.toml` holds, per input, the posterior median and an equal-tailed interval, and names
the draws file next to it (`<stem>_draws.parquet`, one column per input, one row per draw). A
scenario may point at it (`calibration = "path/to/calibrated.toml"`): replication r then runs
with draw r mod n (see scenarios/README.md). Nothing in these files depends on the time or the
machine, so reruns with the same seed write identical files.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import stats

from calibration.history import implausibility, nth_largest
from calibration.pipeline import CalibrationResult
from calibration.runs import parameter_frame
from experiments.store import atomic_write_text, write_table

SIG = 6


def _num(value: float) -> str:
    if isinstance(value, int | np.integer):
        return str(int(value))
    return repr(float(f"{value:.{SIG}g}"))


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | np.number):
        return _num(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- posterior ---------------------------------------------------------------------------------
def draws_frame(result: CalibrationResult) -> pd.DataFrame:
    """Posterior draws as parameter values (integers rounded), one column per input."""
    assert result.posterior is not None
    frame = parameter_frame(result.config, list(result.posterior.draws))
    frame.insert(0, "draw", np.arange(len(frame), dtype=np.int64))
    return frame


def posterior_table(result: CalibrationResult) -> pd.DataFrame:
    config = result.config
    draws = draws_frame(result)
    q = config.posterior.interval
    rows = []
    for i, spec in enumerate(config.inputs):
        values = draws[spec.name].to_numpy(float)
        rows.append(
            {
                "input": spec.name,
                "low": spec.low,
                "high": spec.high,
                "median": float(np.median(values)),
                "mean": float(values.mean()),
                "interval_low": float(np.quantile(values, (1 - q) / 2)),
                "interval_high": float(np.quantile(values, (1 + q) / 2)),
                "interval": q,
                "share_of_range": float(
                    (np.quantile(values, (1 + q) / 2) - np.quantile(values, (1 - q) / 2))
                    / (spec.high - spec.low)
                ),
                "split_rhat": float(result.posterior.rhat[i]),
            }
        )
    return pd.DataFrame(rows)


def calibrated_toml(result: CalibrationResult, draws_name: str, draws_digest: str) -> str:
    config = result.config
    table = posterior_table(result)
    lines = [
        "# Calibrated parameters, written by `braingain calibrate` (do not edit by hand).",
        "# [parameters]: posterior medians; [intervals]: equal-tailed posterior intervals.",
        '# A scenario may use the posterior: calibration = "<this file>" (replication r runs',
        "# with draw r mod n of the draws file).",
        f"name = {_toml_value(config.name)}",
        f"calibration_file = {_toml_value(config.path.name)}",
        f"fingerprint = {_toml_value(config.fingerprint())}",
        f"world = {_toml_value(Path(config.world_ref).name)}",
        f"start_year = {config.start_year}",
        f"end_year = {config.end_year}",
        f"seed = {config.seed}",
        f"interval = {_num(config.posterior.interval)}",
        f"draws = {_toml_value(draws_name)}",
        f"draws_sha256 = {_toml_value(draws_digest)}",
        f"draws_count = {len(result.posterior.draws)}",
        "",
        "[parameters]",
    ]
    for row in table.itertuples():
        spec = next(i for i in config.inputs if i.name == row.input)
        value = int(round(row.median)) if spec.integer else row.median
        lines.append(f"{row.input} = {_num(value)}")
    lines += ["", "[intervals]"]
    for row in table.itertuples():
        lines.append(f"{row.input} = [{_num(row.interval_low)}, {_num(row.interval_high)}]")
    if config.fixed:
        lines += ["", "# Held fixed while calibrating (not applied by scenarios).", "[fixed]"]
        for name, value in sorted(config.fixed.items()):
            lines.append(f"{name} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def write_calibrated(result: CalibrationResult, path: Path) -> tuple[Path, Path]:
    """calibrated.toml (at `path`) and its draws file next to it; returns both paths."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draws_path = path.with_name(f"{path.stem}_draws.parquet")
    table = pa.Table.from_pandas(draws_frame(result), preserve_index=False)
    write_table(draws_path, table.replace_schema_metadata(None))
    digest = hashlib.sha256(draws_path.read_bytes()).hexdigest()
    atomic_write_text(path, calibrated_toml(result, draws_path.name, digest))
    return path, draws_path


def copy_calibrated(source: Path, destination: Path) -> tuple[Path, Path]:
    """Copy calibrated.toml and its draws to another place (e.g. the committed file)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    draws_source = source.with_name(f"{source.stem}_draws.parquet")
    draws_destination = destination.with_name(f"{destination.stem}_draws.parquet")
    shutil.copyfile(draws_source, draws_destination)
    text = source.read_text(encoding="utf-8").replace(
        f'draws = "{draws_source.name}"', f'draws = "{draws_destination.name}"'
    )
    atomic_write_text(destination, text)
    return destination, draws_destination


# --- tables of the report ------------------------------------------------------------------------
def waves_table(result: CalibrationResult) -> pd.DataFrame:
    rows = []
    for w in result.waves:
        v = w.validation
        rows.append(
            {
                "wave": w.wave,
                "design_points": len(w.points),
                "runs": int(np.isfinite(w.values[:, :, 0]).sum()) if w.values.size else 0,
                "failed_runs": w.failed_runs,
                "training_points": w.training_points,
                "emulated_targets": int(w.emulators.emulators.emulated.sum()),
                "emulator_groups": len(w.emulators.emulators.groups),
                "held_back": v.get("held_back", 0),
                "share_standardised_beyond_2": v.get("share_beyond_2", np.nan),
                "share_standardised_beyond_3": v.get("share_beyond_3", np.nan),
                "kept_by_simulator": v.get("kept_by_simulator", np.nan),
                "wrongly_ruled_out": v.get("wrongly_ruled_out", np.nan),
                "space_left": w.space.share,
                "uniform_kept": w.space.uniform_kept,
                "uniform_points": w.space.uniform_points,
                "seconds_runs": round(w.seconds.get("runs", 0.0), 1),
                "seconds_emulators": round(w.seconds.get("emulators", 0.0), 1),
            }
        )
    return pd.DataFrame(rows)


def targets_table(result: CalibrationResult) -> pd.DataFrame:
    """Per target: observation, errors, the simulator at posterior draws, the implausibility of
    the posterior median."""
    config = result.config
    out = config.targets[
        ["target", "statistic", "area", "year", "value", "obs_sd", "discrepancy_sd", "kind"]
    ].copy()
    last = result.waves[-1].emulators if result.waves else None
    if last is not None:
        out["seed_sd"] = np.sqrt(last.seed_variance)
        out["runs_best_implausibility"] = best_run_implausibility(result)
    if result.posterior is not None and last is not None:
        median = np.median(result.posterior.draws, axis=0)[None, :]
        values, mean, _ = implausibility(last, result.errors, median)
        out["emulator_at_median"] = mean[0]
        out["implausibility_at_median"] = values[0]
    if result.check_values is not None:
        sims = result.check_values[:, 0, :]
        out["simulated_mean"] = np.nanmean(sims, axis=0)
        out["simulated_p10"] = np.nanquantile(sims, 0.1, axis=0)
        out["simulated_p90"] = np.nanquantile(sims, 0.9, axis=0)
        out["inside_80_band"] = (out["value"] >= out["simulated_p10"]) & (
            out["value"] <= out["simulated_p90"]
        )
    start = config.persistence.set_index(["statistic", "area"])["value"]
    keys = list(zip(out["statistic"], out["area"], strict=True))
    out["start_year_value"] = [start.get(k, np.nan) for k in keys]
    return out


def run_implausibility(result: CalibrationResult) -> np.ndarray:
    """Implausibility of every design point of every wave from the runs themselves (mean over
    replications, emulator variance 0): (points, targets)."""
    values = np.concatenate([w.values for w in result.waves])
    counts = np.sum(np.isfinite(values), axis=1)
    means = np.where(counts > 0, np.nansum(values, axis=1) / np.maximum(counts, 1), np.nan)
    e = result.errors
    fixed = result.waves[-1].emulators.seed_variance + e.obs_variance + e.discrepancy_variance
    return np.abs(e.observed - means) / np.sqrt(fixed)


def best_run_implausibility(result: CalibrationResult) -> np.ndarray:
    """Per target, its implausibility at the design point that fits it best: a target above the
    cut-off even there is one no simulated input matched."""
    values = run_implausibility(result)
    finite = np.isfinite(values).any(axis=0)
    out = np.full(values.shape[1], np.nan)
    out[finite] = np.nanmin(values[:, finite], axis=0)
    return out


MIN_SCORED_COUNTRIES = 3  # fewer observed countries give no Spearman or R^2 worth reporting
SCORE_COLUMNS = (
    "statistic",
    "year",
    "countries",
    "r2",
    "spearman",
    "mae_model",
    "coverage_80",
    "persistence_countries",
    "mae_persistence",
    "mae_model_same_countries",
    "error_vs_persistence",
    "spearman_persistence",
    "change_correlation",
    "persistence_year",
)


def fit_scores(targets: pd.DataFrame, start_year: int) -> pd.DataFrame:
    """Per statistic and year over countries: R^2 (1 - SSres/SStot against the 1:1 line),
    Spearman, mean absolute error of the model and of persistence (the start-year value).

    Two columns say how much better than persistence the model could rank and score:
    `spearman_persistence` (the start-year values' own Spearman with the observations: a model
    that only keeps the start's order scores this) and `change_correlation` (Pearson
    correlation of the simulated and the observed change since the start year: whether the
    model moves countries the way they moved)."""
    if "simulated_mean" not in targets:
        return pd.DataFrame(columns=list(SCORE_COLUMNS))
    rows = []
    for (statistic, year), group in targets[targets["area"] != "WLD"].groupby(
        ["statistic", "year"], sort=True
    ):
        g = group.dropna(subset=["value", "simulated_mean"])
        if len(g) < MIN_SCORED_COUNTRIES:
            continue
        obs, sim = g["value"].to_numpy(), g["simulated_mean"].to_numpy()
        persistence = g.dropna(subset=["start_year_value"])
        model_mae = float(np.mean(np.abs(obs - sim)))
        row = {
            "statistic": statistic,
            "year": int(year),
            "countries": len(g),
            "r2": float(1 - np.sum((obs - sim) ** 2) / np.sum((obs - obs.mean()) ** 2)),
            "spearman": float(stats.spearmanr(obs, sim).statistic),
            "mae_model": model_mae,
            "coverage_80": float(g["inside_80_band"].mean()),
            "persistence_countries": len(persistence),
            "mae_persistence": np.nan,
            "mae_model_same_countries": np.nan,
            "error_vs_persistence": np.nan,
            "spearman_persistence": np.nan,
            "change_correlation": np.nan,
            "persistence_year": start_year,
        }
        if len(persistence):
            p_obs = persistence["value"].to_numpy()
            start = persistence["start_year_value"].to_numpy()
            p_sim = persistence["simulated_mean"].to_numpy()
            mae_p = float(np.mean(np.abs(p_obs - start)))
            mae_m = float(np.mean(np.abs(p_obs - p_sim)))
            row.update(
                mae_persistence=mae_p,
                mae_model_same_countries=mae_m,
                error_vs_persistence=mae_m / mae_p if mae_p > 0 else np.nan,
                spearman_persistence=_spearman(p_obs, start),
                change_correlation=_correlation(p_sim - start, p_obs - start),
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=list(SCORE_COLUMNS))  # the header even when none scored


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho, NaN when either side is constant or too short."""
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return np.nan
    return float(stats.spearmanr(a, b).statistic)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson's r, NaN when either side is constant or too short."""
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return np.nan
    return float(np.corrcoef(a, b)[0, 1])


def summary_implausibility(result: CalibrationResult) -> list[np.ndarray]:
    """Per wave, the summary implausibility of the uniform sample under waves 1..k."""
    return [w.space.summary_implausibility for w in result.waves]


def median_implausibility(result: CalibrationResult) -> float:
    if result.posterior is None:
        return float("nan")
    median = np.median(result.posterior.draws, axis=0)[None, :]
    worst = 0.0
    for w in result.waves:
        values, _, _ = implausibility(w.emulators, result.errors, median)
        worst = max(worst, float(nth_largest(values, result.config.history.order)[0]))
    return worst


def write_tables(result: CalibrationResult) -> dict[str, Path]:
    out = result.out
    files = {}
    waves = waves_table(result)
    targets = targets_table(result)
    scores = fit_scores(targets, result.config.start_year)
    for name, frame in (("waves", waves), ("targets_fit", targets), ("fit_scores", scores)):
        path = out / f"{name}.csv"
        atomic_write_text(path, frame.to_csv(index=False, lineterminator="\n", float_format="%.6g"))
        files[name] = path
    if result.posterior is not None:
        path = out / "posterior.csv"
        atomic_write_text(
            path,
            posterior_table(result).to_csv(index=False, lineterminator="\n", float_format="%.6g"),
        )
        files["posterior"] = path
    return files
