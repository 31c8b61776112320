"""The loader's rules as Spark gets them: each rewrite sqlglot cannot make, and every
statement of every entity rendered (without a Spark session)."""

from __future__ import annotations

import pytest
import sqlglot

from segmentation.landing import rules
from segmentation.landing.sources import ENTITIES
from segmentation.spark.render import DOUBLE_TEXT, double_text, known_time_zones, render


def test_a_full_match_is_anchored_at_both_ends_of_the_text() -> None:
    sql = render(r"SELECT regexp_full_match(v, '^\+62[0-9]{8,13}$')")
    assert sql == r"SELECT v RLIKE '\\A(?:^\\+62[0-9]{8,13}$)\\z'"


def test_the_known_zones_are_duckdb_s() -> None:
    sql = render("SELECT v IN (SELECT name FROM pg_timezone_names())")
    assert "'Asia/Jakarta'" in sql and "pg_timezone_names" not in sql.lower()
    assert len(known_time_zones()) > 400


def test_lower_maps_dotted_capital_i_and_sigma_as_duckdb_does() -> None:
    assert render("SELECT lower(v)") == "SELECT LOWER(TRANSLATE(v, '\u03a3\u0130', '\u03c3i'))"


def test_only_doubles_are_written_by_the_udf() -> None:
    sql = render("SELECT CAST(l.amount AS VARCHAR), CAST(l.cid AS VARCHAR)", frozenset({"amount"}))
    assert sql == f"SELECT {DOUBLE_TEXT.upper()}(l.amount), CAST(l.cid AS STRING)"


@pytest.mark.parametrize(
    ("value", "text"),
    [(1e17, "1e+17"), (12345678.125, "12345678.125"), (0.1 + 0.2, "0.30000000000000004"),
     (100.0, "100.0"), ("x", None)],
)  # fmt: skip
def test_a_double_is_written_as_duckdb_writes_it(value, text) -> None:
    assert double_text(value) == text


def test_to_json_keeps_null_fields() -> None:
    sql = render("SELECT to_json(struct_pack(a := 1))")
    assert sql == "SELECT TO_JSON(STRUCT(1 AS a), MAP('ignoreNullFields', 'false'))"


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.name)
def test_every_statement_renders_to_sql_spark_reads(entity) -> None:
    statements = [
        rules.judged_select(entity), rules.verdicts_select(entity), rules.clean_select(entity),
        rules.fixed_select(entity), rules.quarantine_select(entity),
        rules.rejected_by_rule_select(),
    ]  # fmt: skip
    for statement in statements:
        sql = render(statement, frozenset({"amount"}))
        sqlglot.parse_one(sql, read="spark")
        for trap in ("LENGTH(", "REGEXP_FULL_MATCH", "MATERIALIZED", "UNNEST"):
            assert trap not in sql.upper(), (trap, sql)
