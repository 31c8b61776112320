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
import sqlglot
from sqlglot import exp

from segmentation.rules.catalog import load_catalog
from segmentation.transactions import transaction

SCHEMA = "segments"
MEMBERSHIP = load_catalog().membership
"""Named in the catalog, which segment conditions read it through."""
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
    con.execute(f"CREATE OR REPLACE TEMP TABLE {DAY_SEGMENTS} AS SELECT * FROM neighbours")
    with transaction(con):
        for name, select in history_steps(day):
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}")
        changes = _changes(con.execute(f"SELECT * FROM {CHANGES}").fetchall(), segment_ids)
        con.execute(
            f"DELETE FROM {MEMBERSHIP} m USING {GONE} g WHERE m.segment_id = g.segment_id "
            "AND m.contact_id = g.contact_id AND m.valid_from = g.valid_from"
        )
        con.execute(f"INSERT INTO {MEMBERSHIP} BY NAME SELECT * FROM {NEW_RUNS}")
        con.execute(f"DELETE FROM {DAYS} WHERE day = ? AND segment_id IN "
                    f"(SELECT segment_id FROM {DAY_SEGMENTS})", [day])  # fmt: skip
        hashes = rule_set_hashes or {}
        con.executemany(
            f"INSERT INTO {DAYS} VALUES (?, ?, ?, ?, timezone('UTC', now()))",
            [(s, tenants[s], day, hashes.get(s)) for s in segment_ids],
        )
    return changes


DAY_SEGMENTS = "day_segments"
"""The temp table of the segments a day is applied to: ``(segment_id, cid)``."""
CHANGES = "day_changes"
"""Per segment of the day: members, entered, exited."""
GONE = "gone_runs"
"""The history rows the day replaces: ``(segment_id, contact_id, valid_from)``."""
NEW_RUNS = "new_runs"
"""The history rows that replace them (the columns of :data:`MEMBERSHIP`)."""

_HISTORY_STEPS: tuple[tuple[str, str], ...] = (
    # Each segment's neighbouring computed days.
    (
        "around",
        f"""
        SELECT s.segment_id, s.cid, CAST($day AS DATE) AS day,
               (SELECT max(d.day) FROM {DAYS} d WHERE d.segment_id = s.segment_id
                  AND d.day < CAST($day AS DATE)) AS prev_day,
               (SELECT min(d.day) FROM {DAYS} d WHERE d.segment_id = s.segment_id
                  AND d.day > CAST($day AS DATE)) AS next_day
        FROM {DAY_SEGMENTS} s""",
    ),
    (
        "was_member",
        f"""
        SELECT m.segment_id, m.contact_id, m.valid_from, m.valid_to
        FROM {MEMBERSHIP} m JOIN around a ON a.segment_id = m.segment_id
        WHERE m.valid_from <= a.day AND (m.valid_to IS NULL OR m.valid_to > a.day)""",
    ),
    (
        "entered",
        f"""
        SELECT segment_id, contact_id FROM {DAY_MEMBERS}
        EXCEPT SELECT segment_id, contact_id FROM was_member""",
    ),
    (
        "exited",
        f"""
        SELECT segment_id, contact_id FROM was_member
        EXCEPT SELECT segment_id, contact_id FROM {DAY_MEMBERS}""",
    ),
    (
        CHANGES,
        f"""
        SELECT s.segment_id,
               (SELECT count(*) FROM {DAY_MEMBERS} f WHERE f.segment_id = s.segment_id)
                   AS members,
               (SELECT count(*) FROM entered e WHERE e.segment_id = s.segment_id) AS entered,
               (SELECT count(*) FROM exited x WHERE x.segment_id = s.segment_id) AS exited
        FROM {DAY_SEGMENTS} s""",
    ),
    # An entering contact joins the run ending on the day (member the computed day
    # before) and the run starting on the next computed day (member the day after).
    (
        "joined",
        f"""
        SELECT e.segment_id, a.cid, e.contact_id,
               coalesce(before.valid_from, a.day) AS valid_from,
               CASE WHEN after.valid_from IS NOT NULL THEN after.valid_to ELSE a.next_day END
                   AS valid_to,
               before.valid_from AS before_from, after.valid_from AS after_from
        FROM entered e JOIN around a ON a.segment_id = e.segment_id
        LEFT JOIN {MEMBERSHIP} before ON before.segment_id = e.segment_id
             AND before.contact_id = e.contact_id AND before.valid_to = a.day
        LEFT JOIN {MEMBERSHIP} after ON after.segment_id = e.segment_id
             AND after.contact_id = e.contact_id AND after.valid_from = a.next_day""",
    ),
    # A leaving contact's run is cut around the day: the part before it, and the part
    # from the next computed day on (when the run went on past it).
    (
        "split",
        """
        SELECT w.segment_id, a.cid, w.contact_id, w.valid_from, a.day AS valid_to
        FROM exited x JOIN was_member w
             ON w.segment_id = x.segment_id AND w.contact_id = x.contact_id
        JOIN around a ON a.segment_id = x.segment_id
        WHERE w.valid_from < a.day
        UNION ALL
        SELECT w.segment_id, a.cid, w.contact_id, a.next_day AS valid_from, w.valid_to
        FROM exited x JOIN was_member w
             ON w.segment_id = x.segment_id AND w.contact_id = x.contact_id
        JOIN around a ON a.segment_id = x.segment_id
        WHERE a.next_day IS NOT NULL AND (w.valid_to IS NULL OR a.next_day < w.valid_to)""",
    ),
    (
        GONE,
        """
        SELECT segment_id, contact_id, before_from AS valid_from FROM joined
        WHERE before_from IS NOT NULL
        UNION ALL SELECT segment_id, contact_id, after_from AS valid_from FROM joined
        WHERE after_from IS NOT NULL
        UNION ALL SELECT w.segment_id, w.contact_id, w.valid_from FROM was_member w
        JOIN exited x ON x.segment_id = w.segment_id AND x.contact_id = w.contact_id""",
    ),
    (
        NEW_RUNS,
        """
        SELECT segment_id, cid, contact_id, valid_from, valid_to FROM joined
        UNION ALL SELECT segment_id, cid, contact_id, valid_from, valid_to FROM split""",
    ),
)
"""How a day's members change the history, written once for every engine: each step a
SELECT over the history, the day's members and the earlier steps, kept under its name.
An engine then deletes the :data:`GONE` rows and adds the :data:`NEW_RUNS`."""


def history_steps(day: date, dialect: str = "duckdb") -> list[tuple[str, str]]:
    """The steps that apply ``day`` to the history, as ``(name, SELECT)`` in ``dialect``,
    the day bound as a date literal."""
    return [(name, render(select, day, dialect)) for name, select in _HISTORY_STEPS]


def _changes(rows: Iterable[tuple], segment_ids: list[str]) -> list[DayChange]:
    by_id = {r[0]: DayChange(*r) for r in rows}
    return [by_id[s] for s in segment_ids]


OPEN_SEGMENTS = f"""
    SELECT m.segment_id, max(m.cid) AS cid, max(d.latest) AS latest FROM {MEMBERSHIP} m
    JOIN (SELECT segment_id, max(day) AS latest FROM {DAYS} GROUP BY segment_id) d
      ON d.segment_id = m.segment_id
    WHERE m.valid_to IS NULL AND d.latest <= CAST($day AS DATE)
    GROUP BY m.segment_id
"""
"""Segments with current members whose latest computed day is not after the day."""


def render(sql: str, day: date | None = None, dialect: str = "duckdb") -> str:
    """``sql`` (written for DuckDB) in ``dialect``, with ``$day`` bound to ``day``."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    if day is not None:
        literal = exp.Literal.string(day.isoformat())
        tree = tree.transform(lambda n: literal.copy() if isinstance(n, exp.Placeholder) else n)
    return tree.sql(dialect=dialect)


def open_segments(con: duckdb.DuckDBPyConnection, day: date) -> dict[str, tuple[str, date]]:
    """Segments with current members whose latest computed day is not after ``day``:
    segment id -> (tenant, latest computed day). A past day's backfill never sees what a
    later day holds."""
    ensure_tables(con)
    rows = con.execute(OPEN_SEGMENTS, {"day": day}).fetchall()
    return {segment_id: (cid, latest) for segment_id, cid, latest in rows}


def closing_days(day: date, segments: Mapping[str, tuple[str, date]]) -> dict[date, dict[str, str]]:
    """When to close the history of segments that left the store, noticed on ``day``:
    closing day -> {segment id: tenant}. Each is recorded as computed, with no members, on
    the first day it no longer exists: ``day`` itself, or the day after when ``day`` was
    already computed while it existed (so that day's members stay in the history).
    ``segments`` as :func:`open_segments`."""
    by_day: dict[date, dict[str, str]] = {}
    for segment_id, (cid, latest) in segments.items():
        closing = day if latest < day else latest + timedelta(days=1)
        by_day.setdefault(closing, {})[segment_id] = cid
    return dict(sorted(by_day.items()))


def members_on(con: duckdb.DuckDBPyConnection, segment_id: str, day: date) -> set[str]:
    """The segment's members on ``day`` according to the history."""
    rows = con.execute(
        f"SELECT contact_id FROM {MEMBERSHIP} WHERE segment_id = ? AND valid_from <= ? "
        "AND (valid_to IS NULL OR valid_to > ?)",
        [segment_id, day, day],
    ).fetchall()
    return {r[0] for r in rows}
