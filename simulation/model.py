"""MigrationModel: the Mesa model of skilled migration and diaspora networks (docs/ODD.md).

State lives in four named containers — countries (`state`), corridors (`corridors`), people
(`pop`) and the year's flows (`flows`) — and each yearly step runs the mechanisms in the order of
docs/ODD.md §1.3 over whole arrays. Random numbers come from one stream per mechanism and year,
derived from the run's seed, so the no-emigration twin meets the same shocks and the same draws
elsewhere (common random numbers for net brain gain).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import mesa
import networkx as nx
import numpy as np

from simulation import initial
from simulation.agents import Country, DiasporaNode, SkilledWorker, Student
from simulation.events import PolicyEvent
from simulation.mechanisms.calibration import calibrate_start
from simulation.mechanisms.demography import demography_step
from simulation.mechanisms.diaspora import corridor_members, diaspora_step
from simulation.mechanisms.economy import set_wages, update_economy
from simulation.mechanisms.education import (
    calibrate_study_destinations,
    enrol,
    update_perceived_prospect,
)
from simulation.mechanisms.graduation import (
    emigration_lottery,
    graduate,
    send_graduates_home_or_keep,
)
from simulation.mechanisms.migration import (
    MoveTerms,
    migration_step,
    move_terms,
    ties_fade_and_years_abroad_grow,
)
from simulation.mechanisms.policy import apply_events
from simulation.mechanisms.recognition import (
    diaspora_size,
    later_recognition_and_skill,
    recognition_matrix,
)
from simulation.mechanisms.shocks import shock_step
from simulation.metrics import country_metrics, make_datacollector, native_metrics
from simulation.parameters import Params
from simulation.population import STUDENT, WORKER, tally
from simulation.state import CorridorState, FixedTerms, Flows, initial_state
from simulation.world import World, load_world

DEFAULT_YEARS = 30
RECORDINGS = ("all", "natives")  # what a model keeps in `records` each year
COUNTRY_FIELDS = ("iso3", "name", "region", "lon", "lat")  # what a Country agent keeps
FLOW_NAMES = Flows.names()
STREAMS = (
    "mesa",  # reserved: Mesa's own generator
    "initial",
    "shocks",
    "displacement",
    "enrolment",
    "lottery",
    "migration_consider",
    "migration_choice",
    "recognition",
    "recognition_move",
    "displaced_return",
)


def country_rows(world: World) -> list[dict[str, Any]]:
    """The world table's rows as dicts of the fields a Country agent keeps (built from the
    columns: pandas' to_dict("records") costs several times more)."""
    columns = [world.countries[field].tolist() for field in COUNTRY_FIELDS]
    return [dict(zip(COUNTRY_FIELDS, row, strict=True)) for row in zip(*columns, strict=True)]


class MigrationModel(mesa.Model):
    """Skilled migration between the countries of `world`, one step per year.

    Args:
        world: the countries and corridors, or a built-in world's name (see `load_world`).
        params: parameter values (defaults from the parameter table); `**overrides` too.
        rng: seed (int or numpy SeedSequence) of all randomness in the run.
        events: scheduled policy events and shocks.
        emigration: False stops the emigration of every country's own people (the
            counterfactual of net brain gain; docs/ODD.md §3.3 says exactly what it stops).
        years: steps to run; `running` turns False at `world.start_year + years`.
        collect_data: fill the `datacollector` (world totals and every country's main metrics)
            every year; batch runs turn it off and read `records`, the same numbers as arrays.
        recording: what `records` keeps each year: "all" metrics, or "natives" (the natives at
            home, all that net brain gain needs of a no-emigration twin, at a fraction of the
            cost; without the datacollector).
    """

    def __init__(
        self,
        world: World | str = "default",
        params: Params | None = None,
        *,
        rng: int | np.random.SeedSequence | None = 0,
        events: Sequence[PolicyEvent] = (),
        emigration: bool = True,
        years: int = DEFAULT_YEARS,
        collect_data: bool = True,
        recording: str = "all",
        start: MigrationModel | None = None,
        **overrides: Any,
    ):
        seed_seq = rng if isinstance(rng, np.random.SeedSequence) else np.random.SeedSequence(rng)
        # Mesa's own generator (used only by Mesa, e.g. AgentSet shuffles); derived without
        # spawn() so reusing one SeedSequence object gives the same model every time
        mesa_seq = np.random.SeedSequence(seed_seq.entropy, spawn_key=(*seed_seq.spawn_key, 0))
        super().__init__(rng=np.random.default_rng(mesa_seq))
        world = load_world(world) if isinstance(world, str) else world
        params = params if params is not None else Params()
        if overrides:
            params = params.replace(**overrides)
        if not isinstance(years, int) or years < 1:
            raise ValueError(f"years: got {years!r}; allowed: a positive integer")
        if recording not in RECORDINGS or (recording != "all" and collect_data):
            raise ValueError(
                f"recording: got {recording!r}; allowed: {', '.join(RECORDINGS)} (anything but "
                '"all" only with collect_data=False)'
            )
        self.seed_sequence = seed_seq
        self.world = world
        self.params = params
        self.emigration = emigration
        self.year = world.start_year
        self.end_year = world.start_year + years
        self.events = self._checked(events)
        # a twin shares its start's fixed terms (same world and parameters: checked below)
        self.fixed = start.fixed if start is not None else FixedTerms.of(world, params)
        self.year_terms: MoveTerms | None = None  # set by step() while the year's state holds
        self._stream_cache: dict[str, np.random.Generator] = {}
        # the streams' seed sequences by (seed's spawn key, stream, year): a twin shares its
        # start's, so a pair builds each once
        self._stream_seeds = start._stream_seeds if start is not None else {}
        self._skilled_cache: tuple[int, np.ndarray] | None = None
        if start is None:
            self.state = initial_state(world, params)
            self.flows = Flows(world.n)
            self.last_flows = Flows(world.n)
            self._init_people()
        else:
            self._copy_start(start)
        self.countries = [Country(self, i, row) for i, row in enumerate(country_rows(world))]
        self._nodes: dict[tuple[int, int], DiasporaNode] = {}
        self._person_handles: dict[int, Student | SkilledWorker] = {}
        self.records: list[dict[str, np.ndarray]] = []
        self.recording = recording
        self.collect_data = collect_data
        self.datacollector = make_datacollector()
        self._record(start=True)

    # --- set-up ---------------------------------------------------------------------------
    def _checked(self, events: Sequence[PolicyEvent]) -> list[PolicyEvent]:
        start = self.world.start_year
        for event in events:
            event.check()
            if event.year <= start:
                raise ValueError(
                    f"year: event {event.kind} in {event.year} would never fire; events fire "
                    f"at the start of a simulated year, after {start}"
                )
            self.world.resolve(list(event.countries))
            self.world.resolve(list(event.partners))
        return sorted(events, key=lambda e: e.year)

    def _init_people(self) -> None:
        """Corridors, then the people (students abroad placed by M2's own choice), then the
        start's derived quantities and intercepts."""
        p, s, w, n = self.params, self.state, self.world, self.world.n
        self.corridors = CorridorState(
            migrant_stock=w.migrant_stock.copy(),
            diaspora=w.migrant_stock.copy(),
            skilled_diaspora=np.zeros((n, n)),
            skilled_diaspora_start=np.zeros((n, n)),
            recognition=np.ones((n, n)),
            bilateral=np.zeros((n, n)),
            ethical_cap=np.zeros((n, n)),
            displaced=np.zeros((n, n)),
            emigration_flows=np.zeros((n, n)),
            corridor_constant=np.zeros((n, n)),
            iab_destination=initial.iab_destinations(w),
        )
        study_spread = calibrate_study_destinations(self)
        rng = self.stream("initial")
        self.pop, self.mean_weight, start = initial.initial_population(w, p, s, study_spread, rng)
        s.unskilled_immigrants = np.minimum(start["unskilled_immigrants"], 0.9 * s.unskilled)
        self.start_totals = start
        self.entered = tally(self.pop.origin, self.pop.weight, n)
        self.retired = np.zeros(n)
        c = self.corridors
        c.skilled_diaspora = corridor_members(self)
        c.skilled_diaspora_start = c.skilled_diaspora.copy()
        # a corridor's people of all education levels are at least its skilled ones (the IAB
        # and World Bank data disagree on some corridors): the network effect's base
        c.migrant_stock = np.maximum(c.migrant_stock, c.skilled_diaspora_start)
        c.diaspora = c.migrant_stock.copy()
        self.corridors.recognition = recognition_matrix(self)
        initial.initial_recognition(self.pop, self.corridors.recognition, p, rng)
        set_wages(self)
        diaspora_step(self, etraining=False)
        calibrate_start(self)

    def _copy_start(self, other: MigrationModel) -> None:
        """The start state of `other` (same world, parameters and seed, not yet stepped): the
        people, intercepts and corridors are what `_init_people` would make, so copying them
        saves the set-up and its calibration (used for the no-emigration twin)."""
        if other.year != self.world.start_year or other.world is not self.world:
            raise ValueError("start: a model of the same world that has not been stepped")
        mine, theirs = self.seed_sequence, other.seed_sequence
        same_seed = (mine.entropy, mine.spawn_key) == (theirs.entropy, theirs.spawn_key)
        if other.params != self.params or not same_seed:
            raise ValueError("start: a model with the same parameters and seed")
        for name in ("state", "flows", "last_flows", "pop", "corridors", "start_totals"):
            setattr(self, name, copy.deepcopy(getattr(other, name)))
        for name in ("mean_weight", "entered", "retired"):
            setattr(self, name, getattr(other, name).copy())

    def twin(self, emigration: bool = False, recording: str | None = None) -> MigrationModel:
        """The same world, parameters, events and seed from the same start, with `emigration`
        (the counterfactual of net brain gain by default) and `recording` (default this
        model's; "natives" turns the datacollector off). Call before stepping."""
        recording = self.recording if recording is None else recording
        return MigrationModel(
            self.world,
            self.params,
            rng=self.seed_sequence,
            events=self.events,
            emigration=emigration,
            years=self.end_year - self.world.start_year,
            collect_data=self.collect_data and recording == "all",
            recording=recording,
            start=self,
        )

    # --- randomness -------------------------------------------------------------------------
    def stream(self, name: str) -> np.random.Generator:
        """The generator of one mechanism in the current year (same seed -> same draws)."""
        key = f"{name}:{self.year}"
        gen = self._stream_cache.get(key)
        if gen is None:
            index = STREAMS.index(name)  # unknown names are a programming error
            year = self.year - self.world.start_year
            spawn_key = (*self.seed_sequence.spawn_key, index, year)
            seq = self._stream_seeds.get(spawn_key)
            if seq is None:
                seq = np.random.SeedSequence(self.seed_sequence.entropy, spawn_key=spawn_key)
                self._stream_seeds[spawn_key] = seq
            gen = self._stream_cache[key] = np.random.default_rng(seq)
        return gen

    # --- derived quantities ------------------------------------------------------------------
    def skilled_residents(self) -> np.ndarray:
        """Weighted skilled workers living in each country (cached until people change)."""
        pop = self.pop
        cached = self._skilled_cache
        if cached is None or cached[0] != pop.version:
            workers = pop.kind == WORKER
            cached = self._skilled_cache = (
                pop.version,
                tally(pop.location[workers], pop.weight[workers], self.world.n),
            )
        return cached[1].copy()

    def adults(self) -> np.ndarray:
        """Resident adults: skilled workers living here plus unskilled residents (at least 1)."""
        return np.maximum(self.skilled_residents() + self.state.unskilled, 1.0)

    def human_capital(self) -> np.ndarray:
        return self.skilled_residents() / self.adults()

    def skilled_emigration_rate(self) -> np.ndarray:
        """Skilled emigrants / (skilled emigrants + skilled residents), by origin."""
        emigrants = self.corridors.skilled_diaspora.sum(axis=1)
        pool = emigrants + self.skilled_residents()
        return np.divide(emigrants, pool, out=np.zeros_like(pool), where=pool > 0)

    # --- the year ---------------------------------------------------------------------------
    def step(self) -> None:
        """One year, in the order of docs/ODD.md §1.3."""
        self.year += 1
        self._stream_cache.clear()
        self.last_flows, self.flows = self.flows, Flows(self.world.n)
        apply_events(self, [e for e in self.events if e.year == self.year])
        shock_step(self)  # 1 shocks, displacement and the displaced's return (M7)
        update_economy(self)  # 2 drivers, productivity, ICT, wages (M8)
        size = diaspora_size(self)  # the year's network size, for M5, M4 and M2
        self.corridors.recognition = recognition_matrix(self, size)  # (M5)
        self.year_terms = move_terms(self, size)  # destination utilities until M4 is done
        update_perceived_prospect(self)  # (M1)
        enrol(self)  # 3-4 education choice and where to study (M1, M2)
        abroad, at_home = graduate(self)  # 4 graduation (M3)
        deciding = send_graduates_home_or_keep(self, abroad)
        emigration_lottery(self, at_home)  # theory mode only
        if self.params.m4_migration:
            migration_step(self, deciding)  # 5 move, stay or return (M4)
        self.year_terms = None
        later_recognition_and_skill(self)  # 6 recognition and skill (M5)
        ties_fade_and_years_abroad_grow(self)
        diaspora_step(self)  # 7 diaspora (M6)
        demography_step(self)  # 8 demography (M9)
        self._record()  # 9 observation
        self.running = self.year < self.end_year

    def _record(self, start: bool = False) -> None:
        """One row of outcomes per country; in the start year flows are not observed (NaN)."""
        flows = self.flows
        if start:
            flows = Flows(self.world.n)
            flows.reset(np.nan)
        if self.recording == "natives":
            self.records.append(native_metrics(self))
        else:
            self.records.append(country_metrics(self, flows))
        if self.collect_data:
            self.datacollector.collect(self)

    # --- Mesa handles, built on request --------------------------------------------------------
    def diaspora_nodes(self) -> dict[tuple[int, int], DiasporaNode]:
        """One DiasporaNode agent per corridor with members, in step with the current year."""
        origin, dest = np.nonzero(self.corridors.skilled_diaspora > 0)
        current = set(zip(origin.tolist(), dest.tolist(), strict=True))
        for key in set(self._nodes) - current:
            self._nodes.pop(key).remove()
        for o, d in current - set(self._nodes):
            self._nodes[(o, d)] = DiasporaNode(self, o, d)
        return self._nodes

    @property
    def network(self) -> nx.Graph:
        """Countries and diaspora nodes: country -members- node -ties- origin (a new graph)."""
        graph = nx.Graph()
        codes = self.world.codes
        for country in self.countries:
            graph.add_node(country.iso3, kind="country", agent=country)
        for (o, d), node in self.diaspora_nodes().items():
            name = ("diaspora", o, d)
            graph.add_node(name, kind="diaspora", agent=node)
            graph.add_edge(codes[d], name, kind="members", weight=node.members)
            graph.add_edge(name, codes[o], kind="ties", weight=node.members)
        return graph

    def person_agents(self, rows: np.ndarray | None = None) -> mesa.agent.AgentSet:
        """Mesa handles (Student / SkilledWorker) for the given rows, default all people;
        handles of people who have left the model are removed."""
        pop = self._drop_stale_handles()
        rows = np.arange(pop.n) if rows is None else np.asarray(rows)
        out = []
        for uid, kind in zip(pop.uid[rows].tolist(), pop.kind[rows].tolist(), strict=True):
            cls = Student if kind == STUDENT else SkilledWorker
            handle = self._person_handles.get(uid)
            if handle is None or type(handle) is not cls:
                if handle is not None:
                    handle.remove()
                handle = self._person_handles[uid] = cls(self, uid)
            out.append(handle)
        return mesa.agent.AgentSet(out, random=self.random)

    def _drop_stale_handles(self):
        if self._person_handles:
            uids = np.fromiter(self._person_handles, dtype=np.int64)
            for uid in uids[self.pop.rows_of(uids) < 0].tolist():
                self._person_handles.pop(uid).remove()
        return self.pop

    # --- bookkeeping ------------------------------------------------------------------------
    def conservation_error(self) -> np.ndarray:
        """Per origin: entered - present - retired, by weight (0 up to rounding)."""
        present = tally(self.pop.origin, self.pop.weight, self.world.n)
        return self.entered - present - self.retired
