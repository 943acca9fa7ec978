"""The corridors table: every ordered pair of countries with distance, ties and stocks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from calibration.world_build.border_change import border_change
from calibration.world_build.codes import CEPII_LANGUAGE_PROXY, CONTIG_BY_HAND
from calibration.world_build.common import BuildLog, flag_text
from calibration.world_build.sources import cepii, iab, undesa, wb_bilateral, wdi
from simulation.world import CORRIDOR_COLUMNS, great_circle_km


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
    return np.round(np.where(missing, gc_pairs, distcap)).astype("int64"), missing


def ties(
    pairs: pd.MultiIndex, cepii_pairs: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Contiguity and common official language; proxies for countries CEPII lacks (the third
    array marks those pairs)."""
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
    return contig.astype("int64"), lang.astype("int64"), gap


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


def iab_stocks(data: Path, pairs: pd.MultiIndex, year: int) -> tuple[np.ndarray, np.ndarray]:
    """IAB bilateral stock (persons, all education levels, both sexes) in `year`; 0 where the
    destination is not one of the 20 IAB destinations or the IAB lists no origin.

    The former union Serbia and Montenegro's stock is split between the two in proportion to
    their 2000 population (UN DESA); the second array marks those pairs.
    """
    stocks, union_filled = iab.read_stocks(data, year)
    pop = undesa.read_population(data)["pop2000"]
    successors = stocks["origin"].isin(sorted(union_filled))
    share = pop.reindex(sorted(union_filled)) / pop.reindex(sorted(union_filled)).sum()
    weight = stocks["origin"].map(share).where(successors, 1.0)
    values = (stocks["stock"] * weight).to_numpy()
    by_pair = pd.Series(values, index=pd.MultiIndex.from_frame(stocks[["origin", "destination"]]))
    out = by_pair.groupby(level=[0, 1]).sum().reindex(pairs).fillna(0.0).to_numpy()
    return np.round(out).astype("int64"), pairs.get_level_values(0).isin(sorted(union_filled))


def migrant_stocks_1990(
    data: Path, pairs: pd.MultiIndex, stock2000: np.ndarray, log: BuildLog
) -> tuple[np.ndarray, np.ndarray]:
    """1990 stock: the 2000 stock moved by UN DESA's change 1990-2000, pair by pair.

    The World Bank matrix exists only for 2000 and UN DESA has both years, so the 1990 stock
    keeps the 2000 level of `migrant_stock` and takes UN DESA's change:
    s1990 = s2000 + UN1990 - UN2000. Where that is negative (the 2000 stock is smaller than
    UN DESA's decline) the UN DESA ratio applies instead, s2000 x UN1990/UN2000; where UN DESA
    has no figure for the pair in either year, or no 1990 figures at all for the origin or the
    destination, s2000 x (UN DESA total 1990 / total 2000 over the table's pairs). The second
    array marks the pairs where one of those two fallbacks was used.
    """
    names = undesa.read_population(data)["undesa_name"]
    un90 = undesa.read_bilateral(data, names, 1990)
    un00 = undesa.read_bilateral(data, names, 2000)
    o, d = pairs.get_level_values(0), pairs.get_level_values(1)
    a90 = un90.reindex(pairs).fillna(0.0).to_numpy()
    a00 = un00.reindex(pairs).fillna(0.0).to_numpy()
    reporting = o.isin(un90.index.get_level_values(0).unique()) & d.isin(
        un90.index.get_level_values(1).unique()
    )
    reported = reporting & ((a90 > 0) | (a00 > 0))
    ratio_world = a90[reporting].sum() / a00[reporting].sum()
    shifted = stock2000 + a90 - a00
    declining = reported & (shifted < 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(a00 > 0, a90 / a00, 0.0)
    values = np.where(reported, np.where(declining, stock2000 * ratio, shifted), 0.0)
    values = np.where(reported, values, stock2000 * ratio_world)
    fallback = declining | (~reported & (stock2000 > 0))
    log.notes.append(
        f"corridors 1990: {int(reported.sum())} pairs moved by UN DESA's change, "
        f"{int(declining.sum())} by its ratio, {int((~reported & (stock2000 > 0)).sum())} "
        f"scaled by the world ratio {ratio_world:.4f}"
    )
    return np.round(values).astype("int64"), fallback


def build_corridors(data: Path, countries: pd.DataFrame, log: BuildLog) -> pd.DataFrame:
    """Every ordered pair of countries: distance, ties, border change and stocks."""
    pairs = ordered_pairs(countries["iso3"].tolist())
    cepii_pairs = cepii.read_pairs(data)
    out = pd.DataFrame(index=pairs)
    out["distance_km"], great_circle = distances(countries, pairs, cepii_pairs)
    log.notes.append(
        f"corridors: {int(great_circle.sum())} pairs use great-circle distances (not in CEPII)"
    )
    out["contiguous"], out["common_language"], proxy = ties(pairs, cepii_pairs)
    out["border_change"] = border_change(pairs)
    out["migrant_stock"] = migrant_stocks(data, pairs, log)
    stock = out["migrant_stock"].to_numpy(float)
    out["migrant_stock_1990"], moved = migrant_stocks_1990(data, pairs, stock, log)
    out["iab_stock_2000"], split2000 = iab_stocks(data, pairs, 2000)
    out["iab_stock_1990"], split1990 = iab_stocks(data, pairs, 1990)
    flags = {
        "distance_km": great_circle,
        "contiguous": proxy,
        "common_language": proxy,
        "migrant_stock_1990": moved,
        "iab_stock_2000": split2000 & (out["iab_stock_2000"].to_numpy() > 0),
        "iab_stock_1990": split1990 & (out["iab_stock_1990"].to_numpy() > 0),
    }
    out["imputed"] = flag_text(flags, len(out))
    return out.reset_index()[list(CORRIDOR_COLUMNS)]
