"""Compile fixtures: each ``tests/fixtures/compile/<name>.json`` holds a rule set (and why
it is there); ``<name>.sql`` beside it, the DuckDB SQL it compiles to, so a change to the
compiler's output is a diff a reviewer reads.

After reviewing a deliberate change, rewrite the SQL files with
``SEGMENTATION_UPDATE_FIXTURES=1 .venv/bin/pytest tests/unit/test_compile_fixtures.py``.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from segmentation.compile import compile_rule_set, to_sql
from segmentation.daily.membership import ensure_tables
from segmentation.rules.catalog import CustomField, FieldType
from segmentation.rules.references import SegmentRef
from segmentation.rules.validate import bind
from tests.helpers import in_memory_marts

FIXTURES = Path(__file__).parents[1] / "fixtures" / "compile"
UPDATE = os.environ.get("SEGMENTATION_UPDATE_FIXTURES") == "1"


def compiled(fixture: Path) -> str:
    """The pretty DuckDB SQL of the fixture's rule set, as the fixture's tenant, that day."""
    case = json.loads(fixture.read_text())
    custom_fields = {
        field["field_id"]: CustomField(
            field["cid"], field["field_id"], field["name"], FieldType(field["field_type"])
        )
        for field in case.get("custom_fields", [])
    }
    segments = {s["id"]: SegmentRef(s["cid"], s["name"]) for s in case.get("segments", [])}
    rule_set = bind(case["rule_set"], case["tenant"], custom_fields, segments=segments)
    tree = compile_rule_set(rule_set, date.fromisoformat(case["as_of"]))
    return to_sql(tree, "duckdb", pretty=True) + "\n"


CASES = sorted(FIXTURES.glob("*.json"))


def test_there_are_fixtures() -> None:
    assert len(CASES) >= 8
    assert {p.stem for p in FIXTURES.glob("*.sql")} == {p.stem for p in CASES}


@pytest.mark.parametrize("fixture", CASES, ids=lambda p: p.stem)
def test_rule_set_compiles_to_its_fixture_sql(fixture: Path) -> None:
    expected_file = fixture.with_suffix(".sql")
    sql = compiled(fixture)
    if UPDATE:
        expected_file.write_text(sql)
    assert sql == expected_file.read_text(), (
        f"{fixture.name} no longer compiles to {expected_file.name}; review the new SQL "
        "and rewrite with SEGMENTATION_UPDATE_FIXTURES=1"
    )


@pytest.mark.parametrize("fixture", CASES, ids=lambda p: p.stem)
def test_fixture_sql_runs_on_the_marts(fixture: Path) -> None:
    """Each fixture is SQL DuckDB binds against the marts' columns (on empty tables)."""
    with in_memory_marts({}) as con:
        ensure_tables(con)  # the membership history segment conditions read
        assert con.execute(fixture.with_suffix(".sql").read_text()).fetchall() == []
