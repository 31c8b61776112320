"""great-expectations suites for the loaded ``raw`` tables, derived from the entity specs.

Great-expectations belongs to the pipeline (the `pipeline` extra), not to the core library.

great-expectations 1.x cannot read DuckDB as a SQL datasource (its results come back
empty), so a table is read into pandas and validated in an ephemeral context. The
import costs seconds: it happens inside :func:`validate_table`, not at module import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import duckdb

from segmentation.landing.load import quote
from segmentation.landing.sources import Entity

if TYPE_CHECKING:
    import great_expectations as gx


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's verdict on the table."""

    expectation: str
    column: str
    success: bool
    unexpected_count: int


def _suite(gx_module, entity: Entity, loaded_at: datetime) -> gx.ExpectationSuite:
    e = gx_module.expectations
    suite = gx_module.ExpectationSuite(name=f"raw_{entity.table}")
    for column in dict.fromkeys((*entity.key, "cid", *filter(None, [entity.placed_at]))):
        suite.add_expectation(e.ExpectColumnValuesToNotBeNull(column=column))
    if len(entity.key) == 1:
        suite.add_expectation(e.ExpectColumnValuesToBeUnique(column=entity.key[0]))
    else:
        suite.add_expectation(e.ExpectCompoundColumnsToBeUnique(column_list=list(entity.key)))
    for column, pattern in entity.formats.items():
        suite.add_expectation(e.ExpectColumnValuesToMatchRegex(column=column, regex=pattern))
    for column in entity.happened_at:
        suite.add_expectation(e.ExpectColumnValuesToBeBetween(column=column, max_value=loaded_at))
    return suite


def _columns(entity: Entity) -> list[str]:
    wanted = {*entity.key, "cid", *entity.formats, *entity.happened_at, entity.placed_at}
    return [c for c in entity.columns if c in wanted]


def validate_table(
    con: duckdb.DuckDBPyConnection, entity: Entity, loaded_at: datetime
) -> list[ExpectationOutcome]:
    """Run the entity's suite on ``raw.crm_<entity>``; one outcome per expectation."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    columns = ", ".join(quote(c) for c in _columns(entity))
    frame = con.sql(f"SELECT {columns} FROM {entity.relation}").df()

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas(f"raw_{entity.table}")
        .add_dataframe_asset(entity.table)
        .add_batch_definition_whole_dataframe("whole_table")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    result = batch.validate(_suite(gx, entity, loaded_at))
    outcomes = []
    for item in result.results:
        config = item.expectation_config
        kwargs = config.kwargs
        column = kwargs.get("column") or ",".join(kwargs.get("column_list", []))
        outcomes.append(
            ExpectationOutcome(
                expectation=config.type,
                column=column,
                success=bool(item.success),
                unexpected_count=int(item.result.get("unexpected_count") or 0),
            )
        )
    return outcomes
