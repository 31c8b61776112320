"""What a warehouse holds: tables and row counts, and quarantined rows by rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from segmentation.loading import QUARANTINE
from segmentation.preview import preview
from segmentation.segments import read_store
from segmentation.warehouse import custom_fields

SUMMARY_SCHEMAS = ("raw", "marts")


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


def preview_store(con: duckdb.DuckDBPyConnection, root: Path, as_of: date) -> list[str]:
    """One line per stored segment: its preview count, or why it is invalid."""
    lines = []
    fields = custom_fields(con)
    for stored in read_store(root, fields):
        name = f"{stored.path.parent.name[:8]}/{stored.path.stem}"
        if not stored.valid:
            codes = ", ".join(sorted({i.code for i in stored.issues}))
            lines.append(f"  {name:<52} INVALID ({codes})")
            continue
        segment = stored.segment
        result = preview(con, segment.rule_set, segment.cid, as_of, fields)
        share = (
            result.total_matched / result.total_customer_base if result.total_customer_base else 0
        )
        lines.append(
            f"  {name:<52} {result.total_matched:>7,} of {result.total_customer_base:>7,}"
            f" ({share:6.1%})"
        )
    return lines
