"""An approximate posterior of the inputs, by Metropolis sampling on the emulators.

The prior is uniform on the calibration box restricted to the space history matching left
(NROY); the likelihood is Gaussian with the same variances as the implausibility,

    log L(x) = -1/2 sum_i [ (z_i - E[f_i(x)])^2 / V_i(x) + log V_i(x) ],
    V_i(x) = Var_emulator_i(x) + Var_seed_i + Var_obs_i + Var_disc_i,

using the last wave's emulators (Kennedy & O'Hagan 2001, with the emulator standing in for the
simulator). Sampling is random-walk Metropolis (Metropolis et al. 1953) with many chains moved
side by side, so every step predicts all emulators for all chains at once. Chains start at NROY
points resampled in proportion to their posterior density; the Gaussian proposal starts at
2.38^2/d times their weighted covariance (Gelman, Roberts & Gilks 1996) and adapts during burn-in
only (scale towards 0.234 acceptance, covariance from the chains' draws: Roberts, Gelman & Gilks
1997; Haario et al. 2001). Convergence is summarised by split-R-hat (Gelman et al. 2013).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


TARGET_ACCEPTANCE = 0.234  # optimal for random-walk Metropolis in many dimensions
START_SAMPLE = 4096


def _starts(
    pool: np.ndarray,
    chains: int,
    density: Callable[[np.ndarray], np.ndarray],
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Starting points drawn from NROY points in proportion to their posterior density
    (sampling-importance-resampling), and the weighted covariance of those points."""
    d = pool.shape[1]
    sample = pool[rng.choice(len(pool), size=min(len(pool), START_SAMPLE), replace=False)]
    logp = density(sample)
    finite = np.isfinite(logp)
    if not finite.any():
        return sample[rng.choice(len(sample), size=chains)], np.eye(d) * 0.01
    weights = np.where(finite, np.exp(logp - logp[finite].max()), 0.0)
    weights /= weights.sum()
    starts = sample[rng.choice(len(sample), size=chains, p=weights)]
    effective = 1.0 / np.sum(weights**2)
    if effective > d + 1:
        covariance = np.atleast_2d(np.cov(sample.T, aweights=weights))
    else:  # the posterior is much narrower than NROY: start small, adaptation widens it
        covariance = np.atleast_2d(np.cov(sample.T)) * 1e-3
    return starts, covariance + np.eye(d) * 1e-10


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
    """Run `chains` random-walk Metropolis chains; keep `draws` evenly thinned draws from after
    burn-in. During burn-in only, the proposal adapts: its scale every few steps towards an
    acceptance of 0.234 (Roberts, Gelman & Gilks 1997), its covariance from the chains' draws
    (Haario et al. 2001); after burn-in it is fixed, so the kept draws come from a plain
    Metropolis chain."""
    d = pool.shape[1]

    def density(x: np.ndarray) -> np.ndarray:
        return log_posterior(x, waves, errors, cutoff, order)

    current, covariance = _starts(pool, chains, density, rng)
    scale = 2.38**2 / d
    logp = density(current)
    trace = np.empty((chains, steps, d))
    every = max(10, burn // 20)
    window_accepted = 0
    accepted = 0
    for step in range(steps):
        if 0 < step < burn and step % every == 0:
            rate = window_accepted / (every * chains)
            scale *= float(np.exp(np.clip(rate - TARGET_ACCEPTANCE, -1.0, 1.0) * 2))
            window_accepted = 0
            recent = trace[:, step // 2 : step].reshape(-1, d)
            if step >= burn // 4 and len(np.unique(recent, axis=0)) > 2 * d:
                covariance = np.atleast_2d(np.cov(recent.T)) + np.eye(d) * 1e-10
                scale = max(scale, 1e-6)
        factor = np.linalg.cholesky(scale * covariance)
        proposal = current + rng.standard_normal((chains, d)) @ factor.T
        proposed = density(proposal)
        accept = np.log(rng.random(chains)) < proposed - logp
        current[accept] = proposal[accept]
        logp[accept] = proposed[accept]
        window_accepted += int(accept.sum())
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
