"""The world a run starts from: one row per country, dense corridor matrices, and drivers.

The tables under `simulation/data/` are built from public data by
`python -m calibration.build_world` and shipped with the package, so a run needs nothing else:
the default world starts in 2000 (`countries.csv`), the calibration world in 1990
(`countries_1990.csv`); both share `corridors.csv` (with a stock column per start year) and the
yearly drivers 1990-2023 (`drivers.csv`). Small synthetic worlds (two countries for theory
checks, n random countries for property tests and benchmarks) are made here too, with the same
columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.events import CONVENTIONS, HAZARDS

REGIONS: dict[str, str] = {
    "EAS": "East Asia & Pacific",
    "ECS": "Europe & Central Asia",
    "LCN": "Latin America & Caribbean",
    "MEA": "Middle East & North Africa",
    "NAC": "North America",
    "SAS": "South Asia",
    "SSF": "Sub-Saharan Africa",
}
CONVENTION_COLUMNS: tuple[str, ...] = tuple(f"conv_{c}" for c in CONVENTIONS)
COUNTRY_GROUPS: tuple[str, ...] = ("ldc", "sids", "lldc")
# The countries table, in file order (calibration/build_world.py writes exactly these columns,
# for every start year).
COUNTRY_COLUMNS: tuple[str, ...] = (
    "iso3",
    "name",
    "region",
    "lon",
    "lat",
    "pop_adult",
    "tertiary_share",
    "gdppc_ppp",
    "tertiary_ger",
    "ger_logit_trend",
    "edu_quality",
    "ict",
    "pop_growth",
    *(f"hazard_{h}_{x}" for h in HAZARDS for x in ("p", "sev")),
    "visa_openness",
    "remittance_cost",
    "outbound_ratio",
    "inbound_rate",
    "skilled_emigration_rate",
    "iab_high_rate_1990",
    "iab_high_rate_1995",
    "emigrant_skilled_share",
    "iab_destination",
    "quality_assurance",
    "adaptation",
    *COUNTRY_GROUPS,
    *CONVENTION_COLUMNS,
    "imputed",
)
# Columns added after the first release: a folder world without them still loads, with these
# values (no group membership, no IAB history, flat enrolment trend).
OPTIONAL_COUNTRY_COLUMNS: dict[str, float] = {
    "ger_logit_trend": 0.0,
    "iab_high_rate_1990": np.nan,
    "iab_high_rate_1995": np.nan,
    "iab_destination": 0.0,
    **dict.fromkeys(COUNTRY_GROUPS, 0.0),
}
NUMERIC_COLUMNS: tuple[str, ...] = tuple(
    c
    for c in COUNTRY_COLUMNS
    if c not in ("iso3", "name", "region", "imputed", *CONVENTION_COLUMNS)
)
# The corridors table, in file order. Stocks carry their year; `migrant_stock` is 2000's.
CORRIDOR_COLUMNS: tuple[str, ...] = (
    "origin",
    "destination",
    "distance_km",
    "contiguous",
    "common_language",
    "border_change",
    "migrant_stock",
    "migrant_stock_1990",
    "iab_stock_2000",
    "iab_stock_1990",
    "imputed",
)
# Yearly drivers (drivers.csv, long: iso3, year, these, imputed).
DRIVER_NAMES: tuple[str, ...] = (
    "gdppc_ppp",
    "internet",
    "tertiary_ger",
    "remittance_cost",
    "disaster_displaced",
    "pop_adult",
)
DRIVER_COLUMNS: tuple[str, ...] = ("iso3", "year", *DRIVER_NAMES, "imputed")
# Built-in worlds: name -> (start year, teaching subset or not).
BUILTIN_WORLDS: dict[str, tuple[int, bool]] = {
    "default": (2000, False),
    "teaching": (2000, True),
    "default1990": (1990, False),
    "teaching1990": (1990, True),
}
WORLD_NAMES: tuple[str, ...] = tuple(BUILTIN_WORLDS)
BASE_YEAR = 2000  # the start year of countries.csv and of the unsuffixed stock columns


class UnknownPlaceError(ValueError):
    """A country code or region name that the world does not have."""


@dataclass(frozen=True, eq=False)
class Drivers:
    """Observed yearly drivers per country: (countries, years) arrays, NaN where not observed.

    Built from `drivers.csv` (World Bank WDI, Barro-Lee, IDMC; see `simulation/data/README.md`).
    Gaps inside a country's observed span are linearly interpolated and flagged in `filled`;
    outside the span the value is NaN: what happens there (hold, trend, convergence) is the
    model's rule, not the data's.
    """

    years: np.ndarray
    """(T,) calendar years, consecutive (1990-2023 for the built-in worlds; empty if none)."""
    gdppc_ppp: np.ndarray
    """GDP per head, PPP, constant 2021 international $ (WDI NY.GDP.PCAP.PP.KD)."""
    internet: np.ndarray
    """Internet users, share of population 0-1 (WDI IT.NET.USER.ZS / 100)."""
    tertiary_ger: np.ndarray
    """Tertiary gross enrolment ratio, fraction (WDI SE.TER.ENRR, else Lee & Lee); to 2004."""
    remittance_cost: np.ndarray
    """Cost of sending remittances to the country, share of the amount (WDI); 2011-2020."""
    disaster_displaced: np.ndarray
    """Disaster internal displacements, persons per year (IDMC); 2008-2022."""
    pop_adult: np.ndarray
    """Persons aged 25+ (Barro-Lee, else UN DESA x adult share); 1990-2000."""
    filled: dict[str, np.ndarray] = field(default_factory=dict)
    """Per driver, (countries, years) True where the value was interpolated or imputed."""

    @classmethod
    def empty(cls, n: int) -> Drivers:
        """No observed years: every reading is NaN (synthetic worlds, folder worlds without
        drivers.csv)."""
        blank = np.zeros((n, 0))
        return cls(np.zeros(0, dtype=np.int64), *(blank.copy() for _ in DRIVER_NAMES))

    @classmethod
    def flat(cls, countries: pd.DataFrame, first: int, last: int) -> Drivers:
        """Every year first..last holding the countries' start values (internet = ict,
        remittance_cost, gdppc_ppp, tertiary_ger, pop_adult; no disasters)."""
        years = np.arange(first, last + 1)
        n, t = len(countries), len(years)

        def hold(col: str) -> np.ndarray:
            return np.repeat(countries[col].to_numpy(float)[:, None], t, axis=1)

        return cls(
            years=years,
            gdppc_ppp=hold("gdppc_ppp"),
            internet=hold("ict"),
            tertiary_ger=hold("tertiary_ger"),
            remittance_cost=hold("remittance_cost"),
            disaster_displaced=np.zeros((n, t)),
            pop_adult=hold("pop_adult"),
        )

    def __post_init__(self) -> None:
        shape = (self.gdppc_ppp.shape[0], len(self.years))
        for name in DRIVER_NAMES:
            if getattr(self, name).shape != shape:
                raise ValueError(f"drivers: {name} must be {shape[0]}x{shape[1]}")
        if len(self.years) and np.any(np.diff(self.years) != 1):
            raise ValueError("drivers: years must be consecutive")

    def series(self, name: str) -> np.ndarray:
        """The (countries, years) array of a driver; raises KeyError naming the drivers."""
        if name not in DRIVER_NAMES:
            raise KeyError(f"unknown driver {name!r}; drivers are {list(DRIVER_NAMES)}")
        return getattr(self, name)

    def at(self, name: str, year: int) -> np.ndarray:
        """(countries,) the driver in a calendar year; NaN where not observed (or no such year)."""
        values = self.series(name)
        if not len(self.years) or not self.years[0] <= year <= self.years[-1]:
            return np.full(values.shape[0], np.nan)
        return values[:, int(year - self.years[0])].copy()

    def latest(self, name: str, year: int) -> np.ndarray:
        """(countries,) the driver in `year`, else its last observed value before `year`
        (hold-last); NaN where nothing was observed up to `year`."""
        values = self.series(name)
        n = values.shape[0]
        if not len(self.years) or year < self.years[0]:
            return np.full(n, np.nan)
        upto = values[:, : int(min(year, self.years[-1]) - self.years[0]) + 1]
        seen = ~np.isnan(upto)
        last = upto.shape[1] - 1 - np.argmax(seen[:, ::-1], axis=1)
        return np.where(seen.any(axis=1), upto[np.arange(n), last], np.nan)

    def last_observed_year(self, name: str) -> np.ndarray:
        """(countries,) the last year with a value (float; NaN where never observed)."""
        values = self.series(name)
        if not len(self.years):
            return np.full(values.shape[0], np.nan)
        seen = ~np.isnan(values)
        last = values.shape[1] - 1 - np.argmax(seen[:, ::-1], axis=1)
        return np.where(seen.any(axis=1), self.years[last].astype(float), np.nan)

    def subset(self, idx: np.ndarray) -> Drivers:
        """The drivers of some countries (rows idx)."""
        return Drivers(
            self.years,
            *(getattr(self, name)[idx] for name in DRIVER_NAMES),
            filled={k: v[idx] for k, v in self.filled.items()},
        )


def _no_pairs() -> np.ndarray:
    return np.zeros((0, 0))


@dataclass(frozen=True, eq=False)
class World:
    """Countries (a DataFrame, row i = country i), corridor matrices [origin, destination] and
    the yearly drivers. Fields added after the first release have defaults (no border changes,
    no IAB stocks, no drivers), so older callers keep working."""

    name: str
    countries: pd.DataFrame
    """One row per country: the columns of COUNTRY_COLUMNS (documented in columns.csv)."""
    distance_km: np.ndarray
    """(n, n) km between capitals (CEPII distcap; great-circle where CEPII lacks the pair)."""
    contiguous: np.ndarray
    """(n, n) bool: the two countries share a land border (CEPII)."""
    common_language: np.ndarray
    """(n, n) bool: a common official language (CEPII)."""
    migrant_stock: np.ndarray
    """(n, n) persons born in origin living in destination in the start year (2000: World
    Bank bilateral matrix; 1990: the 2000 stock moved by UN DESA's 1990-2000 change)."""
    start_year: int = BASE_YEAR
    """First calendar year of a run (the year the tables describe)."""
    border_change: np.ndarray = field(default_factory=_no_pairs)
    """(n, n) bool: the two countries were one state when most of the 2000 stock moved
    (former USSR, former Yugoslavia, Czechoslovakia, the 1947/1971 partition of British India):
    these stocks are people who moved inside one state, or over whom a border moved."""
    iab_stock: np.ndarray = field(default_factory=_no_pairs)
    """(n, n) persons (all education levels, both sexes) born in origin living in destination
    in the start year, IAB; 0 outside the 20 IAB destinations (`iab_destination`)."""
    drivers: Drivers = field(default_factory=lambda: Drivers.empty(0))
    """Observed yearly drivers 1990-2023 (`Drivers`); empty for synthetic worlds."""

    def __post_init__(self) -> None:
        n = len(self.countries)
        defaults = {
            "border_change": np.zeros((n, n), dtype=bool),
            "iab_stock": np.zeros((n, n)),
        }
        for name, blank in defaults.items():
            if getattr(self, name).shape == (0, 0) and n:
                object.__setattr__(self, name, blank)
        if self.drivers.gdppc_ppp.shape[0] != n and not len(self.drivers.years):
            object.__setattr__(self, "drivers", Drivers.empty(n))
        matrices = ("distance_km", "contiguous", "common_language", "migrant_stock", *defaults)
        for name in matrices:
            if getattr(self, name).shape != (n, n):
                raise ValueError(f"world {self.name}: {name} must be {n}x{n}")
        if self.drivers.gdppc_ppp.shape[0] != n:
            raise ValueError(f"world {self.name}: drivers must have {n} countries")
        missing = [
            c for c in ("iso3", "name", "region", *NUMERIC_COLUMNS) if c not in self.countries
        ]
        if missing:
            raise ValueError(f"world {self.name}: countries table lacks columns {missing}")

    @property
    def n(self) -> int:
        return len(self.countries)

    @property
    def codes(self) -> list[str]:
        return self.countries["iso3"].tolist()

    @property
    def regions(self) -> list[str]:
        return sorted(self.countries["region"].unique())

    def column(self, name: str) -> np.ndarray:
        return self.countries[name].to_numpy(dtype=float)

    def convention_years(self) -> np.ndarray:
        """(countries, conventions) year each country joined; +inf where it has not."""
        out = np.full((self.n, len(CONVENTIONS)), np.inf)
        for j, col in enumerate(CONVENTION_COLUMNS):
            if col in self.countries:
                years = pd.to_numeric(self.countries[col], errors="coerce").to_numpy(float)
                out[:, j] = np.where(np.isnan(years), np.inf, years)
        return out

    def resolve(self, names: tuple[str, ...] | list[str]) -> np.ndarray:
        """Country indices for ISO3 codes and region codes/names ("SSF", "Sub-Saharan Africa",
        or "all"); raises UnknownPlaceError naming what is allowed."""
        codes = self.countries["iso3"].to_numpy()
        regions = self.countries["region"].to_numpy()
        by_name = {v.lower(): k for k, v in REGIONS.items()}
        picked: list[np.ndarray] = []
        for name in names:
            if name.lower() == "all":
                picked.append(np.arange(self.n))
            elif name in codes:
                picked.append(np.flatnonzero(codes == name))
            elif name in REGIONS or name.lower() in by_name:
                region = name if name in REGIONS else by_name[name.lower()]
                picked.append(np.flatnonzero(regions == region))
            else:
                raise UnknownPlaceError(
                    f"unknown country or region {name!r} in world '{self.name}'; allowed: "
                    f"ISO3 codes of its {self.n} countries (e.g. {', '.join(codes[:5])}), "
                    f"region codes {list(REGIONS)}, region names, or 'all'"
                )
        if not picked:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate(picked))

    def subset(self, codes: list[str], name: str) -> World:
        """The world restricted to some countries (corridors among them only)."""
        idx = self.resolve(codes)
        ix = np.ix_(idx, idx)
        return World(
            name=name,
            countries=self.countries.iloc[idx].reset_index(drop=True),
            distance_km=self.distance_km[ix],
            contiguous=self.contiguous[ix],
            common_language=self.common_language[ix],
            migrant_stock=self.migrant_stock[ix],
            start_year=self.start_year,
            border_change=self.border_change[ix],
            iab_stock=self.iab_stock[ix],
            drivers=self.drivers.subset(idx),
        )


def _data_dir() -> Path:
    return Path(str(resources.files("simulation") / "data"))


def load_world(name: str | Path = "default") -> World:
    """Load a built-in world or a folder world.

    Built-in: "default" (every country with data, start 2000), "teaching" (16 countries,
    start 2000), "default1990" and "teaching1990" (the same countries, start 1990, for
    calibrating on 1990-2000). A folder holds countries.csv and corridors.csv in the same
    format (drivers.csv optional); it starts in 2000.
    """
    folder = _data_dir()
    start, teaching = BUILTIN_WORLDS.get(str(name), (BASE_YEAR, False))
    if str(name) not in BUILTIN_WORLDS:
        folder = Path(name)
        if not folder.is_dir():
            raise FileNotFoundError(
                f"world {str(name)!r}: not a built-in world {list(WORLD_NAMES)} "
                "and not a folder with countries.csv and corridors.csv"
            )
    world = read_world_tables(folder, name=Path(str(name)).name, start_year=start)
    if teaching:
        codes = pd.read_csv(folder / "teaching_world.csv")["iso3"].tolist()
        world = world.subset(codes, name=str(name))
    return world


def read_world_tables(folder: Path, name: str, start_year: int = BASE_YEAR) -> World:
    """Read a world's tables from `folder` into dense matrices.

    countries.csv (or countries_<year>.csv for another start year) and corridors.csv, whose
    stock columns are taken for the start year (`migrant_stock` for 2000, `migrant_stock_<year>`
    otherwise, likewise `iab_stock_<year>`); drivers.csv if present. Columns added after the
    first release may be missing (OPTIONAL_COUNTRY_COLUMNS; no border changes, no IAB stocks).
    """
    suffix = "" if start_year == BASE_YEAR else f"_{start_year}"
    countries = pd.read_csv(
        folder / f"countries{suffix}.csv", keep_default_na=False, na_values=[""]
    )
    for col, value in OPTIONAL_COUNTRY_COLUMNS.items():
        if col not in countries:
            countries[col] = value
    corridors = pd.read_csv(folder / "corridors.csv", keep_default_na=False, na_values=[""])
    countries = countries.sort_values("iso3").reset_index(drop=True)
    index = pd.Index(countries["iso3"])
    n = len(countries)
    o = index.get_indexer(corridors["origin"])
    d = index.get_indexer(corridors["destination"])
    keep = (o >= 0) & (d >= 0)
    o, d = o[keep], d[keep]

    def matrix(col: str) -> np.ndarray:
        m = np.zeros((n, n))
        if col in corridors:
            m[o, d] = corridors.loc[keep, col].to_numpy(float)
        return m

    distance = matrix("distance_km")
    np.fill_diagonal(distance, 0.0)
    stock = "migrant_stock" + suffix
    if stock not in corridors:
        raise ValueError(f"{folder / 'corridors.csv'}: no column {stock!r} for {start_year}")
    drivers_file = folder / "drivers.csv"
    drivers = read_drivers(drivers_file, index) if drivers_file.is_file() else Drivers.empty(n)
    return World(
        name=name,
        countries=countries,
        distance_km=distance,
        contiguous=matrix("contiguous").astype(bool),
        common_language=matrix("common_language").astype(bool),
        migrant_stock=matrix(stock),
        start_year=start_year,
        border_change=matrix("border_change").astype(bool),
        iab_stock=matrix(f"iab_stock_{start_year}"),
        drivers=drivers,
    )


def read_drivers(path: Path, codes: pd.Index) -> Drivers:
    """drivers.csv (long: iso3, year, drivers..., imputed) as (countries, years) arrays for
    the countries `codes` (in that order); countries without rows are all NaN."""
    table = pd.read_csv(path, keep_default_na=False, na_values=[""])
    years = np.arange(table["year"].min(), table["year"].max() + 1)
    rows = codes.get_indexer(table["iso3"])
    keep = rows >= 0
    rows, cols = rows[keep], (table["year"].to_numpy() - years[0])[keep]
    arrays: dict[str, np.ndarray] = {}
    filled: dict[str, np.ndarray] = {}
    flags = table.loc[keep, "imputed"].fillna("").astype(str)
    for name in DRIVER_NAMES:
        values = np.full((len(codes), len(years)), np.nan)
        values[rows, cols] = table.loc[keep, name].to_numpy(float)
        arrays[name] = values
        mask = np.zeros((len(codes), len(years)), dtype=bool)
        mask[rows, cols] = (";" + flags + ";").str.contains(f";{name};", regex=False).to_numpy()
        filled[name] = mask
    return Drivers(years=years, **arrays, filled=filled)


def great_circle_km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """(n, n) great-circle distances (km, Earth radius 6371 km) between points in degrees.

    Synthetic worlds use it for all pairs; the world build uses it where CEPII lacks a pair.
    """
    lon, lat = np.radians(lon), np.radians(lat)
    dlon = lon[:, None] - lon[None, :]
    dlat = lat[:, None] - lat[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def synthetic_world(
    n: int,
    seed: int = 0,
    name: str | None = None,
    **overrides: float,
) -> World:
    """A random but plausible world of n countries (for property tests and benchmarks).

    Column values can be forced for every country with keyword overrides (e.g. ict=0.9).
    Border changes join some contiguous pairs; IAB stocks are the migrant stocks to the
    `iab_destination` countries (GDP per head above $25,000); there are no observed drivers,
    so the model's rules (growth, convergence, ICT diffusion) apply from the start.
    """
    rng = np.random.default_rng(seed)
    regions = list(REGIONS)
    gdppc = np.exp(rng.uniform(np.log(1_000), np.log(60_000), n))
    rich = np.log(gdppc / 1_000) / np.log(60)
    cols: dict[str, object] = {
        "iso3": [f"C{i:02d}" for i in range(n)],
        "name": [f"Country {i}" for i in range(n)],
        "region": [regions[i % len(regions)] for i in range(n)],
        "lon": rng.uniform(-170, 170, n),
        "lat": rng.uniform(-50, 60, n),
        "pop_adult": np.exp(rng.uniform(np.log(2e5), np.log(5e7), n)),
        "tertiary_share": np.clip(0.02 + 0.25 * rich + rng.normal(0, 0.03, n), 0.005, 0.6),
        "gdppc_ppp": gdppc,
        "tertiary_ger": np.clip(0.05 + 0.6 * rich, 0.01, 0.9),
        "edu_quality": np.clip(0.3 + 0.5 * rich, 0.05, 1),
        "ict": np.clip(0.01 + 0.4 * rich**2, 0, 1),
        "pop_growth": rng.uniform(0.0, 0.03, n),
        "visa_openness": rng.uniform(0.2, 0.9, n),
        "remittance_cost": rng.uniform(0.03, 0.12, n),
        "outbound_ratio": rng.uniform(0.005, 0.1, n),
        "inbound_rate": rng.uniform(0.0, 0.1, n) * rich,
        "skilled_emigration_rate": rng.uniform(0.01, 0.4, n) * (1 - rich),
        "emigrant_skilled_share": rng.uniform(0.1, 0.5, n),
        "quality_assurance": np.clip(0.3 + 0.5 * rich, 0, 1),
        "adaptation": np.clip(rich, 0.05, 0.95),
    }
    for h in HAZARDS:
        cols[f"hazard_{h}_p"] = rng.uniform(0, 0.15, n)
        cols[f"hazard_{h}_sev"] = rng.uniform(0, 0.02, n)
    for c in CONVENTION_COLUMNS:
        cols[c] = np.where(rng.random(n) < 0.3, 1997.0, np.nan)
    # Columns added later draw from their own stream, so the older columns keep their values.
    extra = np.random.default_rng([seed, 1])
    skilled = np.asarray(cols["skilled_emigration_rate"])
    cols["ger_logit_trend"] = extra.uniform(0.0, 0.1, n)
    cols["iab_high_rate_1990"] = np.clip(skilled * extra.uniform(0.7, 1.3, n), 0, 0.99)
    cols["iab_high_rate_1995"] = np.clip(skilled * extra.uniform(0.8, 1.2, n), 0, 0.99)
    cols["iab_destination"] = (gdppc > 25_000).astype(float)
    cols["ldc"] = (gdppc < 2_500).astype(float)
    cols["sids"] = (np.asarray(cols["pop_adult"]) < 5e5).astype(float)
    cols["lldc"] = (extra.random(n) < 0.15).astype(float)
    for key, value in overrides.items():
        if key not in cols:
            raise KeyError(f"synthetic_world: unknown column {key!r}")
        cols[key] = np.full(n, value)
    countries = pd.DataFrame(cols)
    distance = great_circle_km(countries["lon"].to_numpy(), countries["lat"].to_numpy())
    stock = np.exp(rng.uniform(0, 12, (n, n))) * (rng.random((n, n)) < 0.5)
    np.fill_diagonal(stock, 0)
    language = rng.random((n, n)) < 0.15
    language = language | language.T
    np.fill_diagonal(language, False)
    contiguous = (distance < 1500) & (distance > 0)
    border_change = contiguous & (extra.random((n, n)) < 0.3)
    border_change = border_change | border_change.T
    iab_destination = countries["iab_destination"].to_numpy(bool)
    return World(
        name=name or f"synthetic{n}",
        countries=countries,
        distance_km=distance,
        contiguous=contiguous,
        common_language=language,
        migrant_stock=stock,
        border_change=border_change,
        iab_stock=np.where(iab_destination[None, :], stock, 0.0),
        drivers=Drivers.empty(n),
    )


def two_country_world(
    origin_gdppc: float = 3_000.0,
    destination_gdppc: float = 45_000.0,
    origin_tertiary_share: float = 0.05,
    origin_ger: float = 0.15,
) -> World:
    """An origin and a rich destination with no diaspora, no shocks and no emigration yet:
    the setting of the incentive-effect theory (Mountford 1997; Beine et al. 2001). No border
    change, no IAB stock and no drivers: nothing moves but the people."""
    countries = pd.DataFrame(
        {
            "iso3": ["ORG", "DST"],
            "name": ["Origin", "Destination"],
            "region": ["SSF", "NAC"],
            "lon": [0.0, -80.0],
            "lat": [10.0, 40.0],
            "pop_adult": [10e6, 100e6],
            "tertiary_share": [origin_tertiary_share, 0.3],
            "gdppc_ppp": [origin_gdppc, destination_gdppc],
            "tertiary_ger": [origin_ger, 0.6],
            "edu_quality": [0.4, 0.8],
            "ict": [0.1, 0.6],
            "pop_growth": [0.0, 0.0],
            "visa_openness": [0.5, 0.5],
            "remittance_cost": [0.08, 0.05],
            "outbound_ratio": [0.0, 0.0],
            "inbound_rate": [0.0, 0.0],
            "skilled_emigration_rate": [0.0, 0.0],
            "emigrant_skilled_share": [0.3, 0.3],
            "quality_assurance": [0.4, 0.8],
            "adaptation": [0.3, 0.9],
            "ger_logit_trend": [0.0, 0.0],
            "iab_high_rate_1990": [0.0, 0.0],
            "iab_high_rate_1995": [0.0, 0.0],
            "iab_destination": [0.0, 1.0],
            **{g: [0.0, 0.0] for g in COUNTRY_GROUPS},
            **{f"hazard_{h}_{x}": [0.0, 0.0] for h in HAZARDS for x in ("p", "sev")},
        }
    )
    distance = np.array([[0.0, 7000.0], [7000.0, 0.0]])
    none = np.zeros((2, 2), dtype=bool)
    return World(
        name="two_country",
        countries=countries,
        distance_km=distance,
        contiguous=none,
        common_language=none.copy(),
        migrant_stock=np.zeros((2, 2)),
    )
