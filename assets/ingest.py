"""One asset per CRM entity: landing Parquet -> ``raw.crm_<entity>`` (quarantine aside)."""

from datetime import UTC, datetime

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.partitions import daily_partitions
from pipelines.resources import LandingZone
from segmentation.loading import RAW_SCHEMA, load_entity
from segmentation.sources import ENTITIES, Entity


def raw_asset_key(entity: Entity) -> dg.AssetKey:
    """``raw/crm_<entity>``: the key prefix is the DuckDB schema."""
    return dg.AssetKey([RAW_SCHEMA, entity.table])


def build_load_asset(entity: Entity) -> dg.AssetsDefinition:
    """The asset that (re)loads one entity in a single transaction."""

    @dg.asset(
        key=raw_asset_key(entity),
        deps=[raw_asset_key(parent) for parent in map(_entity, entity.parents)],
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=1),
        group_name="raw",
        kinds={"duckdb", "parquet"},
        description=(
            f"CRM {entity.name.replace('_', ' ')} from the landing zone. Rows breaking a load "
            "rule are kept in raw.quarantine with the rule, not here."
        ),
    )
    def _load(warehouse: DuckDBResource, landing: LandingZone) -> dg.MaterializeResult:
        loaded_at = datetime.now(UTC).replace(tzinfo=None)
        with warehouse.get_connection() as con:
            result = load_entity(con, entity, landing.directory, loaded_at)
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


def _entity(name: str) -> Entity:
    return next(e for e in ENTITIES if e.name == name)


load_assets = [build_load_asset(entity) for entity in ENTITIES]
