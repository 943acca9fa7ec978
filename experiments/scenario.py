"""Scenario files: TOML in, a validated `Scenario` out.

Validation happens in two passes so that every message can name the file, the key path (e.g.
`events[2].countries`) and what is allowed: pydantic models built from the model's own tables
(PARAMETERS, PolicyEvent) check shapes, types and ranges; then the merged scenario is checked
against its world (places, event years inside the run) and `PolicyEvent.check()`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from experiments.errors import UserError
from experiments.posterior_draws import DrawsError, PosteriorDraws, load_draws
from experiments.scenario_schema import (
    EVENT_FIELDS,
    MAX_REPLICATIONS,
    MAX_SEED,
    PLACES,
    TOP_KEYS,
    EventTable,
    ParametersTable,
    Problem,
    ScenarioError,
    ScenarioTable,
    event_allowed,
    parameter_allowed,
    problems_from,
    unknown_parameter,
)
from experiments.shipped import SCENARIOS, referenced_scenario, suggestion
from simulation.events import EventError, PolicyEvent
from simulation.parameters import SPECS, ParameterError, Params, coerce
from simulation.world import (
    WORLD_NAMES,
    UnknownPlaceError,
    World,
    load_world,
    two_country_world,
)

__all__ = [
    "EVENT_FIELDS",
    "TOP_KEYS",
    "ParametersTable",
    "Problem",
    "Scenario",
    "ScenarioError",
    "cached_world",
    "event_dict",
    "load_inline_scenario",
    "load_scenario",
    "load_scenarios",
]

DEFAULTS: dict[str, Any] = {"world": "default", "years": 30, "replications": 10, "seed": 0}


# --- the validated scenario -------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Scenario:
    """A fully merged and validated scenario: everything a run needs, nothing file-specific."""

    name: str
    description: str
    path: Path
    sources: tuple[tuple[str, str], ...]  # (file, text) for the manifest, base file first
    world_ref: str  # a built-in world name or an absolute folder path
    start_year: int
    years: int
    replications: int
    seed: int
    overrides: dict[str, Any]
    events: tuple[PolicyEvent, ...]
    posterior: PosteriorDraws | None = None  # `calibration = ...`: parameters drawn per run

    @property
    def params(self) -> Params:
        """The scenario's own parameters (without posterior draws)."""
        return Params.from_dict(self.overrides)

    def params_for(self, replication: int) -> Params:
        """The parameters replication r runs with: posterior draw r mod n (if the scenario
        names a calibration), then the scenario's own overrides on top."""
        if self.posterior is None:
            return self.params
        return Params.from_dict({**self.posterior.draw(replication), **self.overrides})

    @property
    def last_year(self) -> int:
        return self.start_year + self.years

    def definition(self) -> dict[str, Any]:
        """What determines the results (labels, names and replications do not)."""
        out = {
            "world": self.world_ref,
            "years": self.years,
            "seed": self.seed,
            "parameters": self.params.to_dict(),
            "events": [event_dict(e, with_label=False) for e in self.events],
        }
        if self.posterior is not None:
            out["calibration"] = self.posterior.digest
        return out

    def fingerprint(self) -> str:
        blob = json.dumps(self.definition(), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def with_options(
        self,
        *,
        name: str | None = None,
        replications: int | None = None,
        seed: int | None = None,
        set_params: dict[str, Any] | None = None,
    ) -> Scenario:
        """A copy with command-line overrides applied (validated like the file's values)."""
        overrides = dict(self.overrides)
        if set_params:
            overrides.update(set_params)
            for key, value in set_params.items():
                if key not in SPECS:
                    raise UserError(f"--set {key}: {unknown_parameter(key)}")
                try:
                    coerce(SPECS[key], value)
                except ParameterError:
                    raise UserError(
                        f"--set {key}: got {value!r}; allowed: {parameter_allowed(key)}"
                    ) from None
            try:
                Params.from_dict(overrides)
            except ParameterError as exc:
                raise UserError(f"--set {exc.name}: {exc}") from None
        if replications is not None and not 1 <= replications <= MAX_REPLICATIONS:
            raise UserError(
                f"--replications: got {replications}; allowed: {TOP_KEYS['replications']}"
            )
        if seed is not None and not 0 <= seed <= MAX_SEED:
            raise UserError(f"--seed: got {seed}; allowed: {TOP_KEYS['seed']}")
        return dataclasses.replace(
            self,
            name=name or self.name,
            replications=self.replications if replications is None else replications,
            seed=self.seed if seed is None else seed,
            overrides=overrides,
        )


def event_dict(event: PolicyEvent, with_label: bool = True) -> dict[str, Any]:
    """A JSON-able view of an event (for manifests and fingerprints)."""
    out = dataclasses.asdict(event)
    out["countries"] = list(event.countries)
    out["partners"] = list(event.partners)
    if not with_label:
        out.pop("label")
    return out


# Worlds made by a function rather than read from tables: the theory setting of the incentive
# effect (experiments/studies/incentive_effect.toml) runs on the two-country world.
SYNTHETIC_WORLDS = {"two_country": two_country_world}


@lru_cache(maxsize=8)
def cached_world(ref: str) -> World:
    """Load a world once per process (driver and workers alike)."""
    if ref in SYNTHETIC_WORLDS:
        return SYNTHETIC_WORLDS[ref]()
    return load_world(ref)


# --- loading -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Layer:
    path: Path
    shown: str
    text: str
    table: ScenarioTable


def shown_path(path: Path) -> str:
    """A path as the user would recognise it: relative to the working directory if inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path.resolve())


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge (`extends`) and validate one scenario file; raises ScenarioError."""
    path = Path(path)
    try:
        return _merge(_read_chain(path, shown=str(path), stack=()))
    except ScenarioError as exc:
        raise ScenarioError([_via(p, str(path)) for p in exc.problems]) from None


def _via(problem: Problem, top: str) -> Problem:
    """Say how a problem in an extended file was reached."""
    if problem.file == top:
        return problem
    return Problem(problem.file, problem.key, f"{problem.message} (reached from {top})")


def load_scenarios(paths: list[str | Path]) -> list[Scenario]:
    """Load several files, reporting the problems of all of them at once."""
    problems: list[Problem] = []
    scenarios: list[Scenario] = []
    for path in paths:
        try:
            scenarios.append(load_scenario(path))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return scenarios


def load_inline_scenario(path: Path, shown: str, text: str, raw: Any, key: str) -> Scenario:
    """A scenario written as the table `key` of another file (an experiment's [scenario]):
    validated like a scenario file, its `extends` relative to that file; problems in the table
    itself are reported under `key.` (e.g. `scenario.parameters.recognition_base`)."""

    def inside(problems: list[Problem]) -> list[Problem]:
        return [
            Problem(p.file, f"{key}.{p.key}".rstrip("."), p.message)
            if p.file == shown
            else _via(p, shown)
            for p in problems
        ]

    if not isinstance(raw, dict):
        raise ScenarioError.one(
            shown, key, f"got {raw!r}; allowed: a table [{key}] written like a scenario file"
        )
    try:
        table = ScenarioTable.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(inside(problems_from(exc, shown, raw))) from None
    layer = _Layer(path, shown, text, table)
    try:
        if table.extends is None:
            return _merge([layer])
        parent = referenced_scenario(path.parent, table.extends)
        if not parent.is_file():
            raise ScenarioError.one(shown, "extends", _missing_parent(table.extends, parent))
        return _merge([*_read_chain(parent, shown_path(parent), (path.resolve(),)), layer])
    except ScenarioError as exc:
        raise ScenarioError(inside(exc.problems)) from None


def _read_chain(path: Path, shown: str, stack: tuple[Path, ...]) -> list[_Layer]:
    """The file and its `extends` ancestors, base first."""
    text = _read_text(path, shown)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError.one(shown, "", f"invalid TOML: {exc}; allowed: a TOML file") from None
    try:
        table = ScenarioTable.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(problems_from(exc, shown, raw)) from None
    layer = _Layer(path, shown, text, table)
    if table.extends is None:
        return [layer]
    parent = referenced_scenario(path.parent, table.extends)
    here = path.resolve()
    if parent == here or parent in stack:
        cycle = " -> ".join(shown_path(p) for p in (*stack, here, parent))
        raise ScenarioError.one(
            shown,
            "extends",
            f"{table.extends!r} makes a cycle ({cycle}); allowed: a path to another "
            "scenario file, relative to this file, that does not lead back to it",
        )
    if not parent.is_file():
        raise ScenarioError.one(shown, "extends", _missing_parent(table.extends, parent))
    return [*_read_chain(parent, shown_path(parent), (*stack, here)), layer]


def _missing_parent(extends: str, tried: Path) -> str:
    """`extends` names neither a file next to this one nor a shipped scenario."""
    return (
        f"{extends!r}: no such file ({tried}) or shipped scenario{suggestion(extends)}; "
        f"allowed: {TOP_KEYS['extends']} ({', '.join(SCENARIOS.names())})"
    )


def _read_text(path: Path, shown: str) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError.one(
            shown, "", "file not found; allowed: a scenario .toml file"
        ) from None
    except IsADirectoryError:
        raise ScenarioError.one(
            shown, "", "is a directory; allowed: a scenario .toml file"
        ) from None
    except OSError as exc:
        raise ScenarioError.one(shown, "", f"cannot read the file ({exc.strerror})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError.one(
            shown,
            "",
            f"not UTF-8 text (bad byte at offset {exc.start}); allowed: a UTF-8 TOML file",
        ) from None


def _merge(chain: list[_Layer]) -> Scenario:
    """Children override the base's scalars and parameters; events accumulate, base first."""
    leaf = chain[-1]
    scalars: dict[str, tuple[Any, _Layer | None]] = {k: (v, None) for k, v in DEFAULTS.items()}
    params: dict[str, tuple[Any, _Layer]] = {}
    events: list[tuple[EventTable, _Layer, int]] = []
    for layer in chain:
        for key in DEFAULTS:
            value = getattr(layer.table, key)
            if value is not None:
                scalars[key] = (value, layer)
        for name, value in layer.table.parameters.model_dump(exclude_none=True).items():
            params[name] = (value, layer)
        events.extend((event, layer, i) for i, event in enumerate(layer.table.events))

    problems: list[Problem] = []
    world_value, world_layer = scalars["world"]
    world_ref, world = _world(world_value, world_layer or leaf, problems)
    if world is None:
        raise ScenarioError(problems)
    years, years_layer = scalars["years"]
    posterior = _posterior(chain, problems)
    overrides = {name: value for name, (value, _) in params.items()}
    try:
        Params.from_dict(overrides)
    except ParameterError as exc:
        layer = params[exc.name][1] if exc.name in params else leaf
        problems.append(Problem(layer.shown, f"parameters.{exc.name}", str(exc)))
    years_from = f"years = {years}" + (f" in {years_layer.shown}" if years_layer else " (default)")
    checked = [_event(e, layer, i, world, years, years_from, problems) for e, layer, i in events]
    if problems:
        raise ScenarioError(problems)
    return Scenario(
        name=leaf.table.name or leaf.path.stem,
        description=leaf.table.description,
        path=leaf.path.resolve(),
        sources=tuple((layer.shown, layer.text) for layer in chain),
        world_ref=world_ref,
        start_year=world.start_year,
        years=years,
        replications=scalars["replications"][0],
        seed=scalars["seed"][0],
        overrides=overrides,
        events=tuple(e for e in checked if e is not None),
        posterior=posterior,
    )


def _posterior(chain: list[_Layer], problems: list[Problem]) -> PosteriorDraws | None:
    """The draws of the last layer naming a calibration (paths relative to that file)."""
    layer = next((x for x in reversed(chain) if x.table.calibration is not None), None)
    if layer is None:
        return None
    value = layer.table.calibration
    try:
        return load_draws((layer.path.parent / value).resolve())
    except DrawsError as exc:
        problems.append(
            Problem(
                layer.shown, "calibration", f"{value!r}: {exc}; allowed: {TOP_KEYS['calibration']}"
            )
        )
        return None


def _world(value: str, layer: _Layer, problems: list[Problem]) -> tuple[str, World | None]:
    builtin = value in WORLD_NAMES or value in SYNTHETIC_WORLDS
    ref = value if builtin else str((layer.path.parent / value).resolve())
    try:
        return ref, cached_world(ref)
    except Exception as exc:  # a bad folder fails in many ways; all are the user's input
        if builtin:
            what = f"cannot load the built-in world {value!r} ({exc})"
        elif not Path(ref).is_dir():
            what = f"{value!r} is neither a built-in world nor a folder ({ref})"
        else:
            what = f"cannot load the world folder {ref} ({type(exc).__name__}: {exc})"
        problems.append(Problem(layer.shown, "world", f"{what}; allowed: {TOP_KEYS['world']}"))
        return ref, None


def _places(value: list[str] | str) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _event(
    entry: EventTable,
    layer: _Layer,
    index: int,
    world: World,
    years: int,
    years_from: str,
    problems: list[Problem],
) -> PolicyEvent | None:
    """Build and check one event; record its problems under events[index].FIELD."""
    key = f"events[{index}]"
    event = PolicyEvent(
        kind=entry.kind,
        year=entry.year,
        countries=_places(entry.countries),
        value=entry.value,
        partners=_places(entry.partners),
        convention=entry.convention,
        hazard=entry.hazard,
        group=entry.group,
        until=entry.until,
        label=entry.label,
    )
    before = len(problems)
    try:
        event.check()
    except EventError as exc:
        message = exc.reason
        if "allowed" not in message:
            message += f"; allowed: {event_allowed(entry.kind, exc.field)}"
        problems.append(Problem(layer.shown, f"{key}.{exc.field}", message))
        return None
    first, last = world.start_year + 1, world.start_year + years
    for field in ("year", "until"):
        year = getattr(event, field)
        if year is not None and not first <= year <= last:
            problems.append(
                Problem(
                    layer.shown,
                    f"{key}.{field}",
                    f"{year} is outside the run; allowed: a year in {first}..{last} "
                    f"(world '{world.name}' starts in {world.start_year}; {years_from})",
                )
            )
    for field in ("countries", "partners"):
        names = getattr(event, field)
        if not names:
            continue
        try:
            picked = world.resolve(names)
        except UnknownPlaceError as exc:
            problems.append(Problem(layer.shown, f"{key}.{field}", str(exc)))
            continue
        if len(picked) == 0:
            problems.append(
                Problem(
                    layer.shown,
                    f"{key}.{field}",
                    f"{list(names)} names no country of world '{world.name}'; allowed: {PLACES}",
                )
            )
    return event if len(problems) == before else None
