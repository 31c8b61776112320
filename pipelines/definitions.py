"""The code location: one ``Definitions`` for the whole pipeline (see workspace.yaml)."""

import dagster as dg

from assets.checks import load_checks
from assets.dbt import build_dbt_assets
from assets.ingest import build_load_assets
from assets.partitions import daily_partitions
from assets.segments import build_segment_assets, every_segment_is_valid
from assets.serving import build_snapshot_asset
from pipelines.jobs import daily_job, segments_job
from pipelines.resources import build_resources
from pipelines.schedules import build_daily_schedule
from pipelines.sensors import build_store_sensor
from segmentation.settings import Settings


@dg.definitions
def defs() -> dg.Definitions:
    """Assets, checks, jobs, the schedule and the sensor, with resources from the environment."""
    settings = Settings.from_env()
    partitions = daily_partitions(settings.first_day, settings.timezone)
    return dg.Definitions(
        assets=[
            *build_load_assets(partitions),
            *build_dbt_assets(settings.dbt_project, partitions),
            build_segment_assets(partitions),
            build_snapshot_asset(partitions),
        ],
        asset_checks=[*load_checks, every_segment_is_valid],
        jobs=[daily_job, segments_job],
        schedules=[build_daily_schedule(settings.timezone)],
        sensors=[build_store_sensor(settings.timezone)],
        resources=build_resources(settings),
        executor=dg.in_process_executor,
    )
