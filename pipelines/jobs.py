"""The jobs: the whole daily pipeline, and the segments alone over built marts.

DuckDB allows one writer, so steps run one after another in the run's process
(in_process_executor, set once on the Definitions); dbt runs as one subprocess with
every connection closed. Both jobs take their daily partitions from their assets.
"""

import dagster as dg

DAILY_JOB = "daily_segmentation"
SEGMENTS_JOB = "segments_refresh"

daily_job = dg.define_asset_job(
    name=DAILY_JOB,
    selection=dg.AssetSelection.all(),
    description="Load the landing zone, build the marts as of the day, compute the segments.",
)

segments_job = dg.define_asset_job(
    name=SEGMENTS_JOB,
    selection=dg.AssetSelection.groups("segments", "serving"),
    description="Recompute segment membership and stats of a day over the built marts, and "
    "publish them to the API.",
)
