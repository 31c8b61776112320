"""The snapshot the API serves, published after each day's segments."""

from datetime import date

import dagster as dg

from assets.partitions import ONE_DAY_PER_RUN
from assets.resources import Engine, SnapshotDirectory, Warehouse
from assets.segments import DAYS_KEY, MEMBERSHIP_KEY, STATS_KEYS
from segmentation import snapshot

SNAPSHOT_KEY = dg.AssetKey(["serving", "snapshot"])


def build_snapshot_asset(partitions: dg.DailyPartitionsDefinition) -> dg.AssetsDefinition:
    """A read-only copy of the served tables, switched in atomically for the API."""

    @dg.asset(
        key=SNAPSHOT_KEY,
        deps=[MEMBERSHIP_KEY, DAYS_KEY, *STATS_KEYS],
        partitions_def=partitions,
        backfill_policy=ONE_DAY_PER_RUN,
        group_name="serving",
        kinds={"duckdb"},
        description="The tables the API reads (marts for previews, tenants, the segments' "
        "stats, distributions and matched customers), copied to a read-only DuckDB file "
        "and made live by switching a pointer. A past day's backfill does not replace a "
        "later day's snapshot.",
    )
    def published_snapshot(
        context: dg.AssetExecutionContext,
        warehouse: Warehouse,
        snapshots: SnapshotDirectory,
        engine: Engine,
    ) -> dg.MaterializeResult:
        day = date.fromisoformat(context.partition_key)
        if engine.is_spark:
            engine.run_spark_step("publish", "--day", day.isoformat())
            published = snapshot.current(snapshots.directory)
            if published is not None and published.as_of != day:
                published = None
        else:
            with warehouse.get_connection() as con:
                published = snapshot.publish(con, snapshots.directory, day)
        if published is None:
            live = snapshot.current(snapshots.directory)
            return dg.MaterializeResult(
                metadata={"published": False, "live_as_of": str(live.as_of if live else None)}
            )
        return dg.MaterializeResult(
            metadata={
                "published": True,
                "as_of": day.isoformat(),
                "file": published.path.name,
                "size_mib": round(published.size_bytes / 2**20, 1),
            }
        )

    return published_snapshot
