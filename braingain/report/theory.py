"""The report's theory check: does the baseline show the pattern of Beine, Docquier & Rapoport
(2008)?

Computed with `experiments.pattern` from the baseline scenario's runs in metrics.parquet: per
developing country, the start's tertiary share and skilled emigration rate against the net brain
gain at the last year (means over the replications), and the pattern's three statements with
their numbers. Folders that cannot answer (no baseline, no start year, kept only regions or
only some metrics) get one line saying why, not an error: the rest of the report stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from braingain.report import figures, page, text
from braingain.report.calibration import baseline_words, calibration_of
from braingain.report.results import Results
from experiments.pattern import DEVELOPING_GDP, Pattern, brain_gain_pattern, country_table
from experiments.store import atomic_write_text

TITLE = "Does the baseline show the Beine, Docquier & Rapoport (2008) pattern?"
ANCHOR = "theory"
NEEDED = ("human_capital", "skilled_emigration_rate", "gdppc", "net_brain_gain")
CSV_COLUMNS = [
    "country",
    "name",
    "region",
    "human_capital_start",
    "skilled_emigration_rate_start",
    "gdppc_start",
    "net_brain_gain",
    "outcome",
    "below_both_medians",
]
OPEN_ROWS = 20  # a longer table is folded (<details>)


@dataclass(frozen=True)
class TheoryCheck:
    """The pattern on one scenario's runs: its table (developing countries) and statements."""

    scenario: str
    start_year: int
    year: int
    replications: int
    calibration: str | None  # how the baseline is calibrated, in words (None: it is not)
    table: pd.DataFrame  # CSV_COLUMNS, sorted by net brain gain (highest first)
    pattern: Pattern


def baseline_scenario(results: Results) -> dict[str, Any] | None:
    """The comparison's baseline; else the first scenario without events (a what-if alone is
    not a baseline)."""
    if results.comparison is not None and results.baseline is not None:
        return next((s for s in results.scenarios if s["name"] == results.baseline), None)
    return next((s for s in results.scenarios if not s.get("events")), None)


def _countries(results: Results) -> pd.DataFrame:
    """Name and region per ISO3 code, from the results' world (empty if it cannot be loaded)."""
    from experiments.scenario import cached_world

    world = results.scenarios[0].get("world") if results.scenarios else None
    try:
        countries = cached_world(str(world)).countries
    except Exception:  # a world folder that moved: the table goes without names and regions
        return pd.DataFrame(columns=["name", "region"])
    columns = [c for c in ("name", "region") if c in countries]
    return countries.set_index("iso3")[columns]


def check(results: Results) -> TheoryCheck | str:
    """The theory check on the baseline, or one sentence saying why it cannot be made."""
    scenario = baseline_scenario(results)
    if results.study is not None:
        return "a sensitivity study keeps its outputs per run, not every country's metrics"
    if results.metrics_path is None:
        return "these results hold no per-country metrics (metrics.parquet)"
    if scenario is None:
        return "these results have no baseline scenario (every scenario has events)"
    name = str(scenario["name"])
    level = (results.manifest.get("outputs") or {}).get("level", "country")
    if level != "country":
        return f"these results kept only the {level} level, not countries"
    available = set(pq.read_schema(results.metrics_path).names)
    missing = [m for m in NEEDED if m not in available]
    if missing:
        return f"these results did not keep the metrics {', '.join(missing)}"
    frame = pq.read_table(
        results.metrics_path,
        columns=["scenario", "replication", "year", "country", *NEEDED],
        filters=[("scenario", "==", name)],
    ).to_pandas()
    start = scenario.get("start_year")
    if frame.empty:
        return f"metrics.parquet holds no runs of {baseline_words(name)}"
    if start is None or int(start) not in set(frame["year"]):
        where = f"its start year {start}" if start is not None else "a start year"
        return f"the runs of {name} do not hold {where} (kept years: see --years)"
    year = int(frame["year"].max())
    if year <= int(start):
        return f"the runs of {name} hold only their start year {start}"
    frame = frame[frame["year"] >= int(start)]
    table = country_table(frame.drop(columns="scenario"), year)
    pattern = brain_gain_pattern(table)
    developing = table[table["gdppc_start"] < DEVELOPING_GDP].copy()
    hc, ser = developing["human_capital_start"], developing["skilled_emigration_rate_start"]
    developing["below_both_medians"] = (hc < hc.median()) & (ser < ser.median())
    gain = developing["net_brain_gain"]
    developing["outcome"] = "neither"
    developing.loc[gain > 0, "outcome"] = "winner"
    developing.loc[gain < 0, "outcome"] = "loser"
    developing = developing.join(_countries(results)).rename_axis("country").reset_index()
    for column in ("name", "region"):  # blank where the world does not name the country
        developing[column] = developing.get(column, pd.Series(dtype=object)).fillna("")
    developing = developing.sort_values(["net_brain_gain", "country"], ascending=[False, True])
    return TheoryCheck(
        scenario=name,
        start_year=int(start),
        year=year,
        replications=int(frame["replication"].nunique()),
        calibration=_calibration_words(scenario),
        table=developing[CSV_COLUMNS].reset_index(drop=True),
        pattern=pattern,
    )


def _calibration_words(scenario: dict[str, Any]) -> str | None:
    found = calibration_of(scenario)
    return None if found is None else found.words()


def verdict(pattern: Pattern) -> str:
    """The verdict in plain words: holds or not, and which of the three parts do."""
    parts = [
        ("gains where human capital and skilled emigration are low", pattern.gains_where_low),
        ("more losers than winners", pattern.more_losers),
        ("losers lose more than winners gain", pattern.losers_lose_more),
    ]
    held = [p for p, ok in parts if ok]
    failed = [p for p, ok in parts if not ok]
    if not failed:
        return "Verdict: the pattern holds; all three parts hold (" + "; ".join(held) + ")."
    if not held:
        return "Verdict: the pattern does not hold; none of its three parts does."
    return (
        f"Verdict: the pattern does not hold. It holds in part: {text.listing(held)}; "
        f"but not: {text.listing(failed)}."
    )


def _rows(table: pd.DataFrame) -> list[list[str]]:
    rows = []
    for r in table.itertuples(index=False):
        country = f"{r.country} ({r.name})" if r.name else str(r.country)
        region = text.area_name(str(r.region)) if r.region else "n/a"
        rows.append(
            [
                country,
                region,
                text.percent(r.human_capital_start, 1),
                text.percent(r.skilled_emigration_rate_start, 1),
                text.points(r.net_brain_gain, unit=False),
                r.outcome,
            ]
        )
    return rows


def finding(found: TheoryCheck | str) -> list[str]:
    """One line for the findings (none when the check could not be made)."""
    if isinstance(found, str):
        return []
    said = "holds" if found.pattern.holds() else "does not hold"
    return [
        f"The Beine, Docquier & Rapoport (2008) pattern {said} in {found.scenario} in "
        f"{found.year}: {found.pattern.winners} of {found.pattern.countries} developing "
        f"countries gain and {found.pattern.losers} lose (see the theory check below)."
    ]


def section(
    found: TheoryCheck | str, figure_path: Path, figure_name: str, csv_path: Path
) -> list[str]:
    """The section's blocks; writes the scatter to `figure_path` and the table to `csv_path`
    (when the check could not be made, removes what an earlier report left there)."""
    blocks = [page.heading(2, TITLE, ANCHOR)]
    if isinstance(found, str) or found.pattern.countries == 0:
        figure_path.unlink(missing_ok=True)
        csv_path.unlink(missing_ok=True)
        why = found if isinstance(found, str) else "the baseline has no developing country"
        blocks.append(page.paragraph(f"Not checked: {why}.", "meta"))
        return blocks
    p = found.pattern
    fitted = (
        f"it runs with {found.calibration}"
        if found.calibration
        else "it is not calibrated to observed data"
    )
    blocks.append(
        page.paragraph(
            "Beine, Docquier & Rapoport (2008) found, across developing countries, a net brain "
            "gain where human capital and skilled emigration are low, more losers than winners, "
            "and losers losing more than winners gain. Checked here on "
            f"{baseline_words(found.scenario)} ({fitted}): net brain gain in {found.year} "
            f"(percentage points, mean over {found.replications} replications) against each "
            f"country's tertiary share and skilled emigration rate in {found.start_year}, for "
            f"the {p.countries} "
            f"countries with a GDP per head under ${DEVELOPING_GDP:,} in {found.start_year}."
        )
    )
    blocks.append(page.items(p.sentences()[:3], "findings"))
    blocks.append(page.paragraph(verdict(p)))
    png = figures.pattern_scatter(found.table, found.year, found.start_year, figure_path)
    caption = (
        f"Net brain gain in {found.year} against the tertiary share in {found.start_year}, "
        "developing countries of the baseline; colour: skilled emigration rate at the start; "
        "ringed: below both medians"
    )
    blocks.append(page.figure(png, caption, figure_name))
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(csv_path, found.table.to_csv(index=False))
    headers = [
        "country",
        "region",
        f"tertiary share {found.start_year}",
        f"skilled emigration rate {found.start_year}",
        f"net brain gain {found.year}, pp",
        "winner / loser",
    ]
    listed = page.table(headers, _rows(found.table), numeric=(2, 3, 4))
    summary = (
        f"Per country: {p.countries} developing countries, highest net brain gain first "
        f"(also saved as {csv_path.name})"
    )
    if p.countries > OPEN_ROWS:
        blocks.append(f"<details><summary>{page.esc(summary)}</summary>{listed}</details>")
    else:
        blocks += [page.paragraph(summary + "."), listed]
    return blocks
