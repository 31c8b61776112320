"""Spark's tables, read by DuckDB: what the snapshot for serving and the equality tests
read from a Spark run.

Spark keeps each table as Parquet files under its location (a directory per partition
for a partitioned one). DuckDB reads those files directly, without Spark running, and
each column is cast to the type Spark gives it, so that a table reads the same whether
it holds files or none (an empty partitioned table has no file to take a schema from).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import duckdb
from sqlglot import exp

if TYPE_CHECKING:  # pyspark is imported where Spark runs, not where its files are read
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StructField


def table_location(spark: SparkSession, table: str) -> Path:
    """The directory holding ``table``'s files (a local or mounted path)."""
    rows = spark.sql(f"DESCRIBE TABLE EXTENDED {table}").collect()
    location = next(r.data_type for r in rows if r.col_name == "Location")
    return Path(urlparse(location).path)


def duckdb_type(field: StructField) -> str:
    """DuckDB's name for the type Spark gives ``field``; a Spark ``timestamp`` (an
    instant, stored adjusted to UTC) is DuckDB's naive UTC ``TIMESTAMP``, as elsewhere."""
    if field.dataType.typeName() == "timestamp":
        return "TIMESTAMP"
    return exp.DataType.build(field.dataType.simpleString(), dialect="spark").sql("duckdb")


def _read(field: StructField) -> str:
    """The DuckDB expression reading ``field`` from Spark's Parquet, as its type."""
    column = _identifier(field.name)
    if field.dataType.typeName() == "timestamp":  # TIMESTAMPTZ in the file
        return f"timezone('UTC', CAST({column} AS TIMESTAMPTZ)) AS {column}"
    return f"CAST({column} AS {duckdb_type(field)}) AS {column}"


def _identifier(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("duckdb")


def create_views(spark: SparkSession, con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    """A view in ``con`` for each of Spark's ``tables`` (``schema.table``), under the same
    name, over the table's Parquet files, typed as Spark types it."""
    for table in tables:
        schema, name = table.split(".")
        fields = spark.table(table).schema.fields
        files = sorted(table_location(spark, table).rglob("*.parquet"))
        if files:
            paths = exp.Array(expressions=[exp.Literal.string(str(f)) for f in files]).sql("duckdb")
            source = f"read_parquet({paths}, hive_partitioning = true, union_by_name = true)"
            columns = (_read(f) for f in fields)
            select = f"SELECT {', '.join(columns)} FROM {source}"
        else:
            columns = (f"CAST(NULL AS {duckdb_type(f)}) AS {_identifier(f.name)}" for f in fields)
            select = f"SELECT {', '.join(columns)} WHERE false"
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {_identifier(schema)}")
        con.execute(f"CREATE OR REPLACE VIEW {_identifier(schema)}.{_identifier(name)} AS {select}")


def file_views(con: duckdb.DuckDBPyConnection, warehouse: Path) -> list[str]:
    """A view in ``con`` for each table directory of Spark's ``warehouse``
    (``<schema>.db/<table>``) that holds Parquet files, read without Spark; the tables
    made. For reading a finished step's tables where Spark does not run (the checks)."""
    made = []
    for directory in sorted(Path(warehouse).glob("*.db/*")):
        if not directory.is_dir() or not any(directory.rglob("*.parquet")):
            continue
        schema, name = directory.parent.name.removesuffix(".db"), directory.name
        pattern = exp.Literal.string(str(directory / "**" / "*.parquet")).sql("duckdb")
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {_identifier(schema)}")
        con.execute(
            f"CREATE OR REPLACE VIEW {_identifier(schema)}.{_identifier(name)} AS SELECT * "
            f"FROM read_parquet({pattern}, hive_partitioning = true, union_by_name = true)"
        )
        made.append(f"{schema}.{name}")
    return made
