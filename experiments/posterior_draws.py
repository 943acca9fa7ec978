"""Posterior draws a scenario may run with (`calibration = "path"` in a scenario file).

A calibration (`braingain calibrate`) writes `calibrated.toml`, which names a Parquet file of
posterior draws: one column per calibrated parameter, one row per draw. A scenario that points
at it runs replication r with draw r mod n (n draws), its own parameter overrides taking
precedence, so the spread over replications is predictive uncertainty (parameters and seeds),
not seed noise alone. Two scenarios using the same calibration pair replication by replication
on the same draws, as they pair on seeds.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from simulation.parameters import SPECS, ParameterError, Params


class DrawsError(ValueError):
    """Posterior draws that cannot be used; the message says why."""


@dataclass(frozen=True)
class PosteriorDraws:
    """Parameter sets drawn from a calibration's posterior."""

    path: Path  # the file the scenario named (calibrated.toml or the .parquet)
    names: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    digest: str  # sha256 of the draws file

    def __len__(self) -> int:
        return len(self.rows)

    def draw(self, replication: int) -> dict[str, Any]:
        """The parameter values of replication r: draw r mod n."""
        return dict(zip(self.names, self.rows[replication % len(self.rows)], strict=True))

    def describe(self) -> dict[str, Any]:
        """How the draws appear in manifests."""
        return {
            "file": str(self.path),
            "draws": len(self.rows),
            "parameters": list(self.names),
            "sha256": self.digest,
            "rule": "replication r runs with draw r mod n; scenario parameters take precedence",
        }


def load_draws(path: Path) -> PosteriorDraws:
    """Read draws from a calibrated.toml (its `draws` key) or a .parquet; raises DrawsError."""
    draws_path = _draws_file(path)
    try:
        table = pq.read_table(draws_path)
    except (OSError, ValueError) as exc:
        raise DrawsError(f"cannot read the draws file {draws_path} ({exc})") from None
    names = tuple(n for n in table.column_names if n != "draw")
    unknown = [n for n in names if n not in SPECS]
    if not names or unknown:
        raise DrawsError(
            f"{draws_path}: columns {unknown or 'none'} are not parameters of simulation.PARAMETERS"
        )
    if table.num_rows == 0:
        raise DrawsError(f"{draws_path}: holds no draws")
    columns = [table.column(n).to_pylist() for n in names]
    rows = tuple(zip(*columns, strict=True))
    for row in rows:
        try:
            Params.from_dict(dict(zip(names, row, strict=True)))
        except ParameterError as exc:
            raise DrawsError(f"{draws_path}: a draw is not allowed ({exc})") from None
    digest = hashlib.sha256(draws_path.read_bytes()).hexdigest()
    return PosteriorDraws(path=path, names=names, rows=rows, digest=digest)


def _draws_file(path: Path) -> Path:
    if not path.is_file():
        raise DrawsError(f"no such file ({path})")
    if path.suffix == ".parquet":
        return path
    try:
        meta = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DrawsError(f"cannot read {path} as TOML ({exc})") from None
    name = meta.get("draws")
    if not isinstance(name, str):
        raise DrawsError(f"{path} has no `draws` key naming its draws file")
    return path.parent / name
