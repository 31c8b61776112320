"""A day of segments on Spark: the same compiled rule sets and the same history steps as
on DuckDB, with the history kept as Parquet.

Without a table format that can delete rows (Delta, Iceberg), the history cannot be
edited in place. ``segments.segment_membership`` and ``segments.segment_days`` are
Parquet tables partitioned by segment, and a day rewrites only the partitions of the
segments whose members changed (dynamic partition overwrite): their kept rows, minus
the runs the day ends or joins (:data:`~segmentation.daily.membership.GONE`), plus the
runs it makes (:data:`~segmentation.daily.membership.NEW_RUNS`). The new rows are
written to a staging table first, so a partition is never read while it is replaced,
and a run that dies before the switch leaves the history as it was.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import reduce
from pathlib import Path

import duckdb
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from segmentation.compile import to_sql
from segmentation.daily.evaluate import members_query
from segmentation.daily.membership import (
    CHANGES,
    DAY_MEMBERS,
    DAY_SEGMENTS,
    DAYS,
    GONE,
    MEMBERSHIP,
    NEW_RUNS,
    OPEN_SEGMENTS,
    SCHEMA,
    DayChange,
    history_steps,
    render,
)
from segmentation.daily.run import DayResult, compute_day
from segmentation.daily.store import DEFINITIONS, StoredSegment, read_store, record_store
from segmentation.landing.sources import entity
from segmentation.limits import Limits
from segmentation.rules.bound import BoundRuleSet
from segmentation.rules.catalog import load_catalog
from segmentation.spark.export import create_views
from segmentation.warehouse import store_context

_HISTORY_COLUMNS = "cid STRING, contact_id STRING, valid_from DATE, valid_to DATE"
_DAYS_COLUMNS = "cid STRING, day DATE, rule_set_hash STRING, computed_at TIMESTAMP"
_STAGING = "__next"
"""Suffix of the staging table a rewrite writes before it switches a partition."""


def ensure_tables(spark: SparkSession) -> None:
    """Create the history tables (Parquet, partitioned by segment) if they are missing."""
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {SCHEMA}")
    for table, columns in ((MEMBERSHIP, _HISTORY_COLUMNS), (DAYS, _DAYS_COLUMNS)):
        spark.sql(
            f"CREATE TABLE IF NOT EXISTS {table} ({columns}, segment_id STRING) "
            "USING parquet PARTITIONED BY (segment_id)"
        )


class SparkSegments:
    """:class:`~segmentation.daily.run.SegmentsEngine` on a Spark session whose ``marts``
    were built by dbt-spark."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark
        ensure_tables(spark)

    def marts_day(self) -> date:
        profile = load_catalog().profile
        built = self.spark.sql(f"SELECT max(as_of_date) FROM {profile}").first()
        if built is None or built[0] is None:
            raise LookupError(f"{profile} is empty: build the warehouse first")
        return built[0]

    def timezones(self) -> dict[str, str]:
        profile = load_catalog().profile
        rows = self.spark.sql(f"SELECT DISTINCT cid, timezone FROM {profile}").collect()
        return {row[0]: row[1] for row in rows}

    def stage_members(self, rule_sets: Mapping[str, BoundRuleSet], day: date) -> None:
        by_tenant: dict[str, list[str]] = defaultdict(list)
        for segment_id, rule_set in rule_sets.items():
            by_tenant[rule_set.cid].append(segment_id)
        # One tenant's query materialized at a time: each broadcasts its per-contact
        # aggregates to the joins, and all tenants' at once exhaust the driver's memory
        # (measured at a million contacts with a 2 GiB driver).
        frames = [
            self.spark.sql(
                to_sql(members_query([rule_sets[s] for s in ids], ids, day), "spark")
            ).localCheckpoint()
            for _cid, ids in sorted(by_tenant.items())
        ]
        reduce(DataFrame.unionAll, frames).createOrReplaceTempView(DAY_MEMBERS)

    def apply_day(
        self, day: date, members: Mapping[str, Iterable[str]], tenants: Mapping[str, str]
    ) -> list[DayChange]:
        pairs = [(s, c) for s, contacts in members.items() for c in contacts]
        schema = "segment_id STRING, contact_id STRING"
        self.spark.createDataFrame(pairs, schema).createOrReplaceTempView(DAY_MEMBERS)
        return self.apply_staged_day(day, tenants, {})

    def apply_staged_day(
        self, day: date, tenants: Mapping[str, str], hashes: Mapping[str, str]
    ) -> list[DayChange]:
        segment_ids = list(tenants)
        day_segments = [(s, tenants[s]) for s in segment_ids]
        self.spark.createDataFrame(
            day_segments, "segment_id STRING, cid STRING"
        ).createOrReplaceTempView(DAY_SEGMENTS)
        steps, names = [], []
        for name, select in history_steps(day, "spark"):
            names.append(name)
            # Each step computed once, as DuckDB's temp tables are: later steps, the
            # counts and the rewrite read it instead of re-running its plan.
            steps.append(self.spark.sql(select).cache())
            steps[-1].createOrReplaceTempView(name)
        try:
            rows = self.spark.table(CHANGES).collect()
            counted = {r[0]: DayChange(r[0], *map(int, r[1:])) for r in rows}
            changed = sorted(s for s, c in counted.items() if c.entered or c.exited)
            if changed:
                self._rewrite_history(changed)
            self._record_days(day, tenants, hashes)
        finally:
            for step in steps:
                step.unpersist()
            for name in names:  # temporary views are the session's: leave none behind
                self.spark.catalog.dropTempView(name)
        return [counted[s] for s in segment_ids]

    def _rewrite_history(self, changed: list[str]) -> None:
        kept = (
            self.spark.table(MEMBERSHIP)
            .where(F.col("segment_id").isin(changed))
            .join(self.spark.table(GONE), ["segment_id", "contact_id", "valid_from"], "left_anti")
        )
        rows = kept.unionByName(self.spark.table(NEW_RUNS))
        self._replace_partitions(MEMBERSHIP, rows, changed)

    def _record_days(
        self, day: date, tenants: Mapping[str, str], hashes: Mapping[str, str]
    ) -> None:
        segment_ids = sorted(tenants)
        new = self.spark.createDataFrame(
            [(s, tenants[s], day, hashes.get(s)) for s in segment_ids],
            "segment_id STRING, cid STRING, day DATE, rule_set_hash STRING",
        ).withColumn("computed_at", F.current_timestamp())
        kept = (
            self.spark.table(DAYS)
            .where(F.col("segment_id").isin(segment_ids))
            .where(F.col("day") != F.lit(day))
        )
        self._replace_partitions(DAYS, kept.unionByName(new), segment_ids)

    def _replace_partitions(self, table: str, rows: DataFrame, segment_ids: list[str]) -> None:
        """Replace the partitions of ``segment_ids`` in ``table`` by ``rows``: written to a
        staging table first, then switched in partition by partition."""
        staging = f"{table}{_STAGING}"
        columns = self.spark.table(table).columns
        rows.select(*columns).write.mode("overwrite").format("parquet").saveAsTable(staging)
        self.spark.sql(
            f"INSERT OVERWRITE TABLE {table} PARTITION (segment_id) SELECT * FROM {staging}"
        )
        written = self.spark.table(staging).select("segment_id").distinct().collect()
        for segment_id in sorted(set(segment_ids) - {r[0] for r in written}):
            partition = f"segment_id = {_literal(segment_id)}"
            self.spark.sql(f"ALTER TABLE {table} DROP IF EXISTS PARTITION ({partition})")
        self.spark.sql(f"DROP TABLE IF EXISTS {staging}")

    def open_segments(self, day: date) -> dict[str, tuple[str, date]]:
        rows = self.spark.sql(render(OPEN_SEGMENTS, day, "spark")).collect()
        return {r[0]: (r[1], r[2]) for r in rows}

    def members_on(self, segment_id: str, day: date) -> set[str]:
        """The segment's members on ``day`` according to the history."""
        rows = (
            self.spark.table(MEMBERSHIP)
            .where((F.col("segment_id") == segment_id) & (F.col("valid_from") <= F.lit(day)))
            .where(F.col("valid_to").isNull() | (F.col("valid_to") > F.lit(day)))
            .select("contact_id")
            .collect()
        )
        return {r[0] for r in rows}


def _literal(value: str) -> str:
    """A Spark SQL string literal (a segment id is validated, and quoted all the same)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def segments_of_the_day(
    spark: SparkSession, day: date, store: Path, limits: Limits, now: datetime
) -> tuple[list[StoredSegment], DayResult]:
    """Read the segment store once (checked against the tenants and custom fields Spark's
    marts hold), record it as ``segments.segment_definitions``, and compute ``day``."""
    with duckdb.connect() as con:
        create_views(spark, con, [load_catalog().custom.definitions, entity("tenants").relation])
        stored = read_store(store, store_context(con, now, limits))
        record_store(con, stored)
        definitions = con.table(DEFINITIONS).to_arrow_table()
    engine = SparkSegments(spark)  # the segments database and history tables exist
    spark.createDataFrame(definitions).write.mode("overwrite").format("parquet").saveAsTable(
        DEFINITIONS
    )
    return stored, compute_day(engine, day, stored)
