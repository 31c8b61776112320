"""The daily job on DuckDB and on Spark side by side (``make bench ENGINE=spark``): each
part's time and peak memory, and where Spark's time goes: the Java processes it starts
(a session per step), each one's start measured on its own, and the files it writes."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from benchmarks.daily_job import JobFigures, Site
from benchmarks.memory import GIB

_SESSION_START = (
    "from segmentation.settings import Settings\n"
    "from segmentation.spark.session import session\n"
    "session(Settings.from_env(), app='bench-start').stop()\n"
)


def session_start_seconds(site: Site) -> float:
    """Wall time of a process that only starts and stops the job's Spark session (Python
    and the JVM start, the metastore opened): what every Spark step pays before working."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", _SESSION_START], env=site.environment(), check=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - started


def parquet_files(warehouse: Path) -> tuple[int, int]:
    """How many Parquet files Spark's warehouse holds, and their bytes."""
    files = [path for path in warehouse.rglob("*.parquet") if path.is_file()]
    return len(files), sum(path.stat().st_size for path in files)


def side_by_side(duckdb_job: JobFigures, spark_job: JobFigures) -> str:
    """Each part of the job on both engines: time, Spark's ratio to DuckDB, peak memory."""
    lines = [
        f"{'part of the daily job':<28}{'DuckDB s':>10}{'Spark s':>10}{'ratio':>8}"
        f"{'DuckDB GiB':>12}{'Spark GiB':>11}",
        "-" * 79,
    ]
    rows = [(part, duckdb_job.parts[part], spark_job.parts[part]) for part in duckdb_job.parts]
    rows.append(("whole run (process)", duckdb_job.total, spark_job.total))
    for part, duck, spark in rows:
        ratio = f"{spark.seconds / duck.seconds:.1f}x" if duck.seconds else "-"
        lines.append(
            f"{part:<28}{duck.seconds:>10.1f}{spark.seconds:>10.1f}{ratio:>8}"
            f"{duck.peak_bytes / GIB:>12.2f}{spark.peak_bytes / GIB:>11.2f}"
        )
    return "\n".join(lines)


def where_spark_time_goes(site: Site, spark_job: JobFigures) -> str:
    """The fixed cost of Spark's sessions against the run, and the files it wrote."""
    start = session_start_seconds(site)
    files, size = parquet_files(site.spark_warehouse)
    fixed = spark_job.jvms * start
    return "\n".join(
        [
            f"Java processes started: {spark_job.jvms} (a session per Spark step and per dbt"
            f" invocation); one session's start alone takes {start:.1f} s, so about"
            f" {fixed:.0f} s of the {spark_job.total.seconds:.0f} s run"
            f" ({fixed / spark_job.total.seconds:.0%}) is starting sessions",
            f"Spark's warehouse: {files:,} Parquet files, {size / GIB:.2f} GiB"
            f" ({size / max(files, 1) / 1024**2:.1f} MiB a file on average)",
        ]
    )
