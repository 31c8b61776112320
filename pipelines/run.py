"""``make run``: generate the default data, run the daily job for today, print a summary.

The job is the one the 08:00 schedule launches, executed here in this process against
the instance in DAGSTER_HOME, so `make dev` shows the run afterwards.

    python -m pipelines.run [--day 2026-11-25] [--tenants 3] [--contacts-per-tenant 4000]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime

import dagster as dg
import duckdb

from pipelines.definitions import defs
from pipelines.jobs import DAILY_JOB
from pipelines.schedules import jakarta_day
from segmentation.report import format_summary, segments_report, summarize
from segmentation.settings import Settings
from segmentation.synthetic.generator import GeneratorConfig, generate


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--day", type=date.fromisoformat, help="partition day (default: today, WIB)"
    )
    parser.add_argument("--seed", type=int, default=GeneratorConfig.seed)
    parser.add_argument("--tenants", type=int, default=GeneratorConfig.tenants)
    parser.add_argument(
        "--contacts-per-tenant", type=int, default=GeneratorConfig.contacts_per_tenant
    )
    return parser.parse_args(argv)


def _check_lines(result: dg.ExecuteInProcessResult) -> tuple[list[str], int]:
    evaluations = result.get_asset_check_evaluations()
    failed = [e for e in evaluations if not e.passed]
    lines = [f"Checks: {len(evaluations) - len(failed)} passed, {len(failed)} failed"]
    lines += [f"  FAILED {e.asset_key.to_user_string()} {e.check_name}" for e in failed]
    return lines, len(failed)


def main(argv: list[str] | None = None) -> int:
    """Run the daily pipeline on the embedded default data; exit 1 if anything failed."""
    args = _arguments(argv)
    settings = Settings.from_env()
    day = args.day or date.fromisoformat(jakarta_day(datetime.now(UTC)))
    started = time.perf_counter()

    print(f"Generating the default CRM data for {day} into {settings.landing}")
    config = GeneratorConfig(
        end_date=day,
        seed=args.seed,
        tenants=args.tenants,
        contacts_per_tenant=args.contacts_per_tenant,
    )
    generate(config, settings.landing, progress=print)

    print(f"\nRunning job {DAILY_JOB} for partition {day}")
    job = defs().resolve_job_def(DAILY_JOB)
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            partition_key=day.isoformat(),
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )

    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        print("\n" + format_summary(summarize(con)))
        if result.success:
            print(
                f"\nSegments of {settings.segment_defs} on {day}: preview count, members,"
                " % of the customer base, entered, exited, % reachable by WhatsApp / email"
            )
            print("\n".join(segments_report(con, settings.segment_defs, day)))
    check_lines, failed_checks = _check_lines(result)
    print("\n" + "\n".join(check_lines))
    print(f"\nRun {result.run_id}: {'succeeded' if result.success else 'FAILED'}")
    print(f"Warehouse: {settings.warehouse}")
    print(f"Took {time.perf_counter() - started:.0f}s")
    return 0 if result.success and not failed_checks else 1


if __name__ == "__main__":
    sys.exit(main())
