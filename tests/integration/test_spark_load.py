"""The Spark loader keeps, repairs and rejects exactly what the DuckDB loader does.

One landing folder is loaded by both engines and their ``raw`` tables compared: the
generated CRM (the default generator, small), and a hand-made export with every kind of
dirt the DuckDB loader's tests replay. Clean tables must agree row for row, quarantine
rows column for column, the load logs count for count.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmentation.landing.load import LOAD_LOG, QUARANTINE, LoadPolicy, LoadRefused
from segmentation.landing.sources import ENTITIES, arrow_schema, entity
from tests.conftest import SMALL
from tests.helpers import (
    campaign,
    contact,
    conversation,
    deal,
    load_all,
    order,
    recipient,
    tenant,
    write_landing,
)
from tests.integration.test_load_fidelity import flip_a_data_byte
from tools.synthetic.generator import generate

LOADED_AT = datetime(2026, 11, 25)
EDGE_LOADED_AT = datetime(2026, 3, 2)
"""The edge cases load first, at an earlier time: the last good load is then the
generated one, whatever order the log's rows are read in."""
TABLES = [e.relation for e in ENTITIES] + [QUARANTINE]
SPARK_TYPES = {
    "VARCHAR": "string", "TIMESTAMP": "timestamp_ntz", "DATE": "date", "BOOLEAN": "boolean",
    "INTEGER": "int", "BIGINT": "bigint", "DECIMAL(18,2)": "decimal(18,2)",
    "VARCHAR[]": "array<string>", "JSON": "string", '"NULL"': None,
}  # fmt: skip
"""A DuckDB column type -> the Spark type that holds the same values. DuckDB keeps a text
column every file types NULL as a column of type NULL (Spark gives it the contract's
type): None, any type, as its values are all NULL."""


def _edge_rows() -> dict[str, list[dict]]:
    """One or more rows for each way an export goes wrong (and rows that are fine)."""
    return {
        "tenants": [tenant("t1"), tenant("t2", "Asia/Makassar"), tenant("t3", "Asia/Atlantis"),
                    tenant("t4", "asia/jakarta"), tenant("t5", None), {"name": "no id"}],
        "users": [{"cid": "t1", "user_id": "u1", "name": "Agent"},
                  {"cid": "zz", "user_id": "u2"}, {"cid": None, "user_id": "u3"}],
        "contacts": [
            contact("c1", email="budi@example.com", phone="+6281234567890", gender="Male "),
            contact("c2", email="budi at gmail.com", phone="0812", gender="robot"),
            contact("c3", cid="t2", full_name="Bu\x00di\x1b \u202eSantoso\u200b",
                    city="Cafe\u0301"),
            contact("c4", cid="zz"),
            contact(None),
            contact("c5", created_at=datetime(2062, 1, 1)),
            contact("c6", status="Customer", updated_at=datetime(2025, 5, 1)),
            contact("c6", status="New Lead", updated_at=datetime(2025, 1, 1)),
            contact("c7", status="first", updated_at=None),
            contact("c7", status="second", updated_at=None),
            contact("c8", email="\u00a0Budi@Example.co.id ", whatsapp_consent=True,
                    date_of_birth=date(1990, 1, 1), phone="+62812345678\n"),
            contact("c9", full_name="Line\tone\nline two", consent_updated_at=datetime(2099, 1, 1)),
        ],
        "custom_field_definitions": [
            {"cid": "t1", "field_id": "f1", "name": "Hobbies", "field_type": "multiple_select",
             "options": ["a", "b"]},
            {"cid": "t1", "field_id": "f2", "name": "Size", "field_type": "Dropdown"},
            {"cid": "t9", "field_id": "f3", "name": "Lost"},
        ],
        "custom_field_values": [
            {"cid": "t1", "contact_id": "c1", "field_id": "f1", "value": "a"},
            {"cid": "t2", "contact_id": "c3", "field_id": "f1", "value": "b"},
            {"cid": "t1", "contact_id": None, "field_id": "f1", "value": "c"},
            {"cid": "t1", "contact_id": "c1", "field_id": "nope", "value": "d"},
            {"cid": "t1", "contact_id": "c1", "field_id": "f1", "value": "again"},
        ],
        "conversations": [
            *(conversation(f"v{i}", "c1", channel=channel) for i, channel in
              enumerate(["sms", "webchat", "WhatsApp", " whatsapp\t", "\u0130nstagram"])),
            conversation("v7", "c1", started_at=None),
            conversation("v8", "c1", resolved_at=datetime(2027, 1, 1), status="Resolved"),
            conversation("v9", "c3"),
            conversation("v10", "nobody"),
        ],
        "campaigns": [campaign("k1"), campaign("k2", sent_at=None), campaign("k3", channel="sms"),
                      campaign("k4", cid="t2")],
        "campaign_recipients": [
            recipient("k1", "c1"),
            recipient("k1", "c1", status="read", status_at=datetime(2025, 6, 2)),
            recipient("k1", "c6", status="Read "),
            recipient("k4", "c1"),
            recipient("k9", "c1"),
            recipient("k1", None),
        ],
        "companies": [{"cid": "t1", "company_id": "m1", "name": "Acme"},
                      {"cid": "t1", "company_id": "m1", "name": "Acme again"}],
        "contact_companies": [{"cid": "t1", "contact_id": "c1", "company_id": "m1"},
                              {"cid": "t1", "contact_id": "c1", "company_id": "m2"}],
        "deals": [deal("d1", "c1"), deal("d2", "c1", created_at=None),
                  deal("d3", "c1", status="WON ", amount=12.5),
                  deal("d4", "c1", closed_at=datetime(2030, 1, 1)), deal("d5", "c3")],
        "tickets": [{"cid": "t1", "ticket_id": "x1", "contact_id": "c1", "status": "Open",
                     "priority": "p0", "created_at": datetime(2025, 1, 1)},
                    {"cid": "t1", "ticket_id": "x2", "contact_id": "c1", "status": "open"}],
        "orders": [order("o1", "c1", 10.0), order("o2", "c3", 5.0), order("o3", "c1", 1.0,
                   ordered_at=datetime(2030, 1, 1)), order("o4", "c1", 2.0, status="PAID")],
        "loyalty_members": [
            {"cid": "t1", "contact_id": "c1", "tier": "Gold", "points_balance": 10,
             "joined_at": datetime(2024, 1, 1), "last_transaction_at": datetime(2025, 1, 1)},
            {"cid": "t1", "contact_id": "c2", "tier": "Diamond", "points_balance": -5,
             "joined_at": datetime(2024, 1, 1)},
            {"cid": "t1", "contact_id": "c1", "tier": "Silver", "joined_at": datetime(2023, 1, 1)},
        ],
    }  # fmt: skip


def write_edge_landing(landing: Path) -> None:
    """The edge cases, and what only a raw Parquet file can hold: values too large for
    their type, fractions of a cent, invalid UTF-8, a column typed NULL, and a second
    file of one export."""
    write_landing(landing, **_edge_rows())
    orders = pq.read_table(landing / "orders" / "part-0.parquet")
    amounts = pa.array([0.125, 11.77, 1e17, 12345678.125], pa.float64())
    pq.write_table(orders.set_column(orders.schema.get_field_index("amount"), "amount", amounts),
                   landing / "orders" / "part-0.parquet")  # fmt: skip
    conversations = pq.read_table(landing / "conversations" / "part-0.parquet")
    counts = pa.array([2**40, *range(1, conversations.num_rows)], pa.int64())
    index = conversations.schema.get_field_index("message_count")
    pq.write_table(conversations.set_column(index, "message_count", counts),
                   landing / "conversations" / "part-0.parquet")  # fmt: skip
    companies = pq.read_table(landing / "companies" / "part-0.parquet")
    index = companies.schema.get_field_index("industry")
    untyped = pa.field("industry", pa.null()), pa.nulls(companies.num_rows)
    pq.write_table(companies.set_column(index, *untyped), landing / "companies" / "part-0.parquet")
    later = [contact("c1", full_name="Renamed"), contact("c10", full_name="x")]
    second = pa.Table.from_pylist(later, schema=arrow_schema(entity("contacts")))
    broken = pa.array([b"Renamed", b"Bud\xffi"], pa.binary()).view(pa.string())
    second = second.set_column(second.schema.get_field_index("full_name"), "full_name", broken)
    pq.write_table(second, landing / "contacts" / "part-1.parquet", write_page_checksum=True)


def spark_load_all(spark, landing: Path, loaded_at: datetime, policy: LoadPolicy | None) -> dict:
    """Every entity loaded by the Spark loader, in dependency order."""
    from segmentation.spark.load import load_entity

    return {e.name: load_entity(spark, e, landing, loaded_at, policy) for e in ENTITIES}


# -- comparing the engines' tables ----------------------------------------------------


def _value(value):
    """A value as both engines' Python types agree on it."""
    if isinstance(value, list | tuple):
        return tuple(_value(v) for v in value)
    if isinstance(value, str) and value[:1] == "{":
        try:
            return json.dumps(json.loads(value), sort_keys=True)
        except ValueError:
            return value
    return value


def _rows(rows) -> list[tuple]:
    return sorted((tuple(_value(v) for v in row) for row in rows), key=repr)


def duckdb_snapshot(warehouse: Path, landing: Path) -> dict:
    """Columns (with the Spark type of each) and sorted rows of every raw table, and the
    last load log line of every entity."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        snapshot = {}
        for table in TABLES:
            result = con.execute(f"SELECT * FROM {table}")
            columns = [(d[0], SPARK_TYPES[str(d[1])]) for d in result.description]
            snapshot[table] = (columns, _rows(result.fetchall()))
        snapshot[LOAD_LOG] = _rows(con.execute(_log_sql(landing)).fetchall())
    return snapshot


def spark_snapshot(spark, landing: Path) -> dict:
    """:func:`duckdb_snapshot` of Spark's raw tables."""
    snapshot = {}
    for table in TABLES:
        frame = spark.table(table)
        columns = [(f.name, f.dataType.simpleString()) for f in frame.schema]
        snapshot[table] = (columns, _rows(frame.collect()))
    snapshot[LOAD_LOG] = _rows(spark.sql(_log_sql(landing)).collect())
    return snapshot


def _log_sql(landing: Path) -> str:
    """The load log's lines of the loads of ``landing``."""
    return (
        "SELECT entity, loaded_at, landed_rows, loaded_rows, rejected_rows, repaired_values, "
        f"status, files, message FROM {LOAD_LOG} WHERE files LIKE '%{landing}/%'"
    )


def _same_columns(expected: list[tuple], found: list[tuple]) -> bool:
    """The same names in the same order, of the same types (None: of any type)."""
    return len(expected) == len(found) and all(
        name == other and kind in (None, other_kind)
        for (name, kind), (other, other_kind) in zip(expected, found, strict=True)
    )


def differences(expected: dict, found: dict) -> list[str]:
    """What differs between two snapshots, table by table (empty when they agree)."""
    problems = []
    for table, want in expected.items():
        got = found[table]
        if table != LOAD_LOG and not _same_columns(want[0], got[0]):
            problems.append(f"{table}: columns {want[0]} != {got[0]}")
        want_rows, got_rows = (want, got) if table == LOAD_LOG else (want[1], got[1])
        if len(want_rows) != len(got_rows):
            problems.append(f"{table}: {len(want_rows)} rows != {len(got_rows)} rows")
        missing = [r for r in want_rows if r not in got_rows][:3]
        extra = [r for r in got_rows if r not in want_rows][:3]
        if missing or extra:
            problems.append(f"{table}: only DuckDB has {missing}, only Spark has {extra}")
    return problems


# -- the loads ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def loads(spark, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Both engines' snapshots after the edge cases, then after the generated CRM (in
    this order: a small export after a large one would be refused as a loss)."""
    work = tmp_path_factory.mktemp("spark_load")
    snapshots = {}
    for name, loaded_at, policy in (
        ("edge", EDGE_LOADED_AT, LoadPolicy(max_loss=1.0)),
        ("generated", LOADED_AT, None),
    ):
        landing = work / name
        if name == "edge":
            write_edge_landing(landing)
        else:
            generate(SMALL, landing)
        duck = load_all(work / f"{name}.duckdb", landing, loaded_at, policy)
        on_spark = spark_load_all(spark, landing, loaded_at, policy)
        snapshots[name] = {
            "duckdb": duckdb_snapshot(work / f"{name}.duckdb", landing),
            "spark": spark_snapshot(spark, landing),
            "results": (duck, on_spark),
        }
    snapshots["work"] = work
    return snapshots


def test_edge_cases_load_alike_on_both_engines(loads) -> None:
    edge = loads["edge"]
    assert differences(edge["duckdb"], edge["spark"]) == []
    duck, on_spark = edge["results"]
    assert on_spark == duck
    rejected = {rule for result in duck.values() for rule in result.rejected}
    repaired = {rule for result in duck.values() for rule in result.repaired}
    assert rejected == {
        "missing_key", "invalid_type", "missing_reference", "unknown_tenant",
        "unknown_contact", "unknown_field", "unknown_campaign", "unknown_company",
        "cross_tenant_contact", "cross_tenant_campaign", "cross_tenant_field",
        "missing_timestamp", "future_timestamp", "duplicate_key",
    }  # fmt: skip
    assert repaired == {
        "malformed_email", "malformed_phone", "unknown_timezone", "rounded_to_cents",
        "normalized_text", "invalid_utf8", "unknown_value",
    }  # fmt: skip


def test_the_generated_crm_loads_alike_on_both_engines(loads) -> None:
    generated = loads["generated"]
    assert differences(generated["duckdb"], generated["spark"]) == []
    duck, on_spark = generated["results"]
    assert on_spark == duck
    assert sum(r.rejected_rows for r in duck.values()) > 0


def test_the_comparison_catches_one_different_value_or_type(loads) -> None:
    """Why: a comparison that cannot fail proves nothing."""
    expected = loads["generated"]["duckdb"]
    columns, rows = expected[entity("orders").relation]
    changed = [(*rows[0][:3], rows[0][3] + Decimal("0.01"), *rows[0][4:]), *rows[1:]]
    found = expected | {entity("orders").relation: (columns, changed)}
    assert differences(expected, found) == [
        f"raw.crm_orders: only DuckDB has {[rows[0]]}, only Spark has {[changed[0]]}"
    ]
    retyped = [(name, "string" if name == "amount" else kind) for name, kind in columns]
    found = expected | {entity("orders").relation: (retyped, rows)}
    assert differences(expected, found) == [f"raw.crm_orders: columns {columns} != {retyped}"]


def test_an_empty_export_leaves_spark_s_last_good_table(loads, spark) -> None:
    from segmentation.spark.load import load_entity

    contacts = entity("contacts")
    before = spark.table(contacts.relation).count()
    quarantined = spark.table(QUARANTINE).count()
    empty = loads["work"] / "empty"
    write_landing(empty, tenants=[tenant()])  # every other export: no rows
    with pytest.raises(LoadRefused, match=f"no rows, where the last good load kept {before:,}"):
        load_entity(spark, contacts, empty, LOADED_AT)
    assert spark.table(contacts.relation).count() == before > 0
    assert spark.table(QUARANTINE).count() == quarantined
    statuses = spark.sql(
        f"SELECT status FROM {LOAD_LOG} WHERE entity = 'contacts' ORDER BY loaded_at, status"
    ).collect()
    assert [s for (s,) in statuses][-1] == "refused"


def test_a_damaged_page_is_refused_naming_the_file(loads, spark) -> None:
    from segmentation.spark.load import load_entity

    orders = entity("orders")
    before = spark.table(orders.relation).count()
    damaged = loads["work"] / "damaged" / "orders"
    shutil.copytree(loads["work"] / "generated" / "orders", damaged)
    path = sorted(damaged.glob("*.parquet"))[0]
    flip_a_data_byte(path)
    with pytest.raises(LoadRefused, match=f"{path} is damaged"):
        load_entity(spark, orders, damaged.parent, LOADED_AT)
    assert spark.table(orders.relation).count() == before


def test_a_rerun_changes_nothing_and_leaves_one_directory_per_table(loads, spark) -> None:
    from segmentation.spark.load import load_entity

    contacts = entity("contacts")
    before = spark_snapshot(spark, loads["work"] / "generated")
    load_entity(spark, contacts, loads["work"] / "generated", LOADED_AT)
    after = spark_snapshot(spark, loads["work"] / "generated")
    assert after[contacts.relation] == before[contacts.relation]
    assert after[QUARANTINE] == before[QUARANTINE]
    database = Path(spark.catalog.getDatabase("raw").locationUri.removeprefix("file:"))
    folders = [p.name.split("__")[0] for p in database.iterdir()]
    assert sorted(folders) == sorted(t.split(".")[1] for t in [*TABLES, LOAD_LOG])
