"""History matching: rule out the inputs at which the model cannot match the targets.

For target i with observed value z_i, the implausibility of input x is

    I_i(x) = |z_i - E[f_i(x)]| / sqrt(Var_emulator_i(x) + Var_seed_i + Var_obs_i + Var_disc_i)

(Craig et al. 1997; Vernon, Goldstein & Bower 2010, with the seed (ensemble) variance of a
stochastic model as in Andrianakis et al. 2015). A point is ruled out when the n-th largest
I_i(x) over targets exceeds the cut-off (3, by Pukelsheim's three-sigma rule: at least 95% of
any unimodal distribution lies within 3 SD; the R package hmer uses the same default). Each wave
fits new emulators on runs inside the space not yet ruled out ("not ruled out yet", NROY), so
they are more accurate where it matters; a point is in NROY after wave k if no wave's emulators
rule it out. The share of the original input box left after each wave is estimated from a fixed
scrambled Sobol' sample of the box.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from calibration.design import sobol_points
from calibration.emulator import Emulators


@dataclass
class TargetErrors:
    """Observed values and the variances that do not depend on x."""

    ids: list[str]
    observed: np.ndarray
    obs_variance: np.ndarray
    discrepancy_variance: np.ndarray

    @classmethod
    def from_table(cls, targets: pd.DataFrame) -> TargetErrors:
        return cls(
            ids=targets["target"].tolist(),
            observed=targets["value"].to_numpy(float),
            obs_variance=targets["obs_sd"].to_numpy(float) ** 2,
            discrepancy_variance=targets["discrepancy_sd"].to_numpy(float) ** 2,
        )


@dataclass
class WaveEmulators:
    """The emulators of one wave, aligned with the targets."""

    wave: int
    emulators: Emulators

    @property
    def seed_variance(self) -> np.ndarray:
        return self.emulators.seed_variance


def implausibility(
    wave: WaveEmulators, errors: TargetErrors, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """I (points, targets), and the emulator means and variances; NaN where a target has no
    emulator (it then rules nothing out)."""
    mean, variance = wave.emulators.predict(x)
    total = variance + wave.seed_variance + errors.obs_variance + errors.discrepancy_variance
    return np.abs(errors.observed - mean) / np.sqrt(total), mean, variance


def nth_largest(values: np.ndarray, order: int) -> np.ndarray:
    """The order-th largest value per row, ignoring NaN (0 where a row has fewer values)."""
    filled = np.where(np.isnan(values), -np.inf, values)
    order = min(order, values.shape[1])
    part = -np.partition(-filled, order - 1, axis=1)[:, order - 1]
    return np.where(np.isfinite(part), part, 0.0)


def kept(
    waves: Sequence[WaveEmulators],
    errors: TargetErrors,
    x: np.ndarray,
    cutoff: float,
    order: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Which points no wave rules out, and their largest summary implausibility over waves."""
    x = np.atleast_2d(x)
    worst = np.zeros(len(x))
    for wave in waves:
        values, _, _ = implausibility(wave, errors, x)
        worst = np.maximum(worst, nth_largest(values, order))
    return worst <= cutoff, worst


@dataclass
class SpaceLeft:
    """The non-implausible space after a wave: its share of the box and points inside it."""

    share: float  # estimated share of the original input box
    uniform_points: int  # size of the Sobol' sample the share is estimated from
    uniform_kept: int
    pool: np.ndarray  # non-implausible points (unit cube), for the next design and MCMC
    summary_implausibility: np.ndarray = field(repr=False)  # of the uniform sample


def space_left(
    waves: Sequence[WaveEmulators],
    errors: TargetErrors,
    dimensions: int,
    candidates: int,
    cutoff: float,
    order: int,
    rng: np.random.Generator,
    wanted: int,
    uniform: np.ndarray | None = None,
) -> SpaceLeft:
    """Estimate the share left from a uniform Sobol' sample, then grow a pool of at least
    `wanted` non-implausible points by perturbing the ones found (as hmer's samplers do when
    the space left is small)."""
    if uniform is None:
        uniform = sobol_points(candidates, dimensions, rng)
    keep, worst = kept(waves, errors, uniform, cutoff, order)
    pool = uniform[keep]
    rounds = 0
    while 0 < len(pool) < wanted and rounds < 25:
        parents = pool[rng.integers(len(pool), size=min(candidates, 4 * wanted))]
        spread = np.maximum(pool.std(axis=0), 0.02) if len(pool) > 1 else np.full(dimensions, 0.05)
        children = np.clip(parents + rng.normal(0.0, 1.0, parents.shape) * spread, 0.0, 1.0)
        ok, _ = kept(waves, errors, children, cutoff, order)
        pool = np.concatenate([pool, children[ok]])
        rounds += 1
    return SpaceLeft(
        share=float(keep.mean()),
        uniform_points=len(uniform),
        uniform_kept=int(keep.sum()),
        pool=pool,
        summary_implausibility=worst,
    )
