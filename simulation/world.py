"""The world a run starts from: one row per country and dense corridor matrices.

The tables under `simulation/data/` are built from public 2000 data by
`python -m calibration.build_world` and shipped with the package, so a run needs nothing else.
Small synthetic worlds (two countries for theory checks, n random countries for property tests
and benchmarks) are made here too, with the same columns.
"""

from __future__ import annotations

from dataclasses import dataclass
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
# The countries table, in file order (calibration/build_world.py writes exactly these columns).
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
    "edu_quality",
    "ict",
    "pop_growth",
    *(f"hazard_{h}_{x}" for h in HAZARDS for x in ("p", "sev")),
    "visa_openness",
    "remittance_cost",
    "outbound_ratio",
    "inbound_rate",
    "skilled_emigration_rate",
    "emigrant_skilled_share",
    "quality_assurance",
    "adaptation",
    *CONVENTION_COLUMNS,
    "imputed",
)
NUMERIC_COLUMNS: tuple[str, ...] = tuple(
    c
    for c in COUNTRY_COLUMNS
    if c not in ("iso3", "name", "region", "imputed", *CONVENTION_COLUMNS)
)
WORLD_NAMES: tuple[str, ...] = ("default", "teaching")


class UnknownPlaceError(ValueError):
    """A country code or region name that the world does not have."""


@dataclass(frozen=True, eq=False)
class World:
    """Countries (a DataFrame, row i = country i) and corridor matrices [origin, destination]."""

    name: str
    countries: pd.DataFrame
    distance_km: np.ndarray
    contiguous: np.ndarray
    common_language: np.ndarray
    migrant_stock: np.ndarray
    start_year: int = 2000

    def __post_init__(self) -> None:
        n = len(self.countries)
        for field in ("distance_km", "contiguous", "common_language", "migrant_stock"):
            if getattr(self, field).shape != (n, n):
                raise ValueError(f"world {self.name}: {field} must be {n}x{n}")
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
        )


def _data_dir() -> Path:
    return Path(str(resources.files("simulation") / "data"))


def load_world(name: str | Path = "default") -> World:
    """Load "default" (every country with data), "teaching" (about 16 countries) or a folder
    holding countries.csv and corridors.csv in the same format."""
    folder = _data_dir()
    if str(name) not in WORLD_NAMES:
        folder = Path(name)
        if not folder.is_dir():
            raise FileNotFoundError(
                f"world {str(name)!r}: not a built-in world {list(WORLD_NAMES)} "
                "and not a folder with countries.csv and corridors.csv"
            )
    world = read_world_tables(folder, name=Path(str(name)).name)
    if str(name) == "teaching":
        teaching = pd.read_csv(folder / "teaching_world.csv")
        world = world.subset(teaching["iso3"].tolist(), name="teaching")
    return world


def read_world_tables(folder: Path, name: str) -> World:
    """Read countries.csv and corridors.csv into dense matrices."""
    countries = pd.read_csv(folder / "countries.csv", keep_default_na=False, na_values=[""])
    corridors = pd.read_csv(folder / "corridors.csv")
    countries = countries.sort_values("iso3").reset_index(drop=True)
    index = {code: i for i, code in enumerate(countries["iso3"])}
    n = len(countries)
    o = corridors["origin"].map(index)
    d = corridors["destination"].map(index)
    keep = o.notna() & d.notna()
    o = o[keep].to_numpy(int)
    d = d[keep].to_numpy(int)

    def matrix(col: str, fill: float = 0.0) -> np.ndarray:
        m = np.full((n, n), fill)
        m[o, d] = corridors.loc[keep, col].to_numpy(float)
        return m

    distance = matrix("distance_km")
    np.fill_diagonal(distance, 0.0)
    return World(
        name=name,
        countries=countries,
        distance_km=distance,
        contiguous=matrix("contiguous").astype(bool),
        common_language=matrix("common_language").astype(bool),
        migrant_stock=matrix("migrant_stock"),
    )


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
    return World(
        name=name or f"synthetic{n}",
        countries=countries,
        distance_km=distance,
        contiguous=contiguous,
        common_language=language,
        migrant_stock=stock,
    )


def two_country_world(
    origin_gdppc: float = 3_000.0,
    destination_gdppc: float = 45_000.0,
    origin_tertiary_share: float = 0.05,
    origin_ger: float = 0.15,
) -> World:
    """An origin and a rich destination with no diaspora, no shocks and no emigration yet:
    the setting of the incentive-effect theory (Mountford 1997; Beine et al. 2001)."""
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
