"""Build braingain's world tables (`simulation/data/`) from the public reference data.

The raw files are never committed (users download them; `simulation/data/README.md` says
where). The build turns them into compact, documented tables the model reads. Modules:

- `sources/`: one reader per publisher, returning data indexed by current ISO3 codes;
- `codes`: legacy codes and names of the sources mapped to ISO3;
- `population`, `education`, `economy`, `hazards`, `visas`, `mobility`, `emigration`,
  `conventions`: the steps that add columns to the countries table, with their imputations;
- `countries`, `corridors`: the two tables; `docs`, `readme`, `teaching`: the documents;
- `output`: deterministic CSV writing; `build`: the whole build and its command line.

Run from the project root: `python -m calibration.build_world [--data DIR] [--out DIR]`. The
output is deterministic (sorted rows, floats rounded to 6 significant digits, fixed line
endings), so a rebuild can be compared byte for byte with the committed tables. Every value
that is not a direct reading of a source is listed in the row's `imputed` column, and every
rule used to fill or approximate a value is stated in `columns.csv`.
"""
