"""Daily segment membership, kept as history: one row per stretch of membership.

``segments.segment_membership(segment_id, cid, contact_id, valid_from, valid_to)`` holds,
for each contact and segment, the maximal runs of *computed days* on which the contact
was a member: ``valid_from`` is the first day of a run, ``valid_to`` the next computed
day on which it was no longer a member (NULL while it still is). So the members on day D
are the rows with ``valid_from <= D < coalesce(valid_to, infinity)``; those who entered
on D have ``valid_from = D``; those who exited have ``valid_to = D``.

``segments.segment_days(segment_id, day)`` records which days were computed. Applying a
day's member set rewrites only the rows of contacts whose membership on that day
changes, so storage grows with changes, not with members x days. The result depends on
the set of (day, members) facts only, never on the order days were applied, so a
re-run of a day changes nothing and a backfill gives the history of an in-order run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pyarrow as pa

from segmentation.transactions import transaction

SCHEMA = "segments"
MEMBERSHIP = f"{SCHEMA}.segment_membership"
DAYS = f"{SCHEMA}.segment_days"
DAY_MEMBERS = "day_members"
"""The temp table of a day's members being applied: ``(segment_id, contact_id)``. The
members stay in DuckDB from evaluation to history (spilled past its memory limit)."""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the membership history tables if they are missing."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {MEMBERSHIP} (
            segment_id VARCHAR NOT NULL, cid VARCHAR NOT NULL, contact_id VARCHAR NOT NULL,
            valid_from DATE NOT NULL, valid_to DATE)"""
    )
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {DAYS} (
            segment_id VARCHAR NOT NULL, cid VARCHAR NOT NULL, day DATE NOT NULL,
            rule_set_hash VARCHAR, computed_at TIMESTAMP)"""
    )


@dataclass(frozen=True)
class DayChange:
    """What applying a day did to one segment."""

    segment_id: str
    members: int
    entered: int
    exited: int


def stage_members(con: duckdb.DuckDBPyConnection, members: Mapping[str, Iterable[str]]) -> None:
    """Stage ``members`` (segment id -> contact ids) as the day's members to apply."""
    segment_ids = list(members)
    facts = pa.table(  # noqa: F841 (read by DuckDB)
        {
            "segment_id": [s for s in segment_ids for _ in members[s]],
            "contact_id": [c for s in segment_ids for c in members[s]],
        },
        schema=pa.schema([("segment_id", pa.string()), ("contact_id", pa.string())]),
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE {DAY_MEMBERS} AS SELECT * FROM facts")


def apply_day(
    con: duckdb.DuckDBPyConnection,
    day: date,
    members: Mapping[str, Iterable[str]],
    tenants: Mapping[str, str],
    rule_set_hashes: Mapping[str, str] | None = None,
) -> list[DayChange]:
    """Record ``members`` (segment id -> contact ids) as the members on ``day``.

    ``tenants`` maps each segment id to its tenant. Runs in one transaction.
    """
    stage_members(con, members)
    return apply_staged_day(con, day, tenants, rule_set_hashes)


def apply_staged_day(
    con: duckdb.DuckDBPyConnection,
    day: date,
    tenants: Mapping[str, str],
    rule_set_hashes: Mapping[str, str] | None = None,
) -> list[DayChange]:
    """Record the staged members (:data:`DAY_MEMBERS`) as the members on ``day`` of the
    segments of ``tenants`` (segment id -> tenant): a segment with no staged row has no
    member that day. Runs in one transaction."""
    ensure_tables(con)
    segment_ids = list(tenants)
    neighbours = pa.table(  # noqa: F841 (read by DuckDB)
        {"segment_id": segment_ids, "cid": [tenants[s] for s in segment_ids]},
        schema=pa.schema([("segment_id", pa.string()), ("cid", pa.string())]),
    )
    con.execute("CREATE OR REPLACE TEMP TABLE day_segments AS SELECT * FROM neighbours")
    with transaction(con):
        _stage(con, day)
        changes = _changes(con, segment_ids)
        _rewrite(con)
        con.execute(f"DELETE FROM {DAYS} WHERE day = ? AND segment_id IN "
                    "(SELECT segment_id FROM day_segments)", [day])  # fmt: skip
        hashes = rule_set_hashes or {}
        con.executemany(
            f"INSERT INTO {DAYS} VALUES (?, ?, ?, ?, timezone('UTC', now()))",
            [(s, tenants[s], day, hashes.get(s)) for s in segment_ids],
        )
    return changes


def _stage(con: duckdb.DuckDBPyConnection, day: date) -> None:
    """Temp tables: each segment's neighbouring computed days, and who entered / exited."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE around AS
        SELECT s.segment_id, s.cid, CAST(? AS DATE) AS day,
               (SELECT max(d.day) FROM {DAYS} d WHERE d.segment_id = s.segment_id
                  AND d.day < CAST(? AS DATE)) AS prev_day,
               (SELECT min(d.day) FROM {DAYS} d WHERE d.segment_id = s.segment_id
                  AND d.day > CAST(? AS DATE)) AS next_day
        FROM day_segments s
        """,
        [day, day, day],
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE was_member AS
        SELECT m.segment_id, m.contact_id, m.valid_from, m.valid_to
        FROM {MEMBERSHIP} m JOIN around a USING (segment_id)
        WHERE m.valid_from <= a.day AND (m.valid_to IS NULL OR m.valid_to > a.day)
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE entered AS
        SELECT segment_id, contact_id FROM {DAY_MEMBERS}
        EXCEPT SELECT segment_id, contact_id FROM was_member
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE exited AS
        SELECT segment_id, contact_id FROM was_member
        EXCEPT SELECT segment_id, contact_id FROM {DAY_MEMBERS}
        """
    )


def _changes(con: duckdb.DuckDBPyConnection, segment_ids: list[str]) -> list[DayChange]:
    rows = con.execute(
        f"""
        SELECT s.segment_id,
               (SELECT count(*) FROM {DAY_MEMBERS} f WHERE f.segment_id = s.segment_id),
               (SELECT count(*) FROM entered e WHERE e.segment_id = s.segment_id),
               (SELECT count(*) FROM exited x WHERE x.segment_id = s.segment_id)
        FROM day_segments s
        """
    ).fetchall()
    by_id = {r[0]: DayChange(*r) for r in rows}
    return [by_id[s] for s in segment_ids]


def _rewrite(con: duckdb.DuckDBPyConnection) -> None:
    """Replace the rows of contacts whose membership on the day changed."""
    # An entering contact joins the run ending on the day (member the computed day
    # before) and the run starting on the next computed day (member the day after).
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE joined AS
        SELECT e.segment_id, a.cid, e.contact_id,
               coalesce(before.valid_from, a.day) AS valid_from,
               CASE WHEN after.valid_from IS NOT NULL THEN after.valid_to ELSE a.next_day END
                   AS valid_to,
               before.valid_from AS before_from, after.valid_from AS after_from
        FROM entered e JOIN around a USING (segment_id)
        LEFT JOIN {MEMBERSHIP} before ON before.segment_id = e.segment_id
             AND before.contact_id = e.contact_id AND before.valid_to = a.day
        LEFT JOIN {MEMBERSHIP} after ON after.segment_id = e.segment_id
             AND after.contact_id = e.contact_id AND after.valid_from = a.next_day
        """
    )
    # A leaving contact's run is cut around the day: the part before it, and the part
    # from the next computed day on (when the run went on past it).
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE split AS
        SELECT w.segment_id, a.cid, w.contact_id, w.valid_from, a.day AS valid_to
        FROM exited x JOIN was_member w USING (segment_id, contact_id) JOIN around a
             USING (segment_id)
        WHERE w.valid_from < a.day
        UNION ALL
        SELECT w.segment_id, a.cid, w.contact_id, a.next_day, w.valid_to
        FROM exited x JOIN was_member w USING (segment_id, contact_id) JOIN around a
             USING (segment_id)
        WHERE a.next_day IS NOT NULL AND (w.valid_to IS NULL OR a.next_day < w.valid_to)
        """
    )
    con.execute(
        f"""
        DELETE FROM {MEMBERSHIP} m USING (
            SELECT segment_id, contact_id, before_from AS valid_from FROM joined
            WHERE before_from IS NOT NULL
            UNION ALL SELECT segment_id, contact_id, after_from FROM joined
            WHERE after_from IS NOT NULL
            UNION ALL SELECT segment_id, contact_id, valid_from FROM was_member
            WHERE (segment_id, contact_id) IN (SELECT segment_id, contact_id FROM exited)
        ) gone
        WHERE m.segment_id = gone.segment_id AND m.contact_id = gone.contact_id
          AND m.valid_from = gone.valid_from
        """
    )
    con.execute(
        f"""
        INSERT INTO {MEMBERSHIP}
        SELECT segment_id, cid, contact_id, valid_from, valid_to FROM joined
        UNION ALL SELECT segment_id, cid, contact_id, valid_from, valid_to FROM split
        """
    )


def open_segments(con: duckdb.DuckDBPyConnection, day: date) -> dict[str, tuple[str, date]]:
    """Segments with current members whose latest computed day is not after ``day``:
    segment id -> (tenant, latest computed day). A past day's backfill never sees what a
    later day holds."""
    ensure_tables(con)
    rows = con.execute(
        f"""
        SELECT m.segment_id, any_value(m.cid), any_value(d.latest) FROM {MEMBERSHIP} m
        JOIN (SELECT segment_id, max(day) AS latest FROM {DAYS} GROUP BY ALL) d
          USING (segment_id)
        WHERE m.valid_to IS NULL AND d.latest <= ?
        GROUP BY m.segment_id
        """,
        [day],
    ).fetchall()
    return {segment_id: (cid, latest) for segment_id, cid, latest in rows}


def close_segments(
    con: duckdb.DuckDBPyConnection, day: date, segments: dict[str, tuple[str, date]]
) -> list[DayChange]:
    """Close the history of segments that left the store, noticed on ``day``.

    Each is recorded as computed, with no members, on the first day it no longer exists:
    ``day`` itself, or the day after when ``day`` was already computed while it existed
    (so that day's members stay in the history). ``segments`` as :func:`open_segments`.
    """
    by_day: dict[date, dict[str, str]] = {}
    for segment_id, (cid, latest) in segments.items():
        closing = day if latest < day else latest + timedelta(days=1)
        by_day.setdefault(closing, {})[segment_id] = cid
    changes = []
    for closing, tenants in sorted(by_day.items()):
        changes += apply_day(con, closing, {s: [] for s in tenants}, tenants)
    return changes


def members_on(con: duckdb.DuckDBPyConnection, segment_id: str, day: date) -> set[str]:
    """The segment's members on ``day`` according to the history."""
    rows = con.execute(
        f"SELECT contact_id FROM {MEMBERSHIP} WHERE segment_id = ? AND valid_from <= ? "
        "AND (valid_to IS NULL OR valid_to > ?)",
        [segment_id, day, day],
    ).fetchall()
    return {r[0] for r in rows}
