"""Seeds: a run's random stream follows from (root seed, replication) alone.

`SeedSequence(root, spawn_key=(r,))` equals `SeedSequence(root).spawn(r + 1)[r]`, so a run's seed
does not depend on which worker runs it, in which order, or whether the batch was resumed.
The scenario is deliberately *not* part of the key: replication r of every scenario sharing a
root seed draws the same random numbers (common random numbers), so `compare` differences
ALT - BASE are paired and free of unrelated noise; two identical scenarios give exactly zero.
"""

from __future__ import annotations

import numpy as np


def run_seed(root_seed: int, replication: int) -> np.random.SeedSequence:
    """The SeedSequence of one run."""
    if root_seed < 0 or replication < 0:
        raise ValueError("root seed and replication must be non-negative")
    return np.random.SeedSequence(root_seed, spawn_key=(replication,))
