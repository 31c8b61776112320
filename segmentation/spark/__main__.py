"""The Spark engine's steps, each in its own process: ``python -m segmentation.spark``.

The daily job runs each Spark step (``load``, ``segments``, ``publish``) as a child
process that starts a session, does the step and exits. A local master keeps its table
catalog in an embedded database that one process may open at a time, and dbt-spark's
session (a process of its own) needs it too; separate processes hand it over cleanly.
On a cluster with a shared metastore the steps could share one session, and separate
processes cost only the session start.

Each step prints one JSON line, its result, as the last line of its output.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime

import duckdb

import segmentation.snapshot as snapshot
from segmentation.settings import Settings
from segmentation.spark.export import file_views, record_tables
from segmentation.spark.segments import segments_of_the_day
from segmentation.spark.session import session


def _load(args: argparse.Namespace, settings: Settings) -> dict:
    from segmentation.landing.load import LoadPolicy
    from segmentation.landing.sources import entity
    from segmentation.spark.load import load_entity

    spark = session(settings, app=f"segmentation-load-{args.entity}")
    try:
        policy = LoadPolicy(max_loss=settings.load_max_loss)
        result = load_entity(spark, entity(args.entity), settings.landing, args.loaded_at, policy)
        record_tables(spark, settings.spark_warehouse)
    finally:
        spark.stop()
    return vars(result)


def _segments(args: argparse.Namespace, settings: Settings) -> dict:
    spark = session(settings, app="segmentation-segments")
    try:
        stored, result = segments_of_the_day(
            spark, args.day, settings.segment_defs, settings.limits, datetime.now(UTC)
        )
        record_tables(spark, settings.spark_warehouse)
    finally:
        spark.stop()
    return {
        "day": result.day.isoformat(),
        "segments": len(stored),
        "valid": sum(s.valid for s in stored),
        "invalid": [str(s.path.relative_to(settings.segment_defs)) for s in stored if not s.valid],
        "changes": [vars(c) for c in result.changes],
        "skipped": result.skipped,
        "removed": result.removed,
        "names": result.names,
    }


def _publish(args: argparse.Namespace, settings: Settings) -> dict:
    spark = session(settings, app="segmentation-publish")
    try:
        tables = record_tables(spark, settings.spark_warehouse)
        missing = sorted(set(snapshot.snapshot_tables()) - set(tables))
        if missing:
            raise LookupError(f"Spark has no {', '.join(missing)}: build the day first")
        with duckdb.connect() as con:
            file_views(con, settings.spark_warehouse)
            published = snapshot.publish_tables(con, settings.snapshots, args.day)
    finally:
        spark.stop()
    if published is None:
        return {"published": False}
    return {"published": True, "file": published.path.name, "size_bytes": published.size_bytes}


STEPS = {"load": _load, "segments": _segments, "publish": _publish}


def main(argv: list[str] | None = None) -> int:
    """Run one step with the deployment's settings; print its result as JSON."""
    parser = argparse.ArgumentParser(prog="python -m segmentation.spark", description=__doc__)
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("entity", nargs="?", help="load: the entity (contacts, deals...)")
    parser.add_argument("--day", type=date.fromisoformat, help="the day (YYYY-MM-DD)")
    parser.add_argument(
        "--loaded-at", type=datetime.fromisoformat, help="load: the load's UTC time"
    )
    args = parser.parse_args(argv)
    if args.step in {"segments", "publish"} and args.day is None:
        parser.error(f"{args.step} needs --day")
    if args.step == "load" and (args.entity is None or args.loaded_at is None):
        parser.error("load needs an entity and --loaded-at")
    result = STEPS[args.step](args, Settings.from_env())
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
