"""One day of segments: evaluate every computable segment, record history and stats.

Which segments a day computes:

* valid ones only (an invalid file is reported by the store, and skipped);
* active ones only: an archived segment keeps its history and is not recomputed;
* those whose rule set was in force on the day: a segment edited (or created) after the
  day is left alone there, so an edit applies from its day on and earlier history stays.

Segments that use other segments are computed after them, level by level
(:func:`~segmentation.rules.references.dependency_levels`), each level's history
recorded before the next is evaluated; a used segment not computed on the day is read
as of its latest computed day before it.

A segment whose file left the store is closed: its current members exit on the first
day it no longer exists (the day, or the next one if the day was computed while it
existed), its past stays queryable, and it leaves the current tables.
A file that is only invalid (or claims a duplicate id) is not "gone": its history is
left as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol
from zoneinfo import ZoneInfo

import duckdb

from segmentation.daily.evaluate import evaluate_segments
from segmentation.daily.membership import (
    DayChange,
    apply_day,
    apply_staged_day,
    closing_days,
    open_segments,
)
from segmentation.daily.store import StoredSegment, rule_set_hash
from segmentation.rules.bound import BoundRuleSet
from segmentation.rules.catalog import load_catalog
from segmentation.rules.model import Segment, SegmentStatus
from segmentation.rules.references import dependency_levels
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


class SegmentsEngine(Protocol):
    """Where a day of segments is computed and its history kept: DuckDB
    (:class:`DuckDBSegments`) or Spark (``segmentation.spark.segments``). The choices of
    the day (:func:`computable`, closing removed segments) are made once, in
    :func:`compute_day`."""

    def marts_day(self) -> date:
        """The day the marts were built as of."""
        ...

    def timezones(self) -> dict[str, str]:
        """Each tenant's time zone."""
        ...

    def stage_members(self, rule_sets: Mapping[str, BoundRuleSet], day: date) -> None:
        """Evaluate every rule set (segment id -> bound rule set) as of ``day``."""
        ...

    def apply_staged_day(
        self, day: date, tenants: Mapping[str, str], hashes: Mapping[str, str]
    ) -> list[DayChange]:
        """Record the staged members as the members on ``day`` of ``tenants``' segments."""
        ...

    def apply_day(
        self, day: date, members: Mapping[str, Iterable[str]], tenants: Mapping[str, str]
    ) -> list[DayChange]:
        """Record given members (segment id -> contact ids) on ``day``."""
        ...

    def open_segments(self, day: date) -> dict[str, tuple[str, date]]:
        """Segments with current members whose latest day is not after ``day``."""
        ...


class DuckDBSegments:
    """:class:`SegmentsEngine` on the DuckDB warehouse ``con``."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def marts_day(self) -> date:
        return marts_day(self.con)

    def timezones(self) -> dict[str, str]:
        profile = load_catalog().profile
        return dict(self.con.execute(f"SELECT DISTINCT cid, timezone FROM {profile}").fetchall())

    def stage_members(self, rule_sets: Mapping[str, BoundRuleSet], day: date) -> None:
        evaluate_segments(self.con, rule_sets, day)

    def apply_staged_day(
        self, day: date, tenants: Mapping[str, str], hashes: Mapping[str, str]
    ) -> list[DayChange]:
        return apply_staged_day(self.con, day, tenants, hashes)

    def apply_day(
        self, day: date, members: Mapping[str, Iterable[str]], tenants: Mapping[str, str]
    ) -> list[DayChange]:
        return apply_day(self.con, day, members, tenants)

    def open_segments(self, day: date) -> dict[str, tuple[str, date]]:
        return open_segments(self.con, day)


def run_day(con: duckdb.DuckDBPyConnection, day: date, stored: list[StoredSegment]) -> DayResult:
    """Compute, record and summarize every computable segment on ``day`` in DuckDB (its
    stats are built afterwards, by dbt)."""
    return compute_day(DuckDBSegments(con), day, stored)


def compute_day(engine: SegmentsEngine, day: date, stored: list[StoredSegment]) -> DayResult:
    """Compute, record and summarize every computable segment on ``day`` with ``engine``."""
    built = engine.marts_day()
    if built != day:
        raise ValueError(f"the marts are built as of {built}, not {day}: build the day first")
    chosen, skipped = computable(stored, day, engine.timezones())
    segments = [item.segment for item in chosen]
    tenants = {s.id: s.cid for s in segments}
    rule_sets = {item.segment.id: item.rule_set for item in chosen}
    hashes = {s.id: rule_set_hash(s) for s in segments}
    changes = []
    for level in dependency_levels({s: r.segments_used() for s, r in rule_sets.items()}):
        # A segment that uses others reads their membership of the day: they come first.
        engine.stage_members({s: rule_sets[s] for s in level}, day)
        changes += engine.apply_staged_day(
            day, {s: tenants[s] for s in level}, {s: hashes[s] for s in level}
        )
    declared = {item.segment_id for item in stored}
    gone = {s: v for s, v in engine.open_segments(day).items() if s not in declared}
    for closing, closed in closing_days(day, gone).items():
        changes += engine.apply_day(closing, {s: [] for s in closed}, closed)
    removed = {s: cid for s, (cid, _latest) in gone.items()}
    names = {s.id: (s.cid, s.name) for s in segments} | {s: (c, "") for s, c in removed.items()}
    return DayResult(day, changes, skipped, removed, names)
