"""The code location: one ``Definitions`` for the whole pipeline (see workspace.yaml)."""

import dagster as dg

from assets.checks import expectation_checks
from assets.dbt import build_dbt_assets
from assets.ingest import load_assets
from pipelines.jobs import daily_job
from pipelines.resources import build_resources
from pipelines.schedules import daily_at_eight
from segmentation.settings import Settings


@dg.definitions
def defs() -> dg.Definitions:
    """Assets, checks, the daily job and schedule, with resources from the environment."""
    settings = Settings.from_env()
    return dg.Definitions(
        assets=[*load_assets, build_dbt_assets(settings.dbt_project)],
        asset_checks=expectation_checks,
        jobs=[daily_job],
        schedules=[daily_at_eight],
        resources=build_resources(settings),
        executor=dg.in_process_executor,
    )
