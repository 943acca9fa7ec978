"""Whether a scenario of the report ran at a calibration, read from the data, not from names.

Two ways the project links a scenario to a calibration (README "Using a calibration in a
scenario"): the scenario names a calibrated.toml (`calibration = ...`), which manifest.json
records with its draws; or the scenario's parameter values are the posterior medians of the
shipped calibration, `calibration/calibrated.toml` (as `scenarios/baseline.toml` is). The second
is found by comparing the parameter values in manifest.json with that file's [parameters].
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from simulation import PARAMETERS

SHIPPED = "calibrated.toml"  # in the installed `calibration` package, next to its draws
README = 'README "Calibration"'


@dataclass(frozen=True)
class Calibrated:
    """A scenario's link to a calibration."""

    scenario: str
    how: str  # "medians" (parameter values) or "posterior" (replication r runs draw r mod n)
    calibration: str  # the calibration's name, e.g. calibrate_1990_2000
    period: str | None  # e.g. "1990-2000" (the calibration's start and end years)
    parameters: tuple[str, ...]  # the calibrated parameters these runs use
    changed: tuple[str, ...] = ()  # calibrated parameters set to other values in these runs
    varied: tuple[str, ...] = ()  # calibrated parameters a study samples over its ranges
    draws: int | None = None

    @property
    def fitted(self) -> str:
        """'the 1990-2000 calibration calibrate_1990_2000'."""
        period = f"the {self.period} " if self.period else "the "
        return f"{period}calibration {self.calibration}"

    def words(self) -> str:
        """What the runs of the scenario use, in a phrase (with where to read more)."""
        if self.how == "posterior":
            draws = f"{self.draws} draws; " if self.draws else ""
            used = (
                f"parameters drawn from the posterior of {self.fitted} ({draws}replication r "
                f"runs draw r mod n), see {README}"
            )
        else:
            count = len(self.parameters)
            used = (
                f"{count} parameter{'s' if count != 1 else ''} at the posterior medians of "
                f"{self.fitted}, see {README}"
            )
        if self.changed:
            used += f", except {', '.join(self.changed)}, set otherwise in these runs"
        if self.varied:
            used += f"; the study samples {', '.join(self.varied)} over its ranges instead"
        return used


@cache
def _read(path: str) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as fh:
            content = tomllib.load(fh)
    except (OSError, ValueError):
        return None
    return content if isinstance(content.get("parameters"), dict) else None


def _shipped() -> tuple[str, dict[str, Any]] | None:
    try:
        path = str(resources.files("calibration") / SHIPPED)
    except (ModuleNotFoundError, TypeError):
        return None
    content = _read(path)
    return None if content is None else (path, content)


def _period(content: dict[str, Any]) -> str | None:
    start, end = content.get("start_year"), content.get("end_year")
    return f"{start}-{end}" if start is not None and end is not None else None


def parameter_values(entry: dict[str, Any]) -> dict[str, Any]:
    """Every parameter's value in the scenario's runs (a study: its base scenario's)."""
    if isinstance(entry.get("parameters"), dict):
        return entry["parameters"]
    base = entry.get("base_scenario") or {}
    return {p.name: p.default for p in PARAMETERS} | dict(base.get("parameters") or {})


def _varied(entry: dict[str, Any]) -> set[str]:
    """Parameters a study samples (their value is not one value in its runs)."""
    return {
        str(i.get("target"))
        for i in entry.get("inputs") or []
        if isinstance(i, dict) and i.get("kind") == "parameter"
    }


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=0.0)
    except (TypeError, ValueError):
        return a == b


def calibration_of(entry: dict[str, Any]) -> Calibrated | None:
    """How the scenario (a manifest entry) is calibrated, or None if it is not."""
    name = str(entry.get("name"))
    posterior = entry.get("calibration")
    if isinstance(posterior, dict):
        file = str(posterior.get("file", ""))
        content = _read(file) if file.endswith(".toml") else None
        return Calibrated(
            scenario=name,
            how="posterior",
            calibration=str((content or {}).get("name") or Path(file).name or "unnamed"),
            period=_period(content or {}),
            parameters=tuple(posterior.get("parameters") or ()),
            draws=posterior.get("draws"),
        )
    shipped = _shipped()
    if shipped is None:
        return None
    _, content = shipped
    medians = content["parameters"]
    values, varied = parameter_values(entry), _varied(entry)
    kept = [n for n in medians if n not in varied]
    used = tuple(n for n in kept if n in values and _same(values[n], medians[n]))
    changed = tuple(n for n in kept if n not in used)
    if not used or len(changed) >= len(used):  # a coincidence, or mostly set otherwise
        return None
    return Calibrated(
        scenario=name,
        how="medians",
        calibration=str(content.get("name") or SHIPPED),
        period=_period(content),
        parameters=used,
        changed=changed,
        varied=tuple(n for n in medians if n in varied),
    )


def baseline_words(name: str) -> str:
    """'the baseline' for a scenario named baseline, else 'the baseline NAME'."""
    return "the baseline" if name.strip().lower() == "baseline" else f"the baseline {name}"
