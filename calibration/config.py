"""Calibration files: TOML in, a validated `CalibrationConfig` out.

As with scenario files, every problem is reported on one line naming the file, the key and what
is allowed, and a bad file stops `braingain calibrate` with exit status 2 before anything runs.
Shapes and types are checked by pydantic; names and ranges against the model's own parameter
table (`simulation.PARAMETERS`), the statistics it can produce and the targets table.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from calibration import statistics
from calibration.targets import TargetsTableError, read_targets
from calibration.task import DEFAULT_SIMULATOR
from experiments.errors import UserError
from experiments.scenario import load_scenario, shown_path
from experiments.scenario_schema import NAME_PATTERN, Problem, ScenarioError, _suggest, value_at
from experiments.shipped import referenced_scenario
from simulation.events import PolicyEvent
from simulation.parameters import SPECS, ParameterError, Params
from simulation.world import WORLD_NAMES, World, load_world

MAX_SEED = 2**63 - 1

# What each key allows, in the words of error messages and the README.
ALLOWED: dict[str, str] = {
    "name": "a short name of letters, digits, '_', '.' or '-' (default: the file name)",
    "description": "a string",
    "world": f"{' or '.join(repr(w) for w in WORLD_NAMES)}, or a path to a world folder "
    "(relative to this file)",
    "scenario": "a path to a scenario file (relative to this file) or a shipped scenario's "
    "name, whose world, parameters and "
    "events the runs start from; not together with `world`",
    "start_year": "an integer calendar year: the first year of the world's tables",
    "end_year": "an integer calendar year after start_year: the last simulated year",
    "seed": f"an integer in [0, {MAX_SEED}]",
    "targets_table": "a path to a targets CSV (relative to this file; default: the committed "
    "calibration/targets.csv)",
    "simulator": "MODULE:FUNCTION with simulation.simulate's signature (default "
    f"{DEFAULT_SIMULATOR})",
    "parameters": "a table [parameters] of fixed parameter values (names in "
    "simulation.PARAMETERS), the same for every run",
    "inputs": "a table [inputs] of NAME = [low, high]: number parameters of "
    "simulation.PARAMETERS to calibrate, each range inside the parameter's own range",
    "targets": "an array of tables [[targets]], each with statistic, years and areas, selecting "
    "rows of the targets table",
    "targets.statistic": "a statistic of the targets table (a metric of simulation.METRICS or "
    f"one of {', '.join(statistics.DERIVED)})",
    "targets.years": "a list of calendar years after start_year, up to end_year",
    "targets.areas": '"all" (every country of the world with a row) or a list of ISO3 codes '
    'and "WLD"',
    "design": "a table [design] with points, replications, waves and candidates",
    "design.points": "an integer in [4, 100000]: simulator design points per wave",
    "design.replications": "an integer in [2, 1000]: runs per design point (seed noise needs 2)",
    "design.waves": "an integer in [1, 20]: history-matching waves",
    "design.candidates": "an integer in [256, 10000000]: points used to map the "
    "non-implausible space",
    "history_matching": "a table [history_matching] with cutoff, order and validation_share",
    "history_matching.cutoff": "a number in (0, 100]: implausibility cut-off (3 after "
    "Pukelsheim's three-sigma rule)",
    "history_matching.order": "an integer >= 1: the n-th largest implausibility over targets is "
    "compared with the cut-off (1 = the maximum)",
    "history_matching.validation_share": "a number in [0.1, 0.5]: share of wave-1 design points "
    "held back to validate the emulators",
    "emulators": "a table [emulators] with restarts",
    "emulators.restarts": "an integer in [0, 20]: extra random starts of each GP's "
    "hyperparameter fit (more is slower and rarely better)",
    "discrepancy": "a table [discrepancy] with relative, absolute and per-statistic tables",
    "discrepancy.relative": "a number >= 0: model discrepancy SD as a share of the target value",
    "discrepancy.absolute": "a number >= 0: model discrepancy SD added in the statistic's unit",
    "discrepancy.statistics": "tables [discrepancy.statistics.NAME] with relative and absolute "
    "for one statistic",
    "posterior": "a table [posterior] with chains, steps, burn, draws, interval and check_runs",
    "posterior.chains": "an integer in [2, 1000]: Metropolis chains run side by side",
    "posterior.steps": "an integer in [10, 1000000]: steps per chain, burn-in included",
    "posterior.burn": "an integer >= 0 and below steps: steps discarded per chain",
    "posterior.draws": "an integer in [10, 1000000]: posterior draws kept",
    "posterior.interval": "a number in (0, 1): probability of each input's reported interval",
    "posterior.check_runs": "an integer in [0, 100000]: simulator runs at posterior draws for "
    "the fit report",
}


# --- the file's shape ----------------------------------------------------------------------------
_STRICT = ConfigDict(extra="forbid", strict=True)


class TargetSelection(BaseModel):
    model_config = _STRICT
    statistic: str
    years: list[int] = Field(min_length=1)
    areas: Literal["all"] | list[str] = "all"


class DesignTable(BaseModel):
    model_config = _STRICT
    points: int = Field(100, ge=4, le=100_000)
    replications: int = Field(3, ge=2, le=1000)
    waves: int = Field(3, ge=1, le=20)
    candidates: int = Field(8192, ge=256, le=10_000_000)


class HistoryMatchingTable(BaseModel):
    model_config = _STRICT
    cutoff: float = Field(3.0, gt=0, le=100)
    order: int = Field(1, ge=1)
    validation_share: float = Field(0.3, ge=0.1, le=0.5)


class EmulatorsTable(BaseModel):
    model_config = _STRICT
    restarts: int = Field(1, ge=0, le=20)


class DiscrepancyRule(BaseModel):
    model_config = _STRICT
    relative: float = Field(0.1, ge=0, allow_inf_nan=False)
    absolute: float = Field(0.0, ge=0, allow_inf_nan=False)


class DiscrepancyTable(DiscrepancyRule):
    statistics: dict[str, DiscrepancyRule] = Field(default_factory=dict)


class PosteriorTable(BaseModel):
    model_config = _STRICT
    chains: int = Field(32, ge=2, le=1000)
    steps: int = Field(4000, ge=10, le=1_000_000)
    burn: int = Field(2000, ge=0)
    draws: int = Field(1000, ge=10, le=1_000_000)
    interval: float = Field(0.95, gt=0, lt=1)
    check_runs: int = Field(20, ge=0, le=100_000)


class CalibrationTable(BaseModel):
    model_config = _STRICT
    name: str | None = Field(None, pattern=NAME_PATTERN)
    description: str = ""
    world: str | None = None
    scenario: str | None = None
    start_year: int | None = None
    end_year: int
    seed: int = Field(0, ge=0, le=MAX_SEED)
    targets_table: str | None = None
    simulator: str = DEFAULT_SIMULATOR
    parameters: dict[str, Any] = Field(default_factory=dict)
    inputs: dict[str, list[float]] = Field(min_length=1)
    targets: list[TargetSelection] = Field(min_length=1)
    design: DesignTable = Field(default_factory=DesignTable)
    history_matching: HistoryMatchingTable = Field(default_factory=HistoryMatchingTable)
    emulators: EmulatorsTable = Field(default_factory=EmulatorsTable)
    discrepancy: DiscrepancyTable = Field(default_factory=DiscrepancyTable)
    posterior: PosteriorTable = Field(default_factory=PosteriorTable)


# --- the validated calibration -------------------------------------------------------------------
@dataclass(frozen=True)
class Input:
    """One calibrated parameter and its range."""

    name: str
    low: float
    high: float
    integer: bool

    def to_value(self, unit: float) -> float | int:
        """A point of [0, 1] as a parameter value (integers rounded)."""
        value = self.low + unit * (self.high - self.low)
        return int(round(value)) if self.integer else float(value)

    def to_unit(self, value: float) -> float:
        return (value - self.low) / (self.high - self.low)


@dataclass(frozen=True, eq=False)
class CalibrationConfig:
    """Everything a calibration needs, checked."""

    name: str
    description: str
    path: Path
    text: str
    world_ref: str
    start_year: int
    end_year: int
    seed: int
    simulator: str
    fixed: dict[str, Any]
    events: tuple[PolicyEvent, ...]
    inputs: tuple[Input, ...]
    targets: pd.DataFrame  # rows of the targets table, with discrepancy_sd added
    targets_path: Path
    persistence: pd.DataFrame  # rows of the table at start_year for the targeted (stat, area)
    design: DesignTable
    history: HistoryMatchingTable
    emulators: EmulatorsTable
    posterior: PosteriorTable
    scenario_sources: tuple[tuple[str, str], ...] = field(default=())

    @property
    def years(self) -> int:
        return self.end_year - self.start_year

    @property
    def statistics(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.targets["statistic"]))

    @property
    def target_years(self) -> tuple[int, ...]:
        return tuple(sorted({int(y) for y in self.targets["year"]}))

    def definition(self) -> dict[str, Any]:
        """What determines the results (names and descriptions do not)."""
        return {
            "world": self.world_ref,
            "start_year": self.start_year,
            "end_year": self.end_year,
            "seed": self.seed,
            "simulator": self.simulator,
            "fixed": self.fixed,
            "events": [repr(e) for e in self.events],
            "inputs": [(i.name, i.low, i.high, i.integer) for i in self.inputs],
            "targets": self.targets.to_dict(orient="records"),
            "design": self.design.model_dump(),
            "history": self.history.model_dump(),
            "emulators": self.emulators.model_dump(),
            "posterior": self.posterior.model_dump(),
        }

    def fingerprint(self) -> str:
        blob = json.dumps(self.definition(), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def runs_fingerprint(self) -> str:
        """What the first wave's runs depend on. Targets, discrepancy, cut-off and posterior
        settings may change without discarding them (later waves follow from them and are
        rerun if their design changes)."""
        keys = ("world", "start_year", "end_year", "seed", "simulator", "fixed", "events",
                "inputs")  # fmt: skip
        part = {k: v for k, v in self.definition().items() if k in keys}
        part["design"] = (self.design.points, self.design.replications)
        blob = json.dumps(part, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


class CalibrationError(ScenarioError):
    """A calibration file that cannot be used: one line per problem, FILE: KEY: WHAT."""


# --- loading -------------------------------------------------------------------------------------
def load_calibration(path: str | Path) -> CalibrationConfig:
    """Read and validate a calibration file; raises CalibrationError listing every problem."""
    path = Path(path)
    shown = str(path)
    text = _read_text(path, shown)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CalibrationError.one(
            shown, "", f"invalid TOML: {exc}; allowed: a TOML file"
        ) from None
    try:
        table = CalibrationTable.model_validate(raw)
    except ValidationError as exc:
        raise CalibrationError(_problems(exc, shown, raw)) from None
    return _check(table, path, shown, text)


def _read_text(path: Path, shown: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CalibrationError.one(
            shown, "", "file not found; allowed: a calibration .toml file"
        ) from None
    except IsADirectoryError:
        raise CalibrationError.one(
            shown, "", "is a directory; allowed: a calibration .toml file"
        ) from None
    except UnicodeDecodeError:
        raise CalibrationError.one(
            shown, "", "not UTF-8 text; allowed: a UTF-8 TOML file"
        ) from None
    except OSError as exc:
        raise CalibrationError.one(shown, "", f"cannot read the file ({exc.strerror})") from None


def _problems(error: ValidationError, shown: str, raw: dict[str, Any]) -> list[Problem]:
    found: dict[str, Problem] = {}
    for item in error.errors():
        loc = tuple(item["loc"])
        if loc[:1] in (("inputs",), ("parameters",)):
            loc = loc[:2]
        elif loc[:1] == ("targets",):
            loc = loc[:3]
        elif loc[:2] == ("discrepancy", "statistics"):
            loc = loc[:4]
        else:
            loc = loc[:2]
        key = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        generic = ".".join(str(p) for p in loc if not isinstance(p, int))
        if generic.startswith("discrepancy.statistics."):
            generic = "discrepancy." + generic.rsplit(".", 1)[-1]
        if generic.startswith("inputs."):
            generic = "inputs"
        allowed = ALLOWED.get(generic, ALLOWED.get(generic.split(".")[0], ""))
        last = str(loc[-1]) if loc else ""
        if item["type"] == "extra_forbidden":
            prefix = generic.rsplit(".", 1)[0] + "." if "." in generic else ""
            siblings = [
                k.removeprefix(prefix)
                for k in ALLOWED
                if k.startswith(prefix) and "." not in k.removeprefix(prefix)
            ]
            message = f"unknown key{_suggest(last, siblings)}; allowed keys: {', '.join(siblings)}"
        elif item["type"] == "missing":
            message = f"missing (required); allowed: {allowed}"
        else:
            message = f"got {_show(value_at(raw, loc))}; allowed: {allowed}"
        found.setdefault(key, Problem(shown, key, message))
    return list(found.values())


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _check(table: CalibrationTable, path: Path, shown: str, text: str) -> CalibrationConfig:
    """Check names, ranges, the world, the scenario and the targets; collect every problem."""
    problems: list[Problem] = []

    def problem(key: str, message: str) -> None:
        problems.append(Problem(shown, key, message))

    here = path.parent
    world, world_ref, events, fixed, sources = _world_and_base(table, here, shown, problem)
    fixed.update(_fixed(table, problem))
    inputs = _inputs(table, fixed, problem)
    start_year = table.start_year
    if world is not None:
        if start_year is None:
            start_year = world.start_year
        elif start_year != world.start_year:
            problem(
                "start_year",
                f"{start_year}, but world '{world.name}' starts in {world.start_year}; allowed: "
                f"the first year of the world's tables ({world.start_year}), or a world whose "
                f"tables start in {start_year}",
            )
    if start_year is not None and table.end_year <= start_year:
        problem("end_year", f"got {table.end_year}; allowed: {ALLOWED['end_year']}")
    _check_simulator(table.simulator, problem)
    targets_path = (
        (here / table.targets_table).resolve()
        if table.targets_table
        else Path(__file__).resolve().parent / "targets.csv"
    )
    targets = persistence = pd.DataFrame()
    if world is not None and start_year is not None:
        targets, persistence = _targets(table, targets_path, world, start_year, problem)
        if not targets.empty:
            targets = _with_discrepancy(targets, table.discrepancy, problem)
    if table.posterior.burn >= table.posterior.steps:
        problem(
            "posterior.burn",
            f"got {table.posterior.burn} with steps = {table.posterior.steps}; allowed: "
            f"{ALLOWED['posterior.burn']}",
        )
    if problems:
        raise CalibrationError(problems)
    return CalibrationConfig(
        name=table.name or path.stem,
        description=table.description,
        path=path.resolve(),
        text=text,
        world_ref=world_ref,
        start_year=int(start_year),
        end_year=table.end_year,
        seed=table.seed,
        simulator=table.simulator,
        fixed=fixed,
        events=events,
        inputs=inputs,
        targets=targets,
        targets_path=targets_path,
        persistence=persistence,
        design=table.design,
        history=table.history_matching,
        emulators=table.emulators,
        posterior=table.posterior,
        scenario_sources=sources,
    )


def _world_and_base(
    table: CalibrationTable, here: Path, shown: str, problem: Any
) -> tuple[World | None, str, tuple[PolicyEvent, ...], dict[str, Any], tuple]:
    """The world (and events and parameters of a base scenario, if one is named)."""
    if table.scenario is not None and table.world is not None:
        problem("world", f"given together with `scenario`; allowed: {ALLOWED['scenario']}")
        return None, "", (), {}, ()
    if table.scenario is not None:
        scenario_path = referenced_scenario(here, table.scenario)
        try:
            base = load_scenario(scenario_path)
        except ScenarioError as exc:
            detail = "; ".join(str(p) for p in exc.problems)
            problem("scenario", f"{table.scenario!r} cannot be used ({detail})")
            return None, "", (), {}, ()
        world = load_world(base.world_ref)
        return world, base.world_ref, base.events, dict(base.overrides), base.sources
    value = table.world or "default"
    ref = value if value in WORLD_NAMES else str((here / value).resolve())
    try:
        world = load_world(ref)
    except Exception as exc:  # a bad folder fails in many ways; all are the user's input
        problem("world", f"cannot load world {value!r} ({exc}); allowed: {ALLOWED['world']}")
        return None, ref, (), {}, ()
    return world, ref, (), {}, ()


def _fixed(table: CalibrationTable, problem: Any) -> dict[str, Any]:
    fixed: dict[str, Any] = {}
    for name, value in table.parameters.items():
        try:
            Params.from_dict({name: value})
        except ParameterError as exc:
            names = list(SPECS)
            suggestion = _suggest(name, names) if name not in SPECS else ""
            problem(f"parameters.{name}", f"{exc}{suggestion}")
            continue
        fixed[name] = value
    return fixed


def _inputs(table: CalibrationTable, fixed: dict[str, Any], problem: Any) -> tuple[Input, ...]:
    out: list[Input] = []
    numbers = [n for n, s in SPECS.items() if s.kind is not bool]
    for name, bounds in table.inputs.items():
        key = f"inputs.{name}"
        spec = SPECS.get(name)
        if spec is None:
            problem(
                key,
                f"unknown parameter{_suggest(name, numbers)}; allowed: {ALLOWED['inputs']}",
            )
            continue
        if spec.kind is bool:
            problem(key, f"{name} is a switch (true/false); allowed: {ALLOWED['inputs']}")
            continue
        if len(bounds) != 2 or not bounds[0] < bounds[1]:
            problem(key, f"got {bounds}; allowed: a range [low, high] with low < high")
            continue
        low, high = float(bounds[0]), float(bounds[1])
        if low < spec.low or high > spec.high:
            problem(
                key,
                f"[{low:g}, {high:g}] is outside the parameter's range; allowed: a range "
                f"[low, high] inside [{spec.low:g}, {spec.high:g}] ({spec.unit})",
            )
            continue
        if name in fixed:
            problem(key, f"{name} is also fixed in [parameters]; allowed: calibrate or fix it")
            continue
        out.append(Input(name, low, high, spec.kind is int))
    return tuple(out)


def _check_simulator(name: str, problem: Any) -> None:
    from calibration.task import simulator_function

    try:
        simulator_function(name)
    except (ImportError, AttributeError, ValueError) as exc:
        problem("simulator", f"{name!r} cannot be used ({exc}); allowed: {ALLOWED['simulator']}")


def _targets(
    table: CalibrationTable, path: Path, world: World, start_year: int, problem: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The selected rows of the targets table, each with a source."""
    try:
        rows = read_targets(path)
    except TargetsTableError as exc:
        problem("targets_table", f"{exc}; allowed: {ALLOWED['targets_table']}")
        return pd.DataFrame(), pd.DataFrame()
    shown_table = shown_path(path)
    known = statistics.available()
    codes = set(world.codes)
    picked: list[pd.DataFrame] = []
    for i, selection in enumerate(table.targets):
        key = f"targets[{i}]"
        name = selection.statistic
        if name not in known:
            problem(
                f"{key}.statistic",
                f"{name!r} is not a statistic the model produces{_suggest(name, known)}; "
                f"allowed: {ALLOWED['targets.statistic']}",
            )
            continue
        bad_years = [y for y in selection.years if not start_year < y <= table.end_year]
        if bad_years:
            problem(
                f"{key}.years",
                f"{bad_years} outside the run ({start_year + 1}..{table.end_year}); allowed: "
                f"{ALLOWED['targets.years']}",
            )
            continue
        derived = statistics.DERIVED.get(name)
        if derived and min(selection.years) - derived.window < start_year:
            problem(
                f"{key}.years",
                f"{name} needs the {derived.window} years before each target year inside the "
                f"run; allowed: years from {start_year + derived.window} to {table.end_year}",
            )
            continue
        mine = rows[(rows["statistic"] == name) & rows["year"].isin(selection.years)]
        if selection.areas == "all":
            mine = mine[mine["area"].isin(codes)]
        else:
            unknown = [a for a in selection.areas if a not in codes and a != statistics.WORLD]
            if unknown:
                problem(
                    f"{key}.areas",
                    f"{unknown} are not countries of world '{world.name}'; allowed: "
                    f"{ALLOWED['targets.areas']}",
                )
                continue
            mine = mine[mine["area"].isin(selection.areas)]
            missing = sorted(
                {(a, y) for a in selection.areas for y in selection.years}
                - set(zip(mine["area"], mine["year"], strict=True))
            )
            if missing:
                problem(
                    key,
                    f"{shown_table} has no row of {name} for {missing[:5]}; allowed: areas and "
                    "years with a row in the targets table",
                )
                continue
        if derived and derived.world_only and (mine["area"] != statistics.WORLD).any():
            problem(f"{key}.areas", f'{name} exists for the world only; allowed: ["WLD"]')
            continue
        if mine.empty:
            problem(
                key,
                f"selects no row of {shown_table}; allowed: a statistic, years and areas with "
                "rows in the targets table",
            )
            continue
        unsourced = mine[mine["source"].fillna("").str.strip() == ""]
        if not unsourced.empty:
            problem(
                key,
                f"target {unsourced['target'].iloc[0]!r} in {shown_table} has no source "
                f"({len(unsourced)} such rows); allowed: targets whose row in the targets table "
                "names its source",
            )
            continue
        picked.append(mine)
    if not picked:
        return pd.DataFrame(), pd.DataFrame()
    chosen = pd.concat(picked).drop_duplicates("target").reset_index(drop=True)
    pairs = set(zip(chosen["statistic"], chosen["area"], strict=True))
    start = rows[
        (rows["year"] == start_year)
        & np.array([(s, a) in pairs for s, a in zip(rows["statistic"], rows["area"], strict=True)])
    ]
    return chosen, start.reset_index(drop=True)


def _with_discrepancy(targets: pd.DataFrame, table: DiscrepancyTable, problem: Any) -> pd.DataFrame:
    """Add the model-discrepancy SD of every target: absolute + relative x |value|."""
    for name in table.statistics:
        if name not in set(targets["statistic"]):
            problem(
                f"discrepancy.statistics.{name}",
                f"{name!r} is not a targeted statistic; allowed: one of "
                f"{', '.join(dict.fromkeys(targets['statistic']))}",
            )
    out = targets.copy()
    rules = [table.statistics.get(s, table) for s in out["statistic"]]
    out["discrepancy_sd"] = [
        r.absolute + r.relative * abs(v) for r, v in zip(rules, out["value"], strict=True)
    ]
    return out


def check_only(path: str | Path) -> str:
    """A one-paragraph summary of what the file would run (for `--check`)."""
    config = load_calibration(path)
    runs = config.design.points * config.design.replications * config.design.waves
    return (
        f"{config.name}: world {config.world_ref}, {config.start_year}->{config.end_year}, "
        f"{len(config.inputs)} inputs ({', '.join(i.name for i in config.inputs)}), "
        f"{len(config.targets)} targets of {len(config.statistics)} statistics, "
        f"{config.design.waves} waves of {config.design.points} points x "
        f"{config.design.replications} replications (up to {runs} runs, plus "
        f"{config.posterior.check_runs} check runs), seed {config.seed}"
    )


__all__ = [
    "ALLOWED",
    "CalibrationConfig",
    "CalibrationError",
    "Input",
    "UserError",
    "check_only",
    "load_calibration",
]
