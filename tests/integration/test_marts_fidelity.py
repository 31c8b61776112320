"""The marts keep what they are given: exact money, every contact, every channel, stages.

Each test builds the marts with dbt from a few hand-written rows and asks what a segment
rule over them finds, through the compiled SQL.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb

from segmentation.compile import compile_rule_set, to_sql
from segmentation.rules.validate import bind
from segmentation.warehouse import observed_options
from tests.helpers import (
    contact,
    conversation,
    dbt_build,
    deal,
    load_all,
    order,
    tenant,
    write_landing,
)

D = date(2026, 1, 31)
LOADED_AT = datetime(2026, 3, 1)


def members(con: duckdb.DuckDBPyConnection, day: date, *conditions: dict) -> set[str]:
    rule_set = bind({"groups": [{"conditions": list(conditions)}]}, "t1")
    sql = to_sql(compile_rule_set(rule_set, day))
    return {row[0] for row in con.execute(sql).fetchall()}


def test_equal_cents_share_a_monetary_score(tmp_path: Path) -> None:
    """Why: 11.77 + 13.97 summed in floating point is not 25.74, and ranked apart from it."""
    orders = [order("a1", "a", 11.77), order("a2", "a", 13.97), order("b1", "b", 25.74),
              order("c1", "c", 12.87), order("c2", "c", 12.87), order("d1", "d", 1000.0),
              order("e1", "e", 5.0)]  # fmt: skip
    write_landing(tmp_path / "landing", tenants=[tenant()],
                  contacts=[contact(c) for c in "abcde"], orders=orders)  # fmt: skip
    load_all(tmp_path / "w.duckdb", tmp_path / "landing", LOADED_AT)
    marts = "+contact_profile +contact_rfm +contact_metrics"
    dbt_build(tmp_path / "w.duckdb", D, tmp_path, select=marts)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        scored = dict(con.execute("SELECT contact_id, m_score FROM marts.contact_rfm").fetchall())
        spent = dict(
            con.execute("SELECT contact_id, total_spent FROM marts.contact_metrics").fetchall()
        )
        at_least = {"operator": "greater_than_or_equal", "value": 25.74}
        matched = members(con, D, {"type": "field", "field": "rfm_monetary", **at_least})
    assert scored["a"] == scored["b"] == scored["c"] < scored["d"]
    assert spent["a"] == spent["b"] == spent["c"] == Decimal("25.74")
    assert matched == {"a", "b", "c", "d"}


def test_marts_keep_contacts_channels_and_stages_as_they_are(tmp_path: Path) -> None:
    day_two = D + timedelta(days=1)
    write_landing(
        tmp_path / "landing",
        tenants=[tenant()],
        contacts=[
            contact("c1", city="\u00a0Jakarta\u3000"),
            contact("timeless", created_at=None, updated_at=None),
            contact("newcomer", created_at=datetime(2026, 1, 31, 20)),  # 1 Feb in Jakarta
        ],
        conversations=[
            conversation("v1", "c1", channel="WhatsApp "),
            conversation("v2", "c1", channel=" whatsapp"),
            conversation("v3", "c1", channel="sms"),
        ],
        deals=[deal("d1", "c1", stage="Negotiation", status="open", closed_at=None)],
    )
    load_all(tmp_path / "w.duckdb", tmp_path / "landing", LOADED_AT)
    found = {}
    for day in (D, day_two):
        dbt_build(tmp_path / "w.duckdb", day, tmp_path, select="+marts")
        with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
            found[day] = {
                "profile": {r[0] for r in con.execute(
                    "SELECT contact_id FROM marts.contact_profile").fetchall()},
                "metrics": con.execute(
                    "SELECT conversations_total, whatsapp_conversations_total, deals_open "
                    "FROM marts.contact_metrics WHERE contact_id = 'c1'").fetchall(),
                "in Jakarta": members(con, day, {"type": "field", "field": "city",
                                                 "operator": "is", "value": "jakarta"}),
                "negotiating": members(con, day, {
                    "type": "association", "association": "deals",
                    "where": [{"field": "stage", "operator": "is_any_of",
                               "value": ["Negotiation"]}]}),
                "no creation date": members(con, day, {"type": "field", "field": "created_at",
                                                       "operator": "is_empty"}),
                "options": observed_options(con, "t1"),
            }  # fmt: skip
    assert found[D]["profile"] == {"c1", "timeless"}
    assert found[day_two]["profile"] == {"c1", "timeless", "newcomer"}
    assert found[D]["metrics"] == [(3, 2, 1)]
    assert found[D]["in Jakarta"] == {"c1"}
    assert found[D]["negotiating"] == {"c1"}
    assert found[D]["no creation date"] == {"timeless"}
    # A dropdown offers what the tenant's data holds, most common first: sms included.
    assert found[D]["options"]["conversations.channel"] == ["whatsapp", "sms"]
    assert found[D]["options"]["deals.stage"] == ["Negotiation"]
