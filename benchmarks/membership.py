"""Daily membership of 200 segments over 1M contacts, beside its lower bound.

The lower bound is a single pass per tenant computing every segment's predicate as a
column and only counting (nothing fetched, nothing written): what any engine must do at
least. The membership step is the real one: the same pass fetched and unpivoted, then
the history written. Day 1 writes every member; day 2 (marts rebuilt for the next day)
writes only the changes.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
from sqlglot import exp

from segmentation.compile import to_sql
from segmentation.daily.evaluate import evaluate_segments, flags_query
from segmentation.daily.membership import MEMBERSHIP, SCHEMA, apply_staged_day, ensure_tables
from segmentation.daily.run import DuckDBSegments, compute_day
from segmentation.daily.store import StoreContext, read_store
from segmentation.rules.bound import BoundRuleSet
from segmentation.rules.catalog import load_catalog
from segmentation.rules.validate import bind
from segmentation.warehouse import custom_fields
from tools.synthetic import vocabulary as vocab
from tools.synthetic.generator import stable_id

SEGMENTS_PER_TENANT = 20
LABELS = ["Champions", "Loyal Customers", "At Risk"]


def _field(field, operator, value=None):
    return {"type": "field", "field": field, "operator": operator, "value": value}


def _association(kind, where=(), count=None, window=None):
    condition = {"type": "association", "association": kind, "where": list(where)}
    if count:
        condition["count"] = {"operator": count[0], "value": count[1]}
    if window:
        condition["window"] = window
    return condition


def _templates(cid: str, tenant: int, k: int) -> dict:
    """Rule set number ``k`` of a tenant: ten shapes, values varied by ``k``."""
    city = vocab.CITIES[k % len(vocab.CITIES)][0]
    source = vocab.LEAD_SOURCES[k % len(vocab.LEAD_SOURCES)][0]
    _name, options = vocab.CUSTOM_FIELDS["multiple_select"][tenant % 3]
    shapes = [
        [_field("city", "is", city), _field("is_whatsapp_reachable", "is_true")],
        [_field("rfm_label", "is_any_of", LABELS[: 1 + k % 3])],
        [_field("total_spent", "greater_than", 500_000 * (1 + k))],
        [_association("conversations", [{"field": "channel", "operator": "is_any_of",
                                          "value": ["whatsapp"]}], ("at_least", 2),
                      {"last_days": 30 + k})],
        [_association("campaigns", [{"field": "status", "operator": "is_any_of",
                                     "value": ["read", "replied"]}], None,
                      {"last_days": 7 + k, "field": "status_at"})],
        [_association("orders", [{"field": "is_counted", "operator": "is_true"}],
                      ("at_least", 3), {"last_days": 90}),
         _association("tickets", [{"field": "is_resolved", "operator": "is_false"}],
                      ("exactly", 0))],
        [_field("source", "is_any_of", [source]), _field("created_at", "in_last_days", 365)],
        [_field("days_since_last_activity", "greater_than", 30 + k),
         _field("is_email_reachable", "is_true")],
        [{"type": "custom_field", "field_id": stable_id(cid, "custom_field", "multiple_select"),
          "operator": "contains_any", "value": [options[k % len(options)]]}],
        [_association("deals", [{"field": "status", "operator": "is_any_of", "value": ["won"]},
                                {"field": "amount", "operator": "greater_than",
                                 "value": 10_000_000}]),
         _association("tickets", [{"field": "is_resolved", "operator": "is_false"}])],
    ]  # fmt: skip
    match = "any" if k % 10 == 9 else "all"
    return {"version": 1, "groups": [{"match": match, "conditions": shapes[k % 10]}]}


NESTED_FROM = 15
"""With nesting, a tenant's segments from this number on (5 of 20: 50 of 200) use others."""


def _nested(cid: str, tenant: int, k: int) -> dict:
    """Rule set ``k`` using two of the tenant's segments that use none: in the first and
    not in the second, or entered the first in the last 7 days and its own shape."""
    first, second = stable_id("bench", cid, k - NESTED_FROM), stable_id("bench", cid, k - 10)
    own = _templates(cid, tenant, k)["groups"][0]["conditions"][:2]

    def segment(segment_id: str, operator: str, value: int | None = None) -> dict:
        return {"type": "segment", "segment_id": segment_id, "operator": operator, "value": value}

    return {"version": 1, "match": "any", "groups": [
        {"match": "all", "conditions": [segment(first, "is_in"), segment(second, "is_not_in")]},
        {"match": "all", "conditions": [segment(first, "entered_in_last_days", 7), *own]},
    ]}  # fmt: skip


def bench_rule_set_files(cids: list[str], nested: bool = False) -> dict[str, dict]:
    """The same 200 segments as stored segment files, by ``<cid>/<name>.json``; with
    ``nested``, the last 5 of each tenant use two of its other segments."""
    return {
        f"{cid}/bench-{k:02d}.json": {
            "id": stable_id("bench", cid, k),
            "cid": cid,
            "name": f"Bench segment {k}",
            "status": "active",
            "created_at": "2026-11-01T09:00:00Z",
            "updated_at": "2026-11-01T09:00:00Z",
            "rule_set": (_nested if nested and k >= NESTED_FROM else _templates)(cid, t, k),
        }
        for t, cid in enumerate(cids)
        for k in range(SEGMENTS_PER_TENANT)
    }


def bench_rule_sets(con: duckdb.DuckDBPyConnection) -> dict[str, BoundRuleSet]:
    """200 segments' rule sets, bound: 20 for each of the 10 tenants."""
    cids = [r[0] for r in con.execute(f"SELECT DISTINCT cid FROM {load_catalog().profile} "
                                      "ORDER BY 1").fetchall()]  # fmt: skip
    fields = custom_fields(con)
    return {
        stable_id("bench", cid, k): bind(_templates(cid, t, k), cid, fields)
        for t, cid in enumerate(cids)
        for k in range(SEGMENTS_PER_TENANT)
    }


def lower_bound(con, rule_sets: dict[str, BoundRuleSet], day: date) -> float:
    """Seconds for one pass per tenant computing every predicate, counting only."""
    started = time.perf_counter()
    for cid in sorted({r.cid for r in rule_sets.values()}):
        mine = [r for r in rule_sets.values() if r.cid == cid]
        flags = flags_query(mine, day).subquery("flags")
        counts = [exp.func("count_if", exp.column(f"s{i}")) for i in range(len(mine))]
        con.execute(to_sql(exp.select(*counts).from_(flags))).fetchall()
    return time.perf_counter() - started


@dataclass(frozen=True)
class DayFigures:
    day: date
    evaluate_s: float
    history_s: float
    members: int
    entered: int
    exited: int
    rows_before: int
    rows_after: int


def membership_day(con, rule_sets: dict[str, BoundRuleSet], day: date) -> DayFigures:
    """The membership step of one day, timed: evaluate, then write the history."""
    ensure_tables(con)
    rows_before = con.execute(f"SELECT count(*) FROM {MEMBERSHIP}").fetchall()[0][0]
    started = time.perf_counter()
    evaluate_segments(con, rule_sets, day)
    evaluated = time.perf_counter()
    # One version per benchmark rule set: a computed day with a hash gets stats.
    hashes = dict.fromkeys(rule_sets, "benchmark")
    changes = apply_staged_day(con, day, {s: r.cid for s, r in rule_sets.items()}, hashes)
    written = time.perf_counter()
    rows_after = con.execute(f"SELECT count(*) FROM {MEMBERSHIP}").fetchall()[0][0]
    return DayFigures(
        day, evaluated - started, written - evaluated, sum(c.members for c in changes),
        sum(c.entered for c in changes), sum(c.exited for c in changes), rows_before, rows_after,
    )  # fmt: skip


def run_day(con: duckdb.DuckDBPyConnection, day: date) -> tuple[float, DayFigures, int]:
    """Lower bound and membership step on ``day`` (the marts' day); segments count."""
    rule_sets = bench_rule_sets(con)
    lower_bound(con, rule_sets, day)  # warm up
    bound = min(lower_bound(con, rule_sets, day) for _ in range(3))
    figures = membership_day(con, rule_sets, day)
    return bound, figures, len(rule_sets)


@dataclass(frozen=True)
class NestingFigures:
    """The day's segments without and with segments that use segments: seconds (best of
    two) and members written."""

    plain_s: float
    nested_s: float
    plain_members: int
    nested_members: int


def nesting(con: duckdb.DuckDBPyConnection, day: date, store: Path) -> NestingFigures:
    """The day's segments (``compute_day``: evaluation and history, level by level) for
    the 200 segments without references, and with 50 using others; each on a fresh
    history, best of two, interleaved."""
    cids = [r[0] for r in con.execute(f"SELECT DISTINCT cid FROM {load_catalog().profile} "
                                      "ORDER BY 1").fetchall()]  # fmt: skip
    context = StoreContext(custom_fields=custom_fields(con))
    stores = {}
    for nested in (False, True):
        root = store / ("nested" if nested else "plain")
        shutil.rmtree(root, ignore_errors=True)
        for relative, document in bench_rule_set_files(cids, nested).items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(json.dumps(document))
        stores[nested] = read_store(root, context)
        invalid = [item.issues for item in stores[nested] if not item.valid]
        if invalid:
            raise ValueError(f"benchmark segments invalid: {invalid[:3]}")
    seconds: dict[bool, list[float]] = {False: [], True: []}
    members: dict[bool, int] = {}
    for _ in range(2):
        for nested, stored in stores.items():
            con.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            started = time.perf_counter()
            result = compute_day(DuckDBSegments(con), day, stored)
            seconds[nested].append(time.perf_counter() - started)
            members[nested] = sum(change.members for change in result.changes)
    return NestingFigures(min(seconds[False]), min(seconds[True]), members[False], members[True])


def report(days: list[tuple[float, DayFigures]], segments: int) -> str:
    """The table ``make bench`` prints."""
    lines = [
        f"{'day':<11} {'segments':>8} {'members':>10} {'entered':>9} {'exited':>9} "
        f"{'evaluate s':>10} {'history s':>9} {'step s':>7} {'bound s':>7} {'x bound':>7} "
        f"{'rows +':>9} {'rows/members':>12}"
    ]
    for bound, d in days:
        step = d.evaluate_s + d.history_s
        growth = d.rows_after - d.rows_before
        lines.append(
            f"{d.day.isoformat():<11} {segments:>8} {d.members:>10,} {d.entered:>9,} "
            f"{d.exited:>9,} {d.evaluate_s:>10.2f} {d.history_s:>9.2f} {step:>7.2f} "
            f"{bound:>7.2f} {step / bound:>6.2f}x {growth:>9,} {growth / max(d.members, 1):>12.3f}"
        )
    lines.append("target: membership step within 3x the bound; rows added per day track "
                 "changes (entered + exited), not members")  # fmt: skip
    return "\n".join(lines)
