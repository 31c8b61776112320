"""The hypothesis strategies that feed the differential tests, tested themselves: a
differential test is only as good as the cases it is given. Every drawn rule set is
valid; every (operator, field type) pair gets cases where some contacts match and others
do not; the rows hold another tenant's data and values on the conditions' bounds."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from segmentation.rules.reference import evaluate
from segmentation.rules.validate import bind
from tests.strategies import (
    AS_OF_DAYS,
    CUSTOM_FIELDS,
    TENANTS,
    association_condition,
    cases,
    mart_rows,
    operator_targets,
    rule_sets,
    single_conditions,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Existence, not a minimal example: no shrinking.
FIND = settings(max_examples=400, deadline=None, database=None, phases=[Phase.generate])
AS_OF = AS_OF_DAYS[0]


@SETTINGS
@given(cases())
def test_every_drawn_rule_set_is_valid_and_rows_stay_in_the_known_tenants(case) -> None:
    _, rule_set, tables = case
    bind(rule_set, "t1", CUSTOM_FIELDS)  # raises on any problem
    profile = tables["marts.contact_profile"]
    assert profile and {row["cid"] for row in profile} <= set(TENANTS)
    for cid in TENANTS:
        ids = [row["contact_id"] for row in profile if row["cid"] == cid]
        assert len(ids) == len(set(ids)), "a tenant's contact appears once in the profile"


def _splits(case) -> bool:
    """Some of t1's contacts match and some do not."""
    as_of, rule_set, tables = case
    members = evaluate(bind(rule_set, "t1", CUSTOM_FIELDS), as_of, tables)
    contacts = {r["contact_id"] for r in tables["marts.contact_profile"] if r["cid"] == "t1"}
    return bool(members) and bool(contacts - members)


@pytest.mark.parametrize("target", operator_targets(), ids=lambda t: f"{t[0]}-{t[1].value}")
def test_every_operator_gets_cases_that_split_the_contacts(target) -> None:
    find(cases(single_conditions(*target)), _splits, settings=FIND)


def test_rows_include_another_tenants_records_under_the_same_contact_ids() -> None:
    def leaks(case) -> bool:
        _, _, tables = case
        t1_contacts = {
            row["contact_id"] for row in tables["marts.contact_profile"] if row["cid"] == "t1"
        }
        return any(
            row["cid"] == "t2" and row["contact_id"] in t1_contacts
            for name, rows in tables.items()
            if name != "marts.contact_profile"
            for row in rows
        )

    find(cases(), leaks, settings=FIND)


def test_dates_fall_on_both_sides_of_a_relative_bound() -> None:
    """``in_last_days N`` as of D has its edge at D-N+1: rows land on it and a day out."""
    rule = {"type": "field", "field": "last_order_at", "operator": "in_last_days", "value": 7}
    rule_set = {"version": 1, "groups": [{"conditions": [rule]}]}
    edge, outside = AS_OF - timedelta(days=6), AS_OF - timedelta(days=7)

    def dates(tables) -> set[date]:
        return {row.get("last_order_on") for row in tables["marts.contact_metrics"]}

    find(mart_rows(AS_OF, rule_set), lambda t: {edge, outside} <= dates(t), settings=FIND)


@st.composite
def _one_aggregate(draw, as_of, function):
    """Rule sets of one association condition with an aggregate of ``function``."""
    rule_set = draw(rule_sets(as_of))
    condition = draw(association_condition(as_of).filter(lambda c: "aggregate" in c))
    condition["aggregate"]["function"] = function
    return {**rule_set, "groups": [{"match": "all", "conditions": [condition]}]}


@pytest.mark.parametrize("function", ["sum", "avg", "min", "max"])
def test_every_aggregate_gets_cases_that_split_the_contacts(function) -> None:
    find(cases(lambda as_of: _one_aggregate(as_of, function)), _splits, settings=FIND)
