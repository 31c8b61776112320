"""The dbt project on Spark (dbt-spark, session method) builds the same marts as on DuckDB.

The raw tables of the DuckDB warehouse built by ``built_warehouse`` are exported to
Parquet and registered in the Spark metastore as ``raw.<table>``; ``dbt build --target
spark`` then runs in this process, so dbt-spark's ``getOrCreate()`` reuses the test's
session (an embedded Derby metastore allows one JVM, so a dbt subprocess could not open
it while the session is alive; dbt-spark's connection close does not stop the session).
Every relation of DuckDB's ``marts`` schema is compared, row for row, with Spark's.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmentation.settings import DEFAULT_TIMEZONE, Settings
from segmentation.spark.session import dbt_vars
from tests.conftest import AS_OF, BuiltWarehouse
from tests.helpers import DBT_PROJECT

MARTS = "marts"


def export_raw(warehouse: Path, spark, folder: Path) -> list[str]:
    """Each clean ``raw`` table of the DuckDB ``warehouse`` as Parquet under ``folder``,
    registered in Spark's metastore as ``raw.<table>``; the table names.

    Timestamps are naive UTC in DuckDB: written as UTC instants, Spark reads them as its
    TIMESTAMP, shown in the session's zone (UTC), so the wall-clock values are the same.
    """
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'raw' and table_name like 'crm\\_%' escape '\\' "
                "order by table_name"
            ).fetchall()
        ]
        spark.sql("create database if not exists raw")
        for table in tables:
            data = con.sql(f"select * from raw.{table}").to_arrow_table()
            instant = pa.timestamp("us", tz="UTC")
            utc = pa.schema(
                [f.with_type(instant) if pa.types.is_timestamp(f.type) else f for f in data.schema]
            )
            location = folder / table
            location.mkdir(parents=True)
            pq.write_table(data.cast(utc), location / "part-0.parquet")
            spark.sql(f"drop table if exists raw.{table}")
            spark.sql(f"create table raw.{table} using parquet location '{location}'")
    return tables


def dbt_build_on_spark(spark, work: Path) -> float:
    """``dbt build --target spark`` as of ``AS_OF``, in this process; its seconds."""
    from dbt.cli.main import dbtRunner

    warehouse = Path(spark.conf.get("spark.sql.warehouse.dir").removeprefix("file:"))
    variables = {
        "as_of_date": AS_OF.isoformat(),
        "default_timezone": DEFAULT_TIMEZONE,
        **dbt_vars(
            replace(
                Settings.from_env({}),
                spark_master=spark.sparkContext.master,
                spark_warehouse=warehouse,
            )
        ),
    }
    args = [
        "build",
        "--target",
        "spark",
        "--vars",
        json.dumps(variables),
        "--project-dir",
        str(DBT_PROJECT),
        "--profiles-dir",
        str(DBT_PROJECT),
        "--target-path",
        str(work / "dbt_target"),
        "--log-path",
        str(work / "dbt_logs"),
    ]
    started = time.monotonic()
    result = dbtRunner().invoke(args)
    seconds = time.monotonic() - started
    failed = [
        f"{r.node.unique_id}: {r.status} {r.message}"
        for r in (result.result or [])
        if str(r.status) not in ("success", "pass")
    ]
    assert result.success, f"dbt build on Spark failed: {result.exception}\n" + "\n".join(failed)
    return seconds


# -- comparison ----------------------------------------------------------------------


def family(kind: pa.DataType) -> str:
    """A column type as both engines should agree on it: exact, but for timestamps
    (naive UTC in DuckDB, UTC instants in Spark, read in its UTC session zone)."""
    if pa.types.is_floating(kind):
        return "double"
    if pa.types.is_decimal(kind):
        return f"decimal({kind.precision},{kind.scale})"
    if pa.types.is_timestamp(kind):
        return "timestamp"
    if pa.types.is_date(kind):
        return "date"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "string"
    if pa.types.is_boolean(kind):
        return "boolean"
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return f"list<{family(kind.value_type)}>"
    return str(kind)


def canonical(value):
    """A value comparable across engines: decimals and doubles as doubles to 12
    significant digits, timestamps naive UTC, lists as tuples."""
    if value is None:
        return None
    if isinstance(value, Decimal | float):
        number = float(value)
        return number if math.isnan(number) else float(f"{number:.12g}")
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value
    if isinstance(value, list | tuple):
        return tuple(canonical(v) for v in value)
    return value


def rows(table: pa.Table) -> list[tuple]:
    """The table's rows as canonical tuples."""
    columns = [[canonical(v) for v in column.to_pylist()] for column in table.columns]
    return list(zip(*columns, strict=True)) if columns else []


def _sort_key(row: tuple) -> tuple:
    return tuple((v is None, repr(type(v)), v if v is not None else 0) for v in row)


def differences(duck: pa.Table, spark: pa.Table, limit: int = 5) -> list[str]:
    """How two engines' copies of a relation differ: columns, types, then rows (each
    row counted, so a duplicated row is a difference); empty when they are equal."""
    if duck.column_names != spark.column_names:
        return [f"columns: DuckDB {duck.column_names}, Spark {spark.column_names}"]
    found = [
        f"type of {name}: DuckDB {d.type} ({family(d.type)}), Spark {s.type} ({family(s.type)})"
        for name, d, s in zip(duck.column_names, duck.schema, spark.schema, strict=True)
        if family(d.type) != family(s.type)
    ]
    duck_rows, spark_rows = Counter(rows(duck)), Counter(rows(spark))
    only_duck = sorted((duck_rows - spark_rows).elements(), key=_sort_key)
    only_spark = sorted((spark_rows - duck_rows).elements(), key=_sort_key)
    if only_duck or only_spark:
        found.append(
            f"{len(only_duck)} of {duck.num_rows} DuckDB rows not in Spark's, "
            f"{len(only_spark)} of {spark.num_rows} Spark rows not in DuckDB's"
        )
        named = [dict(zip(duck.column_names, r, strict=True)) for r in only_duck[:limit]]
        found += [f"  DuckDB only: {r}" for r in named]
        named = [dict(zip(duck.column_names, r, strict=True)) for r in only_spark[:limit]]
        found += [f"  Spark only:  {r}" for r in named]
    return found


def duckdb_marts(warehouse: Path) -> dict[str, pa.Table]:
    """Every relation (tables and views) of DuckDB's marts schema, as Arrow."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = ? order by table_name",
                [MARTS],
            ).fetchall()
        ]
        return {n: con.sql(f"select * from {MARTS}.{n}").to_arrow_table() for n in names}


# -- the test --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spark_build(built_warehouse: BuiltWarehouse, spark, tmp_path_factory: pytest.TempPathFactory):
    """The raw tables in Spark, and the project built on them; the build's seconds."""
    work = tmp_path_factory.mktemp("dbt_spark")
    started = time.monotonic()
    tables = export_raw(built_warehouse.path, spark, work / "raw")
    exported = time.monotonic() - started
    seconds = dbt_build_on_spark(spark, work)
    print(f"\nraw tables exported and registered: {len(tables)} in {exported:.1f} s")
    print(f"dbt build --target spark: {seconds:.1f} s")
    return seconds


def test_every_mart_on_spark_equals_duckdb(built_warehouse: BuiltWarehouse, spark, spark_build):
    duck = duckdb_marts(built_warehouse.path)
    assert len(duck) == 11, sorted(duck)
    spark_names = {r.tableName for r in spark.sql(f"show tables in {MARTS}").collect()}
    assert spark_names == set(duck)
    found = {}
    for name, table in duck.items():
        assert table.num_rows > 0, f"{name} is empty: the comparison would prove nothing"
        problems = differences(table, spark.table(f"{MARTS}.{name}").toArrow())
        if problems:
            found[name] = problems
    assert not found, "\n".join(f"{n}:\n" + "\n".join(p) for n, p in found.items())


def test_marts_on_spark_are_parquet_tables(spark, spark_build):
    details = {
        r.tableName: {
            d.col_name: d.data_type
            for d in spark.sql(f"describe table extended {MARTS}.{r.tableName}").collect()
        }
        for r in spark.sql(f"show tables in {MARTS}").collect()
    }
    tables = {n for n, d in details.items() if d.get("Type") != "VIEW"}
    assert tables, details
    assert {n: details[n].get("Provider") for n in tables} == dict.fromkeys(tables, "parquet")


def test_the_comparison_sees_one_changed_value(built_warehouse: BuiltWarehouse, spark, spark_build):
    """A self-test: one value changed in Spark's copy, one row dropped, and one type
    changed are each reported."""
    duck = duckdb_marts(built_warehouse.path)["contact_metrics"]
    theirs = spark.table(f"{MARTS}.contact_metrics").toArrow()
    assert differences(duck, theirs) == []

    column = theirs.column_names.index("total_spent")
    values = theirs.column(column).to_pylist()
    changed = next(i for i, v in enumerate(values) if v)
    values[changed] += Decimal("0.01")
    altered = theirs.set_column(
        column, "total_spent", pa.array(values, theirs.schema.field(column).type)
    )
    problems = differences(duck, altered)
    assert problems and "1 of" in problems[0], problems

    assert differences(duck, theirs.slice(1)), "a missing row went unseen"

    as_double = theirs.set_column(column, "total_spent", theirs.column(column).cast(pa.float64()))
    assert any(p.startswith("type of total_spent") for p in differences(duck, as_double))


def test_canonical_values():
    assert canonical(Decimal("1.10")) == canonical(1.1)
    assert canonical(0.1 + 0.2) == canonical(0.3)
    assert canonical(datetime(2026, 1, 1, 7, tzinfo=UTC)) == datetime(2026, 1, 1, 7)
    assert canonical(["b", "a"]) == ("b", "a")
    assert canonical(date(2026, 1, 1)) == date(2026, 1, 1)
