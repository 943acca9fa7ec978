"""Experiment files: TOML in, a validated `Experiment` out.

An experiment names a base scenario (its [scenario] table, written like a scenario file, may
`extends` one), a method and sample size, replications per sample point, the inputs to vary
(model parameters, the value or year of a scenario event, a built-in function's variables, or
dummies) and the outputs (a metric aggregated over an area, at a year or averaged over years).
Names and ranges are checked against simulation.PARAMETERS, simulation.METRICS, the base
scenario's events and its world when the file is read, so a bad file stops before anything runs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from experiments.scenario import (
    Problem,
    Scenario,
    ScenarioError,
    cached_world,
    event_dict,
    load_inline_scenario,
)
from experiments.sensitivity.schema import (
    EVENT_FIELDS,
    FUNCTIONS,
    GROUP_COLUMNS,
    INPUT_KEYS,
    METHODS,
    OUTPUT_KEYS,
    TOP_KEYS,
    ExperimentError,
    ExperimentTable,
    InputTable,
    OutputTable,
    _suggest,
    problems_from,
)
from simulation import EVENT_KINDS, METRICS, PARAMETERS, REGIONS, World

WORLD_AREA = "world"
DEFAULT_SPREAD = 0.25


@dataclass(frozen=True)
class Input:
    """One varied input: what it changes and over which range."""

    name: str
    kind: str  # "parameter" | "event" | "variable" | "dummy"
    low: float
    high: float
    target: str = ""  # parameter name, event label or variable name
    field: str = "value"  # for events: value, year or until
    integer: bool = False
    group: str | None = None

    def applied(self, value: float) -> float | int:
        """The value a run uses (integers rounded to the nearest one)."""
        return int(round(float(value))) if self.integer else float(value)


@dataclass(frozen=True)
class Output:
    """One output: a metric over an area (None = every country), averaged over years."""

    name: str
    metric: str
    area: str
    members: tuple[str, ...] | None
    years: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class Experiment:
    """A validated experiment: everything needed to sample, run and analyze it."""

    name: str
    description: str
    path: Path
    text: str
    task: str
    method: str
    samples: int
    replications: int
    sample_seed: int
    levels: int
    resamples: int
    convergence_tolerance: float
    scenario: Scenario
    inputs: tuple[Input, ...]
    outputs: tuple[Output, ...]

    @property
    def groups(self) -> list[str] | None:
        """SALib's groups (one per input unless some share a group), or None."""
        if all(i.group is None for i in self.inputs):
            return None
        return [i.group or i.name for i in self.inputs]

    def definition(self) -> dict[str, Any]:
        """What a run's results depend on (not the method, sample size, seed or replications:
        growing an experiment, or analysing it another way, reuses its runs)."""
        return {
            "task": self.task,
            "scenario": self.scenario.definition(),
            "inputs": [dataclasses.asdict(i) for i in self.inputs],
            "outputs": [dataclasses.asdict(o) for o in self.outputs],
        }

    def fingerprint(self) -> str:
        blob = json.dumps(self.definition(), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def with_options(
        self, *, samples: int | None = None, replications: int | None = None
    ) -> Experiment:
        """A copy with a new sample size or replication count (checked like the file's)."""
        changed = dataclasses.replace(
            self,
            samples=self.samples if samples is None else samples,
            replications=self.replications if replications is None else replications,
        )
        problems: list[Problem] = []
        _check_sizes(changed, "--", problems)
        if problems:
            raise ExperimentError(problems)
        return changed

    def manifest_entry(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": "experiment",
            "changes": "its base scenario, inputs, outputs or task changed",
            "file": str(self.path),
            "text": self.text,
            "task": self.task,
            "method": self.method,
            "samples": self.samples,
            "replications": self.replications,
            "sample_seed": self.sample_seed,
            "convergence_tolerance": self.convergence_tolerance,
            "base_scenario": {
                "sources": [{"file": f, "text": t} for f, t in self.scenario.sources],
                "world": self.scenario.world_ref,
                "years": self.scenario.years,
                "seed": self.scenario.seed,
                "parameters": self.scenario.overrides,
                "events": [event_dict(e) for e in self.scenario.events],
            },
            "inputs": [dataclasses.asdict(i) for i in self.inputs],
            "outputs": [dataclasses.asdict(o) for o in self.outputs],
            "fingerprint": self.fingerprint(),
        }


# --- loading -------------------------------------------------------------------------------------
def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file; raises ExperimentError (one line per problem)."""
    path = Path(path)
    shown = str(path)
    text = _read(path, shown)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError.one(shown, "", f"invalid TOML: {exc}; allowed: a TOML file") from None
    try:
        table = ExperimentTable.model_validate(raw)
    except ValidationError as exc:
        raise ExperimentError(problems_from(exc, shown, raw)) from None
    return _Checker(path, shown, text, raw, table).build()


def _read(path: Path, shown: str) -> str:
    allowed = "allowed: an experiment .toml file"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ExperimentError.one(shown, "", f"file not found; {allowed}") from None
    except IsADirectoryError:
        raise ExperimentError.one(shown, "", f"is a directory; {allowed}") from None
    except OSError as exc:
        raise ExperimentError.one(shown, "", f"cannot read the file ({exc.strerror})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExperimentError.one(
            shown, "", f"not UTF-8 text (bad byte at offset {exc.start}); {allowed}"
        ) from None


class _Checker:
    """Turns a validated-shape table into an Experiment, collecting every problem."""

    def __init__(self, path: Path, shown: str, text: str, raw: dict, table: ExperimentTable):
        self.path, self.shown, self.text, self.raw, self.table = path, shown, text, raw, table
        self.problems: list[Problem] = []
        self.function = FUNCTIONS.get(table.task)

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.shown, key, message))

    def build(self) -> Experiment:
        self._check_task()
        if self.table.method not in METHODS:
            self.problem(
                "method",
                f"got {self.table.method!r}{_suggest(self.table.method, list(METHODS))}; "
                f"allowed: {TOP_KEYS['method']}",
            )
        scenario = self._scenario()
        if scenario is None:
            raise ExperimentError(self.problems)
        world = cached_world(scenario.world_ref)
        groups = self._groups(world)
        inputs = self._inputs(scenario)
        outputs = self._outputs(scenario, world, groups)
        if self.problems:
            raise ExperimentError(self.problems)
        t = self.table
        experiment = Experiment(
            name=t.name or self.path.stem,
            description=t.description,
            path=self.path.resolve(),
            text=self.text,
            task=t.task,
            method=t.method,
            samples=t.samples,
            replications=t.replications,
            sample_seed=t.sample_seed,
            levels=t.levels,
            resamples=t.resamples,
            convergence_tolerance=t.convergence_tolerance,
            scenario=scenario,
            inputs=tuple(inputs),
            outputs=tuple(outputs),
        )
        _check_sizes(experiment, "", self.problems, self.shown)
        if self.problems:
            raise ExperimentError(self.problems)
        return experiment

    # task and base scenario
    def _check_task(self) -> None:
        task = self.table.task
        if task == "model" or self.function is not None:
            return
        module, sep, name = task.partition(":")
        try:
            found = getattr(importlib.import_module(module), name) if sep else None
        except (ImportError, AttributeError) as exc:
            found = None
            reason = f"cannot import it ({exc})"
        else:
            reason = "not a function"
        if not callable(found):
            self.problem("task", f"{task!r}: {reason}; allowed: {TOP_KEYS['task']}")

    def _scenario(self) -> Scenario | None:
        raw = dict(self.raw.get("scenario", {}))
        if "replications" in raw:
            self.problem(
                "scenario.replications",
                "not used here; allowed: leave it out (the experiment's top-level "
                "`replications` sets the runs per sample point)",
            )
            raw.pop("replications")
        if self.function is not None:  # a function ignores the world: take the small one
            raw.setdefault("world", "teaching")
            raw.setdefault("years", 1)
        try:
            return load_inline_scenario(self.path, self.shown, self.text, raw, "scenario")
        except ScenarioError as exc:
            self.problems.extend(exc.problems)
            return None

    def _groups(self, world: World) -> dict[str, tuple[str, ...]]:
        out = {}
        codes = set(world.codes)
        for name, members in self.table.groups.items():
            key = f"groups.{name}"
            if name in REGIONS or name in codes or name.lower() == WORLD_AREA:
                self.problem(key, "clashes with a region, country or 'world'; allowed: a new name")
                continue
            unknown = [m for m in members if m not in codes]
            if unknown or not members:
                what = f"unknown ISO3 codes {unknown}" if unknown else "empty"
                self.problem(
                    key,
                    f"{what}; allowed: ISO3 codes of the {world.n} countries of world "
                    f"'{world.name}' (e.g. {', '.join(world.codes[:5])})",
                )
                continue
            out[name] = tuple(sorted(set(members)))
        return out

    # inputs
    def _inputs(self, scenario: Scenario) -> list[Input]:
        """Inputs in file order; parameters = 'all' expands where it is written, leaving out
        parameters that have an input of their own."""
        made: list[list[Input] | tuple[int, InputTable]] = []
        for index, entry in enumerate(self.table.inputs):
            key = f"inputs[{index}]"
            kinds = ("parameter", "parameters", "event", "variable", "dummy")
            chosen = [k for k in kinds if getattr(entry, k) is not None]
            if len(chosen) != 1:
                what = "none of" if not chosen else f"{' and '.join(chosen)}: more than one of"
                self.problem(
                    key,
                    f"{what} parameter, parameters, event, variable, dummy; allowed: exactly "
                    "one of them per input",
                )
                continue
            kind = chosen[0]
            self._unused(entry, kind, key)
            if kind == "parameters":
                made.append((index, entry))
                continue
            item = getattr(self, f"_{kind}_input")(entry, key, scenario)
            made.append([item] if item is not None else [])
        named = {i.target for part in made if isinstance(part, list) for i in part}
        inputs: list[Input] = []
        for part in made:
            if isinstance(part, tuple):
                index, entry = part
                part = self._all_parameters(entry, f"inputs[{index}]", scenario, named)
            inputs += part
        names = [i.name for i in inputs]
        for name in sorted({n for n in names if names.count(n) > 1}):
            self.problem(
                "inputs",
                f"the input name {name!r} is used {names.count(name)} times; allowed: unique "
                "names (set `name`)",
            )
        return inputs

    def _unused(self, entry: InputTable, kind: str, key: str) -> None:
        allowed = {
            "parameter": {"name", "range", "group"},
            "parameters": {"spread", "exclude"},
            "event": {"field", "name", "range", "group"},
            "variable": {"name", "range", "group"},
            "dummy": {"name", "range", "group"},
        }[kind]
        for field in ("field", "name", "range", "spread", "exclude", "group"):
            value = getattr(entry, field)
            if value not in (None, []) and field not in allowed:
                self.problem(
                    f"{key}.{field}",
                    f"not used with {kind}; allowed: leave it out ({kind} takes "
                    f"{', '.join(sorted(allowed)) or 'nothing else'})",
                )

    def _range(self, entry: InputTable, key: str, low: float, high: float, what: str):
        """The written range, checked against [low, high]; None (and a problem) if bad."""
        if entry.range is None:
            self.problem(f"{key}.range", f"missing (required); allowed: [low, high] inside {what}")
            return None
        a, b = entry.range
        if not a < b:
            self.problem(
                f"{key}.range",
                f"got {entry.range}; allowed: [low, high] with low < high, inside {what}",
            )
            return None
        if a < low or b > high:
            self.problem(
                f"{key}.range",
                f"{entry.range} is outside {what}; allowed: a range inside [{low:g}, {high:g}]",
            )
            return None
        return a, b

    def _parameter_input(self, entry: InputTable, key: str, scenario: Scenario) -> Input | None:
        specs = {s.name: s for s in PARAMETERS}
        spec = specs.get(entry.parameter)
        if spec is None:
            numeric = [s.name for s in PARAMETERS if s.kind in (int, float)]
            self.problem(
                f"{key}.parameter",
                f"unknown parameter {entry.parameter!r}"
                f"{_suggest(str(entry.parameter), numeric)}; allowed: "
                f"{INPUT_KEYS['parameter']}",
            )
            return None
        if spec.kind not in (int, float):
            self.problem(
                f"{key}.parameter",
                f"{spec.name} is {spec.kind.__name__}; allowed: {INPUT_KEYS['parameter']}",
            )
            return None
        bounds = self._range(
            entry,
            key,
            spec.low,
            spec.high,
            f"{spec.name}'s allowed range [{spec.low:g}, {spec.high:g}] ({spec.unit})",
        )
        if bounds is None:
            return None
        return Input(
            entry.name or spec.name,
            "parameter",
            *bounds,
            target=spec.name,
            integer=spec.kind is int,
            group=entry.group,
        )

    def _all_parameters(
        self, entry: InputTable, key: str, scenario: Scenario, named: set[str]
    ) -> list[Input]:
        if entry.parameters != "all":
            self.problem(
                f"{key}.parameters",
                f"got {entry.parameters!r}; allowed: {INPUT_KEYS['parameters']}",
            )
            return []
        numeric = [s for s in PARAMETERS if s.kind in (int, float)]
        names = {s.name for s in numeric}
        for name in entry.exclude:
            if name not in names:
                self.problem(
                    f"{key}.exclude",
                    f"{name!r} is not a numeric parameter"
                    f"{_suggest(name, list(names))}; allowed: {INPUT_KEYS['exclude']}",
                )
        spread = entry.spread or DEFAULT_SPREAD
        out = []
        current = scenario.params
        for spec in numeric:
            if spec.name in entry.exclude or spec.name in named:
                continue
            centre = float(getattr(current, spec.name))
            width = spread * (spec.high - spec.low)
            low, high = max(spec.low, centre - width), min(spec.high, centre + width)
            if spec.kind is int:
                low, high = float(round(low)), float(round(high))
            if high <= low:
                continue
            out.append(
                Input(spec.name, "parameter", low, high, target=spec.name, integer=spec.kind is int)
            )
        return out

    def _event_input(self, entry: InputTable, key: str, scenario: Scenario) -> Input | None:
        label = entry.event
        matches = [e for e in scenario.events if e.label == label]
        labels = sorted({e.label for e in scenario.events if e.label})
        if len(matches) != 1:
            what = "no event" if not matches else f"{len(matches)} events"
            self.problem(
                f"{key}.event",
                f"{what} of the base scenario labelled {label!r}"
                f"{_suggest(str(label), labels)}; allowed: the label of one event "
                f"(labels here: {labels or 'none'})",
            )
            return None
        event = matches[0]
        field = entry.field or "value"
        first, last = scenario.start_year + 1, scenario.last_year
        if field not in EVENT_FIELDS:
            self.problem(f"{key}.field", f"got {field!r}; allowed: {INPUT_KEYS['field']}")
            return None
        if field == "value":
            kind = EVENT_KINDS[event.kind]
            bounds = self._range(
                entry,
                key,
                kind.value_low,
                kind.value_high,
                f"the value range of {event.kind} [{kind.value_low:g}, "
                f"{kind.value_high:g}] ({kind.value_meaning})",
            )
        elif field == "year":
            top = min(last, event.until) if event.until is not None else last
            bounds = self._range(
                entry,
                key,
                first,
                top,
                f"the run's years [{first}, {top}]"
                + (" (not after the event's `until`)" if event.until else ""),
            )
        else:
            if event.until is None:
                self.problem(
                    f"{key}.field", f"event {label!r} has no `until`; allowed: value or year"
                )
                return None
            bounds = self._range(
                entry,
                key,
                event.year,
                last,
                f"the years from the event's year to the run's end [{event.year}, {last}]",
            )
        if bounds is None:
            return None
        name = entry.name or re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{label}_{field}").strip("_")
        return Input(
            name,
            "event",
            *bounds,
            target=str(label),
            field=field,
            integer=field != "value",
            group=entry.group,
        )

    def _variable_input(self, entry: InputTable, key: str, scenario: Scenario) -> Input | None:
        if self.function is None:
            self.problem(
                f"{key}.variable",
                "the model task has no variables; allowed: parameter, parameters, event or dummy",
            )
            return None
        variables = self.function[0]
        if entry.variable not in variables:
            self.problem(
                f"{key}.variable",
                f"got {entry.variable!r}; allowed: one of "
                f"{', '.join(variables)} ({self.table.task})",
            )
            return None
        bounds = self._range(entry, key, float("-inf"), float("inf"), "the real numbers")
        if bounds is None:
            return None
        return Input(
            entry.name or str(entry.variable),
            "variable",
            *bounds,
            target=str(entry.variable),
            group=entry.group,
        )

    def _dummy_input(self, entry: InputTable, key: str, scenario: Scenario) -> Input | None:
        if entry.dummy is not True:
            self.problem(f"{key}.dummy", f"got {entry.dummy!r}; allowed: {INPUT_KEYS['dummy']}")
            return None
        low, high = entry.range or (0.0, 1.0)
        if entry.range is not None and not low < high:
            self.problem(f"{key}.range", f"got {entry.range}; allowed: [low, high], low < high")
            return None
        return Input(entry.name or "dummy", "dummy", low, high, group=entry.group)

    # outputs
    def _outputs(
        self, scenario: Scenario, world: World, groups: dict[str, tuple[str, ...]]
    ) -> list[Output]:
        out = []
        for index, entry in enumerate(self.table.outputs):
            made = self._output(entry, f"outputs[{index}]", scenario, world, groups)
            if made is not None:
                out.append(made)
        names = [o.name for o in out]
        for name in sorted({n for n in names if names.count(n) > 1}):
            self.problem(
                "outputs",
                f"the output name {name!r} is used twice; allowed: unique names (set `name`)",
            )
        return out

    def _output(
        self,
        entry: OutputTable,
        key: str,
        scenario: Scenario,
        world: World,
        groups: dict[str, tuple[str, ...]],
    ) -> Output | None:
        before = len(self.problems)
        if self.function is not None:
            allowed = self.function[1]
            if entry.metric not in allowed:
                self.problem(
                    f"{key}.metric",
                    f"got {entry.metric!r}; allowed: {', '.join(allowed)} ({self.table.task})",
                )
            for field in ("year", "years"):
                if getattr(entry, field) is not None:
                    self.problem(
                        f"{key}.{field}", f"not used by {self.table.task}; allowed: leave it out"
                    )
            if self.problems[before:]:
                return None
            return Output(entry.name or entry.metric, entry.metric, WORLD_AREA, None, ())
        if entry.metric not in METRICS:
            self.problem(
                f"{key}.metric",
                f"unknown metric {entry.metric!r}"
                f"{_suggest(entry.metric, list(METRICS))}; allowed: "
                f"{OUTPUT_KEYS['metric']}",
            )
        area, members = self._area(entry.area, f"{key}.area", world, groups)
        years = self._years(entry, key, scenario)
        if self.problems[before:] or years is None:
            return None
        when = str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
        name = entry.name or f"{entry.metric}_{area}_{when}"
        return Output(name, entry.metric, area, members, years)

    def _area(
        self, area: str, key: str, world: World, groups: dict[str, tuple[str, ...]]
    ) -> tuple[str, tuple[str, ...] | None]:
        countries = world.countries
        by_name = {v.lower(): k for k, v in REGIONS.items()}
        if area.lower() == WORLD_AREA:
            return WORLD_AREA, None
        if area in REGIONS or area.lower() in by_name:
            code = area if area in REGIONS else by_name[area.lower()]
            members = tuple(countries.loc[countries["region"] == code, "iso3"])
            if not members:
                self.problem(
                    key,
                    f"region {code} has no country in world '{world.name}'; "
                    f"allowed: {OUTPUT_KEYS['area']}",
                )
            return code, members
        if area in world.codes:
            return area, (area,)
        if area in groups:
            return area, groups[area]
        if area in GROUP_COLUMNS or area in countries.columns:
            if area not in countries.columns:
                self.problem(
                    key,
                    f"the group {area!r} needs a 0/1 column {area!r} in the "
                    f"countries table of world '{world.name}', which has none; allowed: "
                    "a world whose countries table has it, or the group's ISO3 codes "
                    "under [groups]",
                )
                return area, ()
            flags = countries[area]
            if not flags.isin([0, 1, 0.0, 1.0, True, False]).all():
                self.problem(
                    key,
                    f"column {area!r} of world '{world.name}' is not 0/1; allowed: "
                    f"{OUTPUT_KEYS['area']}",
                )
                return area, ()
            members = tuple(countries.loc[flags.astype(bool), "iso3"])
            if not members:
                self.problem(
                    key,
                    f"no country of world '{world.name}' is in group {area!r} (its countries "
                    f"table has no {area!r} column or no 1 in it); allowed: a world whose "
                    "countries table flags the group, or the group's ISO3 codes under [groups]",
                )
            return area, members
        choices = [WORLD_AREA, *REGIONS, *groups, *GROUP_COLUMNS]
        self.problem(
            key, f"unknown area {area!r}{_suggest(area, choices)}; allowed: {OUTPUT_KEYS['area']}"
        )
        return area, ()

    def _years(self, entry: OutputTable, key: str, scenario: Scenario) -> tuple[int, ...] | None:
        first, last = scenario.start_year + 1, scenario.last_year
        inside = f"calendar years in {first}..{last} (the base scenario's run)"
        if entry.year is not None and entry.years is not None:
            self.problem(f"{key}.years", "given with `year`; allowed: one of year or years")
            return None
        if entry.years is not None:
            a, b = entry.years
            if not first <= a <= b <= last:
                self.problem(
                    f"{key}.years",
                    f"got {entry.years}; allowed: [first, last], first <= last, {inside}",
                )
                return None
            return tuple(range(a, b + 1))
        year = last if entry.year is None else entry.year
        if not first <= year <= last:
            self.problem(f"{key}.year", f"{year} is outside the run; allowed: {inside}")
            return None
        return (year,)


def _check_sizes(
    experiment: Experiment, prefix: str, problems: list[Problem], shown: str | None = None
) -> None:
    """Sample-size rules of each method (SALib's, plus what the convergence check needs)."""
    file = shown or str(experiment.path)
    n, method = experiment.samples, experiment.method
    key = f"{prefix}samples"
    grouped = experiment.groups is not None
    if method == "sobol" and (n < 2 or n & (n - 1)):
        problems.append(
            Problem(
                file,
                key,
                f"got {n}; allowed: a power of 2 (at least 2) for "
                "sobol (the design at 2N then extends the one at N)",
            )
        )
    elif method == "fast" and n <= 64:
        problems.append(
            Problem(
                file, key, f"got {n}; allowed: more than 64 for fast (4 M^2 with M = 4 harmonics)"
            )
        )
    elif method == "morris" and n < 2:
        problems.append(Problem(file, key, f"got {n}; allowed: at least 2 trajectories"))
    elif method == "delta" and n < 20:
        problems.append(Problem(file, key, f"got {n}; allowed: at least 20 for delta"))
    elif method == "sweep" and n < 2:
        problems.append(Problem(file, key, f"got {n}; allowed: at least 2 levels per input"))
    if method == "morris" and experiment.levels % 2:
        problems.append(
            Problem(file, "levels", f"got {experiment.levels}; allowed: {TOP_KEYS['levels']}")
        )
    if method == "sweep" and len(experiment.inputs) > 2:
        problems.append(
            Problem(
                file,
                "inputs",
                f"{len(experiment.inputs)} inputs; allowed: "
                "one or two inputs for sweep (a full grid)",
            )
        )
    if grouped and method in ("fast", "delta", "sweep"):
        problems.append(
            Problem(
                file,
                "inputs",
                f"input groups with {method}; allowed: groups with sobol or morris only",
            )
        )
    if experiment.replications < 1:
        problems.append(Problem(file, f"{prefix}replications", "allowed: at least 1"))
