"""The store sensor asks for today's segments run when a segment is added or edited."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.resources import SegmentStore, Warehouse
from pipelines.jobs import DAILY_JOB, SEGMENTS_JOB
from pipelines.schedules import local_day
from pipelines.sensors import build_store_sensor
from segmentation.settings import DEFAULT_TIMEZONE

segment_store_changes = build_store_sensor(DEFAULT_TIMEZONE)


def tick(cursor: str | None, store: Path, warehouse: Path):
    resources = {"segment_store": SegmentStore(path=str(store)),
                 "warehouse": Warehouse(database=str(warehouse))}  # fmt: skip
    context = dg.build_sensor_context(cursor=cursor, resources=resources)
    return segment_store_changes(context), context.cursor


@pytest.fixture
def store(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    shutil.copytree(Path(__file__).parents[2] / "segment_defs", root)
    return root


def test_sensor_skips_until_the_store_changes(store: Path, tmp_path) -> None:
    absent = tmp_path / "absent.duckdb"
    first, cursor = tick(None, store, absent)
    assert isinstance(first, dg.SkipReason)
    again, cursor = tick(cursor, store, absent)
    assert isinstance(again, dg.SkipReason) and "no segment" in again.skip_message


def warehouse_built_on(path: Path, day: str) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.contact_profile AS SELECT CAST(? AS DATE) AS as_of_date",
                    [day])  # fmt: skip
    return path


@pytest.mark.parametrize(("built_today", "job"), [(True, SEGMENTS_JOB), (False, DAILY_JOB)])
def test_sensor_requests_today_when_a_segment_changes(
    store: Path, tmp_path, built_today: bool, job: str
) -> None:
    """Marts already built for today: only the segments; otherwise the whole day."""
    today = local_day(datetime.now(UTC), DEFAULT_TIMEZONE)
    day = today if built_today else "2026-01-01"
    warehouse = warehouse_built_on(tmp_path / "w.duckdb", day)
    _, cursor = tick(None, store, warehouse)
    edited = next(store.glob("*/*.json"))
    data = json.loads(edited.read_text())
    data["description"] = "edited"
    edited.write_text(json.dumps(data))
    request, cursor = tick(cursor, store, warehouse)
    assert isinstance(request, dg.RunRequest)
    assert (request.job_name, request.partition_key) == (job, today)
    assert edited.name in request.tags["segments_changed"]
    quiet, _ = tick(cursor, store, warehouse)
    assert isinstance(quiet, dg.SkipReason)
