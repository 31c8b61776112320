"""Reads of the warehouse that the rule-set tools need: custom fields, tenants, the
marts' day, and everything a segment file is checked against."""

from __future__ import annotations

from datetime import date, datetime

import duckdb

from segmentation.catalog import FieldType
from segmentation.limits import Limits
from segmentation.segments import StoreContext
from segmentation.validate import CustomField

CUSTOM_FIELDS_TABLE = "marts.custom_fields"
PROFILE_TABLE = "marts.contact_profile"
TENANTS_TABLE = "raw.crm_tenants"


def custom_fields(con: duckdb.DuckDBPyConnection) -> dict[str, CustomField]:
    """Every tenant's custom fields by field id (validation tells tenants apart)."""
    rows = con.execute(
        f"SELECT cid, field_id, field_name, field_type FROM {CUSTOM_FIELDS_TABLE}"
    ).fetchall()
    known = {t.value for t in FieldType}
    return {
        field_id: CustomField(cid, field_id, name, FieldType(kind) if kind in known else None)
        for cid, field_id, name, kind in rows
    }


def tenants(con: duckdb.DuckDBPyConnection) -> frozenset[str] | None:
    """The ids of the loaded tenants; None before the first load."""
    try:
        return frozenset(r[0] for r in con.execute(f"SELECT cid FROM {TENANTS_TABLE}").fetchall())
    except duckdb.CatalogException:
        return None


def tenant_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each loaded tenant's name by id (its id when it has none)."""
    rows = con.execute(f"SELECT cid, coalesce(name, cid) FROM {TENANTS_TABLE}").fetchall()
    return dict(rows)


def store_context(
    con: duckdb.DuckDBPyConnection | None, now: datetime, limits: Limits | None = None
) -> StoreContext:
    """What segment files are checked against: the warehouse's tenants and custom fields
    (when it has them), the limits, and the instant after which a timestamp is future."""
    if con is None:
        return StoreContext(limits=limits or Limits(), now=now)
    try:
        fields = custom_fields(con)
    except duckdb.CatalogException:
        fields = {}
    return StoreContext(fields, tenants(con), limits or Limits(), now)


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
