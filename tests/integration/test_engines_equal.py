"""The same daily job on both engines, proven equal: one landing (the default generator at
a small scale, with its dirty rows: duplicates, unknown tenants and contacts, future
timestamps, malformed emails and phones), the example segments of ``segment_defs/``, and
the ``daily_segmentation`` job run by Dagster once with ``SEGMENTATION_ENGINE=duckdb`` and
once with ``spark``. Every raw table and the quarantine, every mart, the membership
history, the computed days, the stats, distributions and matched customers, and the
published snapshot are equal row for row (Spark's tables read from its Parquet files by
DuckDB, types normalized by :mod:`tests.engines`).

The edge values of each part are proven equal where they are cheapest to generate: the
loader's in ``test_spark_load.py``, the rule language's in the Spark leg of the
differential tests, the dispatched macros' in ``test_dbt_spark.py``.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import dagster as dg
import duckdb
import pyarrow as pa
import pytest

from pipelines.definitions import defs
from pipelines.jobs import DAILY_JOB
from segmentation import snapshot
from segmentation.settings import Settings
from segmentation.spark.export import file_views
from segmentation.spark.session import java_missing
from tests.conftest import AS_OF
from tests.engines import differences
from tools.synthetic.generator import GeneratorConfig, generate

ENGINES = ("duckdb", "spark")
SCHEMAS = ("raw", "marts", "segments")
MOMENTS = {"loaded_at", "computed_at", "published_at"}
"""Columns holding when a run wrote a row: different in any two runs."""
SMALL = GeneratorConfig(end_date=AS_OF, tenants=3, contacts_per_tenant=200)


@contextmanager
def environment(variables: dict[str, str]):
    """``variables`` set in the environment (the definitions read their settings there)."""
    with mock.patch.dict(os.environ, variables):
        yield


def run_daily_job(engine: str, landing: Path, work: Path) -> Settings:
    """The daily job for :data:`AS_OF` on ``engine``, in a warehouse of its own."""
    variables = {
        "SEGMENTATION_ENGINE": engine,
        "SEGMENTATION_LANDING": str(landing),
        "SEGMENTATION_WAREHOUSE": str(work / engine / "warehouse.duckdb"),
        "SEGMENTATION_SPARK_MASTER": "local[2]",
    }
    with environment(variables), dg.DagsterInstance.ephemeral() as instance:
        result = (
            defs()
            .resolve_job_def(DAILY_JOB)
            .execute_in_process(
                partition_key=AS_OF.isoformat(), instance=instance, raise_on_error=False
            )
        )
        failed = [e.step_key for e in result.get_step_failure_events()]
        assert result.success, f"the job failed on {engine}: {failed}"
        return Settings.from_env()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Settings]:
    problem = java_missing()
    if problem:
        pytest.skip(f"the Spark tests need Java: {problem}")
    work = tmp_path_factory.mktemp("engines")
    generate(SMALL, work / "landing")
    return {engine: run_daily_job(engine, work / "landing", work) for engine in ENGINES}


@contextmanager
def tables(settings: Settings):
    """The run's tables through DuckDB: the warehouse file, or Spark's Parquet files."""
    if settings.engine == "spark":
        with duckdb.connect() as con:
            file_views(con, settings.spark_warehouse)
            yield con
    else:
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            yield con


def names(con: duckdb.DuckDBPyConnection, kinds: tuple[str, ...]) -> list[str]:
    rows = con.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_schema IN (SELECT unnest(?)) AND table_type IN (SELECT unnest(?))",
        [list(SCHEMAS), list(kinds)],
    ).fetchall()
    return sorted(name for (name,) in rows)


def read(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> pa.Table:
    listed = ", ".join(f'"{c}"' for c in columns)
    return con.sql(f"SELECT {listed} FROM {table}").to_arrow_table()


def compared(duck_con, spark_con, table: str) -> list[str]:
    """How Spark's copy of ``table`` differs from DuckDB's (the moments of writing aside;
    columns by name, since Spark stores a partition column last)."""
    columns = [c for c in duck_con.table(table).columns if c not in MOMENTS]
    missing = sorted(set(columns) - set(spark_con.table(table).columns))
    if missing:
        return [f"{table}: Spark has no column {', '.join(missing)}"]
    found = differences(read(duck_con, table, columns), read(spark_con, table, columns))
    return [f"{table}: {problem}" for problem in found]


def test_every_table_of_the_job_is_equal_on_both_engines(runs) -> None:
    with tables(runs["duckdb"]) as duck, tables(runs["spark"]) as spark:
        expected = names(duck, ("BASE TABLE",))
        assert set(expected) <= set(names(spark, ("VIEW",))), "Spark lacks tables"
        problems = [p for table in expected for p in compared(duck, spark, table)]
        assert problems == []
        memberships = duck.sql("SELECT count(*) FROM segments.segment_membership").fetchall()[0]
        assert memberships[0] > 0, "the example segments have members"


def test_the_published_snapshots_are_equal(runs) -> None:
    """The API serves the same answers whichever engine computed the day."""
    paths = {engine: snapshot.current(s.snapshots).path for engine, s in runs.items()}
    with (
        duckdb.connect(str(paths["duckdb"]), read_only=True) as duck,
        duckdb.connect(str(paths["spark"]), read_only=True) as spark,
    ):
        served = snapshot.snapshot_tables()
        assert names(duck, ("BASE TABLE",)) == names(spark, ("BASE TABLE",)) == sorted(served)
        assert [p for table in served for p in compared(duck, spark, table)] == []
