"""What a warehouse holds: tables and row counts, and quarantined rows by rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from segmentation.daily.stats import DAILY_STATS, DISTRIBUTIONS
from segmentation.daily.store import read_store
from segmentation.landing.load import QUARANTINE
from segmentation.preview import preview
from segmentation.warehouse import custom_fields, store_context

SUMMARY_SCHEMAS = ("raw", "marts", "segments")


@dataclass(frozen=True)
class WarehouseSummary:
    """Row counts per table and quarantine counts per (entity, action, rule)."""

    tables: list[tuple[str, int]]
    quarantine: list[tuple[str, str, str, int]]


def summarize(con: duckdb.DuckDBPyConnection) -> WarehouseSummary:
    """Count the rows of every table of the raw and marts schemas, and the quarantine."""
    names = con.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_schema IN (SELECT unnest(?)) AND table_type = 'BASE TABLE' ORDER BY 1",
        [list(SUMMARY_SCHEMAS)],
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
    lines += ["", "Quarantined (raw.quarantine)"]
    lines += [
        f"  {entity:<26} {action:<9} {rule:<24} {count:>9,}"
        for entity, action, rule, count in summary.quarantine
    ] or ["  nothing"]
    return "\n".join(lines)


def segments_report(con: duckdb.DuckDBPyConnection, root: Path, day: date) -> list[str]:
    """Per stored segment: preview count, membership and stats of ``day``, distributions."""
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
    context = store_context(con, datetime.now(UTC))
    lines = [
        f"  {'segment':<46} {'preview':>7} {'members':>7} {'reach':>6} {'in':>5} {'out':>5}"
        f" {'WA':>6} {'email':>6}  top source / domicile / age / gender"
    ]
    for stored in read_store(root, context):
        name = f"{stored.path.parent.name[:8]}/{stored.path.stem}"
        if not stored.valid:
            codes = ", ".join(sorted({i.code for i in stored.issues}))
            lines.append(f"  {name:<46} INVALID ({codes})")
            continue
        segment = stored.segment
        matched = preview(con, segment.rule_set, segment.cid, day, fields).total_matched
        if segment.id not in stats:
            lines.append(f"  {name:<46} {matched:>7,}  (not computed: {segment.status.value})")
            continue
        members, reach, entered, exited, whatsapp, email = stats[segment.id]
        lines.append(
            f"  {name:<46} {matched:>7,} {members:>7,} {_pct(reach)} {entered:>5,} "
            f"{exited:>5,} {_pct(whatsapp)} {_pct(email)}  {tops.get(segment.id, '')}"
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
