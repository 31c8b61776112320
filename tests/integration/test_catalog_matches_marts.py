"""The field catalog and the marts agree: no field without a column, no column without a field."""

from __future__ import annotations

from segmentation.landing.load import literal
from segmentation.rules.catalog import FieldType, load_catalog
from segmentation.text import WHITESPACE

TEXT = {"VARCHAR"}
NUMERIC = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "DOUBLE", "FLOAT"}
COMPATIBLE = {
    FieldType.SINGLE_LINE_TEXT: TEXT,
    FieldType.TEXT_AREA: TEXT,
    FieldType.URL: TEXT,
    FieldType.DROPDOWN_SELECT: TEXT,
    FieldType.UPLOAD: TEXT,
    FieldType.SIGNATURE: TEXT,
    FieldType.GPS: TEXT,
    FieldType.MULTIPLE_SELECT: {"VARCHAR[]"},
    FieldType.NUMBER: NUMERIC,
    FieldType.PERCENTAGE: NUMERIC,
    FieldType.DATE: {"DATE"},
    FieldType.BOOLEAN: {"BOOLEAN"},
}


def column_types(con, table: str) -> dict[str, str]:
    schema, name = table.split(".")
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ?",
        [schema, name],
    ).fetchall()
    return {column: _base_type(data_type) for column, data_type in rows}


def _base_type(data_type: str) -> str:
    return "DOUBLE" if data_type.startswith("DECIMAL") else data_type


def catalog_columns() -> dict[str, dict[str, FieldType]]:
    """Table -> column -> field type, over contact fields, associations and custom values."""
    catalog = load_catalog()
    columns: dict[str, dict[str, FieldType]] = {}
    for field in catalog.fields:
        columns.setdefault(field.table, {})[field.column] = field.field_type
    for association in catalog.associations:
        for field in association.fields:
            columns.setdefault(association.table, {})[field.column] = field.field_type
    return columns


def test_every_catalog_field_is_a_mart_column_of_a_compatible_type(built_warehouse) -> None:
    catalog = load_catalog()
    with built_warehouse.connect() as con:
        for table, fields in catalog_columns().items():
            types = column_types(con, table)
            for column, field_type in fields.items():
                assert column in types, f"{table}.{column} is in the catalog, not in the mart"
                assert types[column] in COMPATIBLE[field_type], (table, column, types[column])
        custom = column_types(con, catalog.custom.table)
    for field_type, column in catalog.custom.value_columns.items():
        assert custom[column] in COMPATIBLE[field_type], (field_type, column)


def test_every_filterable_mart_column_is_in_the_catalog(built_warehouse) -> None:
    catalog = load_catalog()
    in_catalog = catalog_columns()
    with built_warehouse.connect() as con:
        for table in catalog.tables():
            skipped = set(catalog.not_filterable.get(table, ()))
            for column in column_types(con, table):
                if column in skipped:
                    continue
                assert column in in_catalog.get(table, {}), (
                    f"{table}.{column} can be filtered on but is missing from catalog.yaml "
                    "(add a field, or list it under not_filterable)"
                )


def test_catalog_covers_every_category_and_metric_group() -> None:
    catalog = load_catalog()
    categories = {f.category.value for f in catalog.fields}
    assert categories == {"default", "custom_qontak", "event", "consent", "loyalty", "metric"}
    groups = {f.group for f in catalog.fields if f.group}
    assert groups == {
        "Communication",
        "Service",
        "Sales",
        "Marketing",
        "Commerce",
        "Loyalty",
        "Recency",
        "RFM",
    }
    assert {a.id for a in catalog.associations} >= {
        "conversations",
        "campaigns",
        "companies",
        "deals",
        "tickets",
    }


def test_the_marts_hold_text_as_the_compiler_expects_it(built_warehouse) -> None:
    """Why: the compiled SQL lower-cases stored text without trimming it, so every text a
    condition reads must be trimmed, blank as NULL, multi-select options non-blank."""
    assert built_warehouse.generation.dirt["contacts"]["padded_text"] > 0  # not vacuous
    whitespace = literal(WHITESPACE)
    unclean = f"(value <> trim(value, {whitespace}) OR value = '')"
    columns = catalog_columns()
    custom = load_catalog().custom
    columns.setdefault(custom.table, {}).update(
        {column: kind for kind, column in custom.value_columns.items()}
    )
    found = {}
    with built_warehouse.connect() as con:
        for table, fields in columns.items():
            for column, kind in fields.items():
                if kind in COMPATIBLE and COMPATIBLE[kind] == TEXT:
                    values = f"SELECT {column} AS value FROM {table}"
                elif kind is FieldType.MULTIPLE_SELECT:
                    values = f"SELECT unnest({column}) AS value FROM {table}"
                else:
                    continue
                sql = f"SELECT count(*) FROM ({values}) WHERE {unclean}"
                found[f"{table}.{column}"] = con.execute(sql).fetchall()[0][0]
        options = con.execute(
            f"SELECT count(*) FROM (SELECT unnest({custom.value_columns[FieldType.MULTIPLE_SELECT]}"
            f", max_depth := 1) AS value FROM {custom.table}) WHERE value IS NULL"
        ).fetchall()[0][0]
    assert {k: v for k, v in found.items() if v} == {}
    assert options == 0  # no NULL option either
