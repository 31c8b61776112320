"""``python -m benchmarks [--scale 1M|3M|10M]`` (``make bench SCALE=...``): the daily job
through Dagster with time and peak memory per part, the marts beside a bare aggregation
that must give the same rows, and at 1M the API (previews over HTTP, detail and
performance), the preview latency and daily membership, each beside its lower bound
measured in the same run.

With ``SEGMENTATION_ENGINE=spark`` (``make bench ENGINE=spark``), the job runs on DuckDB
and then on Spark over the same data, and the two are printed side by side."""

from __future__ import annotations

import argparse
import os
import platform
from datetime import timedelta

import duckdb

from benchmarks import api, bare, daily_job, engines, membership, preview
from benchmarks.memory import GIB
from segmentation.daily.stats import build_stats
from segmentation.settings import Settings

MEMORY_GOAL = 4 * GIB
CHECKS_SHARE_GOAL = 0.15
MARTS_GOAL = 3.0
BARE_MEMORY_LIMIT = "12GiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=daily_job.SCALES, default="1M")
    scale = parser.parse_args().scale
    settings = Settings.from_env()
    site, config = daily_job.Site.of(scale), daily_job.generator_config(scale)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, DuckDB {duckdb.__version__}, "
        f"memory limit {settings.memory_limit}"
    )
    print(
        f"data: {config.tenants} tenants x {config.contacts_per_tenant:,} contacts "
        f"({scale}), as of {config.end_date}, in {site.root}\n"
    )
    generated = daily_job.ensure_landing(site, config)
    segments = daily_job.write_store(site, config)
    if settings.engine == "spark":
        return _both_engines(scale, segments)
    job = daily_job.run_job(site)
    print(f"The daily job ({job.steps} steps, {segments} segments)")
    print(daily_job.report(scale, generated, job))
    failures = _job_goals(scale, job) + _marts_goal(site, job)
    if scale == "1M":
        text, missed = api.run(site)
        print("\nThe API\n" + text)
        failures += missed
        failures += _latency(site)
    print("\n" + ("\n".join(f"GOAL MISSED: {f}" for f in failures) or "every goal met"))
    return 1 if failures else 0


def _both_engines(scale: str, segments: int) -> int:
    """The job on DuckDB, then on Spark, on the same data: side by side."""
    jobs = {}
    for engine in ("duckdb", "spark"):
        site = daily_job.Site.of(scale, engine)
        jobs[engine] = daily_job.run_job(site)
        print(f"The daily job on {engine} ({jobs[engine].steps} steps, {segments} segments)")
        print(daily_job.report(scale, None, jobs[engine]) + "\n")
    print("Side by side (Spark on the same machine, master local[*])")
    print(engines.side_by_side(jobs["duckdb"], jobs["spark"]))
    print(engines.where_spark_time_goes(daily_job.Site.of(scale, "spark"), jobs["spark"]))
    return 0


def _job_goals(scale: str, job: daily_job.JobFigures) -> list[str]:
    steps = sum(m.seconds for m in job.parts.values())
    checks = sum(m.seconds for p, m in job.parts.items() if "checks" in p)
    print(
        f"goals: peak <= {MEMORY_GOAL / GIB:.0f} GiB at 1M (here {job.total.peak_bytes / GIB:.2f});"
        f" checks <= {CHECKS_SHARE_GOAL:.0%} of the job (here {checks / steps:.0%})"
    )
    failures = []
    if scale == "1M" and job.total.peak_bytes > MEMORY_GOAL:
        failures.append(f"peak memory {job.total.peak_bytes / GIB:.2f} GiB")
    if checks > CHECKS_SHARE_GOAL * steps:
        failures.append(f"checks take {checks / steps:.0%} of the job")
    return failures


def _marts_goal(site: daily_job.Site, job: daily_job.JobFigures) -> list[str]:
    # The bare aggregation is the lower bound: it gets memory enough not to be slowed by
    # spilling (its few large statements do not fit in the job's 2 GiB at 3M contacts,
    # where dbt's model-by-model build does).
    settings = Settings.from_env()
    settings.spill_directory.mkdir(parents=True, exist_ok=True)
    config = {**settings.duckdb_config(), "memory_limit": BARE_MEMORY_LIMIT}
    with duckdb.connect(str(site.warehouse), config=config) as con:
        seconds = bare.build(con, daily_job.AS_OF, settings.timezone)
        differing = {mart: n for mart, n in bare.differences(con).items() if n}
        con.execute(f"DROP SCHEMA {bare.SCHEMA} CASCADE")
    dbt = job.parts["dbt build"].seconds
    same = f"identical rows in all {len(bare.MARTS)} marts" if not differing else "DIFFERENT"
    print(
        f"\nMarts: dbt build {dbt:.1f} s (with its tests), bare aggregation {seconds:.1f} s: "
        f"{dbt / seconds:.2f}x (goal <= {MARTS_GOAL:.0f}x); {same}"
    )
    failures = [f"marts differ from the bare aggregation: {differing}"] if differing else []
    if dbt > MARTS_GOAL * seconds:
        failures.append(f"dbt build is {dbt / seconds:.2f}x the bare aggregation")
    return failures


NESTING_GOAL = 1.5


def _latency(site: daily_job.Site) -> list[str]:
    """Preview latency, daily membership and nesting; the goals missed."""
    with duckdb.connect(str(site.warehouse), read_only=True) as con:
        print("\nPreview, one tenant (the largest), 30 runs each, interleaved with the hand query")
        print(preview.report(preview.run(con, daily_job.AS_OF)))

    print("\nDaily membership: the day before, then the day (marts rebuilt by dbt for each)")
    settings = Settings.from_env()
    days, segments, stats_seconds = [], 0, []
    for day in (daily_job.AS_OF - timedelta(days=1), daily_job.AS_OF):
        daily_job.build_marts(site, day)
        with duckdb.connect(str(site.warehouse)) as con:
            if not days:
                con.execute("DROP SCHEMA IF EXISTS segments CASCADE")
            bound, figures, segments = membership.run_day(con, day)
            days.append((bound, figures))
        seconds = build_stats(site.warehouse, day, settings.timezone, settings.duckdb_config())
        stats_seconds.append((day, seconds))
    print(membership.report(days, segments))
    print(
        "segment stats (dbt build of models/segments, with its tests): "
        + ", ".join(f"{day.isoformat()} {seconds:.1f} s" for day, seconds in stats_seconds)
    )
    with duckdb.connect(str(site.warehouse)) as con:
        nest = membership.nesting(con, daily_job.AS_OF, site.root / "nesting")
    ratio = nest.nested_s / nest.plain_s
    print(
        f"\nSegments of segments, {daily_job.AS_OF}: the 200 segments' day (evaluation and "
        f"history, {nest.plain_members:,} members) {nest.plain_s:.2f} s; with 50 of them "
        f"using two others each (2 levels, {nest.nested_members:,} members) "
        f"{nest.nested_s:.2f} s: {ratio:.2f}x (goal <= {NESTING_GOAL}x)"
    )
    return [f"nesting costs {ratio:.2f}x"] if ratio > NESTING_GOAL else []


if __name__ == "__main__":
    raise SystemExit(main())
