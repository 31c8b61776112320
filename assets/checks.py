"""great-expectations validation of each loaded table, as Dagster asset checks."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.ingest import raw_asset_key
from segmentation.expectations import validate_table
from segmentation.loading import last_loaded_at
from segmentation.sources import ENTITIES, Entity


def build_expectations_check(entity: Entity) -> dg.AssetChecksDefinition:
    """Keys unique and present, accepted values, email / phone format, no future times."""

    @dg.asset_check(
        asset=raw_asset_key(entity),
        name="great_expectations",
        description=f"great-expectations suite of raw.{entity.table}, derived from its spec.",
    )
    def _check(warehouse: DuckDBResource) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            loaded_at = last_loaded_at(con, entity)
            outcomes = validate_table(con, entity, loaded_at)
        failed = [o for o in outcomes if not o.success]
        rows = "\n".join(
            f"| {o.expectation} | {o.column} | {'pass' if o.success else 'FAIL'} "
            f"| {o.unexpected_count} |"
            for o in outcomes
        )
        return dg.AssetCheckResult(
            passed=not failed,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "expectations": len(outcomes),
                "failed": len(failed),
                "results": dg.MetadataValue.md(
                    "| expectation | column | result | unexpected |\n|---|---|---|---|\n" + rows
                ),
            },
        )

    return _check


expectation_checks = [build_expectations_check(entity) for entity in ENTITIES]
