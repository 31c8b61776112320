"""An in-memory DuckDB holding generated mart rows, for running compiled SQL."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pyarrow as pa

from segmentation.rules.catalog import FieldType
from tests.property.strategies import column_types

ARROW_TYPES = {
    FieldType.MULTIPLE_SELECT: pa.list_(pa.string()),
    FieldType.NUMBER: pa.float64(),
    FieldType.PERCENTAGE: pa.float64(),
    FieldType.DATE: pa.date32(),
    FieldType.BOOLEAN: pa.bool_(),
}


def _arrow_type(kind, values: list) -> pa.DataType:
    if any(isinstance(v, Decimal) for v in values):
        return pa.decimal128(18, 2)
    return ARROW_TYPES.get(kind, pa.string()) if isinstance(kind, FieldType) else pa.string()


def in_memory_marts(tables: dict[str, list[dict]]) -> duckdb.DuckDBPyConnection:
    """A connection whose ``marts`` schema holds ``tables`` (every catalog table exists)."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts")
    for table, columns in column_types().items():
        rows = [{c: row.get(c) for c in columns} for row in tables.get(table, [])]
        schema = pa.schema(
            [(c, _arrow_type(t, [row[c] for row in rows])) for c, t in columns.items()]
        )
        data = pa.Table.from_pylist(rows, schema=schema)  # noqa: F841 (read by DuckDB)
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM data")
    return con
