"""The whole asset graph materialized in-process by the daily job, on tiny generated data."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import defs
from pipelines.jobs import DAILY_JOB
from segmentation.settings import LANDING_ENV, WAREHOUSE_ENV
from tools.synthetic.generator import GeneratorConfig, generate

DAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("pipeline")
    # Three tenants of the default seed: the example segments of segment_defs/ name them.
    generate(GeneratorConfig(end_date=DAY, tenants=3, contacts_per_tenant=120), work / "landing")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(WAREHOUSE_ENV, str(work / "warehouse.duckdb"))
        patch.setenv(LANDING_ENV, str(work / "landing"))
        job = defs().resolve_job_def(DAILY_JOB)
        with dg.DagsterInstance.ephemeral() as instance:
            result = job.execute_in_process(partition_key=DAY.isoformat(), instance=instance)
    return work, result


def test_daily_job_materializes_every_asset(run) -> None:
    _, result = run
    assert result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    every_asset = defs().resolve_asset_graph().get_all_asset_keys()
    assert materialized == set(every_asset)


def test_daily_job_passes_every_check(run) -> None:
    _, result = run
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) > 50
    assert [e.check_name for e in evaluations if not e.passed] == []


def test_daily_job_records_rejections_as_metadata(run) -> None:
    _, result = run
    contacts = next(
        e
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["raw", "crm_contacts"])
    )
    metadata = contacts.materialization.metadata
    assert metadata["rejected_rows"].value > 0
    assert metadata["dagster/row_count"].value + metadata["rejected_rows"].value == (
        metadata["landed_rows"].value
    )


def test_daily_job_builds_marts_as_of_the_partition_day(run) -> None:
    work, _ = run
    with duckdb.connect(str(work / "warehouse.duckdb"), read_only=True) as con:
        days = con.execute("SELECT DISTINCT as_of_date FROM marts.contact_metrics").fetchall()
    assert days == [(DAY,)]


def test_the_warehouse_opens_in_the_duckdb_1x_shell_analysts_have(run) -> None:
    """Why: the PyPI DuckDB CLI (1.5) could not read a file written by DuckDB 2.0."""
    work, _ = run
    shell = Path(sys.executable).parent / "duckdb"
    done = subprocess.run(
        [str(shell), "-readonly", str(work / "warehouse.duckdb"), "-csv", "-noheader",
         "-c", "SELECT count(*) > 0 FROM marts.contact_profile"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "true"
    assert "v1.5.6" in subprocess.run([str(shell), "--version"], capture_output=True,
                                      text=True, check=True).stdout  # fmt: skip
