"""Shared fixtures: a small generated CRM, loaded and built once per session."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from tests.helpers import dbt_build, load_all
from tools.synthetic.generator import GenerationResult, GeneratorConfig, generate

AS_OF = date(2026, 11, 24)
# The default seed and three tenants: the example segments of segment_defs/ name these
# tenants and their custom fields.
SMALL = GeneratorConfig(end_date=AS_OF, tenants=3, contacts_per_tenant=300)


@dataclass(frozen=True)
class BuiltWarehouse:
    """A warehouse loaded from generated data and built by dbt as of ``AS_OF``."""

    path: Path
    landing: Path
    generation: GenerationResult
    loads: dict

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection (close it, or use it in a ``with``)."""
        return duckdb.connect(str(self.path), read_only=True)


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> BuiltWarehouse:
    """Generate, load and `dbt build` a small CRM once for every test that reads marts."""
    work = tmp_path_factory.mktemp("built")
    landing, warehouse = work / "landing", work / "warehouse.duckdb"
    generation = generate(SMALL, landing)
    loads = load_all(warehouse, landing, loaded_at=datetime(2026, 11, 25))
    dbt_build(warehouse, AS_OF, work)
    return BuiltWarehouse(warehouse, landing, generation, loads)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory):
    """One local Spark session (two cores) for every Spark test; skipped, saying how to get
    a Java runtime, on a machine without one."""
    from segmentation.settings import Settings
    from segmentation.spark.session import java_missing, session

    problem = java_missing()
    if problem:
        pytest.skip(f"the Spark tests need Java: {problem}")
    warehouse = tmp_path_factory.mktemp("spark")
    settings = replace(Settings.from_env({}), spark_master="local[2]", spark_warehouse=warehouse)
    spark_session = session(settings, app="segmentation-tests")
    yield spark_session
    spark_session.stop()
