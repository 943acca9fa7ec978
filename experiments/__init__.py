"""Scenarios, the batch runner, the result store and comparisons (issue 3).

`scenario` reads TOML scenario files; `batch` turns scenarios into runs; `runner` executes them
on a local process pool or a Dask cluster into a `store`; `summary` and `compare` turn stored
runs into summary.csv and comparison.csv; `figures` draws them.
"""
