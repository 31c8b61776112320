"""The segment stats models on Spark (dbt-spark's session method, in this process, on the
tests' Spark session) give the rows DuckDB gives: the same marts and membership history
in both engines, a day built twice (the second build replaces rows: partitions dropped,
then overwritten), then a segment closed because it left the store. Skipped, saying how
to get Java, on a machine without a Java runtime."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

from segmentation.daily.membership import DAYS, MEMBERSHIP
from segmentation.daily.run import run_day
from segmentation.daily.stats import (
    DAILY_STATS,
    DISTRIBUTIONS,
    MATCHED_CUSTOMERS,
    SIZES,
    build_stats,
)
from segmentation.daily.store import read_store, record_store
from segmentation.dbt import DBT_PROJECT, SEGMENT_STATS
from segmentation.rules.catalog import load_catalog
from segmentation.settings import DEFAULT_TIMEZONE, REPOSITORY
from segmentation.warehouse import store_context
from tests.conftest import AS_OF

NEXT_DAY = AS_OF + timedelta(days=1)
STATS = (DAILY_STATS, DISTRIBUTIONS, MATCHED_CUSTOMERS, SIZES)


@pytest.fixture(scope="module")
def duckdb_day(built_warehouse, tmp_path_factory) -> Path:
    """A warehouse with the example segments computed on AS_OF and their stats built."""
    work = tmp_path_factory.mktemp("stats_duckdb")
    warehouse = work / "w.duckdb"
    shutil.copy(built_warehouse.path, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        stored = read_store(REPOSITORY / "segment_defs", store_context(con, datetime.now(UTC)))
        record_store(con, stored)
        run_day(con, AS_OF, stored)
    build_stats(warehouse, AS_OF, work=work)
    return warehouse


def rows(fetched: Iterable) -> list[tuple]:
    """Rows as tuples, in a stable order."""
    return sorted((tuple(r) for r in fetched), key=repr)


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The table's columns but the build's instant."""
    return [c[0] for c in con.execute(f"DESCRIBE {table}").fetchall() if c[0] != "computed_at"]


def to_spark(spark, con: duckdb.DuckDBPyConnection, table: str, query: str) -> None:
    """Replace the Spark table `table` with the rows of a DuckDB query."""
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {table.split('.')[0]}")
    spark.createDataFrame(con.sql(query).to_arrow_table()).write.mode("overwrite").saveAsTable(
        table
    )


def build_on_spark(work: Path, day: date) -> None:
    """``dbt run`` of the stats models on the running Spark session (same metastore)."""
    from dbt.cli.main import dbtRunner

    profile = {"type": "spark", "method": "session", "host": "NA", "schema": "segments"}
    profiles = {"segmentation": {"target": "spark", "outputs": {"spark": profile}}}
    (work / "profiles.yml").write_text(yaml.safe_dump(profiles))
    variables = {"as_of_date": day.isoformat(), "default_timezone": DEFAULT_TIMEZONE}
    result = dbtRunner().invoke(
        ["run", "--select", SEGMENT_STATS, "--vars", json.dumps(variables),
         "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(work),
         "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    )  # fmt: skip
    assert result.success, result.exception


def assert_same_stats(spark, warehouse: Path) -> None:
    """Spark holds the rows of the three stats tables DuckDB holds (but the build instant)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in STATS:
            selected = ", ".join(columns(con, table))
            expected = rows(con.execute(f"SELECT {selected} FROM {table}").fetchall())
            assert expected, f"{table} is empty: nothing would be compared"
            assert rows(spark.sql(f"SELECT {selected} FROM {table}").collect()) == expected, table


def test_the_stats_models_give_duckdb_s_rows_on_spark(spark, duckdb_day, tmp_path) -> None:
    catalog = load_catalog()
    profile = catalog.profile
    metrics = catalog.field("last_activity_at").table
    with duckdb.connect(str(duckdb_day), read_only=True) as con:
        for table in (profile, metrics, MEMBERSHIP, DAYS):
            to_spark(spark, con, table, f"SELECT * FROM {table}")
        for table in STATS:
            spark.sql(f"DROP TABLE IF EXISTS {table}")
    build_on_spark(tmp_path, AS_OF)  # creates the tables
    assert_same_stats(spark, duckdb_day)
    build_on_spark(tmp_path, AS_OF)  # replaces the day's rows
    assert_same_stats(spark, duckdb_day)

    # A segment leaves the store: closed the next day, without a rule set.
    closed = tmp_path / "closed.duckdb"
    shutil.copy(duckdb_day, closed)
    with duckdb.connect(str(closed)) as con:
        segment_id, cid = con.execute(
            f"SELECT segment_id, any_value(cid) FROM {MATCHED_CUSTOMERS} GROUP BY 1 LIMIT 1"
        ).fetchone()
        con.execute(
            f"INSERT INTO {DAYS} VALUES (?, ?, ?, NULL, TIMESTAMP '2026-11-25 01:00:00')",
            [segment_id, cid, NEXT_DAY],
        )
        con.execute(
            f"UPDATE {MEMBERSHIP} SET valid_to = ? WHERE segment_id = ? AND valid_to IS NULL",
            [NEXT_DAY, segment_id],
        )
        for table in (MEMBERSHIP, DAYS):
            to_spark(spark, con, table, f"SELECT * FROM {table}")
    build_stats(closed, NEXT_DAY, work=tmp_path)
    build_on_spark(tmp_path, NEXT_DAY)
    assert_same_stats(spark, closed)
    gone = spark.sql(f"SELECT count(*) FROM {MATCHED_CUSTOMERS} WHERE segment_id = '{segment_id}'")
    assert gone.collect()[0][0] == 0
