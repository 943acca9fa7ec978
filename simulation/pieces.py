"""Flows realised as pieces split off agents (M4 moves to small destinations, M7 displacement).

An agent may stand for more people than a small country could take in at once. Where a flow's
expected people would arrive as such a lump, the flow is cut into pieces no bigger than a unit
(their number rounded stochastically, so the expectation is kept) and each piece is split off an
agent of the flow's group, chosen in proportion to weight, as long as its weight lasts.
"""

from __future__ import annotations

import numpy as np


def pick_by_weight(
    group: np.ndarray, weight: np.ndarray, wanted: np.ndarray, uniforms: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each entry of `wanted` (a group), a member of that group chosen in proportion to
    `weight` with the given uniforms. Returns (member index, whether the group has weight)."""
    order = np.argsort(group, kind="stable")
    cum = np.cumsum(weight[order])
    total = np.bincount(group, weight, minlength=int(wanted.max(initial=-1)) + 1)[wanted]
    start = np.searchsorted(group[order], wanted, side="left")
    before = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0.0)
    target = before + uniforms * total
    pick = np.minimum(np.searchsorted(cum, target, side="right"), len(order) - 1)
    return order[pick], total > 0


def within_weight(parents: np.ndarray, pieces: np.ndarray, available: np.ndarray) -> np.ndarray:
    """Mask of the pieces a parent can give: cumulative weight per parent within its weight."""
    order = np.lexsort((np.arange(len(parents)), parents))
    sorted_parents = parents[order]
    cum = np.cumsum(pieces[order])
    first = np.searchsorted(sorted_parents, sorted_parents, side="left")
    offset = np.where(first > 0, cum[first - 1], 0.0)
    ok = np.zeros(len(parents), dtype=bool)
    ok[order] = cum - offset <= available[sorted_parents] * (1 + 1e-12)
    return ok
