"""Gaussian-process emulators of the summary statistics (scikit-learn).

An emulator predicts E[f(x)], the mean of a statistic over the model's seeds at input x, with its
own uncertainty (Sacks et al. 1989; Kennedy & O'Hagan 2001). A calibration has hundreds of
targets (a statistic per country and year), so targets are emulated in groups, one group per
statistic and year: the targets of a group share one correlation function (length scales per
input, amplitude and nugget in standardised units) fitted by maximising their summed marginal
likelihood, each with its own mean and scale, as in the multi-output emulator of Conti &
O'Hagan (2010). One fit and one Cholesky factor per group instead of per target make fitting,
the implausibility of thousands of candidates and every Metropolis step fast; a group of one
target is an ordinary GP.

Each emulator is trained on the mean of the replications at each design point. The seed noise
of those means, known from the replications (pooled within-point variance / replications), is a
fixed per-point nugget (`alpha`), averaged over the group's standardised targets, so the GP does
not mistake seed noise for signal (stochastic emulation as in Andrianakis et al. 2015); a fitted
white-noise term takes what the smooth part cannot follow. The kernel is a constant times an
anisotropic squared-exponential kernel plus that white noise; hyperparameters are fitted by
maximum marginal likelihood with seeded restarts.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_triangular
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

MIN_VARIANCE = 1e-12
MIN_POINTS = 4


@dataclass
class GroupEmulator:
    """A fitted GP of several targets sharing one correlation function (unit-cube inputs)."""

    columns: np.ndarray  # (k,) indices of the group's targets in the calibration's target list
    x_train: np.ndarray  # (n, d)
    y_mean: np.ndarray  # (k,) standardisation of the training means
    y_scale: np.ndarray  # (k,)
    amplitude: float  # kernel constant (standardised units)
    inverse_length: np.ndarray  # (d,) 1 / length scales
    nugget: float  # fitted white noise (standardised units)
    weights: np.ndarray  # (n, k) K^-1 y
    cholesky_inverse: np.ndarray  # (n, n) L^-1
    seed_variance: np.ndarray  # (k,) variance of one run around E[f(x)], statistic's units

    @property
    def length_scales(self) -> np.ndarray:
        return 1.0 / self.inverse_length

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Means and variances of E[f(x)] (points, k) at points x (points, d)."""
        x = np.atleast_2d(x)
        a = x * self.inverse_length
        b = self.x_train * self.inverse_length
        squared = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2 * a @ b.T
        k = self.amplitude * np.exp(-0.5 * np.maximum(squared, 0.0))
        v = k @ self.cholesky_inverse.T
        standard = np.maximum(self.amplitude + self.nugget - (v**2).sum(1), MIN_VARIANCE)
        mean = self.y_mean + (k @ self.weights) * self.y_scale
        return mean, standard[:, None] * self.y_scale**2


@dataclass
class Emulators:
    """The emulators of every target of a calibration (groups), aligned with its target list;
    targets without an emulator predict NaN and rule nothing out."""

    targets: int
    groups: list[GroupEmulator]

    @property
    def seed_variance(self) -> np.ndarray:
        out = np.full(self.targets, np.nan)
        for g in self.groups:
            out[g.columns] = g.seed_variance
        return out

    @property
    def emulated(self) -> np.ndarray:
        out = np.zeros(self.targets, dtype=bool)
        for g in self.groups:
            out[g.columns] = True
        return out

    def predict(self, x: np.ndarray, batch: int = 4096) -> tuple[np.ndarray, np.ndarray]:
        """Means and variances (points, targets); NaN where a target has no emulator."""
        x = np.atleast_2d(x)
        mean = np.full((len(x), self.targets), np.nan)
        variance = np.full((len(x), self.targets), np.nan)
        for start in range(0, len(x), batch):
            rows = slice(start, start + batch)
            for g in self.groups:
                mean[rows, g.columns], variance[rows, g.columns] = g.predict(x[rows])
        return mean, variance


def pooled_seed_variance(values: np.ndarray) -> np.ndarray:
    """Variance of one run around its point's mean, pooled over design points, per target.
    `values` is (points, replications) or (points, replications, targets), NaN where missing."""
    squeeze = values.ndim == 2
    values = values[:, :, None] if squeeze else values
    counts = np.sum(np.isfinite(values), axis=1)  # (points, targets)
    usable = counts >= 2
    safe = np.where(np.isfinite(values), values, 0.0)
    means = safe.sum(axis=1) / np.maximum(counts, 1)
    squares = np.where(np.isfinite(values), (values - means[:, None, :]) ** 2, 0.0).sum(axis=1)
    freedom = np.where(usable, counts - 1, 0).sum(axis=0)
    pooled = np.where(usable, squares, 0.0).sum(axis=0) / np.maximum(freedom, 1)
    pooled = np.where(freedom > 0, pooled, 0.0)
    return float(pooled[0]) if squeeze else pooled


def fit_group(
    columns: Sequence[int],
    x: np.ndarray,
    values: np.ndarray,
    random_state: int,
    restarts: int = 1,
) -> GroupEmulator | None:
    """Fit one group: x (n, d), values (n, replications, k). Points where a target has no value
    are left out; None if fewer than MIN_POINTS points remain."""
    columns = np.asarray(columns)
    counts = np.sum(np.isfinite(values), axis=1)  # (n, k)
    keep = np.all(counts > 0, axis=1)
    if keep.sum() < MIN_POINTS:
        return None
    x, values, counts = x[keep], values[keep], counts[keep]
    means = np.where(np.isfinite(values), values, 0.0).sum(axis=1) / counts
    seed_variance = pooled_seed_variance(values)
    y_mean = means.mean(axis=0)
    y_scale = means.std(axis=0)
    y_scale = np.where(y_scale > 0, y_scale, 1.0)
    y = (means - y_mean) / y_scale
    alpha = (seed_variance / y_scale**2 / counts).mean(axis=1) + 1e-8
    d = x.shape[1]
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(
        length_scale=np.full(d, 0.3), length_scale_bounds=(1e-2, 1e2)
    ) + WhiteKernel(1e-4, (1e-8, 1.0))
    gp = GaussianProcessRegressor(
        kernel=kernel,
        alpha=alpha,
        normalize_y=False,
        n_restarts_optimizer=restarts,
        random_state=random_state,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp.fit(x, y if y.shape[1] > 1 else y[:, 0])
    product, white = gp.kernel_.k1, gp.kernel_.k2
    length = np.atleast_1d(np.asarray(product.k2.length_scale, dtype=float))
    if length.size == 1:
        length = np.full(d, float(length[0]))
    weights = np.asarray(gp.alpha_, dtype=float).reshape(len(x), -1)
    return GroupEmulator(
        columns=columns,
        x_train=x.copy(),
        y_mean=y_mean,
        y_scale=y_scale,
        amplitude=float(product.k1.constant_value),
        inverse_length=1.0 / length,
        nugget=float(white.noise_level),
        weights=weights,
        cholesky_inverse=solve_triangular(gp.L_, np.eye(len(x)), lower=True),
        seed_variance=seed_variance,
    )


def group_columns(keys: Sequence[tuple], values: np.ndarray) -> list[np.ndarray]:
    """Target columns grouped by key (statistic, year), leaving out targets that have a value
    at fewer than half the points (they would empty their group)."""
    present = np.mean(np.any(np.isfinite(values), axis=1), axis=0) >= 0.5
    groups: dict[tuple, list[int]] = {}
    for j, key in enumerate(keys):
        if present[j]:
            groups.setdefault(tuple(key), []).append(j)
    return [np.asarray(v) for _, v in sorted(groups.items(), key=lambda kv: kv[1][0])]


def fit_all(
    keys: Sequence[tuple],
    x: np.ndarray,
    values: np.ndarray,
    seeds: np.ndarray,
    jobs: int = 1,
    restarts: int = 1,
) -> Emulators:
    """Emulators of every target: values is (points, replications, targets), keys the group of
    each target. Fits are independent, each with its own seed (seeds[first column of the
    group]), so fitting groups in parallel gives the same emulators."""
    groups = group_columns(keys, values)
    arguments = [(c, x, values[:, :, c], int(seeds[c[0]]), restarts) for c in groups]
    if jobs <= 1 or len(arguments) < 4:
        fitted = [fit_group(*a) for a in arguments]
    else:
        from joblib import Parallel, delayed

        fitted = list(Parallel(n_jobs=jobs)(delayed(fit_group)(*a) for a in arguments))
    return Emulators(len(keys), [g for g in fitted if g is not None])
