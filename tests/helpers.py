"""Helpers shared by the tests: hand-made landing data and a dbt runner."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from segmentation.loading import load_entity
from segmentation.settings import REPOSITORY
from segmentation.sources import ENTITIES

DBT_PROJECT = REPOSITORY / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"

_POLARS_TYPES = {
    "VARCHAR": pl.String,
    "DATE": pl.Date,
    "TIMESTAMP": pl.Datetime("us"),
    "BOOLEAN": pl.Boolean,
    "INTEGER": pl.Int32,
    "BIGINT": pl.Int64,
    "DOUBLE": pl.Float64,
    "VARCHAR[]": pl.List(pl.String),
}


def write_landing(landing: Path, **rows_by_entity: list[dict]) -> None:
    """Write every entity's Parquet file; entities not given are written empty."""
    for entity in ENTITIES:
        schema = {c: _POLARS_TYPES[t] for c, t in entity.columns.items()}
        rows = rows_by_entity.get(entity.name, [])
        frame = pl.DataFrame([{c: r.get(c) for c in schema} for r in rows], schema=schema)
        folder = landing / entity.name
        folder.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(folder / "part-0.parquet")


def load_all(warehouse: Path, landing: Path, loaded_at: datetime) -> dict:
    """Load every entity in dependency order; the results by entity."""
    with duckdb.connect(str(warehouse)) as con:
        return {e.name: load_entity(con, e, landing, loaded_at) for e in ENTITIES}


def dbt_build(warehouse: Path, as_of: date, work: Path, select: str | None = None) -> None:
    """``dbt build`` as of a day into ``warehouse``; fails the test with dbt's output."""
    variables = {"as_of_date": as_of.isoformat(), "warehouse_path": str(warehouse)}
    command = [
        str(DBT),
        "build",
        "--vars",
        json.dumps(variables),
        "--project-dir",
        str(DBT_PROJECT),
        "--profiles-dir",
        str(DBT_PROJECT),
        "--target-path",
        str(work / "dbt_target"),
        "--log-path",
        str(work / "dbt_logs"),
    ]
    if select:
        command += ["--select", select, "--indirect-selection", "cautious"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"dbt build failed:\n{done.stdout[-6000:]}\n{done.stderr[-2000:]}"


def tenant(cid: str = "t1", timezone: str = "Asia/Jakarta") -> dict:
    """A tenant row."""
    return {"cid": cid, "name": f"Tenant {cid}", "package_tier": "plus", "timezone": timezone}


def contact(contact_id: str, cid: str = "t1", **values) -> dict:
    """A contact row created long ago, with defaults for what the test does not care about."""
    base = {
        "cid": cid,
        "contact_id": contact_id,
        "full_name": f"Contact {contact_id}",
        "created_at": datetime(2024, 1, 1),
        "updated_at": datetime(2024, 1, 1),
    }
    return base | values
