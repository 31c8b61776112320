"""The resources of the code location, built once from the deployment's settings."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from assets.resources import Engine, LandingZone, SegmentStore, SnapshotDirectory, Warehouse
from segmentation.settings import Settings


def build_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    """The warehouse (one DuckDB file), the landing zone, the segment store, the dbt CLI,
    the published snapshots."""
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    settings.spill_directory.mkdir(parents=True, exist_ok=True)
    return {
        "warehouse": Warehouse(
            database=str(settings.warehouse), connection_config=settings.duckdb_config()
        ),
        "landing": LandingZone(path=str(settings.landing), max_loss=settings.load_max_loss),
        "segment_store": SegmentStore(
            path=str(settings.segment_defs), limits=asdict(settings.limits)
        ),
        "snapshots": SnapshotDirectory(path=str(settings.snapshots)),
        "engine": Engine(name=settings.engine, settings_env=settings.to_env()),
        "dbt": DbtCliResource(
            project_dir=str(settings.dbt_project),
            profiles_dir=str(settings.dbt_project),
            # The dbt of this interpreter's environment, whatever PATH says.
            dbt_executable=str(Path(sys.executable).parent / "dbt"),
        ),
    }
