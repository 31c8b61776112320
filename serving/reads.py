"""What the screens read from the published snapshot, always confined to one tenant.

Every query takes the tenant (``cid``) as a parameter and filters on it first, so no
answer can hold another tenant's row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb

from segmentation.daily.membership import DAYS
from segmentation.daily.stats import DAILY_STATS, DISTRIBUTIONS, MATCHED_CUSTOMERS, SIZES
from segmentation.landing.sources import entity
from segmentation.rules.catalog import FieldType, load_catalog
from segmentation.rules.model import AggregateFunction, CountOperator
from segmentation.rules.operators import OPERATORS, OPERATORS_BY_TYPE, SEGMENT_OPERATORS
from segmentation.rules.validate import AGGREGATE_OPERATORS
from segmentation.warehouse import observed_options

DIMENSIONS = ("source", "domicile", "age", "gender")


@dataclass(frozen=True)
class Page:
    """Which slice of a list: 1-based page number and its size."""

    page: int = 1
    per_page: int = 10

    @property
    def offset(self) -> int:
        """Rows before the page."""
        return (self.page - 1) * self.per_page


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> list[dict]:
    """Rows as dicts; ``computed_at`` (stored as UTC without a zone) as an aware instant."""
    result = con.execute(sql, params)
    names = [d[0] for d in result.description]
    rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    for row in rows:
        if isinstance(row.get("computed_at"), datetime):
            row["computed_at"] = row["computed_at"].replace(tzinfo=UTC)
    return rows


def latest_stats(
    con: duckdb.DuckDBPyConnection, cid: str, segment_ids: Sequence[str]
) -> dict[str, dict]:
    """Each segment's stats of its latest computed day, by segment id."""
    rows = _rows(
        con,
        f"""
        SELECT * FROM {DAILY_STATS}
        WHERE cid = $cid AND segment_id IN (SELECT unnest($ids))
        QUALIFY row_number() OVER (PARTITION BY segment_id ORDER BY day DESC) = 1
        """,
        {"cid": cid, "ids": list(segment_ids)},
    )
    return {row["segment_id"]: row for row in rows}


def last_computed(
    con: duckdb.DuckDBPyConnection, cid: str, segment_ids: Sequence[str]
) -> dict[str, dict]:
    """Each segment's latest computed day, when, and the rule set version it used."""
    rows = _rows(
        con,
        f"""
        SELECT segment_id, max(day) AS day, arg_max(computed_at, day) AS computed_at,
               arg_max(rule_set_hash, day) AS rule_set_hash
        FROM {DAYS} WHERE cid = $cid AND segment_id IN (SELECT unnest($ids))
        GROUP BY segment_id
        """,
        {"cid": cid, "ids": list(segment_ids)},
    )
    return {row["segment_id"]: row for row in rows}


def matched_customers(
    con: duckdb.DuckDBPyConnection, cid: str, segment_id: str, owner_id: str | None, page: Page
) -> tuple[list[dict], int]:
    """A page of the segment's current members (the latest computed day), most recently
    active first, with the name of the user who added each; only contacts owned by
    ``owner_id`` when it is given. Also the number of such members."""
    users = entity("users").relation
    params = {"cid": cid, "segment": segment_id, "owner": owner_id}
    scope = "m.cid = $cid AND m.segment_id = $segment AND ($owner IS NULL OR m.owner_id = $owner)"
    rows = _rows(
        con,
        f"""
        SELECT m.contact_id, m.full_name AS name, m.source, m.last_activity_on AS last_activity,
               m.added_by AS added_by_id, u.name AS added_by, count(*) OVER () AS total
        FROM {MATCHED_CUSTOMERS} m
        LEFT JOIN {users} u ON u.cid = m.cid AND u.user_id = m.added_by
        WHERE {scope}
        ORDER BY m.last_activity_on DESC NULLS LAST, m.contact_id
        LIMIT $limit OFFSET $offset
        """,
        {**params, "limit": page.per_page, "offset": page.offset},
    )
    if rows:
        total = rows[0]["total"]
    else:  # a page past the end: count apart
        counted = con.execute(f"SELECT count(*) FROM {MATCHED_CUSTOMERS} m WHERE {scope}", params)
        total = counted.fetchall()[0][0]
    return [{k: v for k, v in row.items() if k != "total"} for row in rows], total


def growth(
    con: duckdb.DuckDBPyConnection, cid: str, segment_id: str, start: date, end: date
) -> list[dict]:
    """total_matched, entered, exited and the rule set's version per computed day from
    ``start`` to ``end``, from the membership history (the sizes), with the percentage of
    the customer base where that day's stats were built (else None)."""
    return _rows(
        con,
        f"""
        SELECT z.day, z.total_matched, z.entered,
               z.exited, s.percentage_reach, z.rule_set_hash AS rule_set_version
        FROM {SIZES} z
        LEFT JOIN {DAILY_STATS} s ON s.segment_id = z.segment_id AND s.day = z.day
        WHERE z.cid = $cid AND z.segment_id = $segment AND z.day BETWEEN $start AND $end
          AND z.rule_set_hash IS NOT NULL
        ORDER BY z.day
        """,
        {"cid": cid, "segment": segment_id, "start": start, "end": end},
    )


def distributions(
    con: duckdb.DuckDBPyConnection, cid: str, segment_id: str, day: date
) -> dict[str, list[dict]]:
    """Members by source, domicile, age and gender on ``day``, largest bucket first."""
    rows = _rows(
        con,
        f"""
        SELECT dimension, bucket, contacts FROM {DISTRIBUTIONS}
        WHERE cid = $cid AND segment_id = $segment AND day = $day
        ORDER BY dimension, contacts DESC, bucket
        """,
        {"cid": cid, "segment": segment_id, "day": day},
    )
    found: dict[str, list[dict]] = {dimension: [] for dimension in DIMENSIONS}
    for row in rows:
        found.setdefault(row["dimension"], []).append(
            {"bucket": row["bucket"], "contacts": row["contacts"]}
        )
    return found


def contact_owner(con: duckdb.DuckDBPyConnection, cid: str, contact_id: str) -> str | None:
    """The user who owns the tenant's contact (None: nobody, or no such contact)."""
    rows = con.execute(
        f"SELECT owner_id FROM {load_catalog().profile} WHERE cid = $cid AND contact_id = $id",
        {"cid": cid, "id": contact_id},
    ).fetchall()
    return rows[0][0] if rows else None


def package_tier(con: duckdb.DuckDBPyConnection, cid: str) -> str | None:
    """The tenant's package tier, as loaded (None when unknown)."""
    rows = con.execute(
        f"SELECT package_tier FROM {entity('tenants').relation} WHERE cid = $cid", {"cid": cid}
    ).fetchall()
    return rows[0][0] if rows else None


def field_palette(
    con: duckdb.DuckDBPyConnection, cid: str, segments: Sequence[tuple[str, str]] = ()
) -> dict:
    """Everything the rule builder offers the tenant: fields by category with their
    type, operators and dropdown options; the tenant's custom fields; the associations
    with their sub-filter fields (numeric ones can be aggregated); the tenant's active
    ``segments`` (id, name) a condition can name; the operators of each type, of counts,
    of aggregates and of segments."""
    catalog = load_catalog()
    options = observed_options(con, cid)
    fields = [
        {
            "id": f.id,
            "label": f.label,
            "category": f.category.value,
            "group": f.group,
            "field_type": f.field_type.value,
            "operators": list(OPERATORS_BY_TYPE[f.field_type]),
            "options": options.get(f.id) if f.field_type is FieldType.DROPDOWN_SELECT else None,
        }
        for f in catalog.fields
    ]
    custom = con.execute(
        f"""SELECT field_id, field_name, field_type FROM {catalog.custom.definitions}
            WHERE cid = $cid ORDER BY field_name, field_id""",
        {"cid": cid},
    ).fetchall()
    known = {t.value for t in FieldType}
    custom_fields = [
        {
            "field_id": field_id,
            "label": name,
            "field_type": kind if kind in known else None,
            "operators": list(OPERATORS_BY_TYPE[FieldType(kind)]) if kind in known else [],
        }
        for field_id, name, kind in custom
    ]
    associations = [
        {
            "id": a.id,
            "label": a.label,
            "date_field": a.date_field,
            "fields": [
                {
                    "id": f.id,
                    "label": f.label,
                    "field_type": f.field_type.value,
                    "operators": list(OPERATORS_BY_TYPE[f.field_type]),
                    "options": options.get(f"{a.id}.{f.id}")
                    if f.field_type is FieldType.DROPDOWN_SELECT
                    else None,
                    "aggregatable": f.field_type in (FieldType.NUMBER, FieldType.PERCENTAGE),
                }
                for f in a.fields
            ],
        }
        for a in catalog.associations
    ]
    return {
        "categories": sorted(
            {f.category.value for f in catalog.fields} | {"association", "segment"}
        ),
        "fields": fields,
        "custom_fields": custom_fields,
        "associations": associations,
        "count_operators": [c.value for c in CountOperator],
        "aggregate_functions": [f.value for f in AggregateFunction],
        "aggregate_operators": list(AGGREGATE_OPERATORS),
        "segments": [{"id": segment_id, "name": name} for segment_id, name in segments],
        "segment_operators": {
            name: {"label": op.label, "value": op.shape.value}
            for name, op in SEGMENT_OPERATORS.items()
        },
        "operators": {
            name: {"label": op.label, "value": op.shape.value} for name, op in OPERATORS.items()
        },
    }
