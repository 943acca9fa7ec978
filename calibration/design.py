"""Space-filling designs on the unit cube of the calibrated inputs.

Wave 1 is a Latin hypercube (McKay, Beckman & Conover 1979) improved for centred discrepancy
(`scipy.stats.qmc.LatinHypercube(optimization="random-cd")`): every input's range is cut into
`points` slices and each slice is sampled once. Later waves pick their points among many
non-implausible candidates by greedy maximin distance (Johnson, Moore & Ylvisaker 1990), so
they spread over the space that is left rather than clump where candidates are dense.
All draws come from a seeded `numpy.random.Generator`.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import qmc


def latin_hypercube(points: int, dimensions: int, rng: np.random.Generator) -> np.ndarray:
    """`points` x `dimensions` in [0, 1), one point per slice of every input."""
    sampler = qmc.LatinHypercube(d=dimensions, optimization="random-cd", rng=rng)
    return sampler.random(points)


def sobol_points(points: int, dimensions: int, rng: np.random.Generator) -> np.ndarray:
    """A scrambled Sobol' sequence (Owen scrambling), for mapping the space left: its first
    2^k points are balanced, so shares of space are estimated with low error."""
    sampler = qmc.Sobol(d=dimensions, scramble=True, rng=rng)
    power = int(np.ceil(np.log2(max(points, 2))))
    return sampler.random_base2(power)[:points]


def maximin_subset(candidates: np.ndarray, points: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of `points` candidates chosen greedily so that each new one is as far as possible
    from those already chosen (the first at random)."""
    n = len(candidates)
    if n <= points:
        return np.arange(n)
    chosen = [int(rng.integers(n))]
    nearest = np.linalg.norm(candidates - candidates[chosen[0]], axis=1)
    for _ in range(points - 1):
        nxt = int(np.argmax(nearest))
        chosen.append(nxt)
        nearest = np.minimum(nearest, np.linalg.norm(candidates - candidates[nxt], axis=1))
    return np.asarray(chosen)
