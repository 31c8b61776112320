"""A new or edited segment gets today's membership within minutes, not at 08:00 tomorrow."""

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from assets.resources import SegmentStore, Warehouse
from pipelines.jobs import DAILY_JOB, SEGMENTS_JOB, daily_job, segments_job
from pipelines.schedules import local_day
from segmentation.daily.store import segment_files
from segmentation.warehouse import marts_day


def store_fingerprints(root: Path) -> dict[str, str]:
    """Each segment file's content hash, by path relative to the store."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        for path in segment_files(root)
    }


def _marts_are_built_for(warehouse: Warehouse, day: str) -> bool | None:
    """Whether the marts are as of ``day``; None while the warehouse cannot be read."""
    try:
        with warehouse.read_only() as con:
            return marts_day(con).isoformat() == day
    except (duckdb.Error, LookupError):
        return None


def build_store_sensor(timezone: str) -> dg.SensorDefinition:
    """Watch the segment store; ask for today's (``timezone``) segments run on a change."""

    @dg.sensor(
        name="segment_store_changes",
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        jobs=[daily_job, segments_job],
        description="Watches segment_defs/ and recomputes today when a segment is added or edited.",
    )
    def segment_store_changes(
        context: dg.SensorEvaluationContext, segment_store: SegmentStore, warehouse: Warehouse
    ):
        seen = json.loads(context.cursor) if context.cursor else None
        now = store_fingerprints(segment_store.directory)
        if seen is None:
            context.update_cursor(json.dumps(now))
            return dg.SkipReason("first look at the store: remembered its segments")
        changed = sorted(p for p in now if seen.get(p) != now[p])
        if not changed:
            return dg.SkipReason("no segment added or edited")
        today = local_day(datetime.now(UTC), timezone)
        built = _marts_are_built_for(warehouse, today)
        if built is None:
            return dg.SkipReason("the warehouse is busy or not built yet; will look again")
        context.update_cursor(json.dumps(now))
        job = SEGMENTS_JOB if built else DAILY_JOB
        run_key = hashlib.sha256(json.dumps(now, sort_keys=True).encode()).hexdigest()[:16]
        return dg.RunRequest(
            run_key=f"{today}-{run_key}",
            job_name=job,
            partition_key=today,
            tags={"segments_changed": ",".join(changed)[:1000]},
        )

    return segment_store_changes
