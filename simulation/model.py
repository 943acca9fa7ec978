"""MigrationModel: the Mesa model of skilled migration and diaspora networks (MODEL.md).

State is held as arrays (countries in `state`, people in `pop`); each yearly step runs the
mechanisms in the order of MODEL.md §3 over whole arrays. Random numbers come from one stream
per mechanism and year, derived from the run's seed, so a run with migration switched off meets
the same shocks and the same draws elsewhere (common random numbers for net brain gain).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import mesa
import networkx as nx
import numpy as np

from simulation import initial
from simulation.agents import Country, DiasporaNode, SkilledWorker, Student
from simulation.events import PolicyEvent
from simulation.mechanisms.demography import demography_step
from simulation.mechanisms.diaspora import corridor_members, diaspora_step
from simulation.mechanisms.economy import set_wages, update_economy
from simulation.mechanisms.education import (
    calibrate_study_abroad,
    enrol,
    expected_return,
    financing,
    graduate,
    update_perceived_prospect,
)
from simulation.mechanisms.migration import (
    YOUNG_AGE,
    age_abroad,
    calibrate_emigration,
    count_new_emigrants,
    migration_step,
)
from simulation.mechanisms.policy import apply_events
from simulation.mechanisms.recognition import later_recognition_and_skill, recognition_matrix
from simulation.mechanisms.shocks import shock_step
from simulation.metrics import country_metrics, make_datacollector
from simulation.parameters import Params
from simulation.population import STUDENT, WORKER, tally
from simulation.state import initial_state
from simulation.world import World, load_world

DEFAULT_YEARS = 30
FLOW_NAMES = (
    "emigrations",
    "returns",
    "new_students",
    "youth_cohort",
    "graduates",
    "retired",
    "env_displaced",
)
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
)


class MigrationModel(mesa.Model):
    """Skilled migration between the countries of `world`, one step per year.

    Args:
        world: the countries and corridors, or a built-in world's name (see `load_world`).
        params: parameter values (defaults from the parameter table); `**overrides` too.
        rng: seed (int or numpy SeedSequence) of all randomness in the run.
        events: scheduled policy events and shocks.
        migration: False switches every international move off (the counterfactual).
        years: steps to run; `running` turns False at `world.start_year + years`.
    """

    def __init__(
        self,
        world: World | str = "default",
        params: Params | None = None,
        *,
        rng: int | np.random.SeedSequence | None = 0,
        events: Sequence[PolicyEvent] = (),
        migration: bool = True,
        years: int = DEFAULT_YEARS,
        collect_country_data: bool = True,
        **overrides: Any,
    ):
        """Build the start state.

        Parameters can be given as a `Params` object, as keyword arguments (Mesa's convention,
        so `mesa.batch_run` and SolaraViz can set them by name), or both (keywords win). The
        model stops (`running` turns False) after `years` steps. `collect_country_data` fills
        the `datacollector`'s per-country table every year (off in batch runs, which read
        `records`, the same numbers as arrays).
        """
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
        self.seed_sequence = seed_seq
        self.world = world
        self.params = params
        self.migration = migration
        self.year = world.start_year
        self.end_year = world.start_year + years
        self.events = sorted(events, key=lambda e: e.year)
        for event in self.events:
            event.check()
            if event.year <= world.start_year:
                raise ValueError(
                    f"year: event {event.kind} in {event.year} would never fire; events fire "
                    f"at the start of a simulated year, after {world.start_year}"
                )
            world.resolve(list(event.countries))
            world.resolve(list(event.partners))
        self.state = initial_state(world, self.params)
        self.flows = {name: np.zeros(world.n) for name in FLOW_NAMES}
        self.scheduled_severity = np.zeros(world.n)
        self.emigrants_start = np.zeros(world.n)
        # [origin, destination] people leaving home, summed over the run (corridor flows)
        self.emigration_flows = np.zeros((world.n, world.n))
        self._stream_cache: dict[str, np.random.Generator] = {}
        self._skilled_cache: tuple[int, np.ndarray] | None = None
        self._init_population()
        self._init_network()
        self.records: list[dict[str, np.ndarray]] = []
        self.datacollector = make_datacollector(collect_country_data)
        self._record_start()

    def _record_start(self) -> None:
        """The start year's row: the initial state, with flows not observed (NaN)."""
        for flow in self.flows.values():
            flow[:] = np.nan
        self.emigrants_start = self.skilled_diaspora.sum(axis=1)
        self.records.append(country_metrics(self))
        self.datacollector.collect(self)

    # --- set-up ---------------------------------------------------------------------------
    def _init_population(self) -> None:
        p, s, w = self.params, self.state, self.world
        init_rng = self.stream("initial")
        self.pop, self.mean_weight = initial.initial_population(w, p, s, init_rng)
        self.entered = tally(self.pop.origin, self.pop.weight, w.n)
        self.retired = np.zeros(w.n)
        self.skilled_diaspora_start = corridor_members(self)
        self.skilled_diaspora = self.skilled_diaspora_start.copy()
        self.diaspora = w.migrant_stock.copy()
        self.recognition = recognition_matrix(self)
        initial.initial_recognition(self.pop, self.recognition, p, init_rng)
        set_wages(self)
        diaspora_step(self, etraining=False)
        s.seat_rate = np.minimum(p.seat_slack * initial.start_enrolment_rate(w, p), 1.0)
        s.perceived_prospect = self.young_emigration_rate() * (1 - p.perception_ict * (1 - s.ict))
        self._calibrate()

    def _calibrate(self) -> None:
        """Intercepts that reproduce the data's enrolment and student mobility at start.

        They depend on the parameters and the world only, never on the migration switch, so the
        counterfactual starts from the same people and differs only by what migration does.
        """
        p, s, w = self.params, self.state, self.world
        e0 = initial.start_enrolment_rate(w, p)
        prospect = s.perceived_prospect if p.m1_incentive else np.zeros(s.n)
        logit = np.log(e0 / (1 - e0))
        s.enrol_cost = (
            logit - p.enrol_sensitivity * expected_return(self, prospect) - financing(self)
        )
        calibrate_study_abroad(self, w.column("outbound_ratio"))
        calibrate_emigration(self, self.skilled_emigration_rate())

    def _init_network(self) -> None:
        """Country agents, diaspora nodes and their graph (country -members- node -ties- origin)."""
        self.countries = [Country(self, i) for i in range(self.world.n)]
        self.network = nx.Graph()
        for c in self.countries:
            self.network.add_node(c.iso3, kind="country", agent=c)
        self.nodes: dict[tuple[int, int], DiasporaNode] = {}
        self._person_handles: dict[int, Student | SkilledWorker] = {}
        self._sync_diaspora_nodes()

    # --- randomness -------------------------------------------------------------------------
    def stream(self, name: str) -> np.random.Generator:
        """The generator of one mechanism in the current year (same seed -> same draws)."""
        key = f"{name}:{self.year}"
        gen = self._stream_cache.get(key)
        if gen is None:
            index = STREAMS.index(name)  # unknown names are a programming error
            year = self.year - self.world.start_year
            seq = np.random.SeedSequence(
                self.seed_sequence.entropy, spawn_key=(*self.seed_sequence.spawn_key, index, year)
            )
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
        emigrants = self.skilled_diaspora.sum(axis=1)
        pool = emigrants + self.skilled_residents()
        return np.divide(emigrants, pool, out=np.zeros_like(pool), where=pool > 0)

    def young_emigration_rate(self) -> np.ndarray:
        """Skilled emigration rate of workers under YOUNG_AGE by origin: the prospect youths see."""
        pop, n = self.pop, self.world.n
        young = (pop.kind == WORKER) & (pop.age < YOUNG_AGE)
        abroad = young & (pop.location != pop.origin)
        home = young & (pop.location == pop.origin)
        out = tally(pop.origin[abroad], pop.weight[abroad], n)
        stay = tally(pop.origin[home], pop.weight[home], n)
        return np.divide(out, out + stay, out=np.zeros(n), where=(out + stay) > 0)

    # --- the year ---------------------------------------------------------------------------
    def step(self) -> None:
        """One year, in the order of MODEL.md §3."""
        self.year += 1
        self._stream_cache.clear()
        for flow in self.flows.values():
            flow[:] = 0.0
        pop = self.pop
        abroad = (pop.kind == WORKER) & (pop.location != pop.origin)
        self.emigrants_start = tally(pop.origin[abroad], pop.weight[abroad], self.world.n)
        apply_events(self, [e for e in self.events if e.year == self.year])
        shock_step(self)  # 1 shocks (M7)
        update_economy(self)  # 2 economy, policies (M8)
        self.recognition = recognition_matrix(self)
        update_perceived_prospect(self)
        enrol(self)  # 3-4 education choice and where to study (M1, M2)
        foreign_graduates = graduate(self)  # 4 graduation (M3)
        if self.migration and self.params.m4_migration:
            migration_step(self, foreign_graduates)  # 5 move, stay or return (M4)
        else:  # with M4 off, foreign graduates stay where they studied: new emigrants
            count_new_emigrants(self, foreign_graduates)
        later_recognition_and_skill(self)  # 6 recognition (M5)
        age_abroad(self)
        diaspora_step(self)  # 7 diaspora (M6)
        demography_step(self)  # 8 demography (M9)
        self._sync_diaspora_nodes()
        self._drop_stale_handles()
        self.records.append(country_metrics(self))  # 9 data collection
        self.datacollector.collect(self)
        self.running = self.year < self.end_year

    # --- Mesa handles -----------------------------------------------------------------------
    def _sync_diaspora_nodes(self) -> None:
        """One DiasporaNode per corridor with members; nodes of emptied corridors leave."""
        origin, dest = np.nonzero(self.skilled_diaspora > 0)
        current = set(zip(origin.tolist(), dest.tolist(), strict=True))
        for key in set(self.nodes) - current:
            node = self.nodes.pop(key)
            self.network.remove_node(("diaspora", *key))
            node.remove()
        codes = self.world.codes
        for o, d in current - set(self.nodes):
            node = DiasporaNode(self, o, d)
            self.nodes[(o, d)] = node
            name = ("diaspora", o, d)
            self.network.add_node(name, kind="diaspora", agent=node)
            self.network.add_edge(codes[d], name, kind="members")
            self.network.add_edge(name, codes[o], kind="ties")

    def person_agents(self, rows: np.ndarray | None = None) -> mesa.agent.AgentSet:
        """Mesa handles (Student / SkilledWorker) for the given rows, default all people."""
        pop = self.pop
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

    def _drop_stale_handles(self) -> None:
        if not self._person_handles:
            return
        uids = np.fromiter(self._person_handles, dtype=np.int64)
        gone = uids[self.pop.rows_of(uids) < 0]
        for uid in gone.tolist():
            self._person_handles.pop(uid).remove()

    # --- bookkeeping ------------------------------------------------------------------------
    def conservation_error(self) -> np.ndarray:
        """Per origin: entered - present - retired, by weight (0 up to rounding)."""
        present = tally(self.pop.origin, self.pop.weight, self.world.n)
        return self.entered - present - self.retired
