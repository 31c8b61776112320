"""Every segment of a tenant in one pass over its profile: one boolean column each.

The predicates of all the tenant's segments go into a single SELECT built by one
:class:`QueryBuilder`, so each mart and each distinct association aggregate is joined
once however many segments use it. The flags are unpivoted in the same statement into
(segment, contact) pairs that go straight into the day's members table: members never
pass through Python, so their number costs DuckDB memory (spilled past its limit), not
the process's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from functools import reduce

import duckdb
from sqlglot import exp

from segmentation.compile import to_sql
from segmentation.compile.query import PROFILE_ALIAS, QueryBuilder
from segmentation.daily.membership import DAY_MEMBERS, ensure_tables
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


def members_query(rule_sets: list[BoundRuleSet], segment_ids: list[str], as_of: date) -> exp.Query:
    """``(segment_id, contact_id)`` of every member of the rule sets of one tenant, as of
    ``as_of``: the flags of :func:`flags_query`, unpivoted."""
    flags = "flags"
    parts = [
        exp.select(exp.alias_(exp.convert(segment_id), "segment_id"), "contact_id")
        .from_(flags)
        .where(exp.column(f"s{i}"))
        for i, segment_id in enumerate(segment_ids)
    ]
    union = reduce(lambda left, right: exp.union(left, right, distinct=False), parts)
    return union.with_(flags, as_=flags_query(rule_sets, as_of))


def evaluate_segments(
    con: duckdb.DuckDBPyConnection, rule_sets: Mapping[str, BoundRuleSet], as_of: date
) -> None:
    """Stage the members of every segment (id -> its bound rule set) as of ``as_of`` as
    the day's members (:data:`DAY_MEMBERS`): one query per tenant."""
    by_tenant: dict[str, list[str]] = defaultdict(list)
    for segment_id, rule_set in rule_sets.items():
        by_tenant[rule_set.cid].append(segment_id)
    ensure_tables(con)  # segment conditions read the membership history
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {DAY_MEMBERS} (segment_id VARCHAR, contact_id VARCHAR)"
    )
    for _cid, segment_ids in sorted(by_tenant.items()):
        query = members_query([rule_sets[s] for s in segment_ids], segment_ids, as_of)
        con.execute(f"INSERT INTO {DAY_MEMBERS} {to_sql(query)}")
