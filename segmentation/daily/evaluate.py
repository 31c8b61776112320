"""Every segment of a tenant in one pass over its profile: one boolean column each.

The predicates of all the tenant's segments go into a single SELECT built by one
:class:`QueryBuilder`, so each mart and each distinct association aggregate is joined
once however many segments use it. The flags come back as Arrow and are unpivoted with
polars into (segment, contact) pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date

import duckdb
import polars as pl
from sqlglot import exp

from segmentation.compile import to_sql
from segmentation.compile.query import PROFILE_ALIAS, QueryBuilder
from segmentation.rules.bound import BoundRuleSet
from segmentation.rules.plan import plan


def flags_query(rule_sets: list[BoundRuleSet], as_of: date) -> exp.Select:
    """``SELECT p.contact_id, <rule set 0> AS s0, ... FROM <tenant's profile> ...`` for the
    rule sets of one tenant."""
    (cid,) = {rule_set.cid for rule_set in rule_sets}
    builder = QueryBuilder(cid, as_of)
    flags = [
        exp.alias_(builder.predicate(plan(rule_set.root)), f"s{i}")
        for i, rule_set in enumerate(rule_sets)
    ]
    return builder.from_profile().select(exp.column("contact_id", table=PROFILE_ALIAS), *flags)


def evaluate_segments(
    con: duckdb.DuckDBPyConnection, rule_sets: Mapping[str, BoundRuleSet], as_of: date
) -> dict[str, list[str]]:
    """Members of every segment (id -> its bound rule set) as of ``as_of``: one query per
    tenant."""
    by_tenant: dict[str, list[str]] = defaultdict(list)
    for segment_id, rule_set in rule_sets.items():
        by_tenant[rule_set.cid].append(segment_id)
    members: dict[str, list[str]] = {}
    for _cid, segment_ids in sorted(by_tenant.items()):
        query = flags_query([rule_sets[s] for s in segment_ids], as_of)
        flags = pl.from_arrow(con.sql(to_sql(query)).to_arrow_table())
        for i, segment_id in enumerate(segment_ids):
            members[segment_id] = flags.filter(pl.col(f"s{i}"))["contact_id"].to_list()
    return members
