"""Compiled SQL on DuckDB against the reference evaluator, on generated rule sets and rows."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmentation.rules.reference import evaluate
from segmentation.rules.validate import bind
from tests.helpers import members_by_sql
from tests.strategies import (
    CATALOG,
    CUSTOM_FIELDS,
    cases,
    operator_targets,
    single_conditions,
    windowed_association,
)


def check_case(case) -> None:
    as_of, raw, tables = case
    rule_set = bind(raw, "t1", CUSTOM_FIELDS)
    expected = evaluate(rule_set, as_of, tables)
    found = members_by_sql(rule_set, as_of, tables)
    assert found == expected
    assert all(contact.startswith("t1-") for contact in found)  # never another tenant's


SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


@pytest.mark.parametrize(("operator", "field_type"), operator_targets())
@settings(max_examples=6, **SETTINGS)
@given(data=st.data())
def test_each_operator_agrees_with_the_reference_evaluator(operator, field_type, data) -> None:
    """Every operator on every type alone: a field, a custom field or a sub-filter."""
    check_case(data.draw(cases(single_conditions(operator, field_type), min_contacts=4)))


@pytest.mark.parametrize(
    "association", [a.id for a in CATALOG.associations if a.date_field is not None]
)
@settings(max_examples=20, **SETTINGS)
@given(data=st.data())
def test_association_windows_agree_with_the_reference_evaluator(association, data) -> None:
    check_case(data.draw(cases(windowed_association(association), min_contacts=4)))


@settings(max_examples=300, **SETTINGS)
@given(case=cases())
def test_compiled_sql_agrees_with_the_reference_evaluator(case) -> None:
    check_case(case)


@pytest.mark.slow
@settings(max_examples=5000, **SETTINGS)
@given(case=cases())
def test_compiled_sql_agrees_with_the_reference_evaluator_at_length(case) -> None:
    check_case(case)
