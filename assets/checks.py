"""Checks of each loaded table, blocking: a failure stops the marts from being rebuilt.

* ``great_expectations``: the entity's suite (keys, formats, no future timestamps).
* ``every_landed_row_kept``: the files' row counts equal the clean rows plus the
  quarantined ones, so no row is lost or counted twice.
"""

import dagster as dg

from assets.expectations import validate_table
from assets.ingest import raw_asset_key
from assets.resources import Engine, Warehouse, job_tables
from segmentation.landing.load import QUARANTINE, conservation, last_loaded_at
from segmentation.landing.sources import ENTITIES, Entity


def build_expectations_check(spec: Entity) -> dg.AssetChecksDefinition:
    """Keys present and unique, email / phone format, no future times, placed in time."""

    @dg.asset_check(
        asset=raw_asset_key(spec),
        name="great_expectations",
        blocking=True,
        description=f"great-expectations suite of raw.{spec.table}, derived from its spec.",
    )
    def _check(warehouse: Warehouse, engine: Engine) -> dg.AssetCheckResult:
        with job_tables(warehouse, engine) as con:
            outcomes = validate_table(con, spec, last_loaded_at(con, spec))
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


def build_conservation_check(spec: Entity) -> dg.AssetChecksDefinition:
    """Landed rows = clean rows + quarantined rows, counted from the files' footers."""

    @dg.asset_check(
        asset=raw_asset_key(spec),
        name="every_landed_row_kept",
        blocking=True,
        description=(
            f"Every row of the {spec.name} files is in {spec.relation} or in {QUARANTINE}."
        ),
    )
    def _check(warehouse: Warehouse, engine: Engine) -> dg.AssetCheckResult:
        with job_tables(warehouse, engine) as con:
            counts = conservation(con, spec)
        return dg.AssetCheckResult(
            passed=counts.holds,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "landed_rows": counts.landed,
                "clean_rows": counts.clean,
                "quarantined_rows": counts.quarantined,
            },
        )

    return _check


load_checks = [
    build(spec)
    for spec in ENTITIES
    for build in (build_expectations_check, build_conservation_check)
]
