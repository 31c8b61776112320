"""great-expectations suites for the loaded ``raw`` tables, derived from the entity specs.

great-expectations belongs to the pipeline (the ``pipeline`` extra), not to the core
library. It cannot read DuckDB as a SQL datasource (its results come back empty), so the
metrics are computed where the data is streamed out of it: the table is read in bounded
Arrow record batches, each batch validated as a pandas frame in one ephemeral context,
and the per-batch results merged. Memory is one batch whatever the table's size.

What each suite asks, and what it leaves to the loader:

* keys, the tenant and the record's placing timestamp are present;
* emails and phones match their formats;
* no timestamp of something that happened lies after the load. Timestamps are compared
  as epoch microseconds: the same order, and a vectorized comparison in pandas (a
  timestamp column is compared element by element in Python).
* Key uniqueness is not re-checked row by row: the loader keeps one row per key (the
  latest version), and its tests hold it to that.

The import costs seconds: it happens inside :func:`validate_table`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb

from segmentation.landing.load import quote
from segmentation.landing.sources import Entity

if TYPE_CHECKING:
    import great_expectations as gx
    import pandas as pd

BATCH_ROWS = 1_000_000
"""Rows validated at a time: tens of MB of pandas (numbers, and emails and phones as text)."""

_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's verdict on the whole table."""

    expectation: str
    column: str
    success: bool
    unexpected_count: int


def _epoch_us(moment: datetime) -> int:
    """A naive UTC datetime as epoch microseconds (as DuckDB's ``epoch_us``)."""
    return (moment - _EPOCH) // (datetime.resolution)


def _suite(gx_module: Any, entity: Entity, loaded_at: datetime) -> gx.ExpectationSuite:
    e = gx_module.expectations
    suite = gx_module.ExpectationSuite(name=f"raw_{entity.table}")
    for column in dict.fromkeys((*entity.key, "cid", *filter(None, [entity.placed_at]))):
        suite.add_expectation(e.ExpectColumnValuesToNotBeNull(column=column))
    for column, pattern in entity.formats.items():
        suite.add_expectation(e.ExpectColumnValuesToMatchRegex(column=column, regex=pattern))
    latest = _epoch_us(loaded_at)
    for column in entity.happened_at:
        suite.add_expectation(e.ExpectColumnValuesToBeBetween(column=column, max_value=latest))
    return suite


def _projection(entity: Entity, column: str) -> str:
    """What the suite reads of ``column``: a timestamp as epoch microseconds (compared as
    numbers, vectorized); text only tested for presence as its length (the same NULLs, a
    number to move and hash instead of a string); anything else as it is."""
    name = quote(column)
    if column in entity.happened_at:
        return f"epoch_us({name}) AS {name}"
    if entity.columns[column] == "VARCHAR" and column not in entity.formats:
        return f"length({name}) AS {name}"
    return name


def _select(entity: Entity) -> str:
    """The columns the suite reads, as :func:`_projection` sends them."""
    wanted = {*entity.key, "cid", *entity.formats, *entity.happened_at, entity.placed_at}
    columns = [_projection(entity, c) for c in entity.columns if c in wanted]
    return f"SELECT {', '.join(columns)} FROM {entity.relation}"


def _frames(con: duckdb.DuckDBPyConnection, entity: Entity) -> Iterator[pd.DataFrame]:
    """The table as pandas frames of about :data:`BATCH_ROWS` rows (at least one frame,
    maybe empty). DuckDB streams smaller record batches: they are gathered first."""
    import pyarrow as pa

    reader = con.sql(_select(entity)).to_arrow_reader(BATCH_ROWS)
    pending: list[pa.RecordBatch] = []
    rows, yielded = 0, False
    for batch in reader:
        pending.append(batch)
        rows += batch.num_rows
        if rows >= BATCH_ROWS:
            yield pa.Table.from_batches(pending, reader.schema).to_pandas()
            pending, rows, yielded = [], 0, True
    if pending or not yielded:
        yield pa.Table.from_batches(pending, reader.schema).to_pandas()


def validate_table(
    con: duckdb.DuckDBPyConnection, entity: Entity, loaded_at: datetime
) -> list[ExpectationOutcome]:
    """Run the entity's suite on ``raw.crm_<entity>``, batch by batch; one outcome per
    expectation, over the whole table."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batches = (
        context.data_sources.add_pandas(f"raw_{entity.table}")
        .add_dataframe_asset(entity.table)
        .add_batch_definition_whole_dataframe("record_batch")
    )
    suite = context.suites.add(_suite(gx, entity, loaded_at))
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"raw_{entity.table}", data=batches, suite=suite)
    )
    merged: dict[tuple[str, str], ExpectationOutcome] = {}
    for frame in _frames(con, entity):
        result = validation.run(batch_parameters={"dataframe": frame})
        for outcome in map(_outcome, result.results):
            key = (outcome.expectation, outcome.column)
            merged[key] = _merge(merged.get(key), outcome)
    return list(merged.values())


def _outcome(item: Any) -> ExpectationOutcome:
    kwargs = item.expectation_config.kwargs
    return ExpectationOutcome(
        expectation=item.expectation_config.type,
        column=kwargs.get("column") or ",".join(kwargs.get("column_list", [])),
        success=bool(item.success),
        unexpected_count=int(item.result.get("unexpected_count") or 0),
    )


def _merge(total: ExpectationOutcome | None, batch: ExpectationOutcome) -> ExpectationOutcome:
    if total is None:
        return batch
    return ExpectationOutcome(
        total.expectation,
        total.column,
        total.success and batch.success,
        total.unexpected_count + batch.unexpected_count,
    )
