"""What the segment detail page shows, per segment and day, from the membership history.

The tables are dbt models (dbt_project/models/segments), built after the day's
membership by :func:`build_stats` (the daily job's ``segment_stats`` step runs the same
models), so that DuckDB and Spark share them:

``segments.segment_daily_stats``: total_matched, total_customer_base, percentage_reach,
entered, exited, reachable by WhatsApp (a valid phone and WhatsApp consent) and by email
(a valid email and email consent), as counts and percentages of the matched, and the
version (hash) of the rule set that produced the day.

``segments.segment_distributions``: members by source, domicile (city), age bucket and
gender; a missing value is the bucket ``unknown``, so each dimension adds up to
total_matched. Age is whole years on the day: under 18, 18-24, 25-34, 35-44, 45-54,
55-64, 65+.

``segments.segment_sizes``: total_matched, entered and exited on every computed day, from
the membership history alone (rebuilt whole): the size over any past range.

``segments.segment_matched_customers``: the current members (of the segment's latest
computed day) with name, source, last activity, added by (the user who created the
contact) and owner.

A build for a day replaces the rows of that day (stats, distributions) and the matched
customers of the segments whose latest computed day it is, so re-running is harmless;
the matched customers of a segment that left the store are dropped. ``computed_at`` here
and in the computed days is the UTC instant of the write (a TIMESTAMP without zone).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import duckdb

from segmentation.daily.membership import SCHEMA
from segmentation.dbt import SEGMENT_STATS, dbt_build_args, run_dbt_build
from segmentation.settings import DEFAULT_TIMEZONE

DAILY_STATS = f"{SCHEMA}.segment_daily_stats"
DISTRIBUTIONS = f"{SCHEMA}.segment_distributions"
MATCHED_CUSTOMERS = f"{SCHEMA}.segment_matched_customers"
SIZES = f"{SCHEMA}.segment_sizes"


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the stats tables, empty, if they are missing: their readers (the overview,
    the snapshot) run before the first build. The columns and types are the dbt models'
    (a test builds them and compares); a build then adds to these tables."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {DAILY_STATS} (
            segment_id VARCHAR, cid VARCHAR, day DATE, total_matched BIGINT,
            total_customer_base BIGINT, percentage_reach DOUBLE, entered BIGINT,
            exited BIGINT, reachable_whatsapp BIGINT, reachable_whatsapp_pct DOUBLE,
            reachable_email BIGINT, reachable_email_pct DOUBLE, computed_at TIMESTAMP,
            rule_set_hash VARCHAR)"""
    )
    # Warehouses written before stats recorded the rule set's version.
    con.execute(f"ALTER TABLE {DAILY_STATS} ADD COLUMN IF NOT EXISTS rule_set_hash VARCHAR")
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {DISTRIBUTIONS} (
            segment_id VARCHAR, cid VARCHAR, day DATE, dimension VARCHAR, bucket VARCHAR,
            contacts BIGINT)"""
    )
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {MATCHED_CUSTOMERS} (
            segment_id VARCHAR, cid VARCHAR, contact_id VARCHAR, full_name VARCHAR,
            source VARCHAR, last_activity_on DATE, added_by VARCHAR, owner_id VARCHAR,
            day DATE)"""
    )
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {SIZES} (
            segment_id VARCHAR, cid VARCHAR, day DATE, total_matched BIGINT, entered BIGINT,
            exited BIGINT, rule_set_hash VARCHAR)"""
    )


def build_stats(
    warehouse: Path | str,
    day: date,
    timezone: str = DEFAULT_TIMEZONE,
    duckdb_config: Mapping[str, str] | None = None,
    work: Path | None = None,
) -> float:
    """Build the day's stats, distributions and matched customers into ``warehouse`` with
    dbt (the models of :data:`~segmentation.dbt.SEGMENT_STATS`, and their tests), from the
    membership history and the marts as of ``day`` (built beforehand): what the daily
    job's ``segment_stats`` step runs, without Dagster. ``work`` keeps dbt's target and
    logs (a temporary directory when None). The caller must hold no connection to the
    warehouse. Returns the seconds dbt took; raises
    :class:`~segmentation.dbt.DbtBuildError` when the build fails."""
    started = time.monotonic()
    args = dbt_build_args(
        day.isoformat(), str(warehouse), timezone, duckdb_config, select=SEGMENT_STATS
    )
    run_dbt_build(args, work=work)
    return time.monotonic() - started
