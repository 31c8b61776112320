"""The daily job: every asset for one day's partition, in one process.

DuckDB allows one writer, so steps run one after another in the run's process
(in_process_executor); dbt runs as one subprocess with every connection closed.
"""

import dagster as dg

from pipelines.partitions import daily_partitions

DAILY_JOB = "daily_segmentation"

daily_job = dg.define_asset_job(
    name=DAILY_JOB,
    selection=dg.AssetSelection.all(),
    partitions_def=daily_partitions,
    executor_def=dg.in_process_executor,
    description="Load the landing zone, build the marts as of the day, check everything.",
)

SEGMENTS_JOB = "segments_refresh"

segments_job = dg.define_asset_job(
    name=SEGMENTS_JOB,
    selection=dg.AssetSelection.groups("segments"),
    partitions_def=daily_partitions,
    executor_def=dg.in_process_executor,
    description="Recompute segment membership and stats of a day over the built marts.",
)
