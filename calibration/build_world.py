"""Build braingain's world tables from the public reference data (see calibration.world_build).

python -m calibration.build_world [--data ../shared/data] [--out simulation/data]
"""

from __future__ import annotations

from calibration.world_build.build import build, main
from calibration.world_build.corridors import CORRIDOR_COLUMNS
from simulation.world import COUNTRY_COLUMNS

__all__ = ["CORRIDOR_COLUMNS", "COUNTRY_COLUMNS", "build", "main"]

if __name__ == "__main__":
    raise SystemExit(main())
