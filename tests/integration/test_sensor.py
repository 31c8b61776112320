"""The store sensor asks for today's segments run when a segment is added or edited."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.jobs import DAILY_JOB, SEGMENTS_JOB
from pipelines.schedules import jakarta_day
from pipelines.sensors import segment_store_changes
from segmentation.settings import SEGMENT_DEFS_ENV, WAREHOUSE_ENV


def tick(cursor: str | None):
    context = dg.build_sensor_context(cursor=cursor)
    return segment_store_changes(context), context.cursor


@pytest.fixture
def store(tmp_path: Path, monkeypatch) -> Path:
    root = tmp_path / "store"
    shutil.copytree(Path(__file__).parents[2] / "segment_defs", root)
    monkeypatch.setenv(SEGMENT_DEFS_ENV, str(root))
    return root


def test_sensor_skips_until_the_store_changes(store: Path, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv(WAREHOUSE_ENV, str(tmp_path / "absent.duckdb"))
    first, cursor = tick(None)
    assert isinstance(first, dg.SkipReason)
    again, cursor = tick(cursor)
    assert isinstance(again, dg.SkipReason) and "no segment" in again.skip_message


def warehouse_built_on(path: Path, day: str) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.contact_profile AS SELECT CAST(? AS DATE) AS as_of_date",
                    [day])  # fmt: skip
    return path


@pytest.mark.parametrize(("built_today", "job"), [(True, SEGMENTS_JOB), (False, DAILY_JOB)])
def test_sensor_requests_today_when_a_segment_changes(
    store: Path, monkeypatch, tmp_path, built_today: bool, job: str
) -> None:
    """Marts already built for today: only the segments; otherwise the whole day."""
    today = jakarta_day(datetime.now(UTC))
    day = today if built_today else "2026-01-01"
    monkeypatch.setenv(WAREHOUSE_ENV, str(warehouse_built_on(tmp_path / "w.duckdb", day)))
    _, cursor = tick(None)
    edited = next(store.glob("*/*.json"))
    data = json.loads(edited.read_text())
    data["description"] = "edited"
    edited.write_text(json.dumps(data))
    request, cursor = tick(cursor)
    assert isinstance(request, dg.RunRequest)
    assert (request.job_name, request.partition_key) == (job, today)
    assert edited.name in request.tags["segments_changed"]
    quiet, _ = tick(cursor)
    assert isinstance(quiet, dg.SkipReason)
