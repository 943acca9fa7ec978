"""What a scenario file may contain, and how to say what is wrong with one.

The pydantic models are built from the model's own tables (PARAMETERS, EVENT_KINDS), so a new
parameter or event kind is accepted, range-checked and explained without touching this file.
Every message names the file, the key path (e.g. `events[2].countries`) and what is allowed.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, create_model

from experiments.errors import UserError
from simulation.events import CONVENTIONS, EVENT_KINDS, HAZARDS, VISA_GROUPS, PolicyEvent
from simulation.parameters import PARAMETERS, SPECS, ParamSpec, coerce
from simulation.world import WORLD_NAMES

MAX_YEARS = 200
MAX_REPLICATIONS = 100_000
MAX_SEED = 2**63 - 1
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"

# What each key allows, in the words used by error messages and scenarios/README.md.
TOP_KEYS: dict[str, str] = {
    "name": "a short name of letters, digits, '_', '.' or '-' (default: the file name)",
    "description": "a string",
    "extends": "a path to another scenario file, relative to this file, or the name of a "
    "shipped scenario",
    "world": f"{', '.join(repr(w) for w in (*WORLD_NAMES, 'two_country'))}, or a path to a "
    "world folder",
    "years": f"an integer in [1, {MAX_YEARS}]: years simulated after the world's start year",
    "replications": f"an integer in [1, {MAX_REPLICATIONS}]",
    "seed": f"an integer in [0, {MAX_SEED}]",
    "parameters": "a table [parameters] of parameter overrides (names in simulation.PARAMETERS)",
    "events": "an array of tables [[events]], each with kind, year and the kind's fields",
    "calibration": "a path (relative to this file) to a calibrated.toml written by `braingain "
    "calibrate`, or to its draws .parquet: replication r runs with posterior draw r mod n",
}
PLACES = 'a list of ISO3 codes, region codes (e.g. "SSF"), region names, or "all"'
EVENT_FIELDS: dict[str, str] = {
    "kind": f"one of {', '.join(EVENT_KINDS)}",
    "year": "an integer calendar year inside the run",
    "countries": PLACES,
    "value": "a number whose meaning and range depend on kind (see scenarios/README.md)",
    "partners": PLACES,
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


def _parameter_field(spec: ParamSpec) -> tuple[Any, Any]:
    """A parameter is checked by the model's own `coerce`, as in Python and `--set`."""
    return (Annotated[Any, AfterValidator(partial(coerce, spec))], None)


ParametersTable = create_model(
    "ParametersTable",
    __config__=_STRICT,
    **{spec.name: _parameter_field(spec) for spec in PARAMETERS},
)


def _event_fields() -> dict[str, tuple[Any, Any]]:
    """The [[events]] table's fields: PolicyEvent's, in TOML types (places may be one string or
    a list). A field added to PolicyEvent must be given its TOML type here (KeyError)."""
    toml_types: dict[str, Any] = {
        "kind": (str, ...),
        "year": (int, ...),
        "countries": (list[str] | str, Field(default_factory=list)),
        "value": (float, Field(0.0, allow_inf_nan=False)),
        "partners": (list[str] | str, Field(default_factory=list)),
        "convention": (str | None, None),
        "hazard": (str | None, None),
        "group": (str | None, None),
        "until": (int | None, None),
        "label": (str, ""),
    }
    return {f.name: toml_types[f.name] for f in dataclasses.fields(PolicyEvent)}


EventTable = create_model("EventTable", __config__=_STRICT, **_event_fields())


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
    calibration: str | None = None
    parameters: ParametersTable = Field(default_factory=ParametersTable)  # type: ignore[valid-type]
    events: list[EventTable] = Field(default_factory=list)  # type: ignore[valid-type]


# --- pydantic errors -> problems ---------------------------------------------------------------
def problems_from(error: ValidationError, file: str, raw: dict[str, Any]) -> list[Problem]:
    found: dict[str, Problem] = {}
    for item in error.errors():
        loc = _trim(item["loc"])
        key = key_path(loc)
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


def key_path(loc: tuple[Any, ...]) -> str:
    """A pydantic error location as the user wrote it: `events[2].year`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def value_at(raw: Any, loc: tuple[Any, ...]) -> Any:
    """The raw value at an error location (None where the file has none)."""
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


def unknown_parameter(name: str) -> str:
    """What is wrong with a parameter name the table does not have (files and --set alike)."""
    return (
        f"unknown parameter{_suggest(name, list(SPECS))}; allowed: the names in "
        "simulation.PARAMETERS (braingain list --parameters; scenarios/README.md)"
    )


def parameter_allowed(name: str) -> str:
    """The values a parameter of the table may take, with its unit."""
    spec = SPECS[name]
    return f"{spec.allowed()} ({spec.unit})"


def _explain(loc: tuple[Any, ...], item: dict[str, Any], raw: dict[str, Any]) -> str:
    kind = item["type"]
    last = loc[-1] if loc else ""
    if loc[:1] == ("parameters",) and len(loc) == 2:
        if kind == "extra_forbidden":
            return unknown_parameter(str(last))
        allowed = parameter_allowed(str(last))
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
    return f"got {_show(value_at(raw, loc))}; allowed: {allowed}"


def event_allowed(kind: str, field: str) -> str:
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
