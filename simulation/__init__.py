"""braingain's model: world, agents, mechanisms and metrics (docs/ODD.md).

This package imports nothing else of the project's; experiments, calibration and the app build
on the names exported here.
"""

from importlib import import_module
from typing import TYPE_CHECKING

from simulation.events import CONVENTIONS, EVENT_KINDS, HAZARDS, VISA_GROUPS, PolicyEvent
from simulation.metrics import METRICS, MetricSpec, aggregate_regions
from simulation.parameters import PARAMETERS, ParameterError, Params, ParamSpec, parameter_table
from simulation.world import (
    REGIONS,
    UnknownPlaceError,
    World,
    load_world,
    synthetic_world,
    two_country_world,
)

if TYPE_CHECKING:
    from simulation.model import MigrationModel
    from simulation.run import simulate, simulate_with_counterfactual

# The model pulls in mesa and networkx (about a second): imported on first use, so validating a
# scenario file or reading the parameter table stays quick.
_LAZY = {
    "MigrationModel": "simulation.model",
    "simulate": "simulation.run",
    "simulate_with_counterfactual": "simulation.run",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'simulation' has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = [
    "CONVENTIONS",
    "EVENT_KINDS",
    "HAZARDS",
    "METRICS",
    "PARAMETERS",
    "REGIONS",
    "VISA_GROUPS",
    "MetricSpec",
    "MigrationModel",
    "ParamSpec",
    "ParameterError",
    "Params",
    "PolicyEvent",
    "UnknownPlaceError",
    "World",
    "aggregate_regions",
    "load_world",
    "parameter_table",
    "simulate",
    "simulate_with_counterfactual",
    "synthetic_world",
    "two_country_world",
]
