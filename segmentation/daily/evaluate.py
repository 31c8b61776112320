"""Every segment of a tenant in one pass over its profile: one boolean column each.

The predicates of all the tenant's segments go into a single SELECT built by one
:class:`QueryBuilder`, so each mart and each distinct association aggregate is joined
once however many segments use it. The flags come back as Arrow and are unpivoted with
polars into (segment, contact) pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date

import duckdb
import polars as pl
from sqlglot import exp

from segmentation.compile import to_sql
from segmentation.compile.query import PROFILE_ALIAS, QueryBuilder
from segmentation.rules.model import Segment
from segmentation.rules.validate import CustomField


def flags_query(
    segments: list[Segment], cid: str, as_of: date, custom_fields: Mapping[str, CustomField]
) -> exp.Select:
    """``SELECT p.contact_id, <segment 0> AS s0, ... FROM <tenant's profile> ...``."""
    builder = QueryBuilder(cid, as_of, custom_fields)
    flags = [
        exp.alias_(builder.rule_set(segment.rule_set), f"s{i}")
        for i, segment in enumerate(segments)
    ]
    return builder.from_profile().select(exp.column("contact_id", table=PROFILE_ALIAS), *flags)


def evaluate_segments(
    con: duckdb.DuckDBPyConnection,
    segments: Iterable[Segment],
    as_of: date,
    custom_fields: Mapping[str, CustomField],
) -> dict[str, list[str]]:
    """Members of every segment as of ``as_of``: one query per tenant."""
    by_tenant: dict[str, list[Segment]] = defaultdict(list)
    for segment in segments:
        by_tenant[segment.cid].append(segment)
    members: dict[str, list[str]] = {}
    for cid, tenant_segments in sorted(by_tenant.items()):
        query = flags_query(tenant_segments, cid, as_of, custom_fields)
        flags = pl.from_arrow(con.sql(to_sql(query)).to_arrow_table())
        for i, segment in enumerate(tenant_segments):
            members[segment.id] = flags.filter(pl.col(f"s{i}"))["contact_id"].to_list()
    return members
