"""Compiled rule sets render in every target dialect, and each rendering parses back."""

from __future__ import annotations

import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from segmentation.compile import compile_rule_set, to_sql
from segmentation.rules.validate import bind
from tests.strategies import AS_OF_DAYS, CUSTOM_FIELDS, rule_sets

DIALECTS = ("duckdb", "spark", "trino", "postgres", "snowflake", "bigquery")


@st.composite
def compiled(draw) -> exp.Select:
    as_of = draw(st.sampled_from(AS_OF_DAYS))
    rule_set = bind(draw(rule_sets(as_of)), "t1", CUSTOM_FIELDS)
    return compile_rule_set(rule_set, as_of)


@pytest.mark.parametrize("dialect", DIALECTS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=compiled())
def test_rendering_parses_back(dialect: str, tree: exp.Select) -> None:
    sql = to_sql(tree, dialect)
    parsed = sqlglot.parse_one(sql, read=dialect)
    assert isinstance(parsed, exp.Select)
    # Confined to the tenant in every dialect: the profile's tenant filter survives.
    assert "'t1'" in sql


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=compiled())
def test_rendering_avoids_forms_spark_gets_wrong(tree: exp.Select) -> None:
    """Forms sqlglot renders for Spark wrongly or not at all (docs/compiler.md, Portable SQL)."""
    sql = to_sql(tree, "spark").upper()
    for form in ("LIKE", "&&", "LIST_HAS", "LIST_INTERSECT", "DATE_DIFF", "DATEDIFF",
                 "TIMEZONE(", " LEN("):  # fmt: skip
        assert form not in sql
