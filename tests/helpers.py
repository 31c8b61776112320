"""Helpers shared by the tests: hand-made landing data, a dbt runner, and in-memory marts
for running compiled SQL."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlglot import exp

from segmentation.compile import compile_rule_set, to_sql
from segmentation.dbt import (
    DBT_PROJECT,
    SEGMENT_STATS,
    DbtBuildError,
    dbt_build_args,
    run_dbt_build,
)
from segmentation.landing.load import LoadPolicy, load_entity
from segmentation.landing.sources import ENTITIES, arrow_schema
from segmentation.rules.bound import BoundRuleSet
from segmentation.rules.catalog import FieldType
from segmentation.settings import DEFAULT_TIMEZONE
from tests.strategies import column_types


def write_landing(landing: Path, **rows_by_entity: list[dict]) -> None:
    """Write every entity's Parquet file as the CRM exports it (typed by the contract,
    pages checksummed); entities not given are written empty."""
    for entity in ENTITIES:
        schema = arrow_schema(entity)
        rows = [
            {f.name: _exported(row.get(f.name), f.type) for f in schema}
            for row in rows_by_entity.get(entity.name, [])
        ]
        folder = landing / entity.name
        folder.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist(rows, schema=schema)
        pq.write_table(table, folder / "part-0.parquet", write_page_checksum=True)


def _exported(value, kind: pa.DataType):
    """Amounts written as exact decimals, as an export types money."""
    if pa.types.is_decimal(kind) and isinstance(value, int | float):
        return Decimal(repr(value)).quantize(Decimal("0.01"))
    return value


def load_all(
    warehouse: Path, landing: Path, loaded_at: datetime, policy: LoadPolicy | None = None
) -> dict:
    """Load every entity in dependency order; the results by entity."""
    with duckdb.connect(str(warehouse)) as con:
        return {e.name: load_entity(con, e, landing, loaded_at, policy) for e in ENTITIES}


def dbt_build(warehouse: Path, as_of: date, work: Path, select: str | None = None) -> None:
    """``dbt build`` as of a day into ``warehouse`` (``select`` only, or everything but the
    segment stats, which need a membership history); fails the test with dbt's output."""
    args = dbt_build_args(
        as_of.isoformat(),
        str(warehouse),
        DEFAULT_TIMEZONE,
        select=select,
        exclude=None if select else SEGMENT_STATS,
    )
    if select:
        args += ["--indirect-selection", "cautious"]
    try:
        run_dbt_build(args, DBT_PROJECT, work)
    except DbtBuildError as failed:
        pytest.fail(str(failed), pytrace=False)


def tenant(cid: str = "t1", timezone: str = "Asia/Jakarta") -> dict:
    """A tenant row."""
    return {"cid": cid, "name": f"Tenant {cid}", "package_tier": "plus", "timezone": timezone}


def contact(contact_id: str, cid: str = "t1", **values) -> dict:
    """A contact row created long ago, with defaults for what the test does not care about."""
    base = {
        "cid": cid,
        "contact_id": contact_id,
        "full_name": f"Contact {contact_id}",
        "created_at": datetime(2024, 1, 1),
        "updated_at": datetime(2024, 1, 1),
    }
    return base | values


def conversation(conversation_id: str, contact_id: str, cid: str = "t1", **values) -> dict:
    """A WhatsApp conversation started long ago."""
    base = {
        "cid": cid,
        "conversation_id": conversation_id,
        "contact_id": contact_id,
        "channel": "whatsapp",
        "status": "open",
        "started_at": datetime(2025, 6, 1),
        "message_count": 1,
    }
    return base | values


def campaign(campaign_id: str, cid: str = "t1", **values) -> dict:
    """A WhatsApp campaign sent long ago."""
    base = {"cid": cid, "campaign_id": campaign_id, "name": f"Campaign {campaign_id}",
            "channel": "whatsapp", "sent_at": datetime(2025, 6, 1)}  # fmt: skip
    return base | values


def recipient(campaign_id: str, contact_id: str, cid: str = "t1", **values) -> dict:
    """A campaign delivered to a contact."""
    base = {"cid": cid, "campaign_id": campaign_id, "contact_id": contact_id,
            "status": "delivered", "status_at": datetime(2025, 6, 1, 1)}  # fmt: skip
    return base | values


def deal(deal_id: str, contact_id: str, cid: str = "t1", **values) -> dict:
    """An open deal created long ago."""
    base = {"cid": cid, "deal_id": deal_id, "contact_id": contact_id, "pipeline": "Sales",
            "stage": "Negotiation", "status": "open", "amount": 1000.0,
            "created_at": datetime(2025, 6, 1)}  # fmt: skip
    return base | values


def order(order_id: str, contact_id: str, amount: float, cid: str = "t1", **values) -> dict:
    """A completed order placed long ago."""
    base = {"cid": cid, "order_id": order_id, "contact_id": contact_id, "amount": amount,
            "status": "completed", "ordered_at": datetime(2025, 6, 1)}  # fmt: skip
    return base | values


CITY_IS_JAKARTA = {"groups": [{"conditions": [
    {"type": "field", "field": "city", "operator": "is", "value": "Jakarta"}]}]}  # fmt: skip


def segment(segment_id: str, name: str, cid: str = "t1", **values) -> dict:
    """A stored segment's JSON, valid unless ``values`` say otherwise."""
    base = {
        "id": segment_id,
        "cid": cid,
        "name": name,
        "created_at": "2026-11-01T09:00:00Z",
        "updated_at": "2026-11-01T09:00:00Z",
        "rule_set": CITY_IS_JAKARTA,
    }
    return base | values


def store(root: Path, **files: dict | str) -> Path:
    """Files by ``<cid>/<name>`` (a dict is written as JSON, a string as it is)."""
    for name, content in files.items():
        path = root / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    return root


# -- in-memory marts: compiled SQL run on generated rows ----------------------------

MART_ARROW_TYPES = {
    FieldType.MULTIPLE_SELECT: pa.list_(pa.string()),
    FieldType.NUMBER: pa.float64(),
    FieldType.PERCENTAGE: pa.float64(),
    FieldType.DATE: pa.date32(),
    FieldType.BOOLEAN: pa.bool_(),
}


def _arrow_type(kind, values: list) -> pa.DataType:
    if any(isinstance(v, Decimal) for v in values):
        return pa.decimal128(18, 2)
    return MART_ARROW_TYPES.get(kind, pa.string()) if isinstance(kind, FieldType) else pa.string()


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


def members_by_sql(rule_set: BoundRuleSet, as_of: date, tables: dict[str, list[dict]]) -> set[str]:
    """The contacts the compiled SQL of ``rule_set`` selects from in-memory ``tables``."""
    tree = compile_rule_set(rule_set, as_of)
    with in_memory_marts(tables) as con:
        return {row[0] for row in con.execute(to_sql(tree, "duckdb")).fetchall()}


def members_by_spark(
    spark, rule_set: BoundRuleSet, as_of: date, tables: dict[str, list[dict]]
) -> set[str]:
    """The contacts the compiled Spark SQL of ``rule_set`` selects from ``tables``, run by
    ``spark`` (see :func:`members_on_spark`)."""
    with in_memory_marts(tables) as con:
        return members_on_spark(spark, compile_rule_set(rule_set, as_of), con)


def members_on_spark(spark, tree: exp.Select, con: duckdb.DuckDBPyConnection) -> set[str]:
    """The contacts the compiled query ``tree`` selects, rendered for and run by ``spark``
    over the tables of ``con`` it reads. Each becomes a temporary view of the rows, typed
    as DuckDB types them; only the names change (a view cannot belong to a database)."""
    views = {}
    for table in {f"{t.db}.{t.name}" for t in tree.find_all(exp.Table)}:
        views[table] = table.replace(".", "__")
        rows = con.table(table).to_arrow_table()
        if rows.num_rows == 0:  # Spark needs a chunk, even an empty one
            empty = [pa.array([], column.type) for column in rows.schema]
            rows = pa.Table.from_arrays(empty, schema=rows.schema)
        spark.createDataFrame(rows).createOrReplaceTempView(views[table])
    sql = to_sql(exp.replace_tables(tree, views), "spark")
    try:
        return {row[0] for row in spark.sql(sql).collect()}
    finally:  # the session is shared by the Spark tests: leave no view behind
        for view in views.values():
            spark.catalog.dropTempView(view)
