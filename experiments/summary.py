"""summary.csv: mean and 95% t-interval over replications, per scenario, area and year.

One row per scenario, level (country, region, world), area (ISO3, region code, WLD) and year;
columns `replications`, then `<metric>_mean`, `<metric>_ci_low`, `<metric>_ci_high`.

The metrics file is read in pieces of whole scenarios (about a million rows each) and each
piece is summarized at once, all its scenarios together: thousands of scenarios cost a few
grouped operations, not thousands, and memory stays bounded whatever the batch size.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from experiments.areas import metric_columns, with_areas
from experiments.batch import Batch
from experiments.csvout import write_csv
from experiments.scenario import cached_world
from experiments.stats import t_intervals_wide
from experiments.store import fsync_dir

SUMMARY_FILE = "summary.csv"
BY = ["scenario", "level", "area", "year"]
PIECE_ROWS = 1_000_000


def summarize(frame: pd.DataFrame, regions: dict[str, str], level: str = "country") -> pd.DataFrame:
    """The summary rows of one or more scenarios' runs (sorted by scenario, level, area, year)."""
    areas = with_areas(frame, regions, level)
    return t_intervals_wide(areas, BY, metric_columns(frame))


def pieces(metrics_path: Path, rows: int = PIECE_ROWS) -> Iterator[pd.DataFrame]:
    """metrics.parquet in frames of about `rows` rows, never splitting a scenario (its rows are
    contiguous: the store writes runs scenario by scenario)."""
    held: list[pa.RecordBatch] = []
    count = 0
    for record in pq.ParquetFile(metrics_path).iter_batches(batch_size=min(rows, 65_536)):
        held.append(record)
        count += record.num_rows
        if count < rows:
            continue
        table = pa.Table.from_batches(held)
        names = table.column("scenario")
        last = names[len(table) - 1]
        cut = len(table) - int(pc.sum(pc.equal(names, last)).as_py())
        if cut > 0:
            yield table.slice(0, cut).to_pandas()
            rest = table.slice(cut).combine_chunks()
            held, count = rest.to_batches(), len(rest)
    if count:
        yield pa.Table.from_batches(held).to_pandas()


def write_summary(metrics_path: Path, batch: Batch, out: Path) -> Path:
    """Summarize every scenario of the batch into OUT/summary.csv, in batch order."""
    order = {s.name: i for i, s in enumerate(batch.scenarios)}
    worlds = {s.name: s.world_ref for s in batch.scenarios}
    level = batch.outputs.level
    path = out / SUMMARY_FILE
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    header = True
    try:
        with open(tmp, "wb") as fh:
            for frame in pieces(metrics_path):
                by_world = frame.groupby(_lookup(frame["scenario"], worlds), sort=False)
                table = pd.concat(
                    [summarize(part, _regions(str(world)), level) for world, part in by_world],
                    ignore_index=True,
                )
                rank = _lookup(table["scenario"], order)
                table = table.iloc[np.argsort(rank, kind="stable")]
                write_csv(table, fh, header)
                header = False
            if header:  # no finished run: the header alone
                write_csv(pd.DataFrame(columns=[*BY, "replications"]), fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(out)
    return path


def _lookup(names: pd.Series, mapping: dict) -> np.ndarray:
    """mapping[name] for every row, looked up once per distinct name."""
    codes, distinct = pd.factorize(names)
    return np.array([mapping[n] for n in distinct], dtype=object)[codes]


def _regions(world_ref: str) -> dict[str, str]:
    countries = cached_world(world_ref).countries
    return dict(zip(countries["iso3"], countries["region"], strict=True))
