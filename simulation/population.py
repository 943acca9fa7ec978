"""Person-agents as a struct of arrays: one numpy column per attribute, one row per agent.

The yearly mechanisms work on whole columns; the Mesa Student/SkilledWorker agents are thin
handles that find their row by `uid` (rows stay sorted by uid: new agents are appended with
larger uids and removal keeps order, so a handle's row is one binary search away).
"""

from __future__ import annotations

import numpy as np

STUDENT, WORKER = 0, 1

COLUMNS: dict[str, type] = {
    "uid": np.int64,
    "kind": np.int8,  # STUDENT or WORKER
    "origin": np.int32,  # country of birth
    "location": np.int32,  # country of residence (of study for students)
    "degree_country": np.int32,  # where the degree was (is being) obtained
    "age": np.float32,
    "doctorate": np.bool_,
    "study_left": np.int16,  # years of study left (students)
    "skill": np.float32,  # ability at entry; skill from graduation (knowledge transfer)
    "skill_change": np.float32,  # log change of skill since graduation (wages, M5)
    "recognised": np.bool_,  # qualification recognised where the worker lives
    "tie": np.float32,  # tie strength to origin, 0-1
    "years_abroad": np.int16,
    "returnee": np.bool_,
    "displaced": np.bool_,  # abroad because an environmental shock displaced it (M7)
    "weight": np.float64,  # real people this agent stands for
}


class Population:
    """Growable columns with `n` live rows; append and filter keep rows sorted by uid."""

    def __init__(self, capacity: int = 1024):
        self.n = 0
        self.next_uid = 0
        self.version = 0  # bumped on every write, so derived tallies can be cached
        self._cols = {name: np.zeros(max(capacity, 16), dtype=t) for name, t in COLUMNS.items()}

    def __getattr__(self, name: str) -> np.ndarray:
        """A read-only view of the live rows of a column. The view is kept as an instance
        attribute, so later reads find it without this call (thousands a run), until the rows
        change (`_rows_changed`)."""
        cols = self.__dict__.get("_cols")
        if cols is not None and name in cols:
            view = cols[name][: self.n]
            view.flags.writeable = False  # writes go through column(), which marks the change
            self.__dict__[name] = view
            return view
        raise AttributeError(name)

    def _rows_changed(self) -> None:
        """Forget the kept views: the number of rows or the columns' arrays changed."""
        for name in COLUMNS:
            self.__dict__.pop(name, None)

    def __getstate__(self) -> dict:
        """Copies and pickles carry the columns, not views into the original's arrays."""
        return {k: v for k, v in self.__dict__.items() if k not in COLUMNS}

    def column(self, name: str) -> np.ndarray:
        """A writable view of the live rows of one column (marks the population changed)."""
        self.version += 1
        return self._cols[name][: self.n]

    def append(self, count: int, **values: np.ndarray | float | int) -> np.ndarray:
        """Add `count` agents; unspecified columns are zero. Returns the new rows' indices."""
        if count <= 0:
            return np.zeros(0, dtype=np.int64)
        self.version += 1
        need = self.n + count
        capacity = len(self._cols["uid"])
        self._rows_changed()
        if need > capacity:
            new_capacity = max(need, int(capacity * 1.5))
            for name, col in self._cols.items():
                grown = np.zeros(new_capacity, dtype=col.dtype)
                grown[: self.n] = col[: self.n]
                self._cols[name] = grown
        rows = np.arange(self.n, need)
        for col in self._cols.values():
            col[self.n : need] = 0
        for name, value in values.items():
            self._cols[name][self.n : need] = value
        self._cols["uid"][self.n : need] = np.arange(self.next_uid, self.next_uid + count)
        self.next_uid += count
        self.n = need
        return rows

    def split_off(
        self, parents: np.ndarray, weight: np.ndarray, **changes: np.ndarray
    ) -> np.ndarray:
        """New agents copying the parents' rows with the given weights (taken from the parents'
        weights) and column changes (e.g. a new location). Returns the children's rows."""
        count = len(parents)
        if count == 0:
            return np.zeros(0, dtype=np.int64)
        copied = {name: self._cols[name][parents].copy() for name in COLUMNS if name != "uid"}
        parent_weight = self.column("weight")
        np.subtract.at(parent_weight, parents, weight)
        copied["weight"] = np.asarray(weight, dtype=np.float64)
        copied.update(changes)
        return self.append(count, **copied)

    def keep(self, mask: np.ndarray) -> None:
        """Drop the rows where mask is False, preserving order."""
        if mask.all():
            return
        self.version += 1
        self._rows_changed()
        k = int(mask.sum())
        for col in self._cols.values():
            col[:k] = col[: self.n][mask]
        self.n = k

    def rows_of(self, uids: np.ndarray) -> np.ndarray:
        """Row index of each uid, -1 where the agent is gone."""
        if not self.n:
            return np.full(len(uids), -1, dtype=np.int64)
        live = self._cols["uid"][: self.n]
        rows = np.minimum(np.searchsorted(live, uids), self.n - 1)
        return np.where(live[rows] == uids, rows, -1)

    def nbytes(self) -> int:
        return sum(col.nbytes for col in self._cols.values())


def tally(index: np.ndarray, weight: np.ndarray, n: int) -> np.ndarray:
    """Weighted count per index value 0..n-1, always float (even when nothing is counted)."""
    return np.bincount(index, weight, minlength=n).astype(np.float64, copy=False)


def pair_key(first: np.ndarray, second: np.ndarray, n: int) -> np.ndarray:
    """One int64 key per (first, second) pair of values 0..n-1 (the flat index of an n x n
    matrix), for tallying several quantities over the same pairs."""
    return np.asarray(first, dtype=np.int64) * n + second


def tally_pairs(first: np.ndarray, second: np.ndarray, weight: np.ndarray, n: int) -> np.ndarray:
    """Weighted count per (first, second) pair as an (n, n) matrix (e.g. origin x location)."""
    return tally(pair_key(first, second, n), weight, n * n).reshape(n, n)
