"""Aggregates over related records: sum, avg, min and max of a numeric field of the
matching records, exact on decimals, for both implementations, and their validation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from segmentation.rules.reference import evaluate
from segmentation.rules.validate import bind, validate
from tests.helpers import members_by_sql

AS_OF = date(2026, 11, 24)
ORDERS = "marts.contact_orders"
PROFILE = "marts.contact_profile"


def rules(function: str, operator: str, value, **extra) -> dict:
    condition = {
        "type": "association",
        "association": "orders",
        "aggregate": {"function": function, "field": "amount", "operator": operator,
                      "value": value},
        **extra,
    }  # fmt: skip
    return {"groups": [{"conditions": [condition]}]}


def tables(amounts_by_contact: dict[str, list[str]]) -> dict[str, list[dict]]:
    """Contacts of tenant t1 with orders of these exact amounts (ordered on AS_OF)."""
    return {
        PROFILE: [{"cid": "t1", "contact_id": c} for c in amounts_by_contact],
        ORDERS: [
            {"cid": "t1", "contact_id": c, "amount": Decimal(a), "ordered_on": AS_OF}
            for c, amounts in amounts_by_contact.items()
            for a in amounts
        ],
    }


CONTACTS = {
    "cents": ["0.10", "0.20"],  # 0.1 + 0.2 is 0.3 exactly, as money is
    "thirds": ["10.00", "10.00", "10.01"],  # average 10.00333...: no finite decimal
    "pair": ["1.00", "2.00"],
    "none": [],
}

CASES = [
    ("sum", "equals", 0.3, {"cents"}),
    ("sum", "less_than", 1, {"cents", "none"}),  # a sum of no order is 0
    ("sum", "greater_than_or_equal", 30.01, {"thirds"}),
    ("avg", "greater_than", 10.003333, {"thirds"}),
    ("avg", "less_than", 10.003334, {"cents", "thirds", "pair"}),
    ("avg", "equals", 10.003333, set()),
    ("avg", "between", [1.5, 1.5], {"pair"}),
    ("avg", "equals", 0.15, {"cents"}),
    ("avg", "not_equals", 1.5, {"cents", "thirds", "none"}),  # no order: empty, so not 1.5
    ("min", "equals", 10, {"thirds"}),
    ("max", "greater_than", 1.99, {"thirds", "pair"}),
    ("max", "not_equals", 2, {"cents", "thirds", "none"}),
]


@pytest.mark.parametrize(("function", "operator", "value", "expected"), CASES)
def test_aggregates_are_exact_for_both_implementations(function, operator, value, expected):
    bound = bind(rules(function, operator, value), "t1")
    data = tables(CONTACTS)
    assert members_by_sql(bound, AS_OF, data) == expected
    assert evaluate(bound, AS_OF, data) == expected


def test_an_aggregate_counts_only_records_passing_the_filters_and_window():
    data = tables({"a": ["5.00", "7.00"]})
    data[ORDERS][0]["ordered_on"] = date(2026, 1, 1)  # outside a 30-day window
    windowed = bind(rules("sum", "equals", 7, window={"last_days": 30}), "t1")
    assert members_by_sql(windowed, AS_OF, data) == evaluate(windowed, AS_OF, data) == {"a"}


@pytest.mark.parametrize(
    ("aggregate", "extra", "code", "pointer"),
    [
        ({"field": "status"}, {}, "aggregate_field_not_numeric", "/aggregate/field"),
        ({"field": "colour"}, {}, "unknown_field", "/aggregate/field"),
        ({"operator": "contains"}, {}, "operator_not_allowed", "/aggregate/operator"),
        ({"operator": "is_empty"}, {}, "operator_not_allowed", "/aggregate/operator"),
        ({"value": "lots"}, {}, "wrong_value_type", "/aggregate/value"),
        ({}, {"count": {"operator": "at_least", "value": 2}}, "count_with_aggregate", "/count"),
    ],
)
def test_a_malformed_aggregate_is_named_where_it_is(aggregate, extra, code, pointer):
    condition = rules("sum", "greater_than", 1, **extra)["groups"][0]["conditions"][0]
    condition["aggregate"] |= aggregate
    _bound, issues = validate({"groups": [{"conditions": [condition]}]}, "t1")
    assert (code, "/groups/0/conditions/0" + pointer) in {(i.code, i.pointer) for i in issues}
