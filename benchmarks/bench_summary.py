"""How long does summary.csv take for thousands of scenarios? (run by hand; not a test).

Writes a metrics.parquet of SCENARIOS copies of a small scenario (rows drawn by the stand-in
task experiments.testing.fake_task, no model runs, laid out as the store lays them out), then
times `write_summary` (pieces of whole scenarios, each summarized at once) against the
scenario-by-scenario loop it replaced, timed on the first --legacy scenarios and extrapolated.

    .venv/bin/python benchmarks/bench_summary.py                         # 2,000 scenarios
    .venv/bin/python benchmarks/bench_summary.py --world default --scenarios 1000 --level region
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=2000)
    parser.add_argument("--replications", type=int, default=2)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--world", default="teaching")
    parser.add_argument("--level", default="country", choices=("country", "region", "world"))
    parser.add_argument("--metrics", help="comma-separated metrics kept (default: all)")
    parser.add_argument("--legacy", type=int, default=20, help="scenarios timed the old way")
    args = parser.parse_args()

    from experiments.areas import read_scenario, region_map
    from experiments.batch import make_batch
    from experiments.outputs import make_selection
    from experiments.scenario import cached_world, load_scenario
    from experiments.store import PARQUET_OPTIONS, ROW_GROUP_ROWS
    from experiments.summary import summarize, write_summary
    from experiments.testing import fake_task, scenario_text

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        file = out / "s.toml"
        file.write_text(scenario_text("s", world=args.world, years=args.years))
        base = load_scenario(file)
        scenarios = [dataclasses.replace(base, name=f"s{k:05d}") for k in range(args.scenarios)]
        metrics = args.metrics.split(",") if args.metrics else None
        selection = make_selection(metrics, None, args.level)
        batch = make_batch(scenarios, fake_task, selection)
        world = cached_world(base.world_ref)
        regions = region_map(base)
        one = fake_task(world, None, args.years, np.random.SeedSequence(0))
        one = selection.apply(one, regions)
        runs = []
        for scenario in scenarios:
            for r in range(args.replications):
                runs.append(one.assign(scenario=scenario.name, replication=r))
        frame = pd.concat(runs, ignore_index=True)
        frame = frame[["scenario", "replication", *one.columns]]
        path = out / "metrics.parquet"
        pq.write_table(
            pa.Table.from_pandas(frame, preserve_index=False),
            path,
            row_group_size=ROW_GROUP_ROWS,
            **PARQUET_OPTIONS,
        )
        print(
            f"{args.scenarios} scenarios x {args.replications} replications on world "
            f"{args.world} ({world.n} countries), {args.years} years, level {args.level}: "
            f"{len(frame):,} rows x {len(one.columns) - 2} metrics; load average "
            f"{os.getloadavg()[0]:.2f}"
        )
        start = time.perf_counter()
        summary = write_summary(path, batch, out)
        seconds = time.perf_counter() - start
        rows = summary.read_bytes().count(b"\n") - 1
        print(
            f"write_summary: {seconds:.1f} s for {rows:,} summary rows "
            f"({summary.stat().st_size / 1e6:.0f} MB)"
        )
        start = time.perf_counter()
        for scenario in scenarios[: args.legacy]:
            summarize(read_scenario(str(path), scenario.name), regions, args.level)
        legacy = (time.perf_counter() - start) / args.legacy * args.scenarios
        print(
            f"scenario by scenario (before), extrapolated from {args.legacy}: {legacy:.0f} s "
            "(without writing the CSV)"
        )


if __name__ == "__main__":
    main()
