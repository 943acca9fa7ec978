"""What an experiment file may contain, and how to say what is wrong with one.

The file's shape is checked by pydantic models; what its names mean (parameters, events, metrics,
areas, years) is checked against the model's own tables and the base scenario in
`experiments.sensitivity.experiment`. Every message names the file, the key path (e.g.
`inputs[2].range`) and what is allowed, like scenario files.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from experiments.scenario_schema import (
    NAME_PATTERN,
    Problem,
    ScenarioError,
    _show,
    _suggest,
    key_path,
    value_at,
)

METHODS = ("sobol", "morris", "fast", "delta", "sweep")
FUNCTIONS = {"ishigami": (("x1", "x2", "x3"), ("y",))}  # built-in tasks: inputs, outputs
TASKS = ("model", *FUNCTIONS)
INPUT_KINDS = ("parameter", "parameters", "event", "variable", "dummy")
EVENT_FIELDS = ("value", "year", "until")
GROUP_COLUMNS = ("ldc", "sids", "lldc")  # 0/1 columns of a world's countries table
MAX_SAMPLES = 2**20
MAX_REPLICATIONS = 10_000
MAX_SEED = 2**32 - 1

TOP_KEYS: dict[str, str] = {
    "name": "a short name of letters, digits, '_', '.' or '-' (default: the file name)",
    "description": "a string",
    "task": f"{' or '.join(repr(t) for t in TASKS)}, or 'MODULE:FUNCTION' (a function with "
    "simulation.simulate_with_counterfactual's signature)",
    "method": f"one of {', '.join(METHODS)}",
    "samples": f"an integer in [1, {MAX_SAMPLES}]: the base sample size N (sobol: a power of "
    "2; morris: trajectories; sweep: levels per input)",
    "replications": f"an integer in [1, {MAX_REPLICATIONS}]: runs per sample point, averaged",
    "sample_seed": f"an integer in [0, {MAX_SEED}]: seed of the design and of the bootstrap",
    "levels": "an even integer in [2, 20]: Morris grid levels",
    "resamples": "an integer in [10, 10000]: bootstrap resamples for confidence intervals",
    "convergence_tolerance": "a number in (0, 1]: largest change of an index between N/2 and "
    "N samples that counts as converged",
    "scenario": "a table [scenario] written like a scenario file (extends, world, years, seed, "
    "[scenario.parameters], [[scenario.events]])",
    "groups": "a table [groups] of named country groups, each a list of ISO3 codes",
    "inputs": "an array of tables [[inputs]], each with one of parameter, parameters, event, "
    "variable or dummy",
    "outputs": "an array of tables [[outputs]], each with metric, area and year or years",
}
INPUT_KEYS: dict[str, str] = {
    "parameter": "a numeric parameter of simulation.PARAMETERS",
    "parameters": "'all': every numeric parameter of simulation.PARAMETERS",
    "event": "the label of an event of the base scenario",
    "field": f"one of {', '.join(EVENT_FIELDS)} (default value)",
    "variable": "an input of a built-in function task (ishigami: x1, x2, x3)",
    "dummy": "true: an input that changes nothing (its indices measure estimator noise)",
    "name": "a short name of letters, digits, '_', '.' or '-' (default: from the target)",
    "range": "[low, high] with low < high, inside what the target allows",
    "spread": "a number in (0, 1]: with parameters = 'all', each range is the default +- "
    "spread x the allowed width, clipped to the allowed range (default 0.25)",
    "exclude": "a list of parameter names left out of parameters = 'all'",
    "group": "a group name: inputs of a group are varied together (sobol, morris)",
}
OUTPUT_KEYS: dict[str, str] = {
    "metric": "a metric of simulation.METRICS (ishigami: y)",
    "area": "'world', a region code or name, an ISO3 code, a group column (ldc, sids, lldc) "
    "of the world's countries table, or a group of [groups] (default 'world')",
    "year": "a calendar year inside the run (default: the last year)",
    "years": "[first, last]: calendar years inside the run, averaged",
    "name": "a short name of letters, digits, '_', '.' or '-' (default: metric_area_year)",
}

ENTRIES = {
    "inputs": "a table with one of parameter, parameters, event, variable or dummy",
    "outputs": "a table with metric, area and year or years",
}

_STRICT = ConfigDict(extra="forbid", strict=True)


class InputTable(BaseModel):
    """One [[inputs]] entry, as written."""

    model_config = _STRICT
    parameter: str | None = None
    parameters: str | None = None
    event: str | None = None
    field: str | None = None
    variable: str | None = None
    dummy: bool | None = None
    name: str | None = Field(None, pattern=NAME_PATTERN)
    range: list[float] | None = Field(None, min_length=2, max_length=2)
    spread: float | None = Field(None, gt=0, le=1)
    exclude: list[str] = Field(default_factory=list)
    group: str | None = Field(None, pattern=NAME_PATTERN)


class OutputTable(BaseModel):
    """One [[outputs]] entry, as written."""

    model_config = _STRICT
    metric: str
    area: str = "world"
    year: int | None = None
    years: list[int] | None = Field(None, min_length=2, max_length=2)
    name: str | None = Field(None, pattern=NAME_PATTERN)


class ExperimentTable(BaseModel):
    """An experiment file, as written."""

    model_config = _STRICT
    name: str | None = Field(None, pattern=NAME_PATTERN)
    description: str = ""
    task: str = "model"
    method: str
    samples: int = Field(ge=1, le=MAX_SAMPLES)
    replications: int = Field(1, ge=1, le=MAX_REPLICATIONS)
    sample_seed: int = Field(0, ge=0, le=MAX_SEED)
    levels: int = Field(4, ge=2, le=20)
    resamples: int = Field(100, ge=10, le=10_000)
    convergence_tolerance: float = Field(0.05, gt=0, le=1)
    scenario: dict[str, Any] = Field(default_factory=dict)
    groups: dict[str, list[str]] = Field(default_factory=dict)
    inputs: list[InputTable] = Field(min_length=1)
    outputs: list[OutputTable] = Field(min_length=1)


class ExperimentError(ScenarioError):
    """An experiment that cannot be used; one line per problem, FILE: KEY: WHAT."""


def problems_from(error: ValidationError, file: str, raw: dict[str, Any]) -> list[Problem]:
    """Pydantic's errors as one problem per key written in the file."""
    found: dict[str, Problem] = {}
    for item in error.errors():
        loc = _trim(item["loc"])
        key = key_path(loc)
        if key not in found:
            found[key] = Problem(file, key, _explain(loc, item, raw))
    return list(found.values())


def _trim(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    if loc and loc[0] in ("inputs", "outputs") and len(loc) >= 2 and isinstance(loc[1], int):
        return loc[:3]
    if loc and loc[0] == "groups":
        return loc[:2]
    return loc[:1]


def _explain(loc: tuple[Any, ...], item: dict[str, Any], raw: dict[str, Any]) -> str:
    kind = item["type"]
    last = str(loc[-1]) if loc else ""
    if loc[:1] in (("inputs",), ("outputs",)) and len(loc) == 3:
        keys = INPUT_KEYS if loc[0] == "inputs" else OUTPUT_KEYS
        if kind == "extra_forbidden":
            return f"unknown key{_suggest(last, list(keys))}; allowed keys: {', '.join(keys)}"
        allowed = keys[last]
    elif loc[:1] in (("inputs",), ("outputs",)) and len(loc) == 2:
        allowed = ENTRIES[str(loc[0])]
    elif loc[:1] == ("groups",) and len(loc) == 2:
        allowed = "a list of ISO3 codes"
    else:
        if kind == "extra_forbidden":
            return f"unknown key{_suggest(last, list(TOP_KEYS))}; allowed keys: " + ", ".join(
                TOP_KEYS
            )
        allowed = TOP_KEYS.get(last, "")
    if kind == "missing":
        return f"missing (required); allowed: {allowed}"
    return f"got {_show(value_at(raw, loc))}; allowed: {allowed}"
