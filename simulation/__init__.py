"""braingain's model: world, agents, mechanisms and metrics (MODEL.md; docs/ODD.md).

This package imports nothing else of the project's; experiments, calibration and the app build
on the names exported here.
"""

from simulation.events import CONVENTIONS, EVENT_KINDS, HAZARDS, VISA_GROUPS, PolicyEvent
from simulation.metrics import METRICS, MetricSpec, aggregate_regions
from simulation.model import MigrationModel
from simulation.parameters import PARAMETERS, ParameterError, Params, ParamSpec, parameter_table
from simulation.run import simulate, simulate_with_counterfactual
from simulation.world import (
    REGIONS,
    UnknownPlaceError,
    World,
    load_world,
    synthetic_world,
    two_country_world,
)

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
