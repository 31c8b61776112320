"""Resources, built once from :class:`segmentation.settings.Settings`."""

from __future__ import annotations

import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from segmentation.settings import Settings


class LandingZone(dg.ConfigurableResource):
    """The directory holding one Parquet dataset per CRM entity."""

    path: str

    @property
    def directory(self) -> Path:
        """The landing directory as a path."""
        return Path(self.path)


class SegmentStore(dg.ConfigurableResource):
    """The folder of stored segments: ``<cid>/<segment>.json``."""

    path: str

    @property
    def directory(self) -> Path:
        """The store's root as a path."""
        return Path(self.path)


def build_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    """The warehouse (one DuckDB file), the landing zone, the segment store, the dbt CLI."""
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    return {
        "warehouse": DuckDBResource(database=str(settings.warehouse)),
        "landing": LandingZone(path=str(settings.landing)),
        "segment_store": SegmentStore(path=str(settings.segment_defs)),
        "dbt": DbtCliResource(
            project_dir=str(settings.dbt_project),
            profiles_dir=str(settings.dbt_project),
            # The dbt of this interpreter's environment, whatever PATH says.
            dbt_executable=str(Path(sys.executable).parent / "dbt"),
        ),
    }
