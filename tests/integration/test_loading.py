"""Loading landing Parquet into raw: quarantine with reasons, nothing lost, idempotent."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from segmentation.landing.load import QUARANTINE, LoadRefused, load_entity
from segmentation.landing.sources import ENTITIES, entity
from tests.helpers import (
    campaign,
    contact,
    conversation,
    deal,
    load_all,
    recipient,
    tenant,
    write_landing,
)
from tools.synthetic.generator import GeneratorConfig, generate

LOADED_AT = datetime(2026, 3, 2)
CONFIG = GeneratorConfig(end_date=date(2026, 3, 1), seed=3, tenants=2, contacts_per_tenant=500)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("load")
    generation = generate(CONFIG, work / "landing")
    loads = load_all(work / "w.duckdb", work / "landing", LOADED_AT)
    return work, generation, loads


def quarantine_counts(con, entity_name: str) -> dict[str, int]:
    rows = con.execute(
        f"SELECT rule, count(*) FROM {QUARANTINE} WHERE entity = ? GROUP BY rule", [entity_name]
    ).fetchall()
    return dict(rows)


def snapshot(con) -> dict[str, list]:
    tables = [f"raw.{e.table}" for e in ENTITIES] + [QUARANTINE]
    return {t: sorted(map(str, con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}


def test_load_quarantines_exactly_the_injected_contact_dirt(generated) -> None:
    _work, generation, loads = generated
    injected = generation.dirt["contacts"]
    assert loads["contacts"].rejected == {
        "duplicate_key": injected["duplicate_key"],
        "future_timestamp": injected["future_timestamp"],
        "unknown_tenant": injected["unknown_tenant"],
    }
    assert loads["contacts"].repaired == {
        "malformed_email": injected["malformed_email"],
        "malformed_phone": injected["malformed_phone"],
    }


def test_load_loses_no_row(generated) -> None:
    """Every landed row is either in the clean table or in quarantine, never both."""
    _, generation, loads = generated
    for name, result in loads.items():
        assert result.landed_rows == generation.rows[name]
        assert result.loaded_rows + result.rejected_rows == result.landed_rows, name


def test_load_rejects_activity_dirt_with_its_rule(generated) -> None:
    _, generation, loads = generated
    for name in ("conversations", "orders", "tickets", "deals", "campaign_recipients"):
        injected, rejected = generation.dirt[name], loads[name].rejected
        assert rejected["unknown_tenant"] == injected["unknown_tenant"], name
        # Activity of rejected contacts cascades into unknown_contact, which is checked
        # before the timestamp: a row counts under the first rule it breaks.
        assert rejected["unknown_contact"] >= injected["unknown_contact"], name
        assert sum(rejected.values()) >= sum(injected.values()), name
        assert set(rejected) == set(injected), name


def test_load_twice_gives_the_same_tables(generated) -> None:
    work, _, _ = generated
    with duckdb.connect(str(work / "w.duckdb")) as con:
        before = snapshot(con)
        for e in ENTITIES:
            load_entity(con, e, work / "landing", LOADED_AT)
        assert snapshot(con) == before


def test_load_keeps_the_original_row_of_a_repaired_value(tmp_path: Path) -> None:
    write_landing(
        tmp_path / "landing",
        tenants=[tenant()],
        contacts=[contact("c1", email="budi at gmail.com", phone="+6281234567890")],
    )
    load_all(tmp_path / "w.duckdb", tmp_path / "landing", LOADED_AT)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert con.execute("SELECT email, phone FROM raw.crm_contacts").fetchall() == [
            (None, "+6281234567890")
        ]
        rule, column, value, row = con.execute(
            f"SELECT rule, column_name, rejected_value, row_json FROM {QUARANTINE}"
        ).fetchall()[0]
    assert (rule, column, value) == ("malformed_email", "email", "budi at gmail.com")
    assert json.loads(row)["email"] == "budi at gmail.com"


def test_load_rejects_a_reference_to_another_tenants_contact(tmp_path: Path) -> None:
    """Why: tenant isolation starts at load; a row must never join across tenants."""
    write_landing(
        tmp_path / "landing",
        tenants=[tenant("t1"), tenant("t2")],
        contacts=[contact("c1", cid="t1")],
        orders=[
            {
                "cid": "t2",
                "order_id": "o1",
                "contact_id": "c1",
                "amount": 10.0,
                "status": "completed",
                "ordered_at": datetime(2025, 1, 1),
            },
            {
                "cid": "t1",
                "order_id": "o2",
                "contact_id": "c1",
                "amount": 10.0,
                "status": "completed",
                "ordered_at": datetime(2025, 1, 1),
            },
        ],
    )
    loads = load_all(tmp_path / "w.duckdb", tmp_path / "landing", LOADED_AT)
    assert loads["orders"].rejected == {"cross_tenant_contact": 1}
    assert loads["orders"].loaded_rows == 1


def test_load_keeps_the_newest_duplicate_contact(tmp_path: Path) -> None:
    write_landing(
        tmp_path / "landing",
        tenants=[tenant()],
        contacts=[
            contact("c1", status="Customer", updated_at=datetime(2025, 5, 1)),
            contact("c1", status="New Lead", updated_at=datetime(2025, 1, 1)),
        ],
    )
    loads = load_all(tmp_path / "w.duckdb", tmp_path / "landing", LOADED_AT)
    assert loads["contacts"].rejected == {"duplicate_key": 1}
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert con.execute("SELECT status FROM raw.crm_contacts").fetchall() == [("Customer",)]


def test_load_keeps_rows_with_values_it_does_not_know(tmp_path: Path) -> None:
    """Why: a new channel or a status in other case must never cost the activity."""
    write_landing(
        tmp_path / "landing",
        tenants=[tenant()],
        contacts=[contact("c1", gender="Male ")],
        conversations=[
            conversation(f"v{i}", "c1", channel=channel)
            for i, channel in enumerate(["sms", "webchat", "WhatsApp", " whatsapp\t"])
        ],
        campaigns=[campaign("k1", channel="sms")],
        campaign_recipients=[recipient("k1", "c1", status="Read ")],
        deals=[deal("d1", "c1", status="WON ")],
    )
    loads = load_all(tmp_path / "w.duckdb", tmp_path / "landing", LOADED_AT)
    assert all(not result.rejected for result in loads.values())
    assert loads["conversations"].repaired == {"unknown_value": 2}  # sms, webchat
    assert loads["campaigns"].repaired == {"unknown_value": 1}
    assert loads["contacts"].repaired == {}  # "Male " is male
    assert loads["campaign_recipients"].loaded_rows == 1
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        channels = con.execute("SELECT channel FROM raw.crm_conversations ORDER BY 1").fetchall()
        noted = con.execute(
            f"SELECT rejected_value FROM {QUARANTINE} WHERE rule = 'unknown_value' ORDER BY 1"
        ).fetchall()
    assert [c for (c,) in channels] == [" whatsapp\t", "WhatsApp", "sms", "webchat"]
    assert noted == [("sms",), ("sms",), ("webchat",)]


def test_load_refuses_when_there_are_no_landing_files(tmp_path: Path) -> None:
    with (
        duckdb.connect(str(tmp_path / "w.duckdb")) as con,
        pytest.raises(LoadRefused, match="no Parquet files for 'tenants'"),
    ):
        load_entity(con, entity("tenants"), tmp_path / "nowhere", LOADED_AT)


def test_load_refuses_files_without_a_column_naming_it(tmp_path: Path) -> None:
    landing = tmp_path / "landing" / "tenants"
    landing.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT 'x' AS cid) TO '{landing / 'part-0.parquet'}'")
        with pytest.raises(LoadRefused, match=r"part-0\.parquet: column 'timezone' is missing"):
            load_entity(con, entity("tenants"), tmp_path / "landing", LOADED_AT)


def test_load_failure_leaves_the_previous_load_in_place(tmp_path: Path) -> None:
    write_landing(tmp_path / "landing", tenants=[tenant()])
    load_all(tmp_path / "w.duckdb", tmp_path / "landing", LOADED_AT)
    for old in (tmp_path / "landing" / "tenants").glob("*.parquet"):
        old.unlink()
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        with pytest.raises(LoadRefused):
            load_entity(con, entity("tenants"), tmp_path / "landing", LOADED_AT)
        assert con.execute("SELECT count(*) FROM raw.crm_tenants").fetchall() == [(1,)]
