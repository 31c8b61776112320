"""Running the dbt project: the one set of arguments that builds a day, and a runner.

The orchestrator, the tests and the benchmark build a day with :func:`dbt_build_args`;
:func:`run_dbt_build` runs it as a subprocess (dbt opens the warehouse itself, so the
caller must hold no connection to it).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from segmentation.settings import REPOSITORY

DBT_PROJECT = REPOSITORY / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"

SEGMENT_STATS = "path:models/segments"
"""The dbt models over the membership history (stats, distributions, matched customers);
they need the history the daily segments step writes."""


class DbtBuildError(RuntimeError):
    """``dbt build`` failed; the message ends with dbt's output."""


def dbt_build_args(
    day: str,
    warehouse_path: str,
    timezone: str,
    duckdb_config: Mapping[str, str] | None = None,
    select: str | None = None,
    exclude: str | None = None,
    spark_vars: Mapping[str, str] | None = None,
) -> list[str]:
    """The one dbt invocation that builds a day: everything as of ``day`` (``YYYY-MM-DD``),
    into the warehouse at ``warehouse_path`` with DuckDB's memory settings, ``timezone``
    being the home zone; only ``select`` (a dbt selection, e.g. :data:`SEGMENT_STATS`)
    but ``exclude`` when given; with ``spark_vars`` (``segmentation.spark.session.dbt_vars``)
    on the ``spark`` target instead. The run, the tests and the benchmark all build with it."""
    config = duckdb_config or {}
    variables = {
        "as_of_date": day,
        "default_timezone": timezone,
        "warehouse_path": warehouse_path,
        **{k: config[k] for k in ("memory_limit", "temp_directory") if k in config},
        **(spark_vars or {}),
    }
    target = ["--target", "spark"] if spark_vars else []
    args = ["build", *target, "--vars", json.dumps(variables)]
    if select:
        args += ["--select", *select.split()]
    if exclude:
        args += ["--exclude", *exclude.split()]
    return args


def run_dbt_build(
    args: list[str], project_dir: Path = DBT_PROJECT, work: Path | None = None
) -> str:
    """Run ``dbt`` with ``args`` (from :func:`dbt_build_args`) on the project; dbt's
    target and logs go to ``work`` (a temporary directory when None, so the project's
    own manifest is left alone). Returns dbt's output; raises :class:`DbtBuildError`."""
    with tempfile.TemporaryDirectory(prefix="dbt-") as scratch:
        folder = Path(work) if work else Path(scratch)
        command = [
            str(DBT),
            *args,
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(project_dir),
            "--target-path",
            str(folder / "dbt_target"),
            "--log-path",
            str(folder / "dbt_logs"),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DbtBuildError(f"dbt build failed:\n{done.stdout[-6000:]}\n{done.stderr[-2000:]}")
    return done.stdout
