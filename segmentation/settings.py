"""A deployment's settings: where things are, from which day, how much memory, what limits.

Defaults live here (paths under the repository's ``data/``); environment variables
override them. Read when a command or the Dagster definitions start, never at import.

| variable | default | what |
| --- | --- | --- |
| ``SEGMENTATION_WAREHOUSE`` | ``data/warehouse.duckdb`` | the DuckDB file |
| ``SEGMENTATION_LANDING`` | ``data/landing`` | one Parquet dataset per entity |
| ``SEGMENTATION_DBT_PROJECT`` | ``dbt_project`` | the dbt project |
| ``SEGMENTATION_SEGMENT_DEFS`` | ``segment_defs`` | the segment store |
| ``SEGMENTATION_FIRST_DAY`` | ``2025-01-01`` | the first day that can be computed |
| ``SEGMENTATION_TIMEZONE`` | ``Asia/Jakarta`` | the schedule's zone, and a tenant's without one |
| ``SEGMENTATION_MEMORY_LIMIT`` | ``2GiB`` | DuckDB's memory per process; past it, work spills |
| ``SEGMENTATION_SPILL_DIRECTORY`` | ``data/spill`` | where DuckDB spills |
| ``SEGMENTATION_LOAD_MAX_LOSS`` | ``0.5`` | refuse a load rejecting or losing more |
| ``SEGMENTATION_SNAPSHOTS`` | beside the warehouse | the read-only copies the API serves |
| ``SEGMENTATION_LIMIT_<NAME>`` | see :class:`Limits` | size limits of segments |
| ``SEGMENTATION_ENGINE`` | ``duckdb`` | where the job computes: ``duckdb`` or ``spark`` |
| ``SEGMENTATION_SPARK_MASTER`` | ``local[*]`` | the Spark master URL |
| ``SEGMENTATION_SPARK_WAREHOUSE`` | beside the warehouse | Spark's tables (Parquet) |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path

from segmentation.limits import Limits

REPOSITORY = Path(__file__).resolve().parents[1]

WAREHOUSE_ENV = "SEGMENTATION_WAREHOUSE"
LANDING_ENV = "SEGMENTATION_LANDING"
DBT_PROJECT_ENV = "SEGMENTATION_DBT_PROJECT"
SEGMENT_DEFS_ENV = "SEGMENTATION_SEGMENT_DEFS"
FIRST_DAY_ENV = "SEGMENTATION_FIRST_DAY"

DEFAULT_TIMEZONE = "Asia/Jakarta"
"""The home zone: the daily schedule's, the partitions', and a tenant's without its own."""

ENGINES = ("duckdb", "spark")
"""Where the daily job computes. DuckDB needs nothing else; Spark needs a Java runtime."""

STORAGE_VERSION = "v1.4.0"
"""The DuckDB storage format of a new warehouse: readable by the DuckDB 1.4 and 1.5
tools analysts have, at no measurable cost in size or time."""


@dataclass(frozen=True)
class Settings:
    """Every setting of a deployment."""

    warehouse: Path
    landing: Path
    dbt_project: Path
    segment_defs: Path
    first_day: date = date(2025, 1, 1)
    timezone: str = DEFAULT_TIMEZONE
    memory_limit: str = "2GiB"
    spill_directory: Path = REPOSITORY / "data" / "spill"
    load_max_loss: float = 0.5
    snapshots: Path = REPOSITORY / "data" / "snapshots"
    limits: Limits = field(default_factory=Limits)
    engine: str = "duckdb"
    spark_master: str = "local[*]"
    spark_warehouse: Path = REPOSITORY / "data" / "spark"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from the environment, else the defaults."""
        env = os.environ if environ is None else environ

        def path(variable: str, default: Path) -> Path:
            return Path(env.get(variable) or default).expanduser().resolve()

        def value(variable: str, default, parse=str):
            text = env.get(variable)
            if not text:
                return default
            try:
                return parse(text)
            except ValueError as error:
                raise ValueError(
                    f"{variable}={text!r} is not valid ({error}); the default is {default!r}"
                ) from None

        warehouse = path(WAREHOUSE_ENV, REPOSITORY / "data" / "warehouse.duckdb")
        return cls(
            warehouse=warehouse,
            landing=path(LANDING_ENV, REPOSITORY / "data" / "landing"),
            dbt_project=path(DBT_PROJECT_ENV, REPOSITORY / "dbt_project"),
            segment_defs=path(SEGMENT_DEFS_ENV, REPOSITORY / "segment_defs"),
            first_day=value(FIRST_DAY_ENV, cls.first_day, date.fromisoformat),
            timezone=value("SEGMENTATION_TIMEZONE", cls.timezone),
            memory_limit=value("SEGMENTATION_MEMORY_LIMIT", cls.memory_limit),
            spill_directory=path("SEGMENTATION_SPILL_DIRECTORY", cls.spill_directory),
            load_max_loss=value("SEGMENTATION_LOAD_MAX_LOSS", cls.load_max_loss, float),
            snapshots=path("SEGMENTATION_SNAPSHOTS", warehouse.parent / "snapshots"),
            limits=Limits.from_env(env),
            engine=value("SEGMENTATION_ENGINE", cls.engine, _engine),
            spark_master=value("SEGMENTATION_SPARK_MASTER", cls.spark_master),
            spark_warehouse=path("SEGMENTATION_SPARK_WAREHOUSE", warehouse.parent / "spark"),
        )

    def to_env(self) -> dict[str, str]:
        """These settings as environment variables: what a child process (a Spark step)
        is given so that :meth:`from_env` there reads the same settings."""
        env = {
            WAREHOUSE_ENV: str(self.warehouse),
            LANDING_ENV: str(self.landing),
            DBT_PROJECT_ENV: str(self.dbt_project),
            SEGMENT_DEFS_ENV: str(self.segment_defs),
            FIRST_DAY_ENV: self.first_day.isoformat(),
            "SEGMENTATION_TIMEZONE": self.timezone,
            "SEGMENTATION_MEMORY_LIMIT": self.memory_limit,
            "SEGMENTATION_SPILL_DIRECTORY": str(self.spill_directory),
            "SEGMENTATION_LOAD_MAX_LOSS": repr(self.load_max_loss),
            "SEGMENTATION_SNAPSHOTS": str(self.snapshots),
            "SEGMENTATION_ENGINE": self.engine,
            "SEGMENTATION_SPARK_MASTER": self.spark_master,
            "SEGMENTATION_SPARK_WAREHOUSE": str(self.spark_warehouse),
        }
        for item in fields(self.limits):
            env[f"SEGMENTATION_LIMIT_{item.name.upper()}"] = str(getattr(self.limits, item.name))
        return env

    def duckdb_config(self) -> dict[str, str]:
        """DuckDB's settings for every connection that writes the warehouse."""
        return {
            "memory_limit": self.memory_limit,
            "temp_directory": str(self.spill_directory),
            "storage_compatibility_version": STORAGE_VERSION,
        }


def _engine(name: str) -> str:
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")
    return name
