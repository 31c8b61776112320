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
import time
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmentation.dbt import SEGMENT_STATS, dbt_build_args
from segmentation.settings import DEFAULT_TIMEZONE, Settings
from segmentation.spark.session import dbt_vars
from tests.conftest import AS_OF, BuiltWarehouse
from tests.engines import differences
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
            location = folder / table
            location.mkdir(parents=True)
            pq.write_table(as_instants(data), location / "part-0.parquet")
            spark.sql(f"drop table if exists raw.{table}")
            spark.sql(f"create table raw.{table} using parquet location '{location}'")
    return tables


def as_instants(table: pa.Table) -> pa.Table:
    """Naive UTC timestamps as UTC instants: Spark's TIMESTAMP, shown in its UTC zone."""
    instant = pa.timestamp("us", tz="UTC")
    return table.cast(
        pa.schema(
            [f.with_type(instant) if pa.types.is_timestamp(f.type) else f for f in table.schema]
        )
    )


@contextmanager
def as_under_dbt(spark):
    """The session as dbt-spark sets it (ANSI mode off), then as it was: dbt-spark turns
    ANSI mode off in the session it reuses, and other tests keep Spark's default."""
    before = spark.conf.get("spark.sql.ansi.enabled")
    spark.conf.set("spark.sql.ansi.enabled", "false")
    try:
        yield spark
    finally:
        spark.conf.set("spark.sql.ansi.enabled", before)


def dbt_build_on_spark(spark, work: Path) -> float:
    """``dbt build --target spark`` as of ``AS_OF``, in this process; its seconds."""
    from dbt.cli.main import dbtRunner

    warehouse = Path(spark.conf.get("spark.sql.warehouse.dir").removeprefix("file:"))
    spark_vars = dbt_vars(
        replace(
            Settings.from_env({}), spark_master=spark.sparkContext.master, spark_warehouse=warehouse
        )
    )
    # The marts only: the segment stats need a membership history (test_stats_on_spark).
    build = dbt_build_args(
        AS_OF.isoformat(), "", DEFAULT_TIMEZONE, exclude=SEGMENT_STATS, spark_vars=spark_vars
    )
    args = [
        *build,
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
    with as_under_dbt(spark):
        result = dbtRunner().invoke(args)
    seconds = time.monotonic() - started
    failed = [
        f"{r.node.unique_id}: {r.status} {r.message}"
        for r in (result.result or [])
        if str(r.status) not in ("success", "pass")
    ]
    assert result.success, f"dbt build on Spark failed: {result.exception}\n" + "\n".join(failed)
    return seconds


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


def compiled(sql: str, target: str, work: Path, variables: dict[str, str]) -> list[str]:
    """``sql`` (queries apart by ``-- next --``) as dbt compiles it for ``target``."""
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(
        [
            "compile",
            "--quiet",
            "--target",
            target,
            "--inline",
            sql,
            "--vars",
            json.dumps(variables),
            "--project-dir",
            str(DBT_PROJECT),
            "--profiles-dir",
            str(DBT_PROJECT),
            "--target-path",
            str(work / f"compile_{target}"),
            "--log-path",
            str(work / "dbt_logs"),
        ]
    )
    assert result.success, result.exception
    return result.result.results[0].node.compiled_code.split("-- next --")


# Text as a CRM exports it, malformed included: each engine-specific macro must read it
# as DuckDB does. Not here, as Spark reads them apart (see macros/try_cast.sql): dates
# whose year has other than four digits, BC dates; and infinite dates (DuckDB reads
# `inf` as one), which Spark has not, are left out of the comparison of dates.
EDGE_TEXT = [
    *("12", "12.5", "-0.5", "1e3", "1E5", "+3", ".5", "5.", "-.5e-3", "0.0e-0", " 12 "),
    *("1_000", "1_000.5_5", "1e1_0", "NaN", "-NaN", "nan", "inf", "-Infinity", "+inf"),
    *("1,5", "0x10", "1__0", "_1", "1_", "1_e5", "1d", "1f", "12F", "1e", "e5", "1.2.3"),
    *("2026-01-05", "2026-1-5", "2026/01/05", "2026/1/5", "2026 01 05", "2026-02-29"),
    *("2024-02-29", "2026-01-05 10:00", "2026-01-05T10:00:00", "2026-01-05 10:00:00+07"),
    *("2026-01-05T10:00:00Z", "2026-01-05 10:00:00.123456789", "2026-02-30", "2026-13-01"),
    *("2026", "2026-01", "+2026-01-05", "20260105", "05/01/2026", "2026.01.05", "2026-01/05"),
    *("2026-01-05 10", "2026-01-05 25:00", "2026-01-05 10:00:61", "2026-01-05T", "2026-01-05x"),
    *("yes", "y", "no", "n", "TRUE", "True", "t", "F", "1", "0", "on", "off", "2", " true"),
    *("Jakarta", " Jakarta\u00a0", "\tBandung\u3000", "Kota  Bogor", " \u00a0 ", "", "x"),
    *("WhatsApp ", "MALE", "\u2003", "\u0085x\u0085", "\u200bx"),
    *(
        "\u0130STANBUL",
        "\u039f\u0394\u039f\u03a3",
        "\u03a3\u0391\u03a3 \u03a3",
        "\u03c2",
        "\u00c0\u00c9",
    ),
    None,
]
# Multi-select values: JSON, as DuckDB stops the build on text that is not.
EDGE_JSON = [
    '["a"," b ",""]',
    '[" Gold\u00a0","\u3000"]',
    "[1,2.50,true]",
    '["a",null]',
    '[["x"]]',
    '[{"k":1}]',
    "[]",
    '{"a":1}',
    '"a"',
    "null",
    '[ "x" , "y" ]',
    None,
]
EDGE_INSTANTS = [
    "2026-03-29 00:59:59",
    "2026-03-29 01:00:00",
    "2026-10-25 00:59:59.999999",
    "2026-10-25 01:00:00",
    "2026-03-08 07:00:00",
    "2026-11-01 05:59:59",
    "2026-11-24 16:59:59.999999",
    "2026-11-24 17:00:00",
    "1969-12-31 23:59:59.5",
    "1950-06-01 12:00:00",
    "2000-02-29 23:30:00.25",
]
EDGE_ZONES = ["Asia/Jakarta", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"]
EDGE_SQL = """
select
    v,
    {{ try_cast('v', 'double') }} as as_double,
    case when lower(v) not in ('inf', '-inf', 'infinity', '-infinity', '+infinity')
            then {{ try_cast('v', 'date') }}
    end as as_date,
    {{ try_cast('v', 'boolean') }} as as_boolean,
    {{ clean_text('v') }} as cleaned,
    {{ clean_code('v') }} as code
from edge_text
-- next --
select v, {{ clean_text_list('v') }} as options from edge_json
-- next --
select
    instant,
    zone,
    {{ local_date_in_zone('instant', 'zone') }} as local_day,
    {{ local_midnight_utc('cast(instant as date)', 'zone') }} as midnight_utc,
    cast({{ utc_offset_seconds('instant', 'zone') }} as bigint) as offset_seconds,
    {{ hours_between('instant', "timestamp '2026-11-24 12:00:00'") }} as hours_to,
    {{ hours_between("timestamp '1970-01-01 00:00:00.75'", 'instant') }} as hours_from,
    {{ days_between('cast(instant as date)', "cast('2026-11-24' as date)") }} as days_to
from edge_instants
"""


def edge_tables() -> dict[str, pa.Table]:
    instants = [datetime.fromisoformat(t) for t in EDGE_INSTANTS]
    return {
        "edge_text": pa.table({"v": pa.array(EDGE_TEXT, pa.string())}),
        "edge_json": pa.table({"v": pa.array(EDGE_JSON, pa.string())}),
        "edge_instants": pa.table(
            {
                "instant": pa.array([t for t in instants for _ in EDGE_ZONES], pa.timestamp("us")),
                "zone": pa.array([z for _ in instants for z in EDGE_ZONES], pa.string()),
            }
        ),
    }


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
    shown = spark.sql(f"show tables in {MARTS}").collect()
    spark_names = {r.tableName for r in shown if not r.isTemporary}
    assert spark_names == set(duck)
    found = {}
    for name, table in duck.items():
        assert table.num_rows > 0, f"{name} is empty: the comparison would prove nothing"
        problems = differences(table, spark.table(f"{MARTS}.{name}").toArrow())
        if problems:
            found[name] = problems
    assert not found, "\n".join(f"{n}:\n" + "\n".join(p) for n, p in found.items())


def test_marts_on_spark_are_parquet_tables(spark, spark_build):
    databases = {r.namespace for r in spark.sql("show databases").collect()}
    assert {"raw", "seeds", "staging", "intermediate", "marts"} <= databases
    details = {
        r.tableName: {
            d.col_name: d.data_type
            for d in spark.sql(f"describe table extended {MARTS}.{r.tableName}").collect()
        }
        for r in spark.sql(f"show tables in {MARTS}").collect()
        if not r.isTemporary
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


def test_engine_specific_macros_read_edge_values_as_duckdb(spark, tmp_path: Path):
    """The dispatched macros compiled for each target and run on both engines over
    malformed text, JSON, daylight-saving edges and instants before 1970."""
    variables = {
        "as_of_date": AS_OF.isoformat(),
        "default_timezone": DEFAULT_TIMEZONE,
        "warehouse_path": str(tmp_path / "edge.duckdb"),
        **dbt_vars(
            replace(
                Settings.from_env({}),
                spark_master=spark.sparkContext.master,
                spark_warehouse=Path(
                    spark.conf.get("spark.sql.warehouse.dir").removeprefix("file:")
                ),
            )
        ),
    }
    tables = edge_tables()
    for name, table in tables.items():
        spark.createDataFrame(as_instants(table)).createOrReplaceTempView(name)
    found = {}
    with duckdb.connect() as con:
        for name, table in tables.items():
            con.register(name, table)
        queries = zip(
            compiled(EDGE_SQL, "duckdb", tmp_path, variables),
            compiled(EDGE_SQL, "spark", tmp_path, variables),
            strict=True,
        )
        for number, (on_duckdb, on_spark) in enumerate(queries):
            with as_under_dbt(spark):
                on_spark_rows = spark.sql(on_spark).toArrow()
            problems = differences(con.sql(on_duckdb).to_arrow_table(), on_spark_rows)
            if problems:
                found[number] = problems
    assert not found, "\n".join(f"query {n}:\n" + "\n".join(p) for n, p in found.items())
