"""Reads of the warehouse that the rule-set tools need: custom fields, tenants, the
marts' day, and everything a segment file is checked against."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
from sqlglot import exp

from segmentation.daily.store import StoreContext
from segmentation.landing.sources import entity
from segmentation.limits import Limits
from segmentation.rules.catalog import CustomField, FieldType, load_catalog


def custom_fields(con: duckdb.DuckDBPyConnection) -> dict[str, CustomField]:
    """Every tenant's custom fields by field id (validation tells tenants apart)."""
    rows = con.execute(
        f"SELECT cid, field_id, field_name, field_type FROM {load_catalog().custom.definitions}"
    ).fetchall()
    known = {t.value for t in FieldType}
    return {
        field_id: CustomField(cid, field_id, name, FieldType(kind) if kind in known else None)
        for cid, field_id, name, kind in rows
    }


def tenants(con: duckdb.DuckDBPyConnection) -> frozenset[str] | None:
    """The ids of the loaded tenants; None before the first load."""
    try:
        rows = con.execute(f"SELECT cid FROM {entity('tenants').relation}").fetchall()
        return frozenset(r[0] for r in rows)
    except duckdb.CatalogException:
        return None


def tenant_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each loaded tenant's name by id (its id when it has none)."""
    rows = con.execute(f"SELECT cid, coalesce(name, cid) FROM {entity('tenants').relation}")
    rows = rows.fetchall()
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


def observed_options(
    con: duckdb.DuckDBPyConnection, cid: str, limit: int = 100
) -> dict[str, list[str]]:
    """The options of the tenant's dropdowns: the values seen in its data, the most
    common first (at most ``limit`` per dropdown). Keys are catalog field ids, and
    ``<association>.<field>`` for an association's dropdowns.

    A CRM's lists grow (a new channel, a new deal stage): its options are what it holds,
    not a list written down once. Fields whose options the engine defines (RFM labels)
    keep them, from the catalog.
    """
    catalog = load_catalog()
    sources = [
        (f.id, f.table, f.column)
        for f in catalog.fields
        if f.field_type is FieldType.DROPDOWN_SELECT and f.options is None
    ] + [
        (f"{a.id}.{f.id}", a.table, f.column)
        for a in catalog.associations
        for f in a.fields
        if f.field_type is FieldType.DROPDOWN_SELECT
    ]
    counted = [
        exp.select(
            exp.alias_(exp.convert(key), "field"),
            exp.alias_(exp.cast(exp.column(column), "VARCHAR"), "value"),
            exp.alias_(exp.Count(this=exp.Star()), "seen"),
        )
        .from_(exp.to_table(table))
        .where(
            exp.and_(
                exp.column("cid").eq(exp.convert(cid)), exp.column(column).is_(exp.null()).not_()
            )
        )
        .group_by(exp.column(column))
        for key, table, column in sources
    ]
    ranked = exp.union(*counted, distinct=False) if len(counted) > 1 else counted[0]
    query = (
        exp.select("field", "value")
        .from_(ranked.subquery("seen_values"))
        .qualify(
            exp.Window(
                this=exp.RowNumber(),
                partition_by=[exp.column("field")],
                order=exp.Order(expressions=[exp.column("seen").desc(), exp.column("value").asc()]),
            )
            <= limit
        )
        .order_by("field", exp.column("seen").desc(), "value")
    )
    options: dict[str, list[str]] = {f.id: list(f.options) for f in catalog.fields if f.options}
    for field, value in con.execute(query.sql("duckdb")).fetchall():
        options.setdefault(field, []).append(value)
    return options


def marts_day(con: duckdb.DuckDBPyConnection) -> date:
    """The day the marts were built as of; a clear error when they were never built."""
    profile = load_catalog().profile
    try:
        rows = con.execute(f"SELECT max(as_of_date) FROM {profile}").fetchall()
    except duckdb.CatalogException:
        rows = [(None,)]
    if rows[0][0] is None:
        raise LookupError(f"{profile} is missing or empty: build the warehouse first (`make run`)")
    return rows[0][0]
