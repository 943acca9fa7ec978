"""A whole calibration: waves of runs and emulators, the posterior, check runs and outputs.

Resumable by construction: every simulator run goes through the batch runner (finished runs are
never rerun, after Ctrl-C or kill -9 alike), and everything else is a deterministic function of
the calibration file, its seed and the runs, recomputed on a rerun (emulator fits are cached in
each wave's folder under a key of their inputs, because they are the slow part). The same seed
therefore gives the same calibrated values whether the calibration ran in one go or in pieces,
on any number of workers.

Output folder:

    calibration.json        fingerprints (a folder of another calibration is refused), timings
    wave-K/                 runner folder of wave K (manifest, ledger, chunks, metrics.parquet)
    wave-K/emulators.pkl    the wave's emulators (a cache)
    check/                  runner folder of the runs at posterior draws
    calibrated.toml         posterior medians and intervals, and the draws file's name
    calibrated_draws.parquet  the posterior draws (one column per input)
    waves.csv, targets_fit.csv, fit_scores.csv, posterior.csv   the report's tables
    report.html             the fit report (self-contained, figures embedded)
"""

from __future__ import annotations

import hashlib
import inspect
import json
import pickle
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from calibration import emulator as emulator_module
from calibration import statistics
from calibration.config import CalibrationConfig
from calibration.design import latin_hypercube, maximin_subset, sobol_points
from calibration.emulator import fit_all
from calibration.history import (
    SpaceLeft,
    TargetErrors,
    WaveEmulators,
    kept,
    nth_largest,
    space_left,
)
from calibration.posterior import PosteriorSample, sample
from calibration.runs import Interrupted, run_points
from calibration.task import summary_task
from experiments.errors import UserError
from experiments.provenance import code_fingerprint
from experiments.runner import RunnerOptions
from experiments.store import atomic_write_text

__all__ = ["CalibrationResult", "Interrupted", "WaveRecord", "calibrate"]

STATE_FILE = "calibration.json"
# Streams of random numbers, one per use (SeedSequence(seed, spawn_key=(stream, wave))).
DESIGN, SPACE, UNIFORM, FIT, SPLIT, MCMC, CHECK = range(1, 8)
CHECK_STAGE = 1000  # seed stage of the check runs (waves use their number)


@dataclass
class WaveRecord:
    wave: int
    points: np.ndarray  # unit-cube design points of this wave
    values: np.ndarray  # (points, replications, targets)
    failed_runs: int
    training_points: int
    emulators: WaveEmulators
    validation: dict[str, Any]
    space: SpaceLeft
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class CalibrationResult:
    config: CalibrationConfig
    out: Path
    waves: list[WaveRecord]
    errors: TargetErrors
    posterior: PosteriorSample | None
    check_points: np.ndarray | None = None
    check_values: np.ndarray | None = None  # (check runs, 1, targets)
    failed_runs: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return self.posterior is not None


def stream(config: CalibrationConfig, use: int, index: int = 0) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(use, index)))


def run_fingerprint(config: CalibrationConfig) -> str:
    """What makes a folder's runs reusable: the model and task code, the statistics, and the
    parts of the file the first wave depends on."""
    digest = hashlib.sha256()
    digest.update(code_fingerprint(summary_task).encode())
    digest.update(inspect.getsource(statistics).encode())
    digest.update(config.runs_fingerprint().encode())
    return digest.hexdigest()[:16]


def _prepare_folder(config: CalibrationConfig, out: Path, overwrite: bool) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    path = out / STATE_FILE
    fingerprint = run_fingerprint(config)
    if path.exists() and not overwrite:
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = {}
        if old.get("fingerprint") != fingerprint:
            raise UserError(
                f"{out} holds a calibration of other runs (world, years, seed, inputs, fixed "
                "parameters, design size or model code differ); use --overwrite to replace it, "
                "or another --out folder"
            )
        old["calibration_fingerprint"] = config.fingerprint()
        return old
    if overwrite:
        for child in out.iterdir():
            if child.is_dir() and (child.name.startswith("wave-") or child.name == "check"):
                shutil.rmtree(child)
            elif child.is_file():
                child.unlink()
    state = {
        "name": config.name,
        "file": str(config.path),
        "fingerprint": fingerprint,
        "calibration_fingerprint": config.fingerprint(),
    }
    atomic_write_text(path, json.dumps(state, indent=2) + "\n")
    return state


def calibrate(
    config: CalibrationConfig,
    out: str | Path,
    options: RunnerOptions,
    jobs: int = 1,
    overwrite: bool = False,
    log: Callable[[str], None] = print,
) -> CalibrationResult:
    """Run (or resume) the calibration into `out`; raises Interrupted on Ctrl-C."""
    out = Path(out)
    state = _prepare_folder(config, out, overwrite)
    # The folder is ours: the runner resumes inside it, and a wave whose design changed (other
    # targets, discrepancy or cut-off) starts afresh.
    options.overwrite, options.replace_stale = False, True
    errors = TargetErrors.from_table(config.targets)
    d = len(config.inputs)
    design, history = config.design, config.history
    uniform = sobol_points(design.candidates, d, stream(config, UNIFORM))
    waves: list[WaveRecord] = []
    seen_points: list[np.ndarray] = []
    seen_values: list[np.ndarray] = []
    pool: np.ndarray | None = None
    failed = 0
    started = time.perf_counter()
    for k in range(1, design.waves + 1):
        clock = time.perf_counter()
        if k == 1:
            points = latin_hypercube(design.points, d, stream(config, DESIGN, k))
        else:
            assert pool is not None
            points = pool[maximin_subset(pool, design.points, stream(config, DESIGN, k))]
        log(f"wave {k}: {len(points)} points x {design.replications} replications")
        table = run_points(config, points, design.replications, k, out / f"wave-{k}", options)
        failed += table.failed
        ran = time.perf_counter() - clock
        seen_points.append(points)
        seen_values.append(table.values)
        x, y = np.concatenate(seen_points), np.concatenate(seen_values)
        if waves:
            inside, _ = kept([w.emulators for w in waves], errors, x, history.cutoff, history.order)
            x, y = x[inside], y[inside]
        clock = time.perf_counter()
        emulators, validation = _emulate(config, errors, out / f"wave-{k}", k, x, y, jobs)
        fitted = time.perf_counter() - clock
        wave_emulators = WaveEmulators(k, emulators)
        every = [*(w.emulators for w in waves), wave_emulators]
        clock = time.perf_counter()
        wanted = max(design.points * 4, config.posterior.chains * 4)
        with threadpool_limits(1):
            space = space_left(
                every,
                errors,
                d,
                design.candidates,
                history.cutoff,
                history.order,
                stream(config, SPACE, k),
                wanted,
                uniform=uniform,
            )
        mapped = time.perf_counter() - clock
        waves.append(
            WaveRecord(
                wave=k,
                points=points,
                values=table.values,
                failed_runs=table.failed,
                training_points=len(x),
                emulators=wave_emulators,
                validation=validation,
                space=space,
                seconds={"runs": ran, "emulators": fitted, "space": mapped},
            )
        )
        log(
            f"wave {k}: {len(x)} training points, {_validation_line(validation)}; "
            f"{space.share:.2%} of the input space left ({space.uniform_kept} of "
            f"{space.uniform_points} uniform points)"
        )
        pool = space.pool
        if len(pool) == 0:
            log(f"wave {k}: every point is ruled out; no posterior")
            break
    result = CalibrationResult(config, out, waves, errors, None, failed_runs=failed)
    if pool is not None and len(pool):
        clock = time.perf_counter()
        p = config.posterior
        with threadpool_limits(1):
            result.posterior = sample(
                [w.emulators for w in waves],
                errors,
                pool,
                history.cutoff,
                history.order,
                p.chains,
                p.steps,
                p.burn,
                p.draws,
                stream(config, MCMC),
            )
        result.seconds["posterior"] = time.perf_counter() - clock
        drawn = result.posterior
        log(
            f"posterior: {len(drawn.draws)} draws, acceptance {drawn.acceptance:.0%}, "
            f"max split-R-hat {np.nanmax(drawn.rhat):.3f}"
        )
        if p.check_runs:
            clock = time.perf_counter()
            draws = result.posterior.draws
            index = np.linspace(0, len(draws) - 1, min(p.check_runs, len(draws)))
            result.check_points = draws[index.round().astype(int)]
            log(f"check: {len(result.check_points)} runs at posterior draws")
            check = run_points(config, result.check_points, 1, CHECK_STAGE, out / "check", options)
            result.check_values = check.values
            result.failed_runs += check.failed
            result.seconds["check"] = time.perf_counter() - clock
    result.seconds["total"] = time.perf_counter() - started
    state["timings"] = {
        "waves": [w.seconds for w in waves],
        **{k: round(v, 3) for k, v in result.seconds.items()},
    }
    atomic_write_text(out / STATE_FILE, json.dumps(state, indent=2, default=float) + "\n")
    return result


def _validation_line(v: dict[str, Any]) -> str:
    if not v.get("held_back"):
        return "no validation (too few points)"
    wrong = v["wrongly_ruled_out"]
    kept_by_sim = v["kept_by_simulator"]
    share = f"{wrong}/{kept_by_sim}" if kept_by_sim else "n/a (simulator keeps none)"
    return (
        f"emulators on {v['held_back']} held-back points: {v['share_beyond_3']:.1%} of "
        f"standardised errors beyond 3, wrongly ruled out {share}"
    )


# --- emulators ---------------------------------------------------------------------------------
def _keys(config: CalibrationConfig) -> list[tuple]:
    """Targets are emulated in groups of one statistic and year."""
    return list(zip(config.targets["statistic"], config.targets["year"], strict=True))


def _cache_key(config: CalibrationConfig, x: np.ndarray, y: np.ndarray) -> str:
    digest = hashlib.sha256()
    digest.update(inspect.getsource(emulator_module).encode())
    digest.update(config.fingerprint().encode())
    digest.update(np.ascontiguousarray(x).tobytes())
    digest.update(np.nan_to_num(np.ascontiguousarray(y), nan=-1e300).tobytes())
    return digest.hexdigest()


def _emulate(
    config: CalibrationConfig,
    errors: TargetErrors,
    folder: Path,
    wave: int,
    x: np.ndarray,
    y: np.ndarray,
    jobs: int,
) -> tuple[list, dict[str, Any]]:
    """Validate on a held-back share, then fit on every point (cached in the wave's folder)."""
    cache = folder / "emulators.pkl"
    key = _cache_key(config, x, y)
    if cache.exists():
        try:
            with open(cache, "rb") as fh:
                saved = pickle.load(fh)
            if saved.get("key") == key:
                return saved["emulators"], saved["validation"]
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, KeyError):
            pass
    seeds = stream(config, FIT, wave).integers(0, 2**31 - 1, size=len(errors.ids))
    with threadpool_limits(1):
        validation = _validate(config, errors, x, y, seeds, stream(config, SPLIT, wave), jobs)
        emulators = fit_all(_keys(config), x, y, seeds, jobs, config.emulators.restarts)
    tmp = cache.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump({"key": key, "emulators": emulators, "validation": validation}, fh)
    tmp.replace(cache)
    return emulators, validation


def _validate(
    config: CalibrationConfig,
    errors: TargetErrors,
    x: np.ndarray,
    y: np.ndarray,
    seeds: np.ndarray,
    rng: np.random.Generator,
    jobs: int,
) -> dict[str, Any]:
    """Fit on ~70% of the points, predict the other ~30%: standardised errors per target, and
    how many held-back points the simulator keeps but the emulators would rule out."""
    n = len(x)
    held = int(round(config.history.validation_share * n))
    if held < 2 or n - held < 4:
        return {"held_back": 0}
    order = rng.permutation(n)
    test, train = np.sort(order[:held]), np.sort(order[held:])
    emulators = fit_all(_keys(config), x[train], y[train], seeds, jobs, config.emulators.restarts)
    mean, variance = emulators.predict(x[test])
    values = y[test]
    counts = np.sum(np.isfinite(values), axis=1)
    simulated = np.nanmean(np.where(counts[:, None, :] > 0, values, 0.0), axis=1)
    simulated = np.where(counts > 0, simulated, np.nan)
    seed_variance = emulators.seed_variance
    standardised = (simulated - mean) / np.sqrt(variance + seed_variance / np.maximum(counts, 1))
    fixed = seed_variance + errors.obs_variance + errors.discrepancy_variance
    by_simulator = np.abs(errors.observed - simulated) / np.sqrt(fixed)
    by_emulator = np.abs(errors.observed - mean) / np.sqrt(variance + fixed)
    cutoff, order_n = config.history.cutoff, config.history.order
    sim_keeps = nth_largest(by_simulator, order_n) <= cutoff
    em_keeps = nth_largest(by_emulator, order_n) <= cutoff
    finite = standardised[np.isfinite(standardised)]
    per_target = np.nanmean(np.abs(standardised) > 3, axis=0)
    return {
        "held_back": int(held),
        "trained_on": int(n - held),
        "standardised_errors": int(finite.size),
        "share_beyond_2": float(np.mean(np.abs(finite) > 2)) if finite.size else float("nan"),
        "share_beyond_3": float(np.mean(np.abs(finite) > 3)) if finite.size else float("nan"),
        "mean_abs": float(np.mean(np.abs(finite))) if finite.size else float("nan"),
        "kept_by_simulator": int(sim_keeps.sum()),
        "kept_by_emulator": int(em_keeps.sum()),
        "wrongly_ruled_out": int((sim_keeps & ~em_keeps).sum()),
        "per_target_share_beyond_3": [float(v) for v in per_target],
        "test_points": test.tolist(),
        "standardised": standardised.tolist(),
    }
