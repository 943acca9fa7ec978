"""Run a calibration file end to end and write its outputs (what `braingain calibrate` calls)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from calibration.config import CalibrationConfig, load_calibration
from calibration.outputs import copy_calibrated, write_calibrated, write_tables
from calibration.pipeline import CalibrationResult, calibrate
from calibration.report import write_report
from experiments.runner import RunnerOptions


def default_out(config: CalibrationConfig) -> Path:
    return Path("results") / f"calibrate_{config.name}"


def run_calibration(
    config: CalibrationConfig | str | Path,
    out: str | Path | None = None,
    options: RunnerOptions | None = None,
    jobs: int = 1,
    overwrite: bool = False,
    publish: Path | None = None,
    log: Callable[[str], None] = print,
) -> CalibrationResult:
    """Calibrate (resuming whatever `out` holds), then write calibrated.toml, the draws, the
    tables and report.html into `out`; with `publish`, also copy calibrated.toml and its draws
    there (e.g. the committed calibration/calibrated.toml)."""
    if not isinstance(config, CalibrationConfig):
        config = load_calibration(config)
    out = Path(out) if out is not None else default_out(config)
    options = options or RunnerOptions(progress=False)
    result = calibrate(config, out, options, jobs=jobs, overwrite=overwrite, log=log)
    files = write_tables(result)
    if result.posterior is not None:
        files["calibrated"], files["draws"] = write_calibrated(result, out / "calibrated.toml")
        if publish is not None:
            files["published"], files["published_draws"] = copy_calibrated(
                files["calibrated"], publish
            )
    files["report"] = write_report(result, out / "report.html")
    result.files = files
    return result
