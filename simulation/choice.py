"""Multinomial logit choice: probabilities per class, one draw per agent, no Python loop.

Agents who share a class (e.g. origin, location, degree country) face the same choice
probabilities, so they are computed once per class (classes x options) and every agent then
samples with one uniform draw: the rows of cumulative probabilities are laid end to end with
row k shifted by k, which makes a single `searchsorted` serve every class at once.
"""

from __future__ import annotations

from functools import reduce

import numpy as np
from scipy.special import logsumexp

FEW_OPTIONS = 4  # up to this many columns, row maxima and sums are taken column by column


def _narrow_rows(reduction: np.ufunc, matrix: np.ndarray) -> np.ndarray:
    """`reduction.reduce(matrix, axis=1, keepdims=True)` for np.maximum or np.add; a matrix of
    a few columns is reduced column by column, left to right (numpy's reduction along a short
    row is slow). The same numbers as numpy's, which also adds fewer than eight numbers left to
    right (a test checks the bits); a row of only -0.0 sums to -0.0 here, +0.0 in numpy."""
    if matrix.shape[1] > FEW_OPTIONS or matrix.shape[1] == 0:
        return reduction.reduce(matrix, axis=1, keepdims=True)
    return reduce(reduction, (matrix[:, k] for k in range(matrix.shape[1])))[:, None]


def row_max(matrix: np.ndarray) -> np.ndarray:
    """`matrix.max(axis=1, keepdims=True)`, fast for a few columns."""
    return _narrow_rows(np.maximum, matrix)


def row_sum(matrix: np.ndarray) -> np.ndarray:
    """`matrix.sum(axis=1, keepdims=True)`, fast for a few columns (see `_narrow_rows`)."""
    return _narrow_rows(np.add, matrix)


def logit_probabilities(utility: np.ndarray) -> np.ndarray:
    """Row-wise softmax; -inf marks an unavailable option; a row with none available (its
    best option -inf) is 0; NaN or +inf in a row make it NaN. It is scipy's softmax,
    exp(u - max) / sum, without its array-API overhead."""
    top = row_max(utility)
    available = top != -np.inf  # a row's best option is -inf only if it has none
    every_row = bool(available.all())  # the usual case: no masking needed
    if not every_row:
        utility = np.where(available, utility, 0.0)
        top = np.where(available, top, 0.0)
    weight = np.exp(utility - top)
    probs = weight / row_sum(weight)
    return probs if every_row else np.where(available, probs, 0.0)


def logit_with_inclusive_value(utility: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise softmax and log-sum-exp from one pass of exponentials (rows with no available
    option: probabilities 0, inclusive value -inf)."""
    top = utility.max(axis=1, keepdims=True)
    available = np.isfinite(top)
    top = np.where(available, top, 0.0)
    weight = np.subtract(utility, top)
    np.exp(weight, out=weight)
    total = weight.sum(axis=1, keepdims=True)
    if (total > 0).all():  # the usual case: every row has an option
        probs = np.divide(weight, total, out=weight)
    else:
        probs = np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)
    with np.errstate(divide="ignore"):
        value = np.where(available[:, 0], top[:, 0] + np.log(total[:, 0]), -np.inf)
    return probs, value


def inclusive_value(utility: np.ndarray) -> np.ndarray:
    """Row-wise log-sum-exp (-inf for a row with no available option)."""
    available = np.isfinite(utility).any(axis=1)
    safe = np.where(available[:, None], utility, 0.0)
    return np.where(available, logsumexp(safe, axis=1), -np.inf)


def sample_by_class(probs: np.ndarray, agent_class: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Option index for each agent, drawn from probs[agent_class] with the given uniforms.

    probs: (classes, options), rows summing to 1; agent_class: (agents,) row index;
    uniforms: (agents,) in [0, 1).
    """
    n_options = probs.shape[1]
    if len(agent_class) == 0:
        return np.zeros(0, dtype=np.int64)
    # only the rows of classes that draw (often a small part of them); row k keeps its offset
    # k, so each agent's search sees the same numbers as over all rows
    used = np.unique(agent_class)
    cum = np.minimum(np.cumsum(probs[used], axis=1), 1.0)  # rounding must not spill over
    cum[:, -1] = 1.0  # the last option closes every row
    flat = (cum + used[:, None].astype(np.float64)).ravel()
    position = np.searchsorted(flat, agent_class + uniforms, side="right")
    choice = position - np.searchsorted(used, agent_class) * n_options
    return np.minimum(choice, n_options - 1)


def pick_option(probs: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Index of the option each agent picks: probs is (agents, options), one uniform each:
    the number of cumulative probabilities (but the last) that the uniform reaches."""
    if probs.shape[1] > FEW_OPTIONS:
        return (uniforms[:, None] >= np.cumsum(probs, axis=1)[:, :-1]).sum(axis=1)
    pick = np.zeros(len(uniforms), dtype=np.int64)
    cumulative = probs[:, 0]
    for k in range(probs.shape[1] - 1):  # a few columns: add up as cumsum does
        if k:
            cumulative = cumulative + probs[:, k]
        pick += uniforms >= cumulative
    return pick


def stochastic_round(expected: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Integers with the given expectations: floor(x) + 1 with probability frac(x)."""
    whole = np.floor(expected)
    return (whole + (uniforms < expected - whole)).astype(np.int64)


def nonzero_cells(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.nonzero` of a 2-D array, in the same (row-major) order: the flat positions split
    into row and column, which is about three times faster for large matrices."""
    return np.divmod(np.flatnonzero(matrix), matrix.shape[1])


DENSE_LIMIT = 1 << 22  # combinations up to which classes are found with a presence table


def classes_of(keys: list[np.ndarray], sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Group agents by the combination of integer keys, key i taking values in [0, sizes[i]).

    Returns (class_keys, agent_class): class_keys is a (classes, len(keys)) array of the distinct
    combinations, agent_class maps each agent to its row. Keys are packed into one int64 so the
    grouping is a single 1-D unique.
    """
    code = np.zeros(len(keys[0]), dtype=np.int64)
    for key, size in zip(keys, sizes, strict=True):
        code = code * size + np.asarray(key, dtype=np.int64)
    space = int(np.prod(sizes, dtype=np.int64))
    if space <= DENSE_LIMIT:  # a presence table is much faster than sorting
        present = np.zeros(space, dtype=bool)
        present[code] = True
        unique = np.flatnonzero(present)
        lookup = np.empty(space, dtype=np.int32)
        lookup[unique] = np.arange(len(unique), dtype=np.int32)
        agent_class = lookup[code].astype(np.int64)
    else:
        unique, agent_class = np.unique(code, return_inverse=True)
    columns = []
    for size in reversed(sizes):
        columns.append(unique % size)
        unique = unique // size
    return np.stack(columns[::-1], axis=1), agent_class.ravel()
