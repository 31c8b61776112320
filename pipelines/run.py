"""``make run`` and ``make daily``: run the daily job for a day without the UI.

``make run`` first generates the default synthetic CRM into the landing folder (the
generator writes only into a folder of its own); ``make daily`` runs the job on the
landing folder as it is, for real exports. Either runs the job the 08:00 schedule
launches, in this process, against the instance in DAGSTER_HOME (``make dev`` shows the
run afterwards), prints one line per step, keeps dbt's log in a file, and ends with a
summary of the warehouse.

    python -m pipelines.run [--generate] [--day 2026-11-25] [--tenants 3] ...
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

import dagster as dg
import duckdb

from pipelines.definitions import defs
from pipelines.jobs import DAILY_JOB
from pipelines.launcher import worker_tags
from pipelines.schedules import local_day
from segmentation.settings import FIRST_DAY_ENV, Settings
from segmentation.spark.export import file_views
from tools.report import format_summary, segments_report, summarize
from tools.synthetic.generator import GeneratorConfig, LandingNotOurs, generate

_PROGRESS = {
    dg.DagsterEventType.STEP_START: "start",
    dg.DagsterEventType.STEP_SUCCESS: "done",
    dg.DagsterEventType.STEP_FAILURE: "FAILED",
}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", type=date.fromisoformat, help="partition day (default: today)")
    parser.add_argument(
        "--generate", action="store_true", help="write the default synthetic CRM first"
    )
    parser.add_argument("--seed", type=int, default=GeneratorConfig.seed)
    parser.add_argument("--tenants", type=int, default=GeneratorConfig.tenants)
    parser.add_argument(
        "--contacts-per-tenant", type=int, default=GeneratorConfig.contacts_per_tenant
    )
    return parser.parse_args(argv)


def _day(requested: date | None, settings: Settings) -> date:
    """The day to compute: today by default; a clear refusal outside the partitions."""
    today = date.fromisoformat(local_day(datetime.now(UTC), settings.timezone))
    day = requested or today
    if day < settings.first_day:
        raise SystemExit(
            f"{day} is before the first day that can be computed, {settings.first_day}. "
            f"Set {FIRST_DAY_ENV}={day} (or earlier) to compute older history."
        )
    if day > today:
        raise SystemExit(f"{day} is in the future: the last day that can be computed is {today}")
    return day


def _follow(
    instance: dg.DagsterInstance, run_id: str, quiet: set[str], done: threading.Event, out: TextIO
):
    """Print one line per step of the run as it ends (a ``quiet`` one only if it fails),
    until ``done``."""
    cursor, started = None, {}
    while True:
        finished = done.is_set()
        records = instance.get_records_for_run(run_id, cursor=cursor, of_type=set(_PROGRESS))
        for record in records.records:
            event = record.event_log_entry.dagster_event
            step, when = event.step_key, record.event_log_entry.timestamp
            if event.event_type is dg.DagsterEventType.STEP_START:
                started[step] = when
                continue
            if step in quiet and event.event_type is dg.DagsterEventType.STEP_SUCCESS:
                continue
            took = f"{when - started.get(step, when):6.1f}s"
            print(f"  {_PROGRESS[event.event_type]:<6} {took}  {step}", file=out, flush=True)
        cursor = records.cursor
        if finished:
            return
        done.wait(0.5)


def run_daily_job(day: date, log_path: Path, out: TextIO) -> dg.ExecuteInProcessResult:
    """Execute the daily job for ``day``: progress on ``out``, dbt's log in ``log_path``."""
    job = defs().resolve_job_def(DAILY_JOB)
    run_id = str(uuid.uuid4())
    checks = {
        f"{key.asset_key.to_python_identifier()}_{key.name}"
        for key in job.asset_layer.asset_graph.asset_check_keys
    }
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with dg.DagsterInstance.get() as instance, log_path.open("w") as log:
        done = threading.Event()
        follower = threading.Thread(target=_follow, args=(instance, run_id, checks, done, out))
        follower.start()
        try:
            with redirect_stdout(log):
                return job.execute_in_process(
                    partition_key=day.isoformat(),
                    instance=instance,
                    run_id=run_id,
                    raise_on_error=False,
                    tags=worker_tags(),
                    run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
                )
        finally:
            done.set()
            follower.join()


def _failures(result: dg.ExecuteInProcessResult) -> list[str]:
    """Each failed step with the message of what failed inside it, and each failed check."""
    lines = []
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error if event.step_failure_data else None
        while error is not None and error.cause is not None:
            error = error.cause  # past Dagster's wrappers, to the code's own message
        message = error.message.strip() if error else "no message"
        lines += [f"  FAILED {event.step_key}:", *(f"    {m}" for m in message.splitlines())]
    checks = [e for e in result.get_asset_check_evaluations() if not e.passed]
    lines += [f"  FAILED check {e.asset_key.to_user_string()} {e.check_name}" for e in checks]
    return lines


@contextmanager
def _results(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """What the run left, read-only through DuckDB: the warehouse file, or Spark's tables
    read from their files; None when there is nothing yet."""
    if settings.engine == "spark":
        with duckdb.connect() as con:
            yield con if file_views(con, settings.spark_warehouse) else None
    elif settings.warehouse.exists():
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            yield con
    else:
        yield None


def main(argv: list[str] | None = None) -> int:
    """Run the daily pipeline for a day; exit 1 if anything failed."""
    args = _arguments(argv)
    settings = Settings.from_env()
    day = _day(args.day, settings)
    started = time.perf_counter()
    if args.generate:
        print(f"Generating the default CRM data for {day} into {settings.landing}")
        config = GeneratorConfig(
            end_date=day,
            seed=args.seed,
            tenants=args.tenants,
            contacts_per_tenant=args.contacts_per_tenant,
        )
        try:
            generate(config, settings.landing, progress=print)
        except LandingNotOurs as refusal:
            print(f"\n{refusal}", file=sys.stderr)
            return 2

    log_path = settings.warehouse.parent / "logs" / f"{DAILY_JOB}-{day}.log"
    print(f"\nRunning job {DAILY_JOB} for {day} on {settings.landing} (log: {log_path})")
    result = run_daily_job(day, log_path, sys.stdout)

    with _results(settings) as con:
        if con is not None:
            print("\n" + format_summary(summarize(con, views=settings.engine == "spark")))
            if result.success:
                print(
                    f"\nSegments of {settings.segment_defs} on {day}: preview count, members,"
                    " % of the customer base, entered, exited, % reachable by WhatsApp / email"
                )
                print("\n".join(segments_report(con, day)))
    evaluations = result.get_asset_check_evaluations()
    failures = _failures(result)
    failed_checks = sum(not e.passed for e in evaluations)
    print(f"\nChecks: {len(evaluations) - failed_checks} passed, {failed_checks} failed")
    print("\n".join(failures) if failures else "", end="\n" if failures else "")
    print(f"\nRun {result.run_id}: {'succeeded' if result.success else 'FAILED'}")
    where = settings.spark_warehouse if settings.engine == "spark" else settings.warehouse
    print(f"Warehouse ({settings.engine}): {where}")
    print(f"Took {time.perf_counter() - started:.0f}s")
    return 0 if result.success and not failed_checks else 1


if __name__ == "__main__":
    sys.exit(main())
