"""Scenarios, the batch runner, the result store, comparisons and sensitivity studies.

- `scenario`: TOML scenario files -> validated `Scenario` (pydantic; `extends`; clear errors)
- `shipped`: the scenario files installed with braingain (importlib.resources), by name
- `seeds`: the seed of a run from (root seed, replication) alone
- `batch`: scenarios x replications and the task that runs one of them
- `worker`: what a worker process does with a chunk of runs
- `engines`: a local process pool or a Dask cluster behind concurrent.futures
- `runner`: chunking, failures, retries, resume, Ctrl-C, progress (`progress`)
- `store`: manifest, ledger, chunk files and metrics.parquet of an output folder
- `areas`, `stats`, `summary`, `compare`, `figures`: summary.csv, comparison.csv and PNGs
- `units`: how a metric is shown (shares in percent, their differences in points) and how a
  number is written (never a nonzero value as zero)
- `outputs`: keep only chosen metrics, years and one level of every run (slim batches)
- `csvout`: large CSV tables written fast (Arrow, 8 significant digits)
- `sensitivity`: experiment files, SALib designs, study runs, indices, seed noise, figures
- `discovery`: PRIM boxes on a study's runs, and their export to EMA Workbench
- `provenance`: versions, git commit and the model-code fingerprint for manifests
- `testing`: stand-in tasks (raise, die, sleep, busy work) for tests and the benchmark
"""
