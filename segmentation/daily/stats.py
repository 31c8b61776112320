"""What the segment detail page shows, per segment and day, from the membership history.

``segments.segment_daily_stats``: total_matched, total_customer_base, percentage_reach,
entered, exited, reachable by WhatsApp (a valid phone and WhatsApp consent) and by email
(a valid email and email consent), as counts and percentages of the matched, and the
version (hash) of the rule set that produced the day.

``segments.segment_distributions``: members by source, domicile (city), age bucket and
gender; a missing value is the bucket ``unknown``, so each dimension adds up to
total_matched. Age is whole years on the day: under 18, 18-24, 25-34, 35-44, 45-54,
55-64, 65+.

``segments.segment_matched_customers``: the current members with name, source, last
activity, added by (the user who created the contact) and owner.

Every write replaces the rows of the given segments and day, so re-running is harmless.
``computed_at`` here and in the computed days is the UTC instant of the write (a
TIMESTAMP without zone, whatever the session's time zone).
"""

from __future__ import annotations

from datetime import date

import duckdb

from segmentation.daily.membership import DAYS, MEMBERSHIP, SCHEMA
from segmentation.rules.catalog import load_catalog
from segmentation.transactions import transaction

DAILY_STATS = f"{SCHEMA}.segment_daily_stats"
DISTRIBUTIONS = f"{SCHEMA}.segment_distributions"
MATCHED_CUSTOMERS = f"{SCHEMA}.segment_matched_customers"

_MEMBERS_ON_DAY = f"""
    SELECT m.segment_id, m.cid, m.contact_id FROM {MEMBERSHIP} m
    JOIN stats_segments s USING (segment_id)
    WHERE m.valid_from <= $day AND (m.valid_to IS NULL OR m.valid_to > $day)
"""

_AGE_YEARS = """
    year($day) - year(p.date_of_birth)
    - CASE WHEN month($day) * 100 + day($day)
                < month(p.date_of_birth) * 100 + day(p.date_of_birth) THEN 1 ELSE 0 END
"""

_AGE_BUCKET = """
    CASE WHEN age IS NULL OR age < 0 THEN 'unknown' WHEN age < 18 THEN 'under 18'
         WHEN age < 25 THEN '18-24' WHEN age < 35 THEN '25-34' WHEN age < 45 THEN '35-44'
         WHEN age < 55 THEN '45-54' WHEN age < 65 THEN '55-64' ELSE '65+' END
"""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the stats tables if they are missing."""
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


def write_stats(
    con: duckdb.DuckDBPyConnection,
    day: date,
    segment_tenants: dict[str, str],
    current: set[str] | None = None,
) -> None:
    """Stats and distributions of ``segment_tenants`` (segment id -> tenant) on ``day``.

    ``current`` are the segments for which ``day`` is the latest computed day: their
    matched-customers list is replaced by the members on ``day``.
    """
    ensure_tables(con)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stats_segments AS "
        "SELECT unnest($ids) AS segment_id, unnest($cids) AS cid",
        {"ids": list(segment_tenants), "cids": list(segment_tenants.values())},
    )
    params = {"day": day}
    with transaction(con):
        for table in (DAILY_STATS, DISTRIBUTIONS):
            con.execute(
                f"DELETE FROM {table} WHERE day = $day "
                "AND segment_id IN (SELECT segment_id FROM stats_segments)",
                params,
            )
        con.execute(_daily_stats_sql(), params)
        con.execute(_distributions_sql(), params)
        if current:
            _write_matched_customers(con, day, current)


def _daily_stats_sql() -> str:
    profile = load_catalog().profile
    return f"""
        INSERT INTO {DAILY_STATS}
        WITH members AS ({_MEMBERS_ON_DAY}),
        base AS (
            SELECT cid, count(*) AS contacts FROM {profile}
            WHERE cid IN (SELECT cid FROM stats_segments) GROUP BY cid
        ),
        per_segment AS (
            SELECT s.segment_id,
                   count(m.contact_id) AS total_matched,
                   count(CASE WHEN p.is_whatsapp_reachable THEN 1 END) AS whatsapp,
                   count(CASE WHEN p.is_email_reachable THEN 1 END) AS email
            FROM stats_segments s
            LEFT JOIN members m USING (segment_id)
            LEFT JOIN {profile} p ON p.contact_id = m.contact_id AND p.cid = m.cid
            GROUP BY s.segment_id
        ),
        moves AS (
            SELECT s.segment_id,
                   count(CASE WHEN h.valid_from = $day THEN 1 END) AS entered,
                   count(CASE WHEN h.valid_to = $day THEN 1 END) AS exited
            FROM stats_segments s LEFT JOIN {MEMBERSHIP} h USING (segment_id)
            GROUP BY s.segment_id
        )
        SELECT p.segment_id, t.cid, $day, p.total_matched, b.contacts,
               100.0 * p.total_matched / nullif(b.contacts, 0),
               mv.entered, mv.exited,
               p.whatsapp, 100.0 * p.whatsapp / nullif(p.total_matched, 0),
               p.email, 100.0 * p.email / nullif(p.total_matched, 0),
               timezone('UTC', now()), d.rule_set_hash
        FROM per_segment p JOIN moves mv USING (segment_id) JOIN stats_segments t USING (segment_id)
        LEFT JOIN base b ON b.cid = t.cid
        LEFT JOIN {DAYS} d ON d.segment_id = p.segment_id AND d.day = $day
    """


def _distributions_sql() -> str:
    dimensions = {
        "source": "coalesce(source, 'unknown')",
        "domicile": "coalesce(city, 'unknown')",
        "age": _AGE_BUCKET,
        "gender": "coalesce(gender, 'unknown')",
    }
    selects = " UNION ALL ".join(
        f"SELECT segment_id, cid, '{name}' AS dimension, {expression} AS bucket FROM people"
        for name, expression in dimensions.items()
    )
    profile = load_catalog().profile
    return f"""
        INSERT INTO {DISTRIBUTIONS}
        WITH members AS ({_MEMBERS_ON_DAY}),
        people AS (
            SELECT m.segment_id, m.cid, p.source, p.city, p.gender, {_AGE_YEARS} AS age
            FROM members m JOIN {profile} p
            ON p.contact_id = m.contact_id AND p.cid = m.cid
        )
        SELECT segment_id, cid, $day, dimension, bucket, count(*)
        FROM ({selects}) GROUP BY ALL
    """


def forget_matched_customers(con: duckdb.DuckDBPyConnection, segment_ids: set[str]) -> None:
    """Drop the current matched customers of segments that left the store."""
    if segment_ids:
        ensure_tables(con)
        con.execute(
            f"DELETE FROM {MATCHED_CUSTOMERS} WHERE segment_id IN (SELECT unnest($ids))",
            {"ids": sorted(segment_ids)},
        )


def _write_matched_customers(con: duckdb.DuckDBPyConnection, day: date, current: set[str]) -> None:
    catalog = load_catalog()
    activity = catalog.field("last_activity_at")
    con.execute(
        f"DELETE FROM {MATCHED_CUSTOMERS} WHERE segment_id IN (SELECT unnest($ids))",
        {"ids": sorted(current)},
    )
    con.execute(
        f"""
        INSERT INTO {MATCHED_CUSTOMERS}
        WITH members AS ({_MEMBERS_ON_DAY})
        SELECT m.segment_id, m.cid, m.contact_id, p.full_name, p.source,
               x.{activity.column} AS last_activity_on, p.created_by, p.owner_id, $day
        FROM members m
        JOIN {catalog.profile} p ON p.contact_id = m.contact_id AND p.cid = m.cid
        LEFT JOIN {activity.table} x ON x.contact_id = m.contact_id AND x.cid = m.cid
        WHERE m.segment_id IN (SELECT unnest($ids))
        """,
        {"day": day, "ids": sorted(current)},
    )
