"""Outcomes of MODEL.md §5, per country per year, as one tidy table.

Each metric is declared once here with its unit, definition and how it aggregates to regions:
counts add up, ratios are recomputed from summed numerators and denominators (so a region's rate
is the rate of its people, not an average of countries), states average weighted by adults.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

KEYS = ("year", "country")


@dataclass(frozen=True)
class MetricSpec:
    name: str
    unit: str
    description: str
    aggregate: str  # "sum", "ratio" (numerator/denominator), "mean" (weighted by `weight`)
    numerator: str | None = None
    denominator: str | None = None
    weight: str = "adult_residents"


_M = MetricSpec
METRICS: dict[str, MetricSpec] = {
    m.name: m
    for m in (
        # --- stocks and flows (weighted persons) ---------------------------------------------
        _M("adult_residents", "persons", "Adults (25+) living in the country, any origin.", "sum"),
        _M(
            "skilled_residents",
            "persons",
            "Tertiary-educated adults living in the country, any origin.",
            "sum",
        ),
        _M(
            "skilled_emigrants",
            "persons",
            "Tertiary-educated people born in the country living abroad.",
            "sum",
        ),
        _M(
            "unrecognised_emigrants",
            "persons",
            "Skilled emigrants abroad whose qualification is not recognised where they live.",
            "sum",
        ),
        _M(
            "emigrations",
            "persons/year",
            "New skilled emigrants of the country this year: skilled people leaving it "
            "(environmental migrants included) and its graduates abroad who do not come home.",
            "sum",
        ),
        _M(
            "returns",
            "persons/year",
            "Skilled emigrants returning to their origin this year.",
            "sum",
        ),
        _M(
            "students_enrolled",
            "persons",
            "Tertiary students enrolled in the country, any origin (UIS total enrolment).",
            "sum",
        ),
        _M("students_outbound", "persons", "Students from the country studying abroad.", "sum"),
        _M("students_inbound", "persons", "Students from abroad studying in the country.", "sum"),
        _M("new_students", "persons/year", "Youths of the country who enrolled this year.", "sum"),
        _M("youth_cohort", "persons/year", "Youths reaching study age this year.", "sum"),
        _M("graduates", "persons/year", "Students of the country who graduated this year.", "sum"),
        _M("retired", "persons/year", "Skilled workers living in the country who retired.", "sum"),
        _M(
            "knowledge_transfer",
            "skill-weighted persons",
            "Diaspora knowledge transfer home: members x skill x tie x ICT(o) x ICT(d) x "
            "engagement, summed over corridors.",
            "sum",
        ),
        _M(
            "remittances",
            "PPP $/year",
            "Remittances received from the skilled diaspora, after transfer costs.",
            "sum",
        ),
        _M(
            "env_displaced",
            "persons/year",
            "Residents displaced by environmental shocks this year (internal and cross-border).",
            "sum",
        ),
        _M(
            "active_corridors",
            "corridors",
            "Destinations where the country has skilled emigrants (diaspora nodes).",
            "sum",
        ),
        # --- rates ---------------------------------------------------------------------------
        _M(
            "skilled_emigration_rate",
            "share",
            "Skilled emigrants / (skilled emigrants + skilled residents) (Docquier & Marfouk).",
            "ratio",
            "skilled_emigrants",
            "skilled_pool",
        ),
        _M(
            "skilled_pool", "persons", "Skilled emigrants + skilled residents (denominator).", "sum"
        ),
        _M(
            "human_capital",
            "share",
            "Tertiary-educated share of resident adults.",
            "ratio",
            "skilled_residents",
            "adult_residents",
        ),
        _M(
            "brain_waste_rate",
            "share",
            "Share of skilled emigrants working below their qualification.",
            "ratio",
            "unrecognised_emigrants",
            "skilled_emigrants",
        ),
        _M(
            "return_rate",
            "per year",
            "Returns / skilled emigrants at the start of the year.",
            "ratio",
            "returns",
            "skilled_emigrants_start",
        ),
        _M(
            "skilled_emigrants_start",
            "persons",
            "Skilled emigrants abroad at the start of the year (denominator).",
            "sum",
        ),
        _M(
            "enrolment_rate",
            "share",
            "Share of the youth cohort that enrolled this year.",
            "ratio",
            "new_students",
            "youth_cohort",
        ),
        _M(
            "outbound_mobility_ratio",
            "share",
            "UIS: students from the country studying abroad / tertiary enrolment in the country.",
            "ratio",
            "students_outbound",
            "students_enrolled",
        ),
        _M(
            "inbound_mobility_rate",
            "share",
            "UIS: students from abroad in the country / tertiary enrolment in the country.",
            "ratio",
            "students_inbound",
            "students_enrolled",
        ),
        _M(
            "mobility_dispersion",
            "0-1",
            "Our construct (UIS publishes none): 1 - Herfindahl index of the country's outbound "
            "students over destinations; 0 = all in one place.",
            "mean",
            weight="students_outbound",
        ),
        _M(
            "diaspora_concentration",
            "0-1",
            "Herfindahl index of the country's skilled emigrants over destinations; 1 = a "
            "single corridor.",
            "mean",
            weight="skilled_emigrants",
        ),
        # --- state ---------------------------------------------------------------------------
        _M("wage_skilled", "PPP $/year", "Skilled wage.", "mean"),
        _M("wage_unskilled", "PPP $/year", "Unskilled wage.", "mean"),
        _M("productivity", "index (start = 1)", "Total factor productivity.", "mean"),
        _M("ict", "share", "Internet users' share of the population.", "mean"),
        _M("edu_quality", "0-1", "Education quality.", "mean"),
        _M("shock_intensity", "0-1", "Current environmental shock intensity.", "mean"),
        _M(
            "conservation_error",
            "persons",
            "Entered - present - retired, by weight, over the whole world (should be ~0).",
            "sum",
        ),
        # --- counterfactual (filled by simulate_with_counterfactual) --------------------------
        _M(
            "human_capital_no_migration",
            "share",
            "Human capital of the same world with migration switched off (same seed).",
            "mean",
        ),
        _M(
            "net_brain_gain",
            "share difference",
            "human_capital - human_capital_no_migration; > 0 is a brain gain (Beine, Docquier & "
            "Rapoport).",
            "mean",
        ),
    )
}
COUNTERFACTUAL_METRICS = ("human_capital_no_migration", "net_brain_gain")
HEADLINE_METRICS = ("skilled_emigration_rate", "human_capital", "net_brain_gain")


def _herfindahl(matrix: np.ndarray) -> np.ndarray:
    """Row-wise Herfindahl index (0 for empty rows)."""
    matrix = np.asarray(matrix, dtype=float)
    total = matrix.sum(axis=1)
    shares = np.divide(matrix, total[:, None], out=np.zeros_like(matrix), where=total[:, None] > 0)
    return (shares**2).sum(axis=1)


def safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den with 0 where den is 0 (an empty group has no rate, reported as 0)."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def aggregate_regions(frame: pd.DataFrame, regions: pd.Series | dict[str, str]) -> pd.DataFrame:
    """Aggregate a per-country metrics frame to regions (column `country` holds region codes).

    `regions` maps ISO3 codes to region codes (e.g. ``world.countries.set_index("iso3").region``).
    Extra key columns (scenario, replication, ...) are kept as group keys.
    """
    mapping = dict(regions)
    df = frame.copy()
    df["country"] = df["country"].map(mapping)
    keys = [c for c in df.columns if c not in METRICS]
    present = [m for m in METRICS if m in df.columns]
    sums = [m for m in present if METRICS[m].aggregate == "sum"]
    means = [m for m in present if METRICS[m].aggregate == "mean"]
    ratios = [m for m in present if METRICS[m].aggregate == "ratio"]
    weights = sorted({METRICS[m].weight for m in means})
    weighted = df[keys].copy()
    for m in means:
        weighted[m] = df[m] * df[METRICS[m].weight]
    for w in weights:
        weighted[f"__w_{w}"] = df[w]
    for m in sums:
        weighted[m] = df[m]
    for m in ratios:
        for part in (METRICS[m].numerator, METRICS[m].denominator):
            if part not in weighted:
                weighted[part] = df[part]
    grouped = weighted.groupby(keys, sort=True).sum(numeric_only=True)
    out = pd.DataFrame(index=grouped.index)
    for m in present:
        spec = METRICS[m]
        if spec.aggregate == "sum":
            out[m] = grouped[m]
        elif spec.aggregate == "ratio":
            out[m] = safe_ratio(grouped[spec.numerator], grouped[spec.denominator])
        else:
            out[m] = safe_ratio(grouped[m], grouped[f"__w_{spec.weight}"])
    return out.reset_index()[[c for c in frame.columns if c in out.reset_index().columns]]


def country_metrics(model) -> dict[str, np.ndarray]:
    """This year's metrics per country from the model's arrays (one bincount per quantity)."""
    from simulation.population import STUDENT, WORKER, tally

    pop, s, n = model.pop, model.state, model.world.n
    w = pop.weight
    workers = pop.kind == WORKER
    students = pop.kind == STUDENT
    abroad = pop.location != pop.origin

    def by(index: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return tally(index[mask], w[mask], n)

    skilled_residents = by(pop.location, workers)
    emigrants = by(pop.origin, workers & abroad)
    unrecognised = by(pop.origin, workers & abroad & ~pop.recognised)
    enrolled = by(pop.location, students)
    outbound = by(pop.origin, students & abroad)
    key = pop.origin.astype(np.int64) * n + pop.location
    mask = students & abroad
    student_matrix = tally(key[mask], w[mask], n * n).reshape(n, n).astype(float)
    adults = skilled_residents + s.unskilled
    out = {
        "year": np.full(n, model.year),
        "adult_residents": adults,
        "skilled_residents": skilled_residents,
        "skilled_emigrants": emigrants,
        "unrecognised_emigrants": unrecognised,
        **{name: flow.copy() for name, flow in model.flows.items()},
        "students_enrolled": enrolled,
        "students_outbound": outbound,
        "students_inbound": by(pop.location, students & abroad),
        "knowledge_transfer": s.knowledge_transfer.copy(),
        "remittances": s.remittances.copy(),
        "active_corridors": (model.skilled_diaspora > 0).sum(axis=1).astype(float),
        "skilled_pool": emigrants + skilled_residents,
        "skilled_emigrants_start": model.emigrants_start.copy(),
        "mobility_dispersion": np.where(outbound > 0, 1 - _herfindahl(student_matrix), 0.0),
        "diaspora_concentration": _herfindahl(model.skilled_diaspora),
        "wage_skilled": s.wage_skilled.copy(),
        "wage_unskilled": s.wage_unskilled.copy(),
        "productivity": s.productivity.copy(),
        "ict": s.ict.copy(),
        "edu_quality": s.edu_quality.copy(),
        "shock_intensity": s.shock.copy(),
        "conservation_error": model.conservation_error(),
    }
    for name, spec in METRICS.items():
        if spec.aggregate == "ratio":
            out[name] = safe_ratio(out[spec.numerator], out[spec.denominator])
    return out


def metrics_frame(records: list[dict[str, np.ndarray]], codes: list[str]) -> pd.DataFrame:
    """Tidy frame: year, country, then the metrics in METRICS order."""
    if not records:
        return pd.DataFrame(
            columns=[*KEYS, *(m for m in METRICS if m not in COUNTERFACTUAL_METRICS)]
        )
    columns = {k: np.concatenate([r[k] for r in records]) for k in records[0]}
    frame = pd.DataFrame(columns)
    frame["year"] = frame["year"].astype(np.int64)
    frame.insert(1, "country", np.tile(np.asarray(codes, dtype=object), len(records)))
    order = [*KEYS, *(m for m in METRICS if m in frame.columns)]
    return frame[order]
