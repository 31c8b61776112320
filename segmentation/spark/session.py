"""The Spark engine's session: the same tables as DuckDB's, stored as Parquet.

Spark keeps its tables in a warehouse directory (``spark.sql.warehouse.dir``) and
remembers them in a metastore (an embedded Derby database in that directory, for a local
master), so that the loader, dbt-spark and the segments, each in its own session or
process, see the same ``raw``, ``marts`` and ``segments`` databases. Timestamps are UTC
and the session zone is UTC: a local date comes from the tenants' clocks, never from the
session.

The settings that make this session are also those dbt-spark's ``spark`` target is
given (:func:`session_config`), so a table the Python side writes is the table dbt reads.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from segmentation.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

JAVA_HINT = (
    "Spark needs a Java runtime (17 or later): on Debian or Ubuntu, "
    "`apt-get install openjdk-17-jre-headless`; elsewhere install a JRE and set JAVA_HOME"
)


def java_missing() -> str | None:
    """Why Spark cannot start on this machine, with how to fix it; None when it can."""
    home = os.environ.get("JAVA_HOME")
    java = Path(home) / "bin" / "java" if home else shutil.which("java")
    if java is None or not Path(java).exists():
        return f"no Java runtime found (JAVA_HOME unset and no `java` on PATH). {JAVA_HINT}"
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed: `make setup` installs the pinned dependencies"
    return None


def session_config(settings: Settings) -> dict[str, str]:
    """Spark settings shared by every session of the job, dbt-spark's included."""
    warehouse = settings.spark_warehouse
    return {
        "spark.sql.warehouse.dir": str(warehouse),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={warehouse / 'metastore_db'};create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={warehouse}",
        # The job's memory limit is the driver's heap (the executors' too, on a local
        # master): Spark's own default of 1 GiB spills or fails at a million contacts.
        "spark.driver.memory": spark_memory(settings.memory_limit),
        "spark.sql.session.timeZone": "UTC",
        # Instants as standard Parquet timestamps (not the legacy INT96), which DuckDB
        # and every other reader take as UTC.
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        "spark.sql.shuffle.partitions": "8",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }


_UNITS = {
    "KIB": "k",
    "KB": "k",
    "MIB": "m",
    "MB": "m",
    "GIB": "g",
    "GB": "g",
    "TIB": "t",
    "TB": "t",
}


def spark_memory(limit: str) -> str:
    """A DuckDB memory limit (``2GiB``, ``1500MB``) in Spark's notation (``2g``, ``1500m``)."""
    text = limit.strip().upper().replace(" ", "")
    number = text.rstrip("KMGTIB")
    unit = text[len(number) :]
    if not number.isdigit() or unit not in _UNITS:
        raise ValueError(
            f"memory limit {limit!r} has no whole number of KiB, MiB, GiB or TiB for Spark: "
            "set SEGMENTATION_MEMORY_LIMIT like 2GiB"
        )
    return f"{number}{_UNITS[unit]}"


def dbt_vars(settings: Settings) -> dict[str, str]:
    """The vars that point dbt's ``spark`` target at this job's warehouse and master
    (``dbt_project/profiles.yml`` turns them into :func:`session_config`)."""
    return {
        "spark_warehouse": str(settings.spark_warehouse),
        "spark_master": settings.spark_master,
        "spark_driver_memory": spark_memory(settings.memory_limit),
    }


def session(settings: Settings, app: str = "segmentation") -> SparkSession:
    """The job's Spark session on ``settings.spark_master`` (``local[*]`` by default)."""
    problem = java_missing()
    if problem:
        raise RuntimeError(problem)
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Python workers (the loader's text cleaning) run this interpreter, with its packages.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings.spark_warehouse.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.master(settings.spark_master).appName(app)
    for key, value in session_config(settings).items():
        builder = builder.config(key, value)
    spark = builder.enableHiveSupport().getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
