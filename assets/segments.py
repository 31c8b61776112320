"""The segments of a day: the store as read, and the membership.

One step reads the store once (files, the tenants' custom fields, limits), records it,
and computes the day from what it read: a file edited meanwhile is taken on the next
run, never half in this one. The day's stats are dbt models over the membership history
(assets/dbt.py), built after this step.
"""

from datetime import UTC, date, datetime

import dagster as dg

from assets.partitions import ONE_DAY_PER_RUN
from assets.resources import Engine, SegmentStore, Warehouse, job_tables
from segmentation.daily.membership import DayChange
from segmentation.daily.run import DayResult, run_day
from segmentation.daily.store import DEFINITIONS, StoredSegment, read_store, record_store
from segmentation.rules.catalog import load_catalog
from segmentation.warehouse import store_context, tenant_names

DEFINITIONS_KEY = dg.AssetKey(DEFINITIONS.split("."))
MEMBERSHIP_KEY = dg.AssetKey(["segments", "segment_membership"])
DAYS_KEY = dg.AssetKey(["segments", "segment_days"])
STATS_KEYS = [
    dg.AssetKey(["segments", name])
    for name in (
        "segment_daily_stats",
        "segment_distributions",
        "segment_matched_customers",
        "segment_sizes",
    )
]
"""The segments' stats: dbt models downstream of :data:`MEMBERSHIP_KEY` and :data:`DAYS_KEY`
(their dbt sources), built by the ``segment_stats`` step (assets/dbt.py)."""


def _mart_keys() -> list[dg.AssetKey]:
    """Every mart a segment can read: the catalog's tables and the custom fields."""
    catalog = load_catalog()
    tables = {*catalog.tables(), catalog.custom.definitions}
    return [dg.AssetKey(table.split(".")) for table in sorted(tables)]


def build_segment_assets(partitions: dg.DailyPartitionsDefinition) -> dg.AssetsDefinition:
    """The store's definitions, the day's membership and computed days, by day."""
    definitions = load_catalog().custom.definitions

    @dg.multi_asset(
        specs=[
            dg.AssetSpec(
                DEFINITIONS_KEY,
                deps=[dg.AssetKey(definitions.split("."))],
                description="Every stored segment (segment_defs/<cid>/*.json), valid or not, "
                "with its issues, as the day's run read it.",
                kinds={"duckdb", "json"},
                group_name="segments",
            ),
            dg.AssetSpec(
                MEMBERSHIP_KEY,
                deps=[DEFINITIONS_KEY, *_mart_keys()],
                description="Who is in each active segment, as history (valid_from / valid_to).",
                kinds={"duckdb"},
                group_name="segments",
            ),
            dg.AssetSpec(
                DAYS_KEY,
                deps=[DEFINITIONS_KEY],
                description="The days computed per segment, with the version of the rule set "
                "(none on the day a segment that left the store is closed).",
                kinds={"duckdb"},
                group_name="segments",
            ),
        ],
        partitions_def=partitions,
        backfill_policy=ONE_DAY_PER_RUN,
        name="segments_of_the_day",
    )
    def segments_of_the_day(
        context: dg.AssetExecutionContext,
        warehouse: Warehouse,
        segment_store: SegmentStore,
        engine: Engine,
    ):
        day = date.fromisoformat(context.partition_key)
        if engine.is_spark:
            definitions, result = _on_spark(engine, day)
            with job_tables(warehouse, engine) as con:
                tenants = tenant_names(con)
        else:
            with warehouse.get_connection() as con:
                checked = store_context(con, datetime.now(UTC), segment_store.size_limits)
                stored = read_store(segment_store.directory, checked)
                record_store(con, stored)
                result = run_day(con, day, stored)
                tenants = tenant_names(con)
            definitions = definitions_metadata(stored, segment_store)
        yield dg.MaterializeResult(asset_key=DEFINITIONS_KEY, metadata=definitions)
        yield dg.MaterializeResult(
            asset_key=MEMBERSHIP_KEY, metadata=membership_metadata(result, tenants)
        )
        yield dg.MaterializeResult(
            asset_key=DAYS_KEY,
            metadata={"day": day.isoformat(), "segments_computed": len(result.changes)},
        )

    return segments_of_the_day


@dg.asset_check(
    asset=DEFINITIONS_KEY,
    description="Every stored segment validates; an invalid one is named with its errors.",
)
def every_segment_is_valid(warehouse: Warehouse, engine: Engine) -> dg.AssetCheckResult:
    with job_tables(warehouse, engine) as con:
        invalid = con.execute(
            f"SELECT path, issues FROM {DEFINITIONS} WHERE NOT is_valid ORDER BY 1"
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


def _on_spark(engine: Engine, day: date) -> tuple[dict, DayResult]:
    """The day computed by the Spark step: the store's metadata and the day's result."""
    step = engine.run_spark_step("segments", "--day", day.isoformat())
    result = DayResult(
        day=day,
        changes=[DayChange(**change) for change in step["changes"]],
        skipped=step["skipped"],
        removed=step["removed"],
        names={segment: tuple(name) for segment, name in step["names"].items()},
    )
    store = {k: step[k] for k in ("segments", "valid", "invalid")}
    return store, result


def definitions_metadata(stored: list[StoredSegment], store: SegmentStore) -> dict:
    """How many segments the store holds, how many are valid, and which are not."""
    return {
        "segments": len(stored),
        "valid": sum(s.valid for s in stored),
        "invalid": [str(s.path.relative_to(store.directory)) for s in stored if not s.valid],
    }


def membership_metadata(result: DayResult, tenants: dict[str, str], top: int = 10) -> dict:
    """Each segment's member count (a number Dagster plots over time, labelled with the
    segment's and tenant's names), and a table of the day's largest moves."""

    def label(segment_id: str) -> str:
        cid, name = result.names[segment_id]
        return f"{name or '(removed)'} ({tenants.get(cid, cid)})"

    moves = sorted(result.changes, key=lambda c: c.entered + c.exited, reverse=True)[:top]
    table = "| tenant | segment | id | members | entered | exited |\n|---|---|---|---:|---:|---:|\n"
    table += "\n".join(
        f"| {tenants.get(result.names[c.segment_id][0], '')} | "
        f"{result.names[c.segment_id][1] or '(removed)'} | {c.segment_id} | {c.members} | "
        f"{c.entered} | {c.exited} |"
        for c in moves
    )
    return {
        "day": result.day.isoformat(),
        "segments_computed": len(result.changes),
        "members_by_segment": {c.segment_id: c.members for c in result.changes},
        **{f"members: {label(c.segment_id)}": int(c.members) for c in result.changes},
        "entered_plus_exited": sum(c.entered + c.exited for c in result.changes),
        "skipped": result.skipped,
        "removed_from_store": sorted(result.removed),
        "largest_changes": dg.MetadataValue.md(table),
    }
