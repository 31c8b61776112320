"""Spark's tables, read by DuckDB: what the checks, the snapshot for serving, the run's
summary and the equality tests read from a Spark run.

Spark keeps each table as Parquet files under its location (a directory per partition
for a partitioned one; a load switches a table to a new directory). DuckDB reads those
files directly, and casts each column to the type Spark gives it, so that a table reads
the same whether it holds files or none (an empty partitioned table has no file to take
a schema from).

Where each table lives and its columns are known to Spark's metastore, which only a
Spark session can open. So every Spark step ends by writing them down in the warehouse
(:data:`MANIFEST`, :func:`record_tables`), and a reader without Spark
(:func:`file_views`) reads the manifest.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import duckdb
from sqlglot import exp

if TYPE_CHECKING:  # pyspark is imported where Spark runs, not where its files are read
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StructField

MANIFEST = "tables.json"
"""In Spark's warehouse directory: ``{"schema.table": {"location": ..., "columns":
[[name, DuckDB type, Spark type], ...]}}`` for every table of :data:`SCHEMAS`."""

SCHEMAS = ("raw", "marts", "segments")
"""The databases whose tables are read outside Spark."""


def describe(spark: SparkSession, table: str) -> dict:
    """Where ``table``'s files are, and its columns (name, DuckDB type, Spark type)."""
    rows = spark.sql(f"DESCRIBE TABLE EXTENDED {table}").collect()
    location = next(r.data_type for r in rows if r.col_name == "Location")
    columns = [
        [f.name, duckdb_type(f), f.dataType.typeName()] for f in spark.table(table).schema.fields
    ]
    return {"location": urlparse(location).path, "columns": columns}


def duckdb_type(field: StructField) -> str:
    """DuckDB's name for the type Spark gives ``field``; a Spark ``timestamp`` (an
    instant, stored adjusted to UTC) is DuckDB's naive UTC ``TIMESTAMP``, as elsewhere."""
    if field.dataType.typeName() == "timestamp":
        return "TIMESTAMP"
    return exp.DataType.build(field.dataType.simpleString(), dialect="spark").sql("duckdb")


def record_tables(spark: SparkSession, warehouse: Path) -> dict[str, dict]:
    """Write down every table of :data:`SCHEMAS` (:data:`MANIFEST`, replaced atomically);
    the tables described."""
    tables = {}
    for schema in SCHEMAS:
        if not spark.catalog.databaseExists(schema):
            continue
        for table in spark.catalog.listTables(schema):
            if not table.isTemporary and table.tableType != "VIEW":
                name = f"{schema}.{table.name}"
                tables[name] = describe(spark, name)
    staged = Path(warehouse) / f".{MANIFEST}.{os.getpid()}"
    staged.write_text(json.dumps(tables, indent=1, sort_keys=True))
    os.replace(staged, Path(warehouse) / MANIFEST)
    return tables


def _identifier(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("duckdb")


def _read(name: str, kind: str, spark_kind: str) -> str:
    """The DuckDB expression reading a column from Spark's Parquet, as its type."""
    column = _identifier(name)
    if spark_kind == "timestamp":  # an instant: TIMESTAMPTZ in the file
        return f"timezone('UTC', CAST({column} AS TIMESTAMPTZ)) AS {column}"
    return f"CAST({column} AS {kind}) AS {column}"


def _view(con: duckdb.DuckDBPyConnection, table: str, described: dict) -> None:
    schema, name = table.split(".")
    files = sorted(Path(described["location"]).rglob("*.parquet"))
    columns = described["columns"]
    if files:
        paths = exp.Array(expressions=[exp.Literal.string(str(f)) for f in files]).sql("duckdb")
        source = f"read_parquet({paths}, hive_partitioning = true, union_by_name = true)"
        select = f"SELECT {', '.join(_read(*c) for c in columns)} FROM {source}"
    else:
        typed = (f"CAST(NULL AS {kind}) AS {_identifier(n)}" for n, kind, _ in columns)
        select = f"SELECT {', '.join(typed)} WHERE false"
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {_identifier(schema)}")
    con.execute(f"CREATE OR REPLACE VIEW {_identifier(schema)}.{_identifier(name)} AS {select}")


def create_views(spark: SparkSession, con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    """A view in ``con`` for each of Spark's ``tables`` (``schema.table``), under the same
    name, over the table's Parquet files, typed as Spark types it."""
    for table in tables:
        _view(con, table, describe(spark, table))


def file_views(con: duckdb.DuckDBPyConnection, warehouse: Path) -> list[str]:
    """A view in ``con`` for each table the last Spark step wrote down in ``warehouse``'s
    :data:`MANIFEST`, read without Spark; the tables made (none before any Spark step)."""
    manifest = Path(warehouse) / MANIFEST
    if not manifest.exists():
        return []
    tables = json.loads(manifest.read_text())
    for table, described in tables.items():
        _view(con, table, described)
    return sorted(tables)
