"""dbt marts: a green build, RFM on a hand-checked example, and as-of-day semantics."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from tests.helpers import DBT_PROJECT, contact, dbt_build, load_all, tenant, write_landing

D = date(2026, 1, 31)
LOADED_AT = datetime(2026, 3, 1)


def order(
    order_id: str, contact_id: str, at: datetime, amount: float, status="completed", cid="t1"
) -> dict:
    return {
        "cid": cid,
        "order_id": order_id,
        "contact_id": contact_id,
        "amount": amount,
        "status": status,
        "ordered_at": at,
    }


def build(tmp_path: Path, as_of: date, select: str, **rows) -> duckdb.DuckDBPyConnection:
    write_landing(tmp_path / "landing", **rows)
    load_all(tmp_path / "w.duckdb", tmp_path / "landing", LOADED_AT)
    dbt_build(tmp_path / "w.duckdb", as_of, tmp_path, select=select)
    return duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)


def test_dbt_build_is_green_on_generated_data(built_warehouse) -> None:
    with built_warehouse.connect() as con:
        profiles = con.execute("SELECT count(*) FROM marts.contact_profile").fetchall()[0][0]
        metrics = con.execute("SELECT count(*) FROM marts.contact_metrics").fetchall()[0][0]
    assert profiles == metrics > 0
    assert profiles <= built_warehouse.loads["contacts"].loaded_rows


def documented_models() -> dict[str, dict]:
    """The project's models as the manifest describes them (``make setup`` parses it)."""
    manifest = json.loads((DBT_PROJECT / "target" / "manifest.json").read_text())
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }


def test_every_model_and_every_mart_column_is_described(built_warehouse) -> None:
    models = documented_models()
    assert [name for name, node in models.items() if not node["description"].strip()] == []
    with built_warehouse.connect() as con:
        marts = con.execute(
            "SELECT table_name, list(column_name) FROM information_schema.columns "
            "WHERE table_schema = 'marts' GROUP BY table_name"
        ).fetchall()
    assert marts
    for table, columns in marts:
        described = {
            name
            for name, column in models[table]["columns"].items()
            if column["description"].strip()
        }
        assert set(columns) == described, f"marts.{table}: describe exactly its columns"


RFM_ORDERS = [
    # contact a: 3 orders, the last the day before D
    order("a1", "a", datetime(2026, 1, 10), 100),
    order("a2", "a", datetime(2026, 1, 20), 100),
    order("a3", "a", datetime(2026, 1, 30), 100),
    order("b1", "b", datetime(2026, 1, 20), 1000),
    order("c1", "c", datetime(2025, 12, 1), 50),
    order("c2", "c", datetime(2025, 11, 1), 50),
    order("d1", "d", datetime(2025, 6, 1), 10),
    # e: a cancelled order does not count, in frequency or money
    order("e1", "e", datetime(2026, 1, 30), 500),
    order("e2", "e", datetime(2026, 1, 5), 9999, status="cancelled"),
    order("f1", "f", datetime(2026, 1, 5), 80, status="refunded"),
    # g: 18:00 UTC on D is 01:00 on D+1 in Jakarta: after the day, not counted
    order("g1", "g", datetime(2026, 1, 31, 18), 70),
    # h: 16:30 UTC on D is 23:30 on D in Jakarta: counted, recency 0
    order("h1", "h", datetime(2026, 1, 31, 16, 30), 20),
    # z: another tenant; its scores come from its own tenant only
    order("z1", "z", datetime(2026, 1, 31), 10**7, cid="t2"),
]

# Worked by hand from docs/data-model.md (RFM): score = 1 + floor(5 * (rank - 1) / n), n = 6 in t1.
RFM_EXPECTED = {
    "a": (1, 3, 300.0, 3, 5, 3, "Loyal Customers"),
    "b": (11, 1, 1000.0, 2, 1, 5, "Hibernating"),
    "c": (61, 2, 100.0, 1, 4, 2, "At Risk"),
    "d": (244, 1, 10.0, 1, 1, 1, "Hibernating"),
    "e": (1, 1, 500.0, 3, 1, 4, "About to Sleep"),
    "f": (None, 0, 0.0, None, None, None, "No purchases"),
    "g": (None, 0, 0.0, None, None, None, "No purchases"),
    "h": (0, 1, 20.0, 5, 1, 1, "New Customers"),
    "z": (0, 1, 1e7, 1, 1, 1, "Hibernating"),
}


def test_rfm_scores_and_labels_match_the_hand_checked_example(tmp_path: Path) -> None:
    contacts = [contact(c) for c in "abcdefgh"] + [contact("z", cid="t2")]
    with build(
        tmp_path,
        D,
        "+contact_rfm",
        tenants=[tenant("t1"), tenant("t2")],
        contacts=contacts,
        orders=RFM_ORDERS,
    ) as con:
        rows = con.execute(
            "SELECT contact_id, recency_days, frequency, monetary, r_score, f_score, m_score, "
            "rfm_label FROM marts.contact_rfm"
        ).fetchall()
    assert {row[0]: row[1:] for row in rows} == RFM_EXPECTED


def conversation(conversation_id: str, at: datetime) -> dict:
    return {
        "cid": "t1",
        "conversation_id": conversation_id,
        "contact_id": "c1",
        "channel": "whatsapp",
        "status": "resolved",
        "started_at": at,
        "resolved_at": at,
        "message_count": 3,
    }


AS_OF_ROWS = {
    "tenants": [tenant("t1")],
    "contacts": [contact("c1")],
    "conversations": [
        conversation("v1", datetime(2025, 12, 20)),  # D-42: not in the last 30 days
        conversation("v2", datetime(2026, 1, 26)),  # D-5
        conversation("v3", datetime(2026, 1, 31, 17, 30)),  # 00:30 on D+1 in Jakarta
    ],
    "deals": [
        {
            "cid": "t1",
            "deal_id": "d1",
            "contact_id": "c1",
            "status": "won",
            "stage": "Closed Won",
            "amount": 5e6,
            "created_at": datetime(2026, 1, 2),
            "closed_at": datetime(2026, 2, 10),
        }
    ],
    "tickets": [
        {
            "cid": "t1",
            "ticket_id": "k1",
            "contact_id": "c1",
            "status": "resolved",
            "created_at": datetime(2026, 1, 30),
            "resolved_at": datetime(2026, 2, 2),
        }
    ],
}

METRICS = (
    "SELECT conversations_total, conversations_last_30_days, last_conversation_on, deals_won, "
    "deals_open, tickets_open, tickets_resolved, days_since_last_activity "
    "FROM marts.contact_metrics"
)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (D, (2, 1, date(2026, 1, 26), 0, 1, 1, 0, 1)),
        (date(2026, 2, 1), (3, 2, date(2026, 2, 1), 0, 1, 1, 0, 0)),
        (date(2026, 2, 15), (3, 2, date(2026, 2, 1), 1, 0, 0, 1, 14)),
    ],
)
def test_metrics_count_only_activity_on_or_before_the_day(
    tmp_path: Path, as_of: date, expected: tuple
) -> None:
    with build(tmp_path, as_of, "+contact_metrics", **AS_OF_ROWS) as con:
        assert con.execute(METRICS).fetchall() == [expected]


def test_profile_leaves_out_contacts_created_after_the_day(tmp_path: Path) -> None:
    rows = {
        "tenants": [tenant("t1")],
        "contacts": [contact("old"), contact("new", created_at=datetime(2026, 2, 20))],
    }
    with build(tmp_path, D, "+contact_profile", **rows) as con:
        ids = con.execute("SELECT contact_id FROM marts.contact_profile").fetchall()
    assert ids == [("old",)]


def test_profile_trims_text_and_treats_blank_as_empty(tmp_path: Path) -> None:
    rows = {
        "tenants": [tenant("t1")],
        "contacts": [contact("c1", city=" \tJakarta\n", job_title="   ", email=" A@B.co ")],
    }
    with build(tmp_path, D, "+contact_profile", **rows) as con:
        found = con.execute("SELECT city, job_title FROM marts.contact_profile").fetchall()
    assert found == [("Jakarta", None)]
