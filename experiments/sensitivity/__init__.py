"""Global sensitivity analysis on the batch runner (SALib), one job per module.

- `schema`: what an experiment file may contain, and messages naming file, key and what is allowed
- `experiment`: an experiment file -> a validated `Experiment` (inputs, outputs, base scenario)
- `design`: SALib's sample and the distinct sample points (runs) it needs
- `task`: what a worker runs for a sample point: the model reduced to the outputs, or Ishigami
- `study`: the study as a runner batch (resumable, Dask-capable), failed runs rerun once
- `analysis`: indices with intervals, seed noise, convergence, plain-words report
- `results`, `figures`: samples.parquet, indices.csv, convergence.csv, sweep.csv, report, PNGs
"""
