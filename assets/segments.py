"""Segment assets: the store, and each day's membership with its stats."""

from datetime import UTC, date, datetime

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.partitions import daily_partitions
from pipelines.resources import SegmentStore
from segmentation.daily import DayResult, run_day
from segmentation.limits import Limits
from segmentation.segments import read_store, record_store
from segmentation.warehouse import store_context

DEFINITIONS_KEY = dg.AssetKey(["segments", "segment_definitions"])
MEMBERSHIP_KEY = dg.AssetKey(["segments", "segment_membership"])
STATS_KEYS = [
    dg.AssetKey(["segments", name])
    for name in ("segment_daily_stats", "segment_distributions", "segment_matched_customers")
]
MARTS = ["contact_profile", "contact_metrics", "contact_rfm", "contact_custom_fields",
         "custom_fields", "contact_conversations", "contact_campaigns", "contact_companies",
         "contact_deals", "contact_tickets", "contact_orders"]  # fmt: skip
_ONE_DAY_PER_RUN = dg.BackfillPolicy.multi_run(max_partitions_per_run=1)


@dg.asset(
    key=DEFINITIONS_KEY,
    deps=[dg.AssetKey(["marts", "custom_fields"])],
    partitions_def=daily_partitions,
    backfill_policy=_ONE_DAY_PER_RUN,
    group_name="segments",
    kinds={"duckdb", "json"},
    description="Every stored segment (segment_defs/<cid>/*.json), valid or not, with its issues.",
)
def segment_definitions(
    warehouse: DuckDBResource, segment_store: SegmentStore
) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        context = store_context(con, datetime.now(UTC), Limits.from_env())
        stored = read_store(segment_store.directory, context)
        record_store(con, stored)
    return dg.MaterializeResult(
        metadata={
            "segments": len(stored),
            "valid": sum(s.valid for s in stored),
            "invalid": [
                str(s.path.relative_to(segment_store.directory)) for s in stored if not s.valid
            ],
        }
    )


@dg.asset_check(
    asset=DEFINITIONS_KEY,
    description="Every stored segment validates; an invalid one is named with its errors.",
)
def every_segment_is_valid(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        invalid = con.execute(
            "SELECT path, issues FROM segments.segment_definitions WHERE NOT is_valid ORDER BY 1"
        ).fetchall()
    return dg.AssetCheckResult(
        passed=not invalid,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "invalid_segments": len(invalid),
            "errors": dg.MetadataValue.md(
                "\n".join(f"- `{path}`: {issues}" for path, issues in invalid) or "none"
            ),
        },
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            MEMBERSHIP_KEY,
            deps=[DEFINITIONS_KEY, *(dg.AssetKey(["marts", m]) for m in MARTS)],
            description="Who is in each active segment, as history (valid_from / valid_to).",
            kinds={"duckdb"},
            group_name="segments",
        ),
        *(
            dg.AssetSpec(key, deps=[MEMBERSHIP_KEY], group_name="segments", kinds={"duckdb"})
            for key in STATS_KEYS
        ),
    ],
    partitions_def=daily_partitions,
    backfill_policy=_ONE_DAY_PER_RUN,
)
def segment_membership(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource, segment_store: SegmentStore
):
    day = date.fromisoformat(context.partition_key)
    with warehouse.get_connection() as con:
        context = store_context(con, datetime.now(UTC), Limits.from_env())
        result = run_day(con, day, read_store(segment_store.directory, context))
    yield dg.MaterializeResult(asset_key=MEMBERSHIP_KEY, metadata=membership_metadata(result))
    for key in STATS_KEYS:
        yield dg.MaterializeResult(asset_key=key, metadata={"day": day.isoformat()})


def membership_metadata(result: DayResult, top: int = 10) -> dict:
    """Per-segment counts, and a markdown table of the largest moves of the day."""
    moves = sorted(result.changes, key=lambda c: c.entered + c.exited, reverse=True)[:top]
    table = "| segment | members | entered | exited |\n|---|---:|---:|---:|\n" + "\n".join(
        f"| {c.segment_id} | {c.members} | {c.entered} | {c.exited} |" for c in moves
    )
    return {
        "day": result.day.isoformat(),
        "segments_computed": len(result.changes),
        "members_by_segment": {c.segment_id: c.members for c in result.changes},
        "entered_plus_exited": sum(c.entered + c.exited for c in result.changes),
        "skipped": result.skipped,
        "largest_changes": dg.MetadataValue.md(table),
    }
