"""An approximate posterior of the inputs, by Metropolis sampling on the emulators.

The prior is uniform on the calibration box restricted to the space history matching left
(NROY); the likelihood is Gaussian with the same variances as the implausibility,

    log L(x) = -1/2 sum_i [ (z_i - E[f_i(x)])^2 / V_i(x) + log V_i(x) ],
    V_i(x) = Var_emulator_i(x) + Var_seed_i + Var_obs_i + Var_disc_i,

using the last wave's emulators (Kennedy & O'Hagan 2001, with the emulator standing in for the
simulator). Sampling is random-walk Metropolis (Metropolis et al. 1953) with many chains moved
side by side, so every step predicts all emulators for all chains at once; the Gaussian proposal
is scaled 2.38^2/d times the covariance of the NROY points and adapted once, from the chains'
own draws, halfway through burn-in (Gelman, Roberts & Gilks 1996; Haario et al. 2001). Chains
start at random NROY points. Convergence is summarised by split-R-hat (Gelman et al. 2013).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from calibration.history import TargetErrors, WaveEmulators, kept


@dataclass
class PosteriorSample:
    draws: np.ndarray  # (draws, d) unit-cube points kept after burn-in, thinned
    acceptance: float
    rhat: np.ndarray  # (d,) split-R-hat per input
    chains: int
    steps: int
    burn: int


def log_likelihood(
    x: np.ndarray,
    last: WaveEmulators,
    errors: TargetErrors,
) -> np.ndarray:
    mean, variance = last.emulators.predict(x)
    total = variance + last.seed_variance + errors.obs_variance + errors.discrepancy_variance
    terms = (errors.observed - mean) ** 2 / total + np.log(total)
    return -0.5 * np.nansum(terms, axis=1)


def log_posterior(
    x: np.ndarray,
    waves: Sequence[WaveEmulators],
    errors: TargetErrors,
    cutoff: float,
    order: int,
) -> np.ndarray:
    """Log density up to a constant: -inf outside the box or outside NROY."""
    out = np.full(len(x), -np.inf)
    inside = np.all((x >= 0) & (x <= 1), axis=1)
    if inside.any():
        ok, _ = kept(waves, errors, x[inside], cutoff, order)
        rows = np.flatnonzero(inside)[ok]
        if len(rows):
            out[rows] = log_likelihood(x[rows], waves[-1], errors)
    return out


def split_rhat(chains: np.ndarray) -> np.ndarray:
    """Split-R-hat per dimension of (chains, steps, d) draws (1 = converged)."""
    half = chains.shape[1] // 2
    if half < 2:
        return np.full(chains.shape[2], np.nan)
    parts = np.concatenate([chains[:, :half], chains[:, half : 2 * half]], axis=0)
    n = parts.shape[1]
    within = parts.var(axis=1, ddof=1).mean(axis=0)
    between = n * parts.mean(axis=1).var(axis=0, ddof=1)
    pooled = (n - 1) / n * within + between / n
    return np.sqrt(np.divide(pooled, within, out=np.ones_like(pooled), where=within > 0))


def sample(
    waves: Sequence[WaveEmulators],
    errors: TargetErrors,
    pool: np.ndarray,
    cutoff: float,
    order: int,
    chains: int,
    steps: int,
    burn: int,
    draws: int,
    rng: np.random.Generator,
) -> PosteriorSample:
    """Run `chains` random-walk Metropolis chains from NROY points; keep `draws` evenly thinned
    draws from after burn-in."""
    d = pool.shape[1]
    start = pool[rng.choice(len(pool), size=chains, replace=len(pool) < chains)]
    covariance = np.atleast_2d(np.cov(pool.T)) if len(pool) > d else np.eye(d) * 0.01
    covariance = covariance + np.eye(d) * 1e-8
    scale = 2.38**2 / d
    current = start.copy()
    density = log_posterior(current, waves, errors, cutoff, order)
    trace = np.empty((chains, steps, d))
    accepted = 0
    for step in range(steps):
        if step == burn // 2 and step > 0:
            recent = trace[:, step // 2 : step].reshape(-1, d)
            if len(np.unique(recent, axis=0)) > d:
                covariance = np.atleast_2d(np.cov(recent.T)) + np.eye(d) * 1e-8
        factor = np.linalg.cholesky(scale * covariance)
        proposal = current + rng.standard_normal((chains, d)) @ factor.T
        proposed = log_posterior(proposal, waves, errors, cutoff, order)
        accept = np.log(rng.random(chains)) < proposed - density
        current[accept] = proposal[accept]
        density[accept] = proposed[accept]
        if step >= burn:
            accepted += int(accept.sum())
        trace[:, step] = current
    kept_trace = trace[:, burn:]
    flat = kept_trace.transpose(1, 0, 2).reshape(-1, d)  # step-major: chains interleaved
    index = np.linspace(0, len(flat) - 1, min(draws, len(flat))).round().astype(int)
    return PosteriorSample(
        draws=flat[index],
        acceptance=accepted / max(1, chains * (steps - burn)),
        rhat=split_rhat(kept_trace),
        chains=chains,
        steps=steps,
        burn=burn,
    )
