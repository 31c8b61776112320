"""The dbt project as assets: one asset per model and seed, dbt tests as asset checks.

Two steps of the daily job run dbt: the marts (everything the segments read) before the
segments step, and the segments' stats (models/segments: stats, distributions, matched
customers), which read the membership history that step writes, after it.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from assets.partitions import ONE_DAY_PER_RUN
from assets.resources import Engine, Warehouse
from segmentation.dbt import SEGMENT_STATS, dbt_build_args
from segmentation.spark.session import dbt_vars

__all__ = ["SchemaKeyedTranslator", "build_dbt_assets", "dbt_build_args"]


class SchemaKeyedTranslator(DagsterDbtTranslator):
    """Asset keys are the warehouse relation, ``<schema>/<table>`` (``marts/contact_rfm``,
    ``raw/crm_contacts`` for a source: the loader's asset); groups follow schemas. A source
    whose ``meta.dagster.asset_key`` names the asset that writes it (the membership
    history) takes that key."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            declared = dbt_resource_props.get("meta", {}).get("dagster", {}).get("asset_key")
            if declared:
                return dg.AssetKey(declared)
            table = dbt_resource_props.get("identifier") or dbt_resource_props["name"]
            return dg.AssetKey([dbt_resource_props["schema"], table])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("schema")


def build_dbt_assets(
    project_dir: Path, partitions: dg.DailyPartitionsDefinition
) -> list[dg.AssetsDefinition]:
    """Assets for every model and seed of the project at ``project_dir``: the marts' step
    and the segment stats' step (downstream of the membership asset).

    The manifest must exist (``make setup`` runs ``dbt parse``).
    """
    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)
    if not project.manifest_path.exists():
        raise FileNotFoundError(
            f"dbt manifest missing at {project.manifest_path}; run `make setup` "
            "(it runs `dbt parse`) before loading the definitions"
        )

    def build(
        context: dg.AssetExecutionContext,
        dbt: DbtCliResource,
        warehouse: Warehouse,
        engine: Engine,
    ):
        args = dbt_build_args(
            context.partition_key,
            warehouse.database,
            partitions.timezone,
            warehouse.connection_config,
            spark_vars=dbt_vars(engine.settings) if engine.is_spark else None,
        )
        yield from dbt.cli(args, context=context).stream()

    common = {
        "manifest": project.manifest_path,
        "project": project,
        "partitions_def": partitions,
        "dagster_dbt_translator": SchemaKeyedTranslator(),
        "backfill_policy": ONE_DAY_PER_RUN,
    }

    @dbt_assets(name="dbt_models", exclude=SEGMENT_STATS, **common)
    def dbt_models(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse, engine: Engine
    ):
        """The marts as of the day, and everything they are built from."""
        yield from build(context, dbt, warehouse, engine)

    @dbt_assets(name="segment_stats", select=SEGMENT_STATS, **common)
    def segment_stats(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse, engine: Engine
    ):
        """The day's segment stats, distributions and matched customers, from the
        membership history and the marts."""
        yield from build(context, dbt, warehouse, engine)

    return [dbt_models, segment_stats]
