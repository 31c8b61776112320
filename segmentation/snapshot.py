"""The published snapshot: a read-only copy of what the API serves.

DuckDB allows one writer, and while the daily run holds the warehouse nobody else can
open it, not even to read. So each completed run copies the tables the API reads (the
marts a preview reads, the tenants and custom fields, the segments' stats, distributions,
matched customers and computed days) into a new DuckDB file, then switches a pointer
(``current.json``) to it by an atomic rename. A reader follows the pointer: it sees the
previous snapshot until the switch and the new one after, never a day half written.

The snapshot before the current one is kept (a reader may still be answering from it);
older ones are removed when a new one goes live.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
from sqlglot import exp

from segmentation.daily import membership, stats
from segmentation.landing.sources import entity
from segmentation.rules.catalog import load_catalog

POINTER = "current.json"
PREFIX = "snapshot-"


@dataclass(frozen=True)
class Snapshot:
    """One published snapshot: its file, the day its marts are as of, when it went live."""

    path: Path
    as_of: date
    published_at: datetime

    @property
    def size_bytes(self) -> int:
        """The file's size on disk."""
        return self.path.stat().st_size


def snapshot_tables() -> list[str]:
    """Every table a snapshot holds (``schema.table``), in a stable order."""
    catalog = load_catalog()
    served = {
        *catalog.tables(),
        catalog.custom.definitions,
        entity("tenants").relation,
        entity("users").relation,
        membership.DAYS,
        membership.MEMBERSHIP,
        stats.DAILY_STATS,
        stats.SIZES,
        stats.DISTRIBUTIONS,
        stats.MATCHED_CUSTOMERS,
    }
    return sorted(served)


def current(directory: Path) -> Snapshot | None:
    """The live snapshot, or None when nothing was published yet."""
    try:
        data = json.loads((Path(directory) / POINTER).read_text())
    except FileNotFoundError:
        return None
    return Snapshot(
        path=Path(directory) / data["file"],
        as_of=date.fromisoformat(data["as_of"]),
        published_at=datetime.fromisoformat(data["published_at"]),
    )


def publish(con: duckdb.DuckDBPyConnection, directory: Path, as_of: date) -> Snapshot | None:
    """Copy the served tables of the warehouse (``con``, its marts built as of ``as_of``)
    into a new snapshot and make it the live one (see :func:`publish_tables`); the
    segments' tables are created empty when no day was computed yet."""
    membership.ensure_tables(con)
    stats.ensure_tables(con)
    return publish_tables(con, directory, as_of)


def publish_tables(con: duckdb.DuckDBPyConnection, directory: Path, as_of: date) -> Snapshot | None:
    """Copy :func:`snapshot_tables` as ``con`` sees them (tables, or views over another
    engine's files) into a new snapshot and make it the live one.

    A backfill of a past day publishes nothing (returns None) while a snapshot of a
    later day is live: the API keeps answering as of the latest day.
    """
    directory = Path(directory)
    live = current(directory)
    if live is not None and live.as_of > as_of:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    published_at = datetime.now(UTC)
    path = directory / f"{PREFIX}{as_of.isoformat()}-{time.time_ns()}.duckdb"
    _copy_tables(con, path)
    snapshot = Snapshot(path, as_of, published_at)
    _switch_pointer(directory, snapshot)
    _remove_old(directory, keep={path, live.path if live else path})
    return snapshot


STORED_BY_SEGMENT = {
    stats.DAILY_STATS: "segment_id, day",
    stats.SIZES: "segment_id, day",
    stats.DISTRIBUTIONS: "segment_id, day",
    stats.MATCHED_CUSTOMERS: "segment_id, last_activity_on DESC",
    membership.DAYS: "segment_id, day",
    membership.MEMBERSHIP: "segment_id, contact_id",
}
"""The segments' tables are stored segment by segment: the API reads one segment at a
time, and DuckDB's zone maps then skip the others' row groups (the marts are already in
tenant order)."""


def _copy_tables(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    con.execute(f"ATTACH {exp.Literal.string(str(path)).sql('duckdb')} AS published")
    try:
        for table in snapshot_tables():
            schema = table.split(".")[0]
            order = f" ORDER BY {STORED_BY_SEGMENT[table]}" if table in STORED_BY_SEGMENT else ""
            con.execute(f"CREATE SCHEMA IF NOT EXISTS published.{schema}")
            con.execute(f"CREATE TABLE published.{table} AS SELECT * FROM {table}{order}")
    except BaseException:
        con.execute("DETACH published")
        path.unlink(missing_ok=True)
        raise
    con.execute("DETACH published")


def _switch_pointer(directory: Path, snapshot: Snapshot) -> None:
    pointer = directory / POINTER
    staged = directory / f".{POINTER}.{os.getpid()}"
    staged.write_text(
        json.dumps(
            {
                "file": snapshot.path.name,
                "as_of": snapshot.as_of.isoformat(),
                "published_at": snapshot.published_at.isoformat(),
            }
        )
    )
    os.replace(staged, pointer)


def _remove_old(directory: Path, keep: set[Path]) -> None:
    for path in directory.glob(f"{PREFIX}*.duckdb*"):
        if path.with_suffix(".duckdb") not in keep:  # the file and its write-ahead log
            path.unlink(missing_ok=True)
