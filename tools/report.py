"""What a run left in the warehouse: tables and row counts, quarantined rows by rule, and
each segment's figures of the day (the report `make run` prints)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import duckdb

from segmentation.daily.stats import DAILY_STATS, DISTRIBUTIONS
from segmentation.daily.store import DEFINITIONS
from segmentation.landing.load import QUARANTINE
from segmentation.preview import preview
from segmentation.rules.references import SegmentRef, segments_named
from segmentation.rules.validate import bind
from segmentation.warehouse import custom_fields

SUMMARY_SCHEMAS = ("raw", "marts", "segments")


@dataclass(frozen=True)
class WarehouseSummary:
    """Row counts per table and quarantine counts per (entity, action, rule)."""

    tables: list[tuple[str, int]]
    quarantine: list[tuple[str, str, str, int]]


def summarize(con: duckdb.DuckDBPyConnection, views: bool = False) -> WarehouseSummary:
    """Count the rows of every table of the raw and marts schemas, and the quarantine;
    with ``views``, of the views too (another engine's tables, read from its files)."""
    kinds = ["BASE TABLE", "VIEW"] if views else ["BASE TABLE"]
    names = con.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_schema IN (SELECT unnest(?)) AND table_type IN (SELECT unnest(?)) "
        "ORDER BY 1",
        [list(SUMMARY_SCHEMAS), kinds],
    ).fetchall()
    tables = [
        (name, con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]) for (name,) in names
    ]
    quarantine = con.execute(
        f"SELECT entity, action, rule, count(*) FROM {QUARANTINE} GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    return WarehouseSummary(tables=tables, quarantine=quarantine)


def format_summary(summary: WarehouseSummary) -> str:
    """A plain-text report for the terminal."""
    lines = ["Tables", *(f"  {name:<40} {rows:>12,}" for name, rows in summary.tables)]
    lines += ["", f"Quarantined ({QUARANTINE})"]
    lines += [
        f"  {entity:<26} {action:<9} {rule:<24} {count:>9,}"
        for entity, action, rule, count in summary.quarantine
    ] or ["  nothing"]
    return "\n".join(lines)


def segments_report(con: duckdb.DuckDBPyConnection, day: date) -> list[str]:
    """Per segment the day's run recorded: preview count, membership and stats of ``day``,
    top distribution buckets; an invalid file with its problem codes."""
    stats = {
        row[0]: row[1:]
        for row in con.execute(
            f"SELECT segment_id, total_matched, percentage_reach, entered, exited, "
            f"reachable_whatsapp_pct, reachable_email_pct FROM {DAILY_STATS} WHERE day = ?",
            [day],
        ).fetchall()
    }
    tops = _top_buckets(con, day)
    fields = custom_fields(con)
    recorded = con.execute(
        "SELECT path, segment_id, cid, status, is_valid, issues, rule_set, name "
        f"FROM {DEFINITIONS} ORDER BY path"
    ).fetchall()
    directory = {
        segment_id: SegmentRef(cid, name or "", status or "", segments_named(json.loads(rule_set)))
        for _path, segment_id, cid, status, _valid, _issues, rule_set, name in recorded
        if segment_id and rule_set
    }
    lines = [
        f"  {'segment':<46} {'preview':>7} {'members':>7} {'reach':>6} {'in':>5} {'out':>5}"
        f" {'WA':>6} {'email':>6}  top source / domicile / age / gender"
    ]
    for path, segment_id, cid, status, valid, issues, rule_set, _name in recorded:
        folder, file = path.split("/")
        name = f"{folder[:8]}/{file.removesuffix('.json')}"
        if not valid:
            codes = ", ".join(sorted({i["code"] for i in json.loads(issues)}))
            lines.append(f"  {name:<46} INVALID ({codes})")
            continue
        bound = bind(rule_set, cid, fields, segments=directory)
        matched = preview(con, bound, day).total_matched
        if segment_id not in stats:
            lines.append(f"  {name:<46} {matched:>7,}  (not computed: {status})")
            continue
        members, reach, entered, exited, whatsapp, email = stats[segment_id]
        lines.append(
            f"  {name:<46} {matched:>7,} {members:>7,} {_pct(reach)} {entered:>5,} "
            f"{exited:>5,} {_pct(whatsapp)} {_pct(email)}  {tops.get(segment_id, '')}"
        )
    return lines


def _pct(value: float | None) -> str:
    return f"{value:5.1f}%" if value is not None else "     -"


def _top_buckets(con: duckdb.DuckDBPyConnection, day: date) -> dict[str, str]:
    rows = con.execute(
        f"""
        SELECT segment_id, dimension, bucket FROM {DISTRIBUTIONS} WHERE day = ?
        QUALIFY row_number() OVER (PARTITION BY segment_id, dimension
                                   ORDER BY contacts DESC, bucket) = 1
        """,
        [day],
    ).fetchall()
    order = {"source": 0, "domicile": 1, "age": 2, "gender": 3}
    tops: dict[str, list[tuple[int, str]]] = {}
    for segment_id, dimension, bucket in rows:
        tops.setdefault(segment_id, []).append((order[dimension], bucket))
    return {s: " / ".join(b for _, b in sorted(v)) for s, v in tops.items()}
