"""Scenario files: TOML in, a validated `Scenario` out.

Validation happens in two passes so that every message can name the file, the key path (e.g.
`events[2].countries`) and what is allowed: pydantic models built from the model's own tables
(PARAMETERS, PolicyEvent) check shapes, types and ranges; then the merged scenario is checked
against its world (places, event years inside the run) and `PolicyEvent.check()`.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from experiments.errors import UserError
from simulation.events import CONVENTIONS, EVENT_KINDS, HAZARDS, VISA_GROUPS, PolicyEvent
from simulation.parameters import PARAMETERS, SPECS, ParameterError, Params
from simulation.world import WORLD_NAMES, UnknownPlaceError, World, load_world

DEFAULTS: dict[str, Any] = {"world": "default", "years": 30, "replications": 10, "seed": 0}
MAX_YEARS = 200
MAX_REPLICATIONS = 100_000
MAX_SEED = 2**63 - 1
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"

# What each key allows, in the words used by error messages and scenarios/README.md.
TOP_KEYS: dict[str, str] = {
    "name": "a short name of letters, digits, '_', '.' or '-' (default: the file name)",
    "description": "a string",
    "extends": "a path to another scenario file, relative to this file",
    "world": f"{' or '.join(repr(w) for w in WORLD_NAMES)}, or a path to a world folder",
    "years": f"an integer in [1, {MAX_YEARS}]: years simulated after the world's start year",
    "replications": f"an integer in [1, {MAX_REPLICATIONS}]",
    "seed": f"an integer in [0, {MAX_SEED}]",
    "parameters": "a table [parameters] of parameter overrides (names in simulation.PARAMETERS)",
    "events": "an array of tables [[events]], each with kind, year and the kind's fields",
}
_PLACES = 'a list of ISO3 codes, region codes (e.g. "SSF"), region names, or "all"'
EVENT_FIELDS: dict[str, str] = {
    "kind": f"one of {', '.join(EVENT_KINDS)}",
    "year": "an integer calendar year inside the run",
    "countries": _PLACES,
    "value": "a number whose meaning and range depend on kind (see scenarios/README.md)",
    "partners": _PLACES,
    "convention": f"one of {', '.join(CONVENTIONS)}",
    "hazard": f"one of {', '.join(HAZARDS)}",
    "group": f"one of {', '.join(VISA_GROUPS)}",
    "until": "an integer calendar year inside the run, not before `year`",
    "label": "a string",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.key}: {self.message}"
            if self.key
            else f"{self.file}: {self.message}"
        )


class ScenarioError(UserError):
    """A scenario that cannot be used; the message lists every problem as FILE: KEY: WHAT."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def one(cls, file: str, key: str, message: str) -> ScenarioError:
        return cls([Problem(file, key, message)])


# --- pydantic models of the file's shape ---------------------------------------------------------
_STRICT = ConfigDict(extra="forbid", strict=True)


def _parameter_field(spec: Any) -> tuple[Any, Any]:
    if spec.kind is bool:
        return (bool | None, None)
    if spec.kind is int:
        return (int | None, Field(None, ge=spec.low, le=spec.high))
    return (float | None, Field(None, ge=spec.low, le=spec.high, allow_inf_nan=False))


ParametersTable = create_model(
    "ParametersTable",
    __config__=_STRICT,
    **{spec.name: _parameter_field(spec) for spec in PARAMETERS},
)


class EventTable(BaseModel):
    """One [[events]] entry, as written."""

    model_config = _STRICT
    kind: str
    year: int
    countries: list[str] | str = Field(default_factory=list)
    value: float = Field(0.0, allow_inf_nan=False)
    partners: list[str] | str = Field(default_factory=list)
    convention: str | None = None
    hazard: str | None = None
    group: str | None = None
    until: int | None = None
    label: str = ""


class ScenarioTable(BaseModel):
    """One scenario file, as written (before `extends` is merged)."""

    model_config = _STRICT
    name: str | None = Field(None, pattern=NAME_PATTERN)
    description: str = ""
    extends: str | None = None
    world: str | None = None
    years: int | None = Field(None, ge=1, le=MAX_YEARS)
    replications: int | None = Field(None, ge=1, le=MAX_REPLICATIONS)
    seed: int | None = Field(None, ge=0, le=MAX_SEED)
    parameters: ParametersTable = Field(default_factory=ParametersTable)  # type: ignore[valid-type]
    events: list[EventTable] = Field(default_factory=list)


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

    @property
    def params(self) -> Params:
        return Params(**self.overrides)

    @property
    def last_year(self) -> int:
        return self.start_year + self.years

    def definition(self) -> dict[str, Any]:
        """What determines the results (labels, names and replications do not)."""
        return {
            "world": self.world_ref,
            "years": self.years,
            "seed": self.seed,
            "parameters": self.params.to_dict(),
            "events": [event_dict(e, with_label=False) for e in self.events],
        }

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
            try:
                Params(**overrides)
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


@lru_cache(maxsize=8)
def cached_world(ref: str) -> World:
    """Load a world once per process (driver and workers alike)."""
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
        raise ScenarioError(_problems(exc, shown, raw)) from None
    layer = _Layer(path, shown, text, table)
    if table.extends is None:
        return [layer]
    parent = (path.parent / table.extends).resolve()
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
        raise ScenarioError.one(
            shown,
            "extends",
            f"{table.extends!r}: no such file ({parent}); allowed: {TOP_KEYS['extends']}",
        )
    return [*_read_chain(parent, shown_path(parent), (*stack, here)), layer]


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
    overrides = {name: value for name, (value, _) in params.items()}
    try:
        Params(**overrides)
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
    )


def _world(value: str, layer: _Layer, problems: list[Problem]) -> tuple[str, World | None]:
    builtin = value in WORLD_NAMES
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


def _event_allowed(kind: str, field: str) -> str:
    """What a field of this kind of event may hold (for messages from PolicyEvent.check)."""
    spec = EVENT_KINDS.get(kind)
    if (
        spec is not None
        and field not in ("kind", "year", "countries", "value", "label")
        and (field not in spec.uses)
    ):
        used = ", ".join(spec.uses) or "none"
        return f"leave it out ({kind} uses these extra fields: {used})"
    return EVENT_FIELDS[field]


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
    except ValueError as exc:
        field, _, message = str(exc).partition(": ")
        if field not in EVENT_FIELDS:
            field, message = "", str(exc)
        elif "allowed" not in message:
            message += f"; allowed: {_event_allowed(entry.kind, field)}"
        problems.append(Problem(layer.shown, f"{key}.{field}".rstrip("."), message))
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
                    f"{list(names)} names no country of world '{world.name}'; allowed: {_PLACES}",
                )
            )
    return event if len(problems) == before else None


# --- pydantic errors -> problems ---------------------------------------------------------------
def _problems(error: ValidationError, file: str, raw: dict[str, Any]) -> list[Problem]:
    found: dict[str, Problem] = {}
    for item in error.errors():
        loc = _trim(item["loc"])
        key = _key(loc)
        if key not in found:
            found[key] = Problem(file, key, _explain(loc, item, raw))
    return list(found.values())


def _trim(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop pydantic's union-member and list-item tails: report the key the user wrote."""
    if loc and loc[0] == "parameters":
        return loc[:2]
    if loc and loc[0] == "events" and len(loc) >= 2 and isinstance(loc[1], int):
        return loc[:3]
    return loc[:1]


def _key(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _lookup(raw: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        try:
            raw = raw[part]
        except (KeyError, IndexError, TypeError):
            return None
    return raw


def _show(value: Any) -> str:
    text = json.dumps(value, default=str) if isinstance(value, str | list | dict) else repr(value)
    if isinstance(value, bool):
        text = "true" if value else "false"
    return text if len(text) <= 80 else text[:77] + "..."


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _explain(loc: tuple[Any, ...], item: dict[str, Any], raw: dict[str, Any]) -> str:
    kind = item["type"]
    last = loc[-1] if loc else ""
    if loc[:1] == ("parameters",) and len(loc) == 2:
        allowed_names = list(SPECS)
        if kind == "extra_forbidden":
            return (
                f"unknown parameter{_suggest(str(last), allowed_names)}; allowed: the names in "
                "simulation.PARAMETERS (listed in scenarios/README.md)"
            )
        spec = SPECS[str(last)]
        allowed = f"{spec.allowed()} ({spec.unit})"
    elif loc[:1] == ("events",) and len(loc) == 3:
        if kind == "extra_forbidden":
            return (
                f"unknown event field{_suggest(str(last), list(EVENT_FIELDS))}; allowed fields: "
                + (", ".join(EVENT_FIELDS))
            )
        allowed = EVENT_FIELDS[str(last)]
    elif loc[:1] == ("events",) and len(loc) == 2:
        allowed = "a table with kind, year and the kind's fields"
    else:
        if kind == "extra_forbidden":
            return f"unknown key{_suggest(str(last), list(TOP_KEYS))}; allowed keys: " + ", ".join(
                TOP_KEYS
            )
        allowed = TOP_KEYS.get(str(last), "")
    if kind == "missing":
        return f"missing (required); allowed: {allowed}"
    return f"got {_show(_lookup(raw, loc))}; allowed: {allowed}"
