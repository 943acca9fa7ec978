"""Visa openness: the population-weighted share of passports entering without a visa."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from calibration.world_build.common import BuildLog, fill, group_median
from calibration.world_build.sources import passport_index, undesa

# Passport Index 2019 codes: 3 visa free, 2 visa on arrival, 1 eTA, 0 visa required, -1 own.
OPEN_VISA_CODES: frozenset[int] = frozenset({1, 2, 3})
# In the 2019 file code 1 also covers two e-visa schemes; an e-visa is a visa obtained in
# advance, so those entries count as closed (India's e-Visa, Cote d'Ivoire's pre-enrolment).
EVISA_CODED_AS_ETA: frozenset[str] = frozenset({"IND", "CIV"})


def add_visa_openness(df: pd.DataFrame, data: Path, log: BuildLog) -> None:
    """Population-weighted share of foreign passports entering without a visa in advance."""
    v = passport_index.read_visa_codes(data)
    pop = undesa.read_population(data)["pop2000"]
    v = v[v["Passport"] != v["Destination"]].copy()
    v["w"] = v["Passport"].map(pop)
    unweighted = sorted(set(v.loc[v["w"].isna(), "Passport"]))
    log.notes.append(f"Passport Index passports without a UN DESA 2000 population: {unweighted}")
    v = v.dropna(subset=["w"])
    evisa = (v["Code"] == 1) & v["Destination"].isin(EVISA_CODED_AS_ETA)
    v["open_w"] = v["w"] * (v["Code"].isin(OPEN_VISA_CODES) & ~evisa)
    sums = v.groupby("Destination")[["open_w", "w"]].sum()
    df["visa_openness"] = sums["open_w"] / sums["w"]
    fill(df, "visa_openness", group_median(df, "visa_openness", "region"), log.imputed)
