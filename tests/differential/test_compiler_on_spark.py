"""The Spark leg of the differential test: the compiled rule sets rendered for Spark, run
by a local Spark session, against the reference evaluator, on the same generated rule sets
and rows as the DuckDB leg (NULLs, empties, unicode, quotes, time-zone edges, exact
decimals). Skipped, saying how to get Java, on a machine without a Java runtime."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from segmentation.rules.reference import evaluate
from segmentation.rules.validate import bind
from tests.helpers import members_by_spark
from tests.strategies import AS_OF_DAYS, CUSTOM_FIELDS, cases, operator_targets, single_conditions

SETTINGS = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
}


def check_case(spark, case) -> None:
    as_of, raw, tables = case
    rule_set = bind(raw, "t1", CUSTOM_FIELDS)
    expected = evaluate(rule_set, as_of, tables)
    note(f"as of {as_of}: {raw}\n{tables}")
    assert members_by_spark(spark, rule_set, as_of, tables) == expected


@pytest.mark.parametrize(("operator", "field_type"), operator_targets())
@settings(max_examples=2, **SETTINGS)
@given(data=st.data())
def test_each_operator_agrees_on_spark(spark, operator, field_type, data) -> None:
    """Every operator on every type alone, so that no rendering goes untried."""
    check_case(spark, data.draw(cases(single_conditions(operator, field_type), min_contacts=4)))


@settings(max_examples=200, **SETTINGS)
@given(case=cases())
def test_compiled_spark_sql_agrees_with_the_reference_evaluator(spark, case) -> None:
    check_case(spark, case)


def test_text_lowers_one_character_at_a_time_on_spark(spark) -> None:
    """Java lowers a final capital sigma to ``ς`` and ``İ`` to two characters; the rule
    language (and DuckDB) lower one character at a time."""
    name = "ΟΔΟΣ İstanbul"
    rule_set = bind(
        {"groups": [{"conditions": [
            {"type": "field", "field": "full_name", "operator": "is", "value": name},
        ]}]},
        "t1",
    )  # fmt: skip
    tables = {"marts.contact_profile": [{"cid": "t1", "contact_id": "t1-c0", "full_name": name}]}
    as_of = AS_OF_DAYS[0]
    assert evaluate(rule_set, as_of, tables) == {"t1-c0"}
    assert members_by_spark(spark, rule_set, as_of, tables) == {"t1-c0"}
