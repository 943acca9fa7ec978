"""The corridors table: every ordered pair of countries with distance, ties and stocks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from calibration.world_build.codes import CEPII_LANGUAGE_PROXY, CONTIG_BY_HAND
from calibration.world_build.common import BuildLog
from calibration.world_build.sources import cepii, undesa, wb_bilateral, wdi
from simulation.world import great_circle_km

CORRIDOR_COLUMNS: tuple[str, ...] = (
    "origin",
    "destination",
    "distance_km",
    "contiguous",
    "common_language",
    "migrant_stock",
)


def ordered_pairs(codes: list[str]) -> pd.MultiIndex:
    """Every (origin, destination) pair with origin != destination, origin-major order."""
    n = len(codes)
    o, d = np.divmod(np.arange(n * n), n)
    keep = o != d
    arr = np.asarray(codes, dtype=object)
    return pd.MultiIndex.from_arrays([arr[o[keep]], arr[d[keep]]], names=["origin", "destination"])


def distances(
    countries: pd.DataFrame, pairs: pd.MultiIndex, cepii_pairs: pd.DataFrame
) -> tuple[np.ndarray, int]:
    """CEPII distance between capitals; great-circle distance where CEPII lacks the pair."""
    codes = countries["iso3"].tolist()
    gc = great_circle_km(countries["lon"].to_numpy(float), countries["lat"].to_numpy(float))
    pos = pd.Index(codes)
    gc_pairs = gc[
        pos.get_indexer(pairs.get_level_values(0)), pos.get_indexer(pairs.get_level_values(1))
    ]
    distcap = cepii_pairs["distcap"].reindex(pairs).to_numpy(float)
    missing = np.isnan(distcap)
    return np.round(np.where(missing, gc_pairs, distcap)).astype("int64"), int(missing.sum())


def ties(pairs: pd.MultiIndex, cepii_pairs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Contiguity and common official language; proxies for countries CEPII lacks."""
    codes = set(pairs.get_level_values(0))
    absent = codes - set(cepii_pairs.index.get_level_values(0))
    unhandled = absent - set(CEPII_LANGUAGE_PROXY) - set(CONTIG_BY_HAND)
    if unhandled:
        raise ValueError(f"no CEPII pairs and no proxy for {sorted(unhandled)}")
    known = cepii_pairs.reindex(pairs)
    gap = known["contig"].isna().to_numpy()
    o = pairs.get_level_values(0).to_series(index=pairs)
    d = pairs.get_level_values(1).to_series(index=pairs)
    po, pd_ = o.replace(CEPII_LANGUAGE_PROXY), d.replace(CEPII_LANGUAGE_PROXY)
    proxy_pairs = pd.MultiIndex.from_arrays([po.to_numpy(), pd_.to_numpy()])
    proxy_lang = cepii_pairs["comlang_off"].reindex(proxy_pairs).fillna(0).to_numpy()
    proxy_lang = np.where(po.to_numpy() == pd_.to_numpy(), 1, proxy_lang)
    by_hand = pd.MultiIndex.from_tuples(
        [(a, b) for a, bs in CONTIG_BY_HAND.items() for b in bs]
        + [(b, a) for a, bs in CONTIG_BY_HAND.items() for b in bs]
    )
    hand_contig = pairs.isin(by_hand).astype(int)
    contig = np.where(gap, hand_contig, known["contig"].to_numpy())
    lang = np.where(gap, proxy_lang, known["comlang_off"].to_numpy())
    return contig.astype("int64"), lang.astype("int64")


def wb_stocks(data: Path, log: BuildLog) -> pd.Series:
    """World Bank 2000 bilateral stock by (origin, destination) ISO3 pair."""
    m = wb_bilateral.read_matrix(data)
    codes, unmatched = wb_bilateral.matrix_codes(m.columns, wdi.read_metadata_names(data))
    log.unmatched_names = unmatched
    m = m.loc[codes.index, codes.index]
    m.index = codes.to_numpy()
    m.columns = codes.to_numpy()
    if m.index.duplicated().any():
        raise ValueError("two WB matrix names map to the same ISO3 code")
    return m.stack()


def migrant_stocks(data: Path, pairs: pd.MultiIndex, log: BuildLog) -> np.ndarray:
    """WB 2000 bilateral stock; UN DESA 2019 (year 2000) where WB lacks a country."""
    wb = wb_stocks(data, log)
    in_wb = set(wb.index.get_level_values(0))
    names = undesa.read_population(data)["undesa_name"]
    un = undesa.read_bilateral(data, names, 2000)
    o, d = pairs.get_level_values(0), pairs.get_level_values(1)
    both = o.isin(list(in_wb)) & d.isin(list(in_wb))
    values = np.where(both, wb.reindex(pairs).to_numpy(), un.reindex(pairs).fillna(0.0).to_numpy())
    missing = sorted(set(o).union(d) - in_wb)
    log.notes.append(
        f"corridors: {int((~both).sum())} pairs take the UN DESA stock because WB lacks {missing}"
    )
    return np.round(values.astype(float)).astype("int64")


def build_corridors(data: Path, countries: pd.DataFrame, log: BuildLog) -> pd.DataFrame:
    """Every ordered pair of countries with distance, ties and the 2000 migrant stock."""
    pairs = ordered_pairs(countries["iso3"].tolist())
    cepii_pairs = cepii.read_pairs(data)
    out = pd.DataFrame(index=pairs)
    out["distance_km"], n_gc = distances(countries, pairs, cepii_pairs)
    log.notes.append(f"corridors: {n_gc} pairs use great-circle distances (not in CEPII)")
    out["contiguous"], out["common_language"] = ties(pairs, cepii_pairs)
    out["migrant_stock"] = migrant_stocks(data, pairs, log)
    return out.reset_index()[list(CORRIDOR_COLUMNS)]
