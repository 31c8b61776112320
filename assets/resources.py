"""The resources the assets use: the warehouse, the landing zone, the segment store.

Typed Dagster resources, built once by the code location from the deployment's settings
(:class:`segmentation.settings.Settings`); tests build them directly.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import Field

from segmentation.landing.load import LoadPolicy
from segmentation.limits import Limits
from segmentation.settings import Settings
from segmentation.spark.export import file_views


class Warehouse(DuckDBResource):
    """The DuckDB file. The run writing it is its only writer; others read published
    copies, or read it only between runs (:meth:`read_only`)."""

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The writing connection, closed however the block ends: a failed step must not
        keep the file locked (the integration's own version closes only on success)."""
        with super().get_connection() as con:
            try:
                yield con
            finally:
                con.close()

    @contextmanager
    def read_only(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection; ``duckdb.IOException`` while a run holds the file."""
        con = duckdb.connect(self.database, read_only=True)
        try:
            yield con
        finally:
            con.close()


class LandingZone(dg.ConfigurableResource):
    """The directory holding one Parquet dataset per CRM entity, and when a load of it
    is refused rather than allowed to replace a good table."""

    path: str
    max_loss: float = LoadPolicy.max_loss

    @property
    def directory(self) -> Path:
        """The landing directory as a path."""
        return Path(self.path)

    @property
    def policy(self) -> LoadPolicy:
        """The load policy these settings describe."""
        return LoadPolicy(max_loss=self.max_loss)


class SegmentStore(dg.ConfigurableResource):
    """The folder of stored segments (``<cid>/<segment>.json``) and their size limits."""

    path: str
    limits: dict[str, int] = Field(default_factory=dict)
    """Limits that differ from the defaults, by name (``max_groups``...)."""

    @property
    def directory(self) -> Path:
        """The store's root as a path."""
        return Path(self.path)

    @property
    def size_limits(self) -> Limits:
        """The limits segments are checked against."""
        return Limits(**self.limits)


class SnapshotDirectory(dg.ConfigurableResource):
    """Where the read-only snapshots the API serves are published."""

    path: str

    @property
    def directory(self) -> Path:
        """The snapshot directory as a path."""
        return Path(self.path)


class Engine(dg.ConfigurableResource):
    """Where the job computes: ``duckdb`` (in this process, on the warehouse file) or
    ``spark``, each Spark step in a child process (``python -m segmentation.spark``) given
    the deployment's settings, dbt with its ``spark`` target."""

    name: str = "duckdb"
    settings_env: dict[str, str] = Field(default_factory=dict)
    """The deployment's settings as environment variables (``Settings.to_env``)."""

    @property
    def is_spark(self) -> bool:
        """Whether the job runs on Spark."""
        return self.name == "spark"

    @property
    def settings(self) -> Settings:
        """The deployment's settings, as a Spark step reads them."""
        return Settings.from_env(self.settings_env)

    @property
    def spark_warehouse(self) -> Path:
        """Spark's warehouse directory (its tables' Parquet files)."""
        return self.settings.spark_warehouse

    def run_spark_step(self, step: str, *args: str) -> dict:
        """Run one Spark step in a child process; its JSON result, or a failure that
        carries the end of its output."""
        command = [sys.executable, "-m", "segmentation.spark", step, *args]
        env = {**os.environ, **self.settings_env, "SPARK_LOCAL_IP": "127.0.0.1"}
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            reason = _failure_reason(done.stderr)
            raise dg.Failure(
                description=f"the Spark step `{step}` failed: {reason}",
                metadata={"output": dg.MetadataValue.text(done.stderr[-4000:])},
            )
        return json.loads(done.stdout.strip().splitlines()[-1])

    @contextmanager
    def spark_tables(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A DuckDB connection whose schemas are views over Spark's tables, read from
        their files (no Spark needed): for checks of what a step wrote."""
        con = duckdb.connect()
        try:
            file_views(con, self.spark_warehouse)
            yield con
        finally:
            con.close()


def job_tables(
    warehouse: Warehouse, engine: Engine
) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
    """The job's tables, wherever its engine wrote them, read through DuckDB."""
    return engine.spark_tables() if engine.is_spark else warehouse.get_connection()


def _failure_reason(output: str) -> str:
    """The line of a failed step's output that says what went wrong: the last exception
    raised (Python's, or the JVM's it carries), not the end of a Java stack trace."""
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    raised = [
        line for line in lines
        if re.match(r"^[\w.$]+(Error|Exception)\b", line) or "Exception: " in line
    ]  # fmt: skip
    return (raised or lines or ["no output"])[-1][:500]
