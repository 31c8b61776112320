"""The code location loads, with the asset graph, checks, job and schedule we expect."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from pipelines.definitions import defs
from pipelines.jobs import DAILY_JOB
from pipelines.schedules import build_daily_schedule
from segmentation.landing.sources import ENTITIES
from segmentation.rules.catalog import load_catalog
from segmentation.settings import DEFAULT_TIMEZONE


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    return defs()


def keys(definitions: dg.Definitions) -> set[str]:
    return {k.to_user_string() for k in definitions.resolve_asset_graph().get_all_asset_keys()}


def test_defs_hold_a_raw_and_a_staging_asset_per_entity(definitions) -> None:
    found = keys(definitions)
    for entity in ENTITIES:
        assert f"raw/{entity.table}" in found
        assert f"staging/stg_crm__{entity.name}" in found


def test_defs_hold_every_mart_the_catalog_reads(definitions) -> None:
    marts = {t.replace(".", "/") for t in load_catalog().tables()}
    assert marts <= keys(definitions)
    assert "seeds/rfm_segment_labels" in keys(definitions)


def test_defs_check_every_raw_table_with_great_expectations(definitions) -> None:
    checks = definitions.resolve_asset_graph().asset_check_keys
    expectation_checks = {
        c.asset_key.to_user_string() for c in checks if c.name == "great_expectations"
    }
    assert expectation_checks == {f"raw/{e.table}" for e in ENTITIES}
    dbt_checks = [c for c in checks if c.asset_key.path[0] == "marts"]
    assert len(dbt_checks) >= 10


def test_defs_daily_job_runs_in_one_process(definitions) -> None:
    """Why: DuckDB allows one writer; parallel step processes would lock each other out."""
    job = definitions.resolve_job_def(DAILY_JOB)
    assert job.executor_def.name == dg.in_process_executor.name
    assert job.partitions_def is not None


daily_at_eight = build_daily_schedule(DEFAULT_TIMEZONE)


def test_schedule_materializes_the_jakarta_day_at_eight() -> None:
    jakarta = ZoneInfo("Asia/Jakarta")
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 11, 25, 8, 0, tzinfo=jakarta)
    )
    request = daily_at_eight(context)
    assert request.partition_key == "2026-11-25"
    assert daily_at_eight.cron_schedule == "0 8 * * *"
    assert daily_at_eight.execution_timezone == "Asia/Jakarta"


def test_schedule_day_follows_jakarta_not_utc() -> None:
    """00:30 WIB is still the previous day in UTC; the partition is the Jakarta day."""
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 11, 24, 17, 30, tzinfo=ZoneInfo("UTC"))
    )
    assert daily_at_eight(context).partition_key == "2026-11-25"


# -- the asset graph, as a reviewable snapshot --------------------------------------------

GRAPH_SNAPSHOT = Path(__file__).parent / "fixtures" / "asset_graph.txt"


def describe_graph(definitions: dg.Definitions) -> str:
    """One line per asset (``key [group] partitioned|unpartitioned``), its upstream keys,
    then its checks (``! name`` for a blocking check): a stable text to diff in review."""
    graph = definitions.resolve_asset_graph()
    lines = []
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        partitioning = "daily" if node.is_partitioned else "unpartitioned"
        lines.append(f"{key.to_user_string()} [{node.group_name}] {partitioning}")
        lines += [f"  <- {p.to_user_string()}" for p in sorted(node.parent_keys, key=str)]
        for check_key in sorted(node.check_keys, key=lambda c: c.name):
            blocking = graph.get_check_spec(check_key).blocking
            lines.append(f"  {'!' if blocking else '?'} {check_key.name}")
    return "\n".join(lines) + "\n"


def test_asset_graph_matches_its_snapshot(definitions) -> None:
    """A change to the graph (an asset, a dependency, a check) shows in review as a diff
    of tests/fixtures/asset_graph.txt; rewrite it with SEGMENTATION_UPDATE_FIXTURES=1."""
    graph = describe_graph(definitions)
    if os.environ.get("SEGMENTATION_UPDATE_FIXTURES") == "1":
        GRAPH_SNAPSHOT.write_text(graph)
    assert graph == GRAPH_SNAPSHOT.read_text(), (
        "the asset graph changed: review it and rewrite the snapshot with "
        "SEGMENTATION_UPDATE_FIXTURES=1 .venv/bin/pytest tests/test_defs.py"
    )
