"""The code location: one ``Definitions`` for the whole pipeline (see workspace.yaml)."""

import dagster as dg

from assets.checks import expectation_checks
from assets.dbt import build_dbt_assets
from assets.ingest import load_assets
from assets.segments import every_segment_is_valid, segment_definitions, segment_membership
from pipelines.jobs import daily_job, segments_job
from pipelines.resources import build_resources
from pipelines.schedules import daily_at_eight
from pipelines.sensors import segment_store_changes
from segmentation.settings import Settings


@dg.definitions
def defs() -> dg.Definitions:
    """Assets, checks, jobs, the schedule and the sensor, with resources from the environment."""
    settings = Settings.from_env()
    return dg.Definitions(
        assets=[
            *load_assets,
            build_dbt_assets(settings.dbt_project),
            segment_definitions,
            segment_membership,
        ],
        asset_checks=[*expectation_checks, every_segment_is_valid],
        jobs=[daily_job, segments_job],
        schedules=[daily_at_eight],
        sensors=[segment_store_changes],
        resources=build_resources(settings),
        executor=dg.in_process_executor,
    )
