"""Preview and the example segments, on a warehouse built by dbt from generated data."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from segmentation.daily.store import StoreContext, read_segment, read_store, segment_files
from segmentation.preview import SAMPLE_SIZE, preview
from segmentation.rules.reference import evaluate
from segmentation.rules.schema import SEGMENT_DEFS
from segmentation.rules.validate import bind
from segmentation.warehouse import custom_fields
from tests.conftest import AS_OF
from tools.cli import main

EXAMPLES = segment_files(SEGMENT_DEFS)


def mart_rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict]]:
    """Every catalog table as Python rows, for the reference evaluator."""
    from segmentation.rules.catalog import load_catalog

    tables = {}
    for table in load_catalog().tables():
        relation = con.sql(f"SELECT * FROM {table}")
        tables[table] = [
            dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()
        ]
    return tables


@pytest.fixture(scope="module")
def marts(built_warehouse):
    with built_warehouse.connect() as con:
        yield con, custom_fields(con), mart_rows(con)


def test_examples_cover_every_category_and_association() -> None:
    kinds, categories, associations = set(), set(), set()
    from segmentation.rules.catalog import load_catalog

    catalog = load_catalog()
    for path in EXAMPLES:
        for group in json.loads(path.read_text())["rule_set"]["groups"]:
            for condition in group["conditions"]:
                kinds.add(condition["type"])
                if condition["type"] == "field":
                    field = catalog.field(condition["field"])
                    categories.add(field.category.value)
                    categories.add(field.group or "")
                if condition["type"] == "association":
                    associations.add(condition["association"])
    assert kinds == {"field", "custom_field", "association", "segment"}
    assert {"default", "custom_qontak", "event", "consent", "loyalty", "metric"} <= categories
    assert {"RFM", "Commerce", "Recency", "Service"} <= categories
    assert associations >= {"conversations", "campaigns", "companies", "deals", "tickets"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_segment_previews_what_the_reference_finds(path: Path, marts) -> None:
    con, fields, rows = marts
    stored = read_segment(path, StoreContext(fields))
    assert stored.valid, stored.issues
    result = preview(con, stored.rule_set, AS_OF)
    expected = evaluate(stored.rule_set, AS_OF, rows)
    assert result.total_matched == len(expected)
    assert {s.contact_id for s in result.sample} <= expected
    assert len(result.sample) == min(SAMPLE_SIZE, len(expected))


def test_preview_returns_the_sample_fields_only(marts) -> None:
    con, _, _ = marts
    cid = con.execute("SELECT min(cid) FROM marts.contact_profile").fetchall()[0][0]
    rule_set = bind(
        {
            "groups": [
                {
                    "conditions": [
                        {"type": "field", "field": "full_name", "operator": "is_not_empty"}
                    ]
                }
            ]
        },
        cid,
    )
    result = preview(con, rule_set, AS_OF)
    assert result.total_matched == result.total_customer_base > SAMPLE_SIZE
    assert len(result.sample) == SAMPLE_SIZE
    assert set(vars(result.sample[0])) == {"contact_id", "full_name", "source", "last_activity_on"}
    activity = [s.last_activity_on for s in result.sample if s.last_activity_on]
    assert activity == sorted(activity, reverse=True)


def test_store_reports_an_invalid_segment_with_its_problems(tmp_path: Path) -> None:
    folder = tmp_path / "t1"
    folder.mkdir()
    (folder / "broken.json").write_text(json.dumps({
        "id": "s1", "cid": "t9", "name": "", "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "rule_set": {"groups": [{"conditions": [
            {"type": "field", "field": "nope", "operator": "is", "value": "x"}]}]},
    }))  # fmt: skip
    (stored,) = read_store(tmp_path)
    assert not stored.valid
    assert {(i.code, i.pointer) for i in stored.issues} == {
        ("invalid_segment", "/name"),
        ("wrong_folder", "/cid"),
        ("unknown_field", "/rule_set/groups/0/conditions/0/field"),
    }


def test_cli_validates_compiles_and_previews(built_warehouse, capsys) -> None:
    warehouse = ["--warehouse", str(built_warehouse.path)]
    assert main(["validate", *map(str, EXAMPLES), *warehouse]) == 0
    example = str(EXAMPLES[0])
    assert main(["compile", example, "--dialect", "spark", *warehouse]) == 0
    assert "marts.contact_profile" in capsys.readouterr().out
    assert main(["preview", example, "--as-of", AS_OF.isoformat(), *warehouse]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert set(shown) == {"total_matched", "total_customer_base", "sample", "as_of"}


def test_cli_validate_lists_problems_and_fails(tmp_path: Path, capsys) -> None:
    rule_file = tmp_path / "rules.json"
    rule_file.write_text(json.dumps({"groups": [{"conditions": [
        {"type": "field", "field": "city", "operator": "between", "value": 1}]}]}))  # fmt: skip
    assert main(["validate", str(rule_file), "--cid", "t1", "--warehouse",
                 str(tmp_path / "none.duckdb")]) == 1  # fmt: skip
    assert "[operator_not_allowed]" in capsys.readouterr().out
