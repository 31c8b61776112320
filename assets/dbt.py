"""The dbt project as assets: one asset per model and seed, dbt tests as asset checks."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from assets.partitions import ONE_DAY_PER_RUN
from assets.resources import Engine, Warehouse
from segmentation.spark.session import dbt_vars


class SchemaKeyedTranslator(DagsterDbtTranslator):
    """Asset keys are the warehouse relation, ``<schema>/<table>`` (``marts/contact_rfm``,
    ``raw/crm_contacts`` for a source: the loader's asset); groups follow schemas."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            table = dbt_resource_props.get("identifier") or dbt_resource_props["name"]
            return dg.AssetKey([dbt_resource_props["schema"], table])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("schema")


def dbt_build_args(
    day: str,
    warehouse_path: str,
    timezone: str,
    duckdb_config: Mapping[str, str] | None = None,
    spark_vars: Mapping[str, str] | None = None,
) -> list[str]:
    """The one dbt invocation that builds a day: everything as of ``day`` (``YYYY-MM-DD``),
    into the warehouse at ``warehouse_path`` with DuckDB's memory settings, ``timezone``
    being the home zone; with ``spark_vars`` (``segmentation.spark.session.dbt_vars``),
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
    return ["build", *target, "--vars", json.dumps(variables)]


def build_dbt_assets(
    project_dir: Path, partitions: dg.DailyPartitionsDefinition
) -> dg.AssetsDefinition:
    """Assets for every model and seed of the project at ``project_dir``.

    The manifest must exist (``make setup`` runs ``dbt parse``).
    """
    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)
    if not project.manifest_path.exists():
        raise FileNotFoundError(
            f"dbt manifest missing at {project.manifest_path}; run `make setup` "
            "(it runs `dbt parse`) before loading the definitions"
        )

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        partitions_def=partitions,
        dagster_dbt_translator=SchemaKeyedTranslator(),
        backfill_policy=ONE_DAY_PER_RUN,
    )
    def dbt_models(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse, engine: Engine
    ):
        args = dbt_build_args(
            context.partition_key,
            warehouse.database,
            partitions.timezone,
            warehouse.connection_config,
            dbt_vars(engine.settings) if engine.is_spark else None,
        )
        yield from dbt.cli(args, context=context).stream()

    return dbt_models
