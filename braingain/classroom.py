"""The classroom model: a MigrationModel stepped with its no-emigration twin, plus policy levers.

Net brain gain compares human capital with what it would be had the country's own people not
emigrated (same seed, same shocks, same policies, same immigrants; `simulation.metrics.
counterfactual`), so the app steps an `emigration=False` copy alongside and
applies every policy change to both. Levers act from the next simulated year (as policy events);
Reset rebuilds the run from the start with the chosen preset and every lever as last set.

Everything the app reads from the model by name (metrics, state arrays, event kinds) is listed in
the "names" block below: the model is being reworked, so a rename is fixed here only.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation import (
    EVENT_KINDS,
    HAZARDS,
    REGIONS,
    PolicyEvent,
    UnknownPlaceError,
    World,
    load_world,
)
from simulation.mechanisms.policy import apply_event
from simulation.metrics import combine, counterfactual, metrics_frame, safe_ratio
from simulation.model import MigrationModel
from simulation.parameters import Params

# --- names read from the model (change here if the model renames them) ----------------------------
EMIGRATION_RATE = "skilled_emigration_rate"
HUMAN_CAPITAL = "human_capital"
BRAIN_WASTE = "brain_waste_rate"
KNOWLEDGE = "knowledge_transfer"
SHOCK = "shock_intensity"
ADULTS = "adult_residents"
NET_BRAIN_GAIN = "net_brain_gain"  # computed here: human capital minus the twin's
NO_MIGRATION = "human_capital_no_emigration"
# Which regional convention a region's countries would join (scenarios/regional_conventions.toml)
REGION_CONVENTION = {
    "SSF": ("africa", "Addis Ababa Convention"),
    "MEA": ("arab", "Arab States Convention"),
    "EAS": ("asia_pacific", "Tokyo Convention"),
    "SAS": ("asia_pacific", "Tokyo Convention"),
    "LCN": ("latin_america", "Buenos Aires Convention"),
    "ECS": ("europe", "Lisbon Recognition Convention"),
    "NAC": ("europe", "Lisbon Recognition Convention"),
}
GLOBAL_CONVENTION = ("global", "UNESCO Global Convention")

REPO = Path(__file__).resolve().parents[1]
SCENARIO_DIR = REPO / "scenarios"
DEFAULT_AGENTS = {"teaching": 200, "default": 50}
ALL = "all"


# --- levers ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Lever:
    """A slider that sets one country-level policy through a policy event."""

    key: str
    label: str
    short: str  # name in the read-out
    kind: str  # event kind (simulation.EVENT_KINDS)
    state: str  # CountryState array the lever sets (for the "now" read-out)
    unit: str  # how to show a value: "%" (share) or a number format
    groups: tuple[str, ...] = ()  # visa groups set together
    high: float | None = None  # slider maximum if narrower than the event's range

    @property
    def low(self) -> float:
        return EVENT_KINDS[self.kind].value_low

    @property
    def top(self) -> float:
        limit = EVENT_KINDS[self.kind].value_high
        return limit if self.high is None else min(self.high, limit)

    @property
    def step(self) -> float:
        return round((self.top - self.low) / 100, 6)

    def snap(self, value: float) -> float:
        """The value on the slider's grid (what the browser would show)."""
        steps = round((min(max(value, self.low), self.top) - self.low) / self.step)
        return round(self.low + steps * self.step, 6)

    def events(self, value: float, year: int, places: tuple[str, ...]) -> list[PolicyEvent]:
        value = float(np.clip(value, self.low, self.top))
        if self.groups:
            return [
                PolicyEvent(self.kind, year, places, value=value, group=g, label=self.label)
                for g in self.groups
            ]
        return [PolicyEvent(self.kind, year, places, value=value, label=self.label)]

    def now(self, model: MigrationModel) -> float:
        """The lever's quantity in the model now: mean over countries."""
        array = getattr(model.state, self.state)
        if isinstance(array, dict):
            array = np.mean([array[g] for g in self.groups], axis=0)
        return float(np.mean(array))

    def show(self, value: float) -> str:
        if self.unit == "%":
            return f"{100 * value:.0f}%"
        if self.unit == "%/yr":
            return f"{100 * value:+.1f}% a year"
        return f"{value:.2f}"


LEVERS: tuple[Lever, ...] = (
    Lever("ict", "ICT: internet use at least", "ICT", "ict_investment", "ict", "%"),
    Lever(
        "visa",
        "Visa openness (students, skilled, scientists)",
        "visa openness",
        "visa_facilitation",
        "visa",
        "0-1",
        groups=("students", "skilled", "scientists"),
    ),
    Lever(
        "engagement",
        "Diaspora engagement",
        "engagement",
        "diaspora_engagement",
        "engagement",
        "0-1",
    ),
    Lever(
        "return_incentive",
        "Return incentive (log-wage units)",
        "return incentive",
        "return_incentive",
        "return_incentive",
        "0-1",
        high=2.0,
    ),
    Lever(
        "climate_trend",
        "Climate trend: hazards grow",
        "climate trend",
        "climate_trend",
        "climate_trend",
        "%/yr",
    ),
)
LEVER_BY_KEY = {lever.key: lever for lever in LEVERS}
SHOCK_KIND = "shock"


# --- presets --------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def presets() -> dict[str, Any]:
    """The shipped what-if scenarios by name (baseline first), loaded with the scenario loader.
    Scenarios that draw their parameters from a calibration's posterior (the hindcast) are left
    out: a class watches one run, which cannot show a posterior's spread."""
    from experiments.scenario import load_scenarios

    files = sorted(SCENARIO_DIR.glob("*.toml"), key=lambda p: (p.stem != "baseline", p.stem))
    if not files:
        return {}
    return {s.name: s for s in load_scenarios(files) if s.posterior is None}


def _present(world: World, names: Iterable[str]) -> tuple[str, ...]:
    kept = []
    for name in names:
        try:
            if len(world.resolve([name])):
                kept.append(name)
        except UnknownPlaceError:
            continue
    return tuple(kept)


def fit_events(events: Iterable[PolicyEvent], world: World) -> tuple[list, list]:
    """A scenario's events restricted to the places of `world` (a preset written for the
    default world names countries the teaching world lacks). Returns (kept, skipped)."""
    kept, skipped = [], []
    for event in events:
        countries = _present(world, event.countries)
        partners = _present(world, event.partners)
        lost_countries = event.countries and not countries
        lost_partners = event.partners and not partners
        if lost_countries or lost_partners:
            skipped.append(event)
            continue
        kept.append(dataclasses.replace(event, countries=countries, partners=partners))
    return kept, skipped


@lru_cache(maxsize=4)
def cached_world(name: str) -> World:
    return load_world(name)


# --- the session's settings -----------------------------------------------------------------------
@dataclass
class ClassroomSettings:
    """One browser session's choices: preset, where levers act, and each lever as last set.

    Mutable on purpose: the app keeps one per session and Mesa's Reset hands it to the new model,
    which replays the levers from the first year.
    """

    preset: str = "baseline"
    where: str = ALL
    levers: dict[str, float] = field(default_factory=dict)  # lever key -> value (as set)
    # replayed on Reset, in order: (lever key or "convention", places, value or option)
    actions: dict[tuple[str, tuple[str, ...]], Any] = field(default_factory=dict)

    def record(self, key: str, places: tuple[str, ...], value: Any) -> None:
        self.actions.pop((key, places), None)
        self.actions[(key, places)] = value

    def clear_levers(self) -> None:
        self.levers.clear()
        self.actions.clear()


def convention_options(world: World) -> dict[str, tuple[str, tuple[str, ...], str]]:
    """Menu label -> (convention, places, description) for the regions present in `world`."""
    options: dict[str, tuple[str, tuple[str, ...], str]] = {}
    for region in world.regions:
        if region in REGION_CONVENTION:
            convention, title = REGION_CONVENTION[region]
            options[f"{REGIONS.get(region, region)}: {title}"] = (convention, (region,), title)
    every = tuple(r for r in world.regions if r in REGION_CONVENTION)
    if every:
        options["Every region: its regional convention"] = ("regional", every, "regional")
    convention, title = GLOBAL_CONVENTION
    options[f"All countries: {title}"] = (convention, (ALL,), title)
    return options


def convention_events(world: World, option: str, year: int) -> list[PolicyEvent]:
    convention, places, title = convention_options(world)[option]
    if convention != "regional":
        return [PolicyEvent("join_convention", year, places, convention=convention, label=title)]
    return [
        PolicyEvent(
            "join_convention",
            year,
            (region,),
            convention=REGION_CONVENTION[region][0],
            label=REGION_CONVENTION[region][1],
        )
        for region in places
    ]


# --- the model ------------------------------------------------------------------------------------
class ClassroomModel(MigrationModel):
    """The model a browser session steps: MigrationModel plus its no-emigration twin.

    Args:
        world: "teaching" (16 countries) or "default" (every country with data).
        settings: the session's preset and levers (replayed from the first year).
        rng: seed; defaults to the preset's.
        agents_per_country: person-agents per country (smaller = faster).
    """

    def __init__(
        self,
        world: str = "teaching",
        settings: ClassroomSettings | None = None,
        *,
        rng: int | None = None,
        agents_per_country: int | None = None,
        **overrides: Any,
    ):
        settings = settings if settings is not None else ClassroomSettings()
        world_obj = cached_world(world)
        scenario = presets().get(settings.preset)
        params = scenario.params if scenario is not None else Params()
        agents = agents_per_country or DEFAULT_AGENTS.get(world, params.agents_per_country)
        params = params.replace(agents_per_country=int(agents), **overrides)
        seed = int(rng) if rng is not None else (scenario.seed if scenario is not None else 0)
        years = scenario.years if scenario is not None else 30
        events, skipped = fit_events(scenario.events if scenario is not None else (), world_obj)
        first = world_obj.start_year + 1
        replay = [
            e
            for (key, places), value in settings.actions.items()
            for e in self._lever_events(world_obj, key, places, value, first)
        ]
        super().__init__(world_obj, params, rng=seed, events=[*events, *replay], years=years)
        self.twin = MigrationModel(
            world_obj,
            params,
            rng=seed,
            events=[*events, *replay],
            emigration=False,
            years=years,
            collect_data=False,
            start=self,  # the same start, not built again
        )
        self.world_name = world
        self.settings = settings
        self.seed = seed
        self.preset = scenario
        self.skipped_events = skipped
        # (year it acts from, what changed): preset events, replayed levers, live changes
        self.log: list[tuple[int, str]] = [
            (e.year, f"{e.label or e.kind} (preset)") for e in events
        ] + [(first, f"{e.label or e.kind} (lever, from the start)") for e in replay]
        self._lock = threading.RLock()
        self._last_note: tuple[int, object] | None = None
        self._nbg_scale = 0.0

    @staticmethod
    def _lever_events(
        world: World, key: str, places: tuple[str, ...], value: Any, year: int
    ) -> list[PolicyEvent]:
        if key == "convention":
            return convention_events(world, value, year)
        return LEVER_BY_KEY[key].events(float(value), year, places)

    # --- stepping and live changes --------------------------------------------------------------
    def step(self) -> None:
        with self._lock:
            super().step()
            self.twin.step()

    def apply_now(self, events: list[PolicyEvent], note: str, replaces: object = None) -> None:
        """Apply events to the run and its twin; they act from the next simulated year. A note
        with the same `replaces` key as the last one in the same year takes its place (a slider
        dragged through many values logs its final value once)."""
        with self._lock:
            for event in events:
                event.check()
                self.world.resolve(list(event.countries))
                apply_event(self, event)
                apply_event(self.twin, event)
            entry = (self.year + 1, note)
            if replaces is not None and self._last_note == (self.year, replaces) and self.log:
                self.log[-1] = entry
            else:
                self.log.append(entry)
            self._last_note = (self.year, replaces)

    def places(self, where: str) -> tuple[str, ...]:
        return (ALL,) if where == ALL else (where,)

    def set_lever(self, key: str, value: float, where: str = ALL) -> None:
        """Move a lever: from the next year on, and on Reset from the first year."""
        lever = LEVER_BY_KEY[key]
        places = self.places(where)
        self.apply_now(
            lever.events(value, self.year + 1, places),
            f"{lever.label} = {lever.show(value)} in {self.place_name(where)}",
            replaces=(key, places),
        )
        self.settings.levers[key] = value
        self.settings.record(key, places, value)

    def ratify(self, option: str) -> None:
        events = convention_events(self.world, option, self.year + 1)
        self.apply_now(events, f"ratified: {option}")
        self.settings.record("convention", (option,), option)

    def fire_shock(self, iso3: str, hazard: str = "drought", severity: float = 0.2) -> None:
        """A one-off environmental shock striking `iso3` in the next simulated year (severity:
        share of residents displaced). Not replayed on Reset: it is a classroom event."""
        event = PolicyEvent(SHOCK_KIND, self.year + 1, (iso3,), value=severity, hazard=hazard)
        name = self.place_name(iso3)
        self.apply_now([event], f"{hazard} in {name}: {100 * severity:.0f}% of residents displaced")

    # --- reading ------------------------------------------------------------------------------
    def place_name(self, where: str) -> str:
        if where == ALL:
            return "all countries"
        if where in REGIONS:
            return REGIONS[where]
        names = dict(zip(self.world.codes, self.world.countries["name"], strict=True))
        return names.get(where, where)

    def where_options(self) -> dict[str, str]:
        """Code -> label of the places a lever can act on: all, each region, each country."""
        countries = self.world.countries.sort_values("name")
        return {
            ALL: "All countries",
            **{r: REGIONS.get(r, r) for r in self.world.regions},
            **dict(zip(countries["iso3"], countries["name"], strict=True)),
        }

    def lever_now(self) -> dict[str, float]:
        with self._lock:
            return {lever.key: lever.now(self) for lever in LEVERS}

    def net_brain_gain(self, index: int = -1) -> np.ndarray:
        """Per country, net brain gain (share; x100 = percentage points)."""
        return counterfactual(self.records[index], self.twin.records[index])[NET_BRAIN_GAIN]

    def frame(self) -> pd.DataFrame:
        """Every metric per country and year so far, with the twin's human capital and net brain
        gain (the CSV export)."""
        with self._lock:
            frame = metrics_frame(self.records, self.world.codes)
            twin = metrics_frame(self.twin.records, self.world.codes)
        for name, values in counterfactual(frame, twin).items():
            frame[name] = values
        frame.insert(0, "preset", self.settings.preset)
        frame.insert(1, "seed", self.seed)
        return frame


# --- data for the views ---------------------------------------------------------------------------
COLOUR_BY = {
    NET_BRAIN_GAIN: "Net brain gain (percentage points)",
    EMIGRATION_RATE: "Skilled emigration rate (%)",
}
COLOUR_BUTTONS = {NET_BRAIN_GAIN: "Net brain gain", EMIGRATION_RATE: "Emigration rate"}
NICE_LIMITS = (0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0)


def colour_limit(values: np.ndarray, floor: float = 0.1) -> float:
    """A round colour limit covering three quarters of the countries: one outlier (a small
    island with a huge diaspora) must not wash every other country out to white."""
    typical = float(np.quantile(np.abs(values), 0.75)) if len(values) else 0.0
    return next((x for x in NICE_LIMITS if x >= max(typical, floor)), NICE_LIMITS[-1])


@dataclass(frozen=True)
class MapData:
    codes: list[str]
    lon: np.ndarray
    lat: np.ndarray
    adults: np.ndarray
    value: np.ndarray  # in display units (pp or %)
    scale: float  # colour limit (symmetric for net brain gain)
    corridors: np.ndarray  # [origin, destination] skilled emigrants
    colour_by: str
    year: int


def map_data(model: ClassroomModel, colour_by: str) -> MapData:
    with model._lock:
        record = model.records[-1]
        c = model.world.countries
        if colour_by == NET_BRAIN_GAIN:
            value = 100 * model.net_brain_gain()
            # never shrinks during a run, so colours stay comparable from year to year
            model._nbg_scale = max(model._nbg_scale, colour_limit(np.nan_to_num(value)))
            scale = model._nbg_scale
        else:
            value = 100 * record[EMIGRATION_RATE]
            scale = 100.0
        return MapData(
            codes=model.world.codes,
            lon=c["lon"].to_numpy(float),
            lat=c["lat"].to_numpy(float),
            adults=record[ADULTS].copy(),
            value=np.nan_to_num(value),
            scale=scale,
            corridors=model.corridors.skilled_diaspora.copy(),
            colour_by=colour_by,
            year=model.year,
        )


# chart key -> (title, unit label); values are for the chosen country and its region
CHARTS: dict[str, tuple[str, str]] = {
    EMIGRATION_RATE: ("Skilled emigration rate", "%"),
    HUMAN_CAPITAL: ("Human capital (tertiary share of adults)", "%"),
    NET_BRAIN_GAIN: ("Net brain gain", "percentage points"),
    BRAIN_WASTE: ("Brain waste (emigrants below qualification)", "%"),
    KNOWLEDGE: ("Knowledge transfer per million adults at home", "skill-weighted persons"),
    SHOCK: ("Environmental shock intensity", "0-1"),
}


def _area_value(record: dict[str, np.ndarray], name: str, mask: np.ndarray) -> float:
    """A metric over the masked countries, aggregated as simulation.METRICS says."""

    def total(column: str) -> float:
        return np.sum(record[column][mask])

    def weighted_total(column: str, weight: str) -> float:
        return np.sum(record[column][mask] * record[weight][mask])

    return float(combine(name, total, weighted_total))


def _series(model: ClassroomModel, key: str, mask: np.ndarray) -> np.ndarray:
    records, twin = model.records, model.twin.records
    if key == NET_BRAIN_GAIN:
        return 100 * np.array(
            [
                _area_value({**r, **counterfactual(r, t)}, NET_BRAIN_GAIN, mask)
                for r, t in zip(records, twin, strict=True)
            ]
        )
    if key == KNOWLEDGE:
        return np.array(
            [
                1e6 * float(safe_ratio(np.sum(r[KNOWLEDGE][mask]), np.sum(r[ADULTS][mask])))
                for r in records
            ]
        )
    scale = 100.0 if CHARTS[key][1] == "%" else 1.0
    return scale * np.array([_area_value(r, key, mask) for r in records])


@dataclass(frozen=True)
class ChartData:
    years: np.ndarray
    country: str
    region: str
    series: dict[str, tuple[np.ndarray, np.ndarray]]  # key -> (country, region)
    events: list[int]  # years with a live change (vertical marks)
    end_year: int  # the run's last year (the time axis spans the whole run)


def chart_data(model: ClassroomModel, iso3: str) -> ChartData:
    with model._lock:
        codes = model.world.codes
        i = codes.index(iso3) if iso3 in codes else 0
        region = model.world.countries["region"].iloc[i]
        country_mask = np.arange(model.world.n) == i
        region_mask = (model.world.countries["region"] == region).to_numpy()
        years = np.array([int(r["year"][0]) for r in model.records])
        series = {
            key: (_series(model, key, country_mask), _series(model, key, region_mask))
            for key in CHARTS
        }
        return ChartData(
            years=years,
            country=str(model.world.countries["name"].iloc[i]),
            region=REGIONS.get(region, region),
            series=series,
            events=sorted({year for year, _ in model.log}),
            end_year=model.end_year,
        )


__all__ = [
    "CHARTS",
    "COLOUR_BY",
    "HAZARDS",
    "LEVERS",
    "ClassroomModel",
    "ClassroomSettings",
    "chart_data",
    "convention_options",
    "map_data",
    "presets",
]
