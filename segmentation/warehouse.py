"""Reads of the built marts that the rule-set tools need: custom fields, the marts' day."""

from __future__ import annotations

from datetime import date

import duckdb

from segmentation.catalog import FieldType
from segmentation.validate import CustomField

CUSTOM_FIELDS_TABLE = "marts.custom_fields"
PROFILE_TABLE = "marts.contact_profile"


def custom_fields(con: duckdb.DuckDBPyConnection) -> dict[str, CustomField]:
    """Every tenant's custom fields by field id (validation tells tenants apart)."""
    rows = con.execute(
        f"SELECT cid, field_id, field_name, field_type FROM {CUSTOM_FIELDS_TABLE}"
    ).fetchall()
    return {
        field_id: CustomField(cid, field_id, name, FieldType(field_type))
        for cid, field_id, name, field_type in rows
    }


def marts_day(con: duckdb.DuckDBPyConnection) -> date:
    """The day the marts were built as of; a clear error when they were never built."""
    try:
        rows = con.execute(f"SELECT max(as_of_date) FROM {PROFILE_TABLE}").fetchall()
    except duckdb.CatalogException:
        rows = [(None,)]
    if rows[0][0] is None:
        raise LookupError(
            f"{PROFILE_TABLE} is missing or empty: build the warehouse first (`make run`)"
        )
    return rows[0][0]
