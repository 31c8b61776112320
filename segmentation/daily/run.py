"""One day of segments: evaluate every computable segment and record its history.

The day's stats, distributions and matched customers are dbt models over that history
(dbt_project/models/segments), built afterwards: :func:`segmentation.daily.stats.build_stats`,
or the daily job's ``segment_stats`` step.

Which segments a day computes:

* valid ones only (an invalid file is reported by the store, and skipped);
* active ones only: an archived segment keeps its history and is not recomputed;
* those whose rule set was in force on the day: a segment edited (or created) after the
  day is left alone there, so an edit applies from its day on and earlier history stays.

A segment whose file left the store is closed: its current members exit on the first
day it no longer exists (the day, or the next one if the day was computed while it
existed), recorded as a computed day without a rule set; its past stays queryable, and
the next stats build drops its matched customers.
A file that is only invalid (or claims a duplicate id) is not "gone": its history is
left as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import duckdb

from segmentation.daily.evaluate import evaluate_segments
from segmentation.daily.membership import (
    DayChange,
    apply_staged_day,
    close_segments,
    open_segments,
)
from segmentation.daily.store import StoredSegment, rule_set_hash
from segmentation.rules.catalog import load_catalog
from segmentation.rules.model import Segment, SegmentStatus
from segmentation.settings import DEFAULT_TIMEZONE
from segmentation.warehouse import marts_day


@dataclass(frozen=True)
class DayResult:
    """What a day's run did: changes per computed segment, and what it left alone."""

    day: date
    changes: list[DayChange]
    skipped: dict[str, str]
    """Segment (id or file) -> why it was not computed."""
    removed: dict[str, str]
    """Segments closed because their file left the store: id -> tenant."""
    names: dict[str, tuple[str, str]]
    """Every segment of :attr:`changes`: id -> (tenant, name; "" for a removed one)."""


def computable(
    stored: list[StoredSegment], day: date, timezones: dict[str, str]
) -> tuple[list[StoredSegment], dict[str, str]]:
    """The segments to compute on ``day``, and why each other one is left alone."""
    chosen, skipped = [], {}
    for item in stored:
        segment = item.segment
        if not item.valid or segment is None:
            skipped[str(item.path)] = "invalid"
        elif segment.status is SegmentStatus.ARCHIVED:
            skipped[segment.id] = "archived"
        elif _local_day(segment, timezones) > day:
            skipped[segment.id] = "rule set edited after the day"
        else:
            chosen.append(item)
    return chosen, skipped


def _local_day(segment: Segment, timezones: dict[str, str]) -> date:
    zone = ZoneInfo(timezones.get(segment.cid, DEFAULT_TIMEZONE))
    return segment.updated_at.astimezone(zone).date()


def run_day(con: duckdb.DuckDBPyConnection, day: date, stored: list[StoredSegment]) -> DayResult:
    """Compute, record and summarize every computable segment on ``day`` (its stats are
    built afterwards, by dbt)."""
    built = marts_day(con)
    if built != day:
        raise ValueError(f"the marts are built as of {built}, not {day}: build the day first")
    timezones = dict(
        con.execute(f"SELECT DISTINCT cid, timezone FROM {load_catalog().profile}").fetchall()
    )
    chosen, skipped = computable(stored, day, timezones)
    segments = [item.segment for item in chosen]
    tenants = {s.id: s.cid for s in segments}
    hashes = {s.id: rule_set_hash(s) for s in segments}
    changes = []
    if chosen:
        evaluate_segments(con, {i.segment.id: i.rule_set for i in chosen}, day)
        changes = apply_staged_day(con, day, tenants, hashes)
    declared = {item.segment_id for item in stored}
    gone = {s: v for s, v in open_segments(con, day).items() if s not in declared}
    changes += close_segments(con, day, gone)
    removed = {s: cid for s, (cid, _latest) in gone.items()}
    names = {s.id: (s.cid, s.name) for s in segments} | {s: (c, "") for s, c in removed.items()}
    return DayResult(day, changes, skipped, removed, names)
