"""Where things are: the warehouse, the landing zone and the dbt project.

Defaults live under the repository (``data/``); environment variables override them.
Read when a command or the Dagster definitions start, never at import.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]

WAREHOUSE_ENV = "SEGMENTATION_WAREHOUSE"
LANDING_ENV = "SEGMENTATION_LANDING"
DBT_PROJECT_ENV = "SEGMENTATION_DBT_PROJECT"
SEGMENT_DEFS_ENV = "SEGMENTATION_SEGMENT_DEFS"


@dataclass(frozen=True)
class Settings:
    """Absolute paths of the warehouse, the landing zone, the dbt project, the segments."""

    warehouse: Path
    landing: Path
    dbt_project: Path
    segment_defs: Path

    @classmethod
    def from_env(cls) -> Settings:
        """Paths from the environment, else the repository's defaults."""

        def path(variable: str, default: Path) -> Path:
            return Path(os.environ.get(variable) or default).expanduser().resolve()

        return cls(
            warehouse=path(WAREHOUSE_ENV, REPOSITORY / "data" / "warehouse.duckdb"),
            landing=path(LANDING_ENV, REPOSITORY / "data" / "landing"),
            dbt_project=path(DBT_PROJECT_ENV, REPOSITORY / "dbt_project"),
            segment_defs=path(SEGMENT_DEFS_ENV, REPOSITORY / "segment_defs"),
        )
