"""One asset per CRM entity: landing Parquet -> ``raw.crm_<entity>`` (quarantine aside)."""

from datetime import UTC, datetime

import dagster as dg

from assets.partitions import ONE_DAY_PER_RUN
from assets.resources import Engine, LandingZone, Warehouse
from segmentation.landing.load import QUARANTINE, LoadResult, load_entity
from segmentation.landing.sources import ENTITIES, Entity, entity


def raw_asset_key(spec: Entity) -> dg.AssetKey:
    """``raw/crm_<entity>``: the key prefix is the DuckDB schema."""
    return dg.AssetKey(spec.relation.split("."))


def build_load_asset(spec: Entity, partitions: dg.DailyPartitionsDefinition) -> dg.AssetsDefinition:
    """The asset that (re)loads one entity; a refused export fails it, which stops
    everything downstream and keeps the last good table."""

    @dg.asset(
        key=raw_asset_key(spec),
        deps=[raw_asset_key(entity(parent)) for parent in spec.parents],
        partitions_def=partitions,
        backfill_policy=ONE_DAY_PER_RUN,
        group_name="raw",
        kinds={"duckdb", "parquet"},
        description=(
            f"CRM {spec.name.replace('_', ' ')} from the landing zone. Rows breaking a load "
            f"rule are kept in {QUARANTINE} with the rule, not here."
        ),
    )
    def _load(warehouse: Warehouse, landing: LandingZone, engine: Engine) -> dg.MaterializeResult:
        loaded_at = datetime.now(UTC).replace(tzinfo=None)
        if engine.is_spark:
            step = engine.run_spark_step("load", spec.name, "--loaded-at", loaded_at.isoformat())
            result = LoadResult(**step)
        else:
            with warehouse.get_connection() as con:
                result = load_entity(con, spec, landing.directory, loaded_at, landing.policy)
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": result.loaded_rows,
                "landed_rows": result.landed_rows,
                "rejected_rows": result.rejected_rows,
                "rejected_by_rule": dict(result.rejected),
                "repaired_by_rule": dict(result.repaired),
                "loaded_at": loaded_at.isoformat(),
            }
        )

    return _load


def build_load_assets(partitions: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    """A load asset for every entity of the landing contract."""
    return [build_load_asset(spec, partitions) for spec in ENTITIES]
