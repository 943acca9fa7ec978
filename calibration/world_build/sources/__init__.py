"""Readers of the reference data, one module per publisher.

Each reader takes the reference data folder and returns frames or series indexed by current
ISO3 codes (legacy and union codes already mapped, see `calibration.world_build.codes`). The
file names and columns they read are the raw formats documented in the folder's README;
`tests/fixtures/make_shared_fixture.py` writes synthetic files in the same formats.
"""
