"""What a load keeps, repairs and refuses: nothing lost, nothing silently wrong.

Each test replays one way real exports go wrong: a bad export must never replace a good
table, and every landed row must end up either in the clean table or in quarantine.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmentation.landing.load import LOAD_LOG, QUARANTINE, LoadPolicy, LoadRefused, load_entity
from segmentation.landing.sources import entity
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

LOADED_AT = datetime(2026, 3, 2)


def good_landing(landing: Path, contacts: int = 10) -> None:
    write_landing(
        landing,
        tenants=[tenant()],
        contacts=[contact(f"c{i}") for i in range(contacts)],
        orders=[order(f"o{i}", f"c{i}", 10.0) for i in range(contacts)],
    )


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_an_empty_export_does_not_replace_a_good_table(tmp_path: Path) -> None:
    good_landing(tmp_path / "landing")
    load_all(tmp_path / "w.duckdb", tmp_path / "landing", LOADED_AT)
    write_landing(tmp_path / "empty", tenants=[tenant()])  # contacts and orders: no rows
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        with pytest.raises(LoadRefused, match="no rows, where the last good load kept 10"):
            load_entity(con, entity("contacts"), tmp_path / "empty", LOADED_AT)
        assert rows(con, "SELECT count(*) FROM raw.crm_contacts") == [(10,)]
        assert rows(con, f"SELECT status FROM {LOAD_LOG} WHERE entity = 'contacts' "
                         "ORDER BY loaded_at, status") == [("loaded",), ("refused",)]  # fmt: skip


def test_an_empty_tenants_export_is_refused_even_on_a_first_load(tmp_path: Path) -> None:
    write_landing(tmp_path / "landing")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con, pytest.raises(LoadRefused):
        load_entity(con, entity("tenants"), tmp_path / "landing", LOADED_AT)


def test_a_changed_column_type_names_file_column_and_both_types(tmp_path: Path) -> None:
    good_landing(tmp_path / "landing")
    load_all(tmp_path / "w.duckdb", tmp_path / "landing", LOADED_AT)
    path = tmp_path / "landing" / "contacts" / "part-0.parquet"
    table = pq.read_table(path)
    seconds = pa.array([1_700_000_000] * table.num_rows, pa.int64())
    table = table.set_column(table.schema.get_field_index("created_at"), "created_at", seconds)
    pq.write_table(table, path)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        with pytest.raises(LoadRefused) as refused:
            load_entity(con, entity("contacts"), tmp_path / "landing", LOADED_AT)
        assert rows(con, "SELECT count(*) FROM raw.crm_contacts") == [(10,)]
    assert f"{path}: column 'created_at' should hold a timestamp (TIMESTAMP), found int64" in str(
        refused.value
    )


def test_an_export_that_would_reject_most_rows_is_refused(tmp_path: Path) -> None:
    write_landing(
        tmp_path / "landing",
        tenants=[tenant()],
        contacts=[contact("c1")],
        orders=[order(f"o{i}", "nobody", 10.0) for i in range(3)] + [order("o9", "c1", 1.0)],
    )
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        for name in ("tenants", "contacts"):
            load_entity(con, entity(name), tmp_path / "landing", LOADED_AT)
        with pytest.raises(LoadRefused, match=r"3 of its 4 rows would be rejected") as refused:
            load_entity(con, entity("orders"), tmp_path / "landing", LOADED_AT)
        assert "3 rows: unknown_contact (contact_id)" in str(refused.value)
        # The threshold is a setting: the same export loads when the policy allows it.
        result = load_entity(
            con, entity("orders"), tmp_path / "landing", LOADED_AT, LoadPolicy(max_loss=0.9)
        )
    assert (result.loaded_rows, result.rejected) == (1, {"unknown_contact": 3})


def test_an_export_that_would_shrink_the_table_by_most_is_refused(tmp_path: Path) -> None:
    good_landing(tmp_path / "landing", contacts=10)
    load_all(tmp_path / "w.duckdb", tmp_path / "landing", LOADED_AT)
    good_landing(tmp_path / "landing", contacts=4)
    with (
        duckdb.connect(str(tmp_path / "w.duckdb")) as con,
        pytest.raises(LoadRefused, match="keep 4 rows where the last good load kept 10"),
    ):
        load_entity(con, entity("contacts"), tmp_path / "landing", LOADED_AT)


def flip_a_data_byte(path: Path) -> None:
    """Corrupt one byte inside the first column's data page (not its header or footer)."""
    chunk = pq.ParquetFile(path).metadata.row_group(0).column(0)
    position = chunk.data_page_offset + chunk.total_compressed_size - 4
    data = bytearray(path.read_bytes())
    data[position] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_corrupt_page_fails_the_load_naming_the_file(tmp_path: Path) -> None:
    good_landing(tmp_path / "landing")
    load_all(tmp_path / "w.duckdb", tmp_path / "landing", LOADED_AT)
    path = tmp_path / "landing" / "orders" / "part-0.parquet"
    flip_a_data_byte(path)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        with pytest.raises(LoadRefused, match=f"{path} is damaged"):
            load_entity(con, entity("orders"), tmp_path / "landing", LOADED_AT)
        assert rows(con, "SELECT count(*) FROM raw.crm_orders") == [(10,)]


def test_contacts_without_created_at_are_kept(tmp_path: Path) -> None:
    write_landing(tmp_path / "landing", tenants=[tenant()],
                  contacts=[contact("c1", created_at=None, updated_at=None)])  # fmt: skip
    loads = load_all(tmp_path / "w.duckdb", tmp_path / "landing", LOADED_AT)
    assert (loads["contacts"].loaded_rows, loads["contacts"].rejected) == (1, {})


def test_records_with_no_timestamp_to_place_them_are_quarantined(tmp_path: Path) -> None:
    write_landing(
        tmp_path / "landing",
        tenants=[tenant()],
        contacts=[contact("c1")],
        deals=[deal("d1", "c1", created_at=None), deal("d2", "c1")],
        campaigns=[campaign("k1", sent_at=None)],
        conversations=[conversation("v1", "c1", started_at=None)],
        orders=[order("o1", "c1", 5.0, ordered_at=None)],
    )
    loads = load_all(tmp_path / "w.duckdb", tmp_path / "landing", LOADED_AT, LoadPolicy(1.0))
    for name in ("campaigns", "conversations", "orders"):
        assert loads[name].rejected == {"missing_timestamp": 1}, name
    assert (loads["deals"].loaded_rows, loads["deals"].rejected) == (1, {"missing_timestamp": 1})


@pytest.mark.parametrize("latest_first", [True, False])
def test_a_duplicate_key_keeps_the_latest_version_whatever_the_order(
    tmp_path: Path, latest_first: bool
) -> None:
    """Why: a second receipt of a campaign (read after delivered) is the one that counts."""
    delivered = recipient("k1", "c1", status="delivered", status_at=datetime(2025, 6, 1, 1))
    read = recipient("k1", "c1", status="read", status_at=datetime(2025, 6, 2))
    write_landing(
        tmp_path / "landing",
        tenants=[tenant()],
        contacts=[contact("c1")],
        campaigns=[campaign("k1")],
        campaign_recipients=[read, delivered] if latest_first else [delivered, read],
    )
    loads = load_all(tmp_path / "w.duckdb", tmp_path / "landing", LOADED_AT)
    assert loads["campaign_recipients"].rejected == {"duplicate_key": 1}
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert rows(con, "SELECT status FROM raw.crm_campaign_recipients") == [("read",)]
        superseded = rows(con, f"SELECT row_json->>'status' FROM {QUARANTINE}")
    assert superseded == [("delivered",)]


def test_a_tie_between_copies_goes_to_the_later_file(tmp_path: Path) -> None:
    write_landing(tmp_path / "landing", tenants=[tenant("t1", "Asia/Jakarta")])
    second = tmp_path / "landing" / "tenants" / "part-1.parquet"
    table = pq.read_table(tmp_path / "landing" / "tenants" / "part-0.parquet")
    pq.write_table(table.set_column(1, "name", pa.array(["Renamed"])), second)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        load_entity(con, entity("tenants"), tmp_path / "landing", LOADED_AT)
        assert rows(con, "SELECT name FROM raw.crm_tenants") == [("Renamed",)]


def test_text_is_normalized_once_at_load_and_each_repair_recorded(tmp_path: Path) -> None:
    write_landing(
        tmp_path / "landing",
        tenants=[tenant()],
        contacts=[
            contact("c1", full_name="Bu\x00di\x1b \u202eSantoso\u200b", city="Cafe\u0301"),
            contact("c2", full_name="Line\tone\nline two", city="Bandung"),
        ],
    )
    loads = load_all(tmp_path / "w.duckdb", tmp_path / "landing", LOADED_AT)
    assert loads["contacts"].repaired == {"normalized_text": 2}
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        found = dict(rows(con, "SELECT contact_id, full_name || '|' || city FROM raw.crm_contacts"))
        originals = rows(con, f"SELECT column_name, rejected_value FROM {QUARANTINE} ORDER BY 1")
    assert found == {"c1": "Budi Santoso|Café", "c2": "Line\tone\nline two|Bandung"}
    assert originals == [("city", "Cafe\u0301"), ("full_name", "Bu\x00di\x1b \u202eSantoso\u200b")]


def test_invalid_utf8_is_replaced_and_the_original_bytes_kept(tmp_path: Path) -> None:
    write_landing(tmp_path / "landing", tenants=[tenant()], contacts=[contact("c1")])
    path = tmp_path / "landing" / "contacts" / "part-0.parquet"
    table = pq.read_table(path)
    broken = pa.array([b"Bud\xffi"], pa.binary()).view(pa.string())
    table = table.set_column(table.schema.get_field_index("full_name"), "full_name", broken)
    pq.write_table(table, path, write_page_checksum=True)
    loads = load_all(tmp_path / "w.duckdb", tmp_path / "landing", LOADED_AT)
    assert loads["contacts"].repaired == {"invalid_utf8": 1}
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert rows(con, "SELECT full_name FROM raw.crm_contacts") == [("Bud\ufffdi",)]
        assert rows(con, f"SELECT rejected_value FROM {QUARANTINE}") == [("Bud\\xffi",)]


def test_amounts_are_exact_cents_and_fractions_of_a_cent_are_recorded(tmp_path: Path) -> None:
    write_landing(tmp_path / "landing", tenants=[tenant()], contacts=[contact("c1")])
    orders = pa.table({
        "cid": ["t1"] * 3, "order_id": ["o1", "o2", "o3"], "contact_id": ["c1"] * 3,
        "amount": pa.array([11.77, 13.97, 0.125], pa.float64()), "status": ["paid"] * 3,
        "ordered_at": pa.array([datetime(2025, 1, 1)] * 3, pa.timestamp("us")),
    })  # fmt: skip
    pq.write_table(orders, tmp_path / "landing" / "orders" / "part-0.parquet")
    loads = load_all(tmp_path / "w.duckdb", tmp_path / "landing", LOADED_AT)
    assert loads["orders"].repaired == {"rounded_to_cents": 1}
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        amounts = rows(con, "SELECT amount FROM raw.crm_orders ORDER BY order_id")
        total = rows(con, "SELECT sum(amount) FROM raw.crm_orders WHERE order_id <> 'o3'")
    assert amounts == [(Decimal("11.77"),), (Decimal("13.97"),), (Decimal("0.13"),)]
    assert total == [(Decimal("25.74"),)]


def test_an_unknown_time_zone_falls_back_to_the_default_and_is_recorded(tmp_path: Path) -> None:
    write_landing(tmp_path / "landing", tenants=[tenant("t1", "Asia/Atlantis")])
    loads = load_all(tmp_path / "w.duckdb", tmp_path / "landing", LOADED_AT)
    assert loads["tenants"].repaired == {"unknown_timezone": 1}
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert rows(con, "SELECT timezone FROM raw.crm_tenants") == [(None,)]
        row = json.loads(rows(con, f"SELECT row_json FROM {QUARANTINE}")[0][0])
    assert row["timezone"] == "Asia/Atlantis"
