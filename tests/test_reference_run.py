"""The model's results for a fixed seed are exactly those stored in the reference run: a pure
speed change (a refactor, caching, vectorising) must not move a single bit. A change meant to
alter results regenerates the reference (tests/fixtures/make_reference_run.py) and says so."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))
from make_reference_run import REFERENCE, reference_run  # noqa: E402


def test_results_are_bit_for_bit_the_reference():
    pd.testing.assert_frame_equal(reference_run(), pd.read_parquet(REFERENCE), check_exact=True)
