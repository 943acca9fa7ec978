"""Outcomes per country per year (docs/ODD.md §3.4), as one tidy table.

Each metric is declared once here with its unit, definition and how it aggregates to regions:
counts add up; ratios are recomputed from summed numerators and denominators (so a region's rate
is the rate of its people, not an average of countries); differences of two ratios are
recomputed from the aggregated ratios (so net brain gain of a region is its human capital minus
its counterfactual human capital, each with its own adults); states average weighted by adults.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

KEYS = ("year", "country")


@dataclass(frozen=True)
class MetricSpec:
    name: str
    unit: str
    description: str
    aggregate: str  # "sum", "ratio", "difference" (of two ratios) or "mean" (weighted)
    numerator: str | None = None  # ratio: numerator; difference: the ratio subtracted from
    denominator: str | None = None  # ratio: denominator; difference: the ratio subtracted
    weight: str = "adult_residents"
    source: str = "model quantity"  # where the definition comes from


# The table builders run once, at import, where mutation testing (`make mutation`) cannot
# reach them; tests/test_mutants.py checks the table they build instead.
# pragma: no mutate start
def _sum(name: str, unit: str, text: str) -> MetricSpec:
    return MetricSpec(name, unit, text, "sum")


def _ratio(name: str, unit: str, text: str, num: str, den: str, source: str = "model quantity"):
    return MetricSpec(name, unit, text, "ratio", num, den, source=source)


def _mean(name: str, unit: str, text: str, weight: str = "adult_residents") -> MetricSpec:
    return MetricSpec(name, unit, text, "mean", weight=weight)


def _difference(name: str, unit: str, text: str, first: str, second: str, source: str):
    return MetricSpec(name, unit, text, "difference", first, second, source=source)


# pragma: no mutate end


DM = "Docquier & Marfouk (2006)"
IAB = "IAB brain-drain data (Bruecker, Capuano & Marfouk 2013)"
UIS = "UNESCO Institute for Statistics glossary"
BDR = "Beine, Docquier & Rapoport (2001, 2008)"
BL = "Barro & Lee (2013)"
METRICS: dict[str, MetricSpec] = {
    m.name: m
    for m in (
        # --- stocks (weighted persons) -------------------------------------------------------
        _sum("adult_residents", "persons", "Adults (25+) living in the country, any origin."),
        _sum("skilled_residents", "persons", "Tertiary-educated adults living in the country."),
        _sum("skilled_natives", "persons", "Tertiary-educated adults born and living here."),
        _sum("adult_natives", "persons", "Adults born and living in the country."),
        _sum("skilled_emigrants", "persons", "Tertiary-educated people born here living abroad."),
        _sum(
            "skilled_emigrants_iab20",
            "persons",
            "Skilled emigrants living in the 20 OECD destinations of the IAB data.",
        ),
        _sum(
            "unrecognised_emigrants",
            "persons",
            "Skilled emigrants whose qualification is not recognised where they live.",
        ),
        _sum("students_enrolled", "persons", "Tertiary students in the country, any origin."),
        _sum("students_outbound", "persons", "Students from the country studying abroad."),
        _sum("students_inbound", "persons", "Students from abroad studying in the country."),
        _sum("displaced_abroad", "persons", "People of the country displaced abroad by shocks."),
        # --- flows (weighted persons per year; NaN in the start year) -------------------------
        _sum(
            "emigrations",
            "persons/year",
            "New skilled emigrants: skilled people leaving home by choice, and graduates abroad "
            "who stay abroad.",
        ),
        _sum("returns", "persons/year", "Skilled emigrants coming home by choice."),
        _sum("onward_moves", "persons/year", "Skilled emigrants moving between foreign countries."),
        _sum(
            "graduate_returns",
            "persons/year",
            "Graduates of foreign universities coming home (not counted as returns).",
        ),
        _sum(
            "env_emigrations",
            "persons/year",
            "Skilled people displaced across a border by an environmental shock.",
        ),
        _sum("env_returns", "persons/year", "Skilled people displaced abroad coming home."),
        _sum("new_students", "persons/year", "Youths of the country who enrolled this year."),
        _sum("youth_cohort", "persons/year", "Youths reaching study age this year."),
        _sum("graduates", "persons/year", "Students of the country who graduated this year."),
        _sum("retired", "persons/year", "Skilled workers living in the country who retired."),
        _sum(
            "env_displaced",
            "persons/year",
            "Residents displaced by environmental shocks this year (internal and cross-border).",
        ),
        _sum(
            "knowledge_transfer",
            "skill-weighted persons",
            "Diaspora knowledge transfer home: members x skill x tie x ICT(o) x ICT(d) x "
            "engagement, summed over corridors.",
        ),
        _sum("remittances", "PPP $/year", "Remittances from the skilled diaspora, after costs."),
        _sum(
            "active_corridors", "corridors", "Destinations where the country has skilled emigrants."
        ),
        # --- rates -----------------------------------------------------------------------------
        _ratio(
            "skilled_emigration_rate",
            "share",
            "Skilled emigrants (all destinations) / (skilled emigrants + skilled residents).",
            "skilled_emigrants",
            "skilled_pool",
            DM,
        ),
        _sum("skilled_pool", "persons", "Skilled emigrants + skilled residents (denominator)."),
        _ratio(
            "skilled_emigration_rate_iab20",
            "share",
            "Skilled emigrants in the 20 IAB destinations / (those + skilled residents): the IAB "
            "definition, comparable with the IAB data.",
            "skilled_emigrants_iab20",
            "skilled_pool_iab20",
            IAB,
        ),
        _sum(
            "skilled_pool_iab20",
            "persons",
            "Skilled emigrants in the IAB destinations + skilled residents (denominator).",
        ),
        _ratio(
            "human_capital",
            "share",
            "Tertiary-educated share of resident adults (any origin).",
            "skilled_residents",
            "adult_residents",
            BL,
        ),
        _ratio(
            "native_human_capital",
            "share",
            "Tertiary-educated share of the adults born and living in the country.",
            "skilled_natives",
            "adult_natives",
        ),
        _difference(
            "immigration_effect",
            "share difference",
            "human_capital - native_human_capital: how much immigrants raise (or lower) the "
            "tertiary share of residents.",
            "human_capital",
            "native_human_capital",
            "model quantity",
        ),
        _ratio(
            "brain_waste_rate",
            "share",
            "Share of skilled emigrants working below their qualification.",
            "unrecognised_emigrants",
            "skilled_emigrants",
        ),
        _ratio(
            "return_rate",
            "per year",
            "Returns / skilled emigrants at the end of the previous year.",
            "returns",
            "skilled_emigrants_before",
        ),
        _sum("skilled_emigrants_before", "persons", "Skilled emigrants a year earlier."),
        _ratio(
            "enrolment_rate",
            "share",
            "Share of the youth cohort that enrolled this year.",
            "new_students",
            "youth_cohort",
        ),
        _ratio(
            "outbound_mobility_ratio",
            "share",
            "UIS: students from the country studying abroad / tertiary enrolment in the country.",
            "students_outbound",
            "students_enrolled",
            UIS,
        ),
        _ratio(
            "inbound_mobility_rate",
            "share",
            "UIS: students from abroad in the country / tertiary enrolment in the country.",
            "students_inbound",
            "students_enrolled",
            UIS,
        ),
        _mean(
            "mobility_dispersion",
            "0-1",
            "Our construct (UIS publishes none): 1 - Herfindahl index of the country's outbound "
            "students over destinations; 0 = all in one place.",
            weight="students_outbound",
        ),
        _mean(
            "diaspora_concentration",
            "0-1",
            "Herfindahl index of the country's skilled emigrants over destinations; 1 = a single "
            "corridor.",
            weight="skilled_emigrants",
        ),
        # --- state -------------------------------------------------------------------------------
        _mean("wage_skilled", "PPP $/year", "Skilled wage."),
        _mean("wage_unskilled", "PPP $/year", "Unskilled wage."),
        _mean("gdppc", "PPP $/year", "GDP per head (driver path) x productivity."),
        _mean("productivity", "index (start = 1)", "Productivity gained from knowledge transfer."),
        _mean("ict", "share", "Internet users' share of the population."),
        _mean("edu_quality", "0-1", "Education quality."),
        _mean("shock_intensity", "0-1", "Current environmental shock intensity."),
        _mean("perceived_prospect", "probability", "Emigration prospect youths perceive (M1)."),
        _sum(
            "conservation_error",
            "persons",
            "Entered - present - retired, by weight, per origin (should be ~0).",
        ),
        # --- counterfactual (filled by simulate_with_counterfactual) ---------------------------
        _sum(
            "skilled_residents_no_emigration",
            "persons",
            "Counterfactual skilled residents: the twin's skilled natives at home + this run's "
            "skilled immigrants.",
        ),
        _sum(
            "adult_residents_no_emigration",
            "persons",
            "Counterfactual adults: the twin's adult natives at home + this run's immigrants.",
        ),
        _ratio(
            "human_capital_no_emigration",
            "share",
            "Human capital had the country's own people not emigrated (same seed, same "
            "immigrants).",
            "skilled_residents_no_emigration",
            "adult_residents_no_emigration",
        ),
        _difference(
            "net_brain_gain",
            "share difference",
            "human_capital - human_capital_no_emigration; > 0 is a brain gain.",
            "human_capital",
            "human_capital_no_emigration",
            BDR,
        ),
    )
}
COUNTERFACTUAL_METRICS = (
    "skilled_residents_no_emigration",
    "adult_residents_no_emigration",
    "human_capital_no_emigration",
    "net_brain_gain",
)
HEADLINE_METRICS = ("skilled_emigration_rate", "human_capital", "net_brain_gain")


def needs_counterfactual(metrics: Iterable[str]) -> bool:
    """Whether any of these metrics comes from the run's no-emigration twin (metrics
    aggregated from twin columns are twin metrics too): runs that keep none skip the twin."""
    return any(m in COUNTERFACTUAL_METRICS for m in metrics)


def _herfindahl(matrix: np.ndarray) -> np.ndarray:
    """Row-wise Herfindahl index (0 for empty rows)."""
    matrix = np.asarray(matrix, dtype=float)
    total = matrix.sum(axis=1)
    shares = np.divide(matrix, total[:, None], out=np.zeros_like(matrix), where=total[:, None] > 0)
    return (shares**2).sum(axis=1)


def safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Num / den with 0 where den is 0 (an empty group has no rate, reported as 0), and NaN
    where either is NaN (a flow not observed, e.g. in the start year)."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    if num.shape != den.shape:
        num, den = np.broadcast_arrays(num, den)
    missing = np.isnan(num) | np.isnan(den)
    out = np.where(missing, np.nan, 0.0)
    return np.divide(num, den, out=out, where=(den > 0) & ~missing)


def metric_parts(name: str) -> list[str]:
    """The columns a metric is aggregated from (itself for sums; numerator and denominator for
    ratios; both ratios' parts for differences; itself and its weight for means)."""
    spec = METRICS[name]
    if spec.aggregate == "ratio":
        return [spec.numerator, spec.denominator]
    if spec.aggregate == "difference":
        return [*metric_parts(spec.numerator), *metric_parts(spec.denominator)]
    if spec.aggregate == "mean":
        return [name, spec.weight]
    return [name]


def combine(name: str, total, weighted_total):
    """A metric over a group of countries from its parts' totals, as its spec says: sums add,
    ratios divide summed parts, differences subtract their two ratios, means weight.

    `total(column)` sums a column over the group; `weighted_total(column, weight)` sums
    column x weight. Shared by the regional tables, the sensitivity outputs and the app.
    """
    spec = METRICS[name]
    if spec.aggregate == "sum":
        return total(name)
    if spec.aggregate == "ratio":
        return safe_ratio(total(spec.numerator), total(spec.denominator))
    if spec.aggregate == "difference":
        return combine(spec.numerator, total, weighted_total) - combine(
            spec.denominator, total, weighted_total
        )
    return safe_ratio(weighted_total(name, spec.weight), total(spec.weight))


def aggregate_regions(frame: pd.DataFrame, regions: pd.Series | dict[str, str]) -> pd.DataFrame:
    """Aggregate a per-country metrics frame to regions (column `country` holds region codes).

    `regions` maps ISO3 codes to region codes (e.g. ``world.countries.set_index("iso3").region``).
    Extra key columns (scenario, replication, ...) are kept as group keys. A metric whose parts
    are missing from the frame is left out.
    """
    df = frame.copy()
    df["country"] = df["country"].map(dict(regions))
    keys = [c for c in df.columns if c not in METRICS]
    present = [m for m in METRICS if m in df.columns and all(p in df for p in metric_parts(m))]
    weighted = df[keys].copy()
    for m in present:
        spec = METRICS[m]
        if spec.aggregate == "mean":
            weighted[f"__x_{m}"] = df[m] * df[spec.weight]
        for part in metric_parts(m):
            if part not in weighted:
                weighted[part] = df[part]
    grouped = weighted.groupby(keys, sort=True).sum(numeric_only=True, min_count=1)
    out = pd.DataFrame(index=grouped.index)

    def total(column: str) -> np.ndarray:
        return grouped[column].to_numpy()

    def weighted_total(column: str, _weight: str) -> np.ndarray:
        return grouped[f"__x_{column}"].to_numpy()

    for m in present:
        out[m] = combine(m, total, weighted_total)
    out = out.reset_index()
    return out[[c for c in frame.columns if c in out.columns]]


RATIO_METRICS = tuple(
    (name, spec.numerator, spec.denominator)
    for name, spec in METRICS.items()
    if spec.aggregate == "ratio"
)


def _tally_where(index: np.ndarray, weight: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Weighted count per index value 0..n-1 of the items where `mask` holds (the others are
    counted in a spare bin and dropped: the same sums, without copying the selected items)."""
    return np.bincount(np.where(mask, index, n), weight, minlength=n + 1)[:n]


def native_metrics(model) -> dict[str, np.ndarray]:
    """This year's natives at home per country, skilled and all adults (the same numbers as
    `country_metrics`): all that net brain gain needs of the no-emigration twin, whose other
    metrics nobody reads (see `counterfactual`)."""
    from simulation.population import WORKER

    pop, s, c, n = model.pop, model.state, model.corridors, model.world.n
    at_home = (pop.kind == WORKER) & (pop.location == pop.origin)
    skilled_natives = _tally_where(pop.location, pop.weight, at_home, n)
    displaced_in = c.displaced.sum(axis=0)
    unskilled_natives = np.maximum(s.unskilled - s.unskilled_immigrants - displaced_in, 0.0)
    return {
        "year": np.full(n, model.year),
        "skilled_natives": skilled_natives,
        "adult_natives": skilled_natives + unskilled_natives,
    }


def country_metrics(model, flows=None) -> dict[str, np.ndarray]:
    """This year's metrics per country from the model's arrays; `flows`: the year's flows
    (default the model's). Skilled emigrants and students abroad (a small part of the people)
    are selected once and their tallies made from the selection."""
    from simulation.population import STUDENT, WORKER, tally, tally_pairs

    pop, s, c, n = model.pop, model.state, model.corridors, model.world.n
    w, kind, origin, location = pop.weight, pop.kind, pop.origin, pop.location
    abroad = location != origin
    workers = kind == WORKER
    # every weighted count adds its people in row order (as a bincount of the selected rows
    # does), so these are the same numbers as tallies of masked copies
    skilled_residents = model.skilled_residents()  # cached: next year's shocks read it too
    natives = native_metrics(model)
    skilled_natives = natives["skilled_natives"]
    students = np.flatnonzero(kind == STUDENT)
    enrolled = tally(location[students], w[students], n)
    students_abroad = students[abroad[students]]
    emigrant_rows = np.flatnonzero(workers & abroad)
    eo, el, ew = origin[emigrant_rows], location[emigrant_rows], w[emigrant_rows]
    emigrants = tally(eo, ew, n)
    emigrants_iab = _tally_where(eo, ew, c.iab_destination[el], n)
    unrecognised = _tally_where(eo, ew, ~pop.recognised[emigrant_rows], n)
    so, sl, sw = origin[students_abroad], location[students_abroad], w[students_abroad]
    outbound = tally(so, sw, n)
    student_matrix = tally_pairs(so, sl, sw, n)
    displaced_rows = np.flatnonzero(pop.displaced)  # few: those displaced across a border
    displaced_out = tally(origin[displaced_rows], w[displaced_rows], n)
    before = model.records[-1]["skilled_emigrants"] if model.records else emigrants
    out = {
        "year": np.full(n, model.year),
        "adult_residents": skilled_residents + s.unskilled,
        "skilled_residents": skilled_residents,
        "skilled_natives": skilled_natives,
        "adult_natives": natives["adult_natives"],
        "skilled_emigrants": emigrants,
        "skilled_emigrants_iab20": emigrants_iab,
        "unrecognised_emigrants": unrecognised,
        "students_enrolled": enrolled,
        "students_outbound": outbound,
        "students_inbound": tally(sl, sw, n),
        "displaced_abroad": c.displaced.sum(axis=1) + displaced_out,
        **(flows if flows is not None else model.flows).as_dict(),
        "knowledge_transfer": s.knowledge_transfer.copy(),
        "remittances": s.remittances.copy(),
        "active_corridors": (c.skilled_diaspora > 0).sum(axis=1).astype(float),
        "skilled_pool": emigrants + skilled_residents,
        "skilled_pool_iab20": emigrants_iab + skilled_residents,
        "skilled_emigrants_before": before.copy(),
        "mobility_dispersion": np.where(outbound > 0, 1 - _herfindahl(student_matrix), 0.0),
        "diaspora_concentration": _herfindahl(c.skilled_diaspora),
        "wage_skilled": s.wage_skilled.copy(),
        "wage_unskilled": s.wage_unskilled.copy(),
        "gdppc": s.gdppc * s.productivity,
        "productivity": s.productivity.copy(),
        "ict": s.ict.copy(),
        "edu_quality": s.edu_quality.copy(),
        "shock_intensity": s.shock.copy(),
        "perceived_prospect": s.perceived_prospect.copy(),
        "conservation_error": model.conservation_error(),
    }
    ratios = [(name, num, den) for name, num, den in RATIO_METRICS if num in out and den in out]
    values = safe_ratio(  # all at once: the same divisions, one call
        np.stack([out[num] for _, num, _ in ratios]), np.stack([out[den] for *_, den in ratios])
    )
    out.update(zip((name for name, *_ in ratios), values, strict=True))
    out["immigration_effect"] = out["human_capital"] - out["native_human_capital"]
    return out


def counterfactual(main, twin) -> dict[str, np.ndarray]:
    """Net brain gain columns from a run and its no-emigration twin (frames or yearly records,
    anything indexable by metric name): the counterfactual residents are the twin's natives at
    home plus this run's immigrants, so the difference measures emigration, not immigration."""

    def col(table, name: str) -> np.ndarray:
        return np.asarray(table[name], dtype=float)

    skilled = (
        col(twin, "skilled_natives") + col(main, "skilled_residents") - col(main, "skilled_natives")
    )
    adults = col(twin, "adult_natives") + col(main, "adult_residents") - col(main, "adult_natives")
    human_capital = safe_ratio(skilled, adults)
    return {
        "skilled_residents_no_emigration": skilled,
        "adult_residents_no_emigration": adults,
        "human_capital_no_emigration": human_capital,
        "net_brain_gain": col(main, "human_capital") - human_capital,
    }


def stack_records(records: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Yearly records (one array per metric and year) as one column per metric, year after year."""
    return {name: np.concatenate([r[name] for r in records]) for name in records[0]}


def metrics_frame(records: list[dict[str, np.ndarray]], codes: list[str]) -> pd.DataFrame:
    """Tidy frame: year, country, then the metrics in METRICS order."""
    if not records:
        return pd.DataFrame(
            columns=[*KEYS, *(m for m in METRICS if m not in COUNTERFACTUAL_METRICS)]
        )
    frame = pd.DataFrame(stack_records(records))
    frame["year"] = frame["year"].astype(np.int64)
    frame.insert(1, "country", np.tile(np.asarray(codes, dtype=object), len(records)))
    order = [*KEYS, *(m for m in METRICS if m in frame.columns)]
    return frame[order]


# --- Mesa DataCollector ----------------------------------------------------------------------
WORLD_REPORTERS = (
    "skilled_emigration_rate",
    "human_capital",
    "brain_waste_rate",
    "return_rate",
    "outbound_mobility_ratio",
    "emigrations",
    "returns",
    "knowledge_transfer",
    "remittances",
    "env_displaced",
    "immigration_effect",
)
COUNTRY_REPORTERS = (
    "skilled_emigration_rate",
    "human_capital",
    "brain_waste_rate",
    "return_rate",
    "outbound_mobility_ratio",
    "emigrations",
    "returns",
    "knowledge_transfer",
    "remittances",
    "env_displaced",
    "adult_residents",
    "skilled_emigrants",
)


def world_value(record: dict[str, np.ndarray], name: str) -> float:
    """One metric over all countries of a year's record (aggregated as its spec says)."""
    spec = METRICS[name]
    if spec.aggregate == "sum":
        return float(np.sum(record[name]))
    if spec.aggregate == "ratio":
        return float(safe_ratio(np.sum(record[spec.numerator]), np.sum(record[spec.denominator])))
    if spec.aggregate == "difference":
        return world_value(record, spec.numerator) - world_value(record, spec.denominator)
    weight = record[spec.weight]
    return float(safe_ratio(np.sum(record[name] * weight), np.sum(weight)))


def _world_reporter(name: str):
    return lambda model: world_value(model.records[-1], name)


def _country_reporter(name: str):
    return lambda country: float(country.model.records[-1][name][country.index])


def make_datacollector():
    """A Mesa DataCollector of world totals (model vars) and the main metrics of every Country
    agent (agent-type vars), read from the year's record."""
    import mesa

    from simulation.agents import Country

    model_reporters = {"year": "year", **{m: _world_reporter(m) for m in WORLD_REPORTERS}}
    by_country = {"iso3": "iso3", **{m: _country_reporter(m) for m in COUNTRY_REPORTERS}}
    return mesa.DataCollector(
        model_reporters=model_reporters,
        agenttype_reporters={Country: by_country},
    )
