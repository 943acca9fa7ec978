"""Mesa agents: handles over the model's arrays.

Country and DiasporaNode agents always exist (a few hundred to a few thousand). Person agents
(Student, SkilledWorker) are created on request by `MigrationModel.person_agents()`, so a run of a
million people pays nothing for them unless someone (the classroom app, a test) asks; each handle
reads its row live, so it never goes stale.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from simulation.events import CONVENTIONS

if TYPE_CHECKING:
    from simulation.model import MigrationModel


class Country(mesa.Agent):
    """One country of the world table; its state lives in `model.state` at `index`."""

    def __init__(self, model: MigrationModel, index: int, row: dict | None = None):
        """`row`: the country's table row as a dict, if the caller has it (a pandas row
        lookup costs about 0.1 ms, far more than making the agent)."""
        super().__init__(model)
        self.index = index
        row = model.world.countries.iloc[index] if row is None else row
        self.iso3: str = row["iso3"]
        self.name: str = row["name"]
        self.region: str = row["region"]
        self.lon: float = float(row["lon"])
        self.lat: float = float(row["lat"])

    def _state(self, attr: str) -> float:
        return float(getattr(self.model.state, attr)[self.index])

    @property
    def ict(self) -> float:
        return self._state("ict")

    @property
    def wage_skilled(self) -> float:
        return self._state("wage_skilled")

    @property
    def wage_unskilled(self) -> float:
        return self._state("wage_unskilled")

    @property
    def edu_quality(self) -> float:
        return self._state("edu_quality")

    @property
    def shock(self) -> float:
        return self._state("shock")

    @property
    def human_capital(self) -> float:
        return float(self.model.human_capital()[self.index])

    def is_party(self, convention: str) -> bool:
        j = CONVENTIONS.index(convention)
        return bool(self.model.state.convention_year[self.index, j] <= self.model.year)


class DiasporaNode(mesa.Agent):
    """Skilled emigrants of one origin living in one destination (a corridor with members)."""

    def __init__(self, model: MigrationModel, origin: int, destination: int):
        super().__init__(model)
        self.origin = origin
        self.destination = destination

    @property
    def members(self) -> float:
        """Weighted number of skilled emigrants in the corridor."""
        return float(self.model.corridors.skilled_diaspora[self.origin, self.destination])

    @property
    def engagement(self) -> float:
        return float(self.model.state.engagement[self.origin])


class PersonAgent(mesa.Agent):
    """A handle over one row of the population arrays, found by its uid."""

    def __init__(self, model: MigrationModel, uid: int):
        super().__init__(model)
        self.uid = uid

    @property
    def row(self) -> int:
        return int(self.model.pop.rows_of(np.array([self.uid]))[0])

    @property
    def alive(self) -> bool:
        return self.row >= 0

    def _get(self, column: str):
        row = self.row
        if row < 0:
            raise LookupError(f"person {self.uid} has left the model")
        return getattr(self.model.pop, column)[row].item()

    origin = property(lambda self: self._get("origin"))
    location = property(lambda self: self._get("location"))
    age = property(lambda self: self._get("age"))
    weight = property(lambda self: self._get("weight"))
    skill = property(lambda self: self._get("skill"))
    doctorate = property(lambda self: self._get("doctorate"))
    tie = property(lambda self: self._get("tie"))


class Student(PersonAgent):
    """A tertiary student (at home or abroad); `study_left` years to graduation."""

    study_left = property(lambda self: self._get("study_left"))


class SkilledWorker(PersonAgent):
    """A tertiary-educated adult; `recognised` False means brain waste (unskilled work)."""

    recognised = property(lambda self: self._get("recognised"))
    degree_country = property(lambda self: self._get("degree_country"))
    years_abroad = property(lambda self: self._get("years_abroad"))
    returnee = property(lambda self: self._get("returnee"))
