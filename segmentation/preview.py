"""Preview: how many of a tenant's contacts an (unsaved) rule set matches, with a sample.

The sample holds at most 10 contacts, with id, name, source and last activity only: no
other personal data leaves the warehouse through a preview.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from segmentation.compile import to_sql
from segmentation.compile.query import PROFILE_ALIAS, QueryBuilder
from segmentation.rules.bound import BoundRuleSet, Column
from segmentation.rules.catalog import load_catalog
from segmentation.rules.plan import plan

if TYPE_CHECKING:
    import duckdb

SAMPLE_SIZE = 10


@dataclass(frozen=True)
class SampleContact:
    """One matched contact as the preview panel shows it."""

    contact_id: str
    full_name: str | None
    source: str | None
    last_activity_on: date | None


@dataclass(frozen=True)
class Preview:
    """``{total_matched, total_customer_base, sample}`` as of a day."""

    total_matched: int
    total_customer_base: int
    sample: list[SampleContact]
    as_of: date


def preview_query(
    rule_set: BoundRuleSet, as_of: date, sample_owner: str | None = None
) -> exp.Select:
    """One pass over the tenant's profile: the matched contacts with the latest activity
    first, each row carrying the total. With ``sample_owner``, only contacts that user
    owns are sampled, and the rows' total counts only those."""
    builder = QueryBuilder(rule_set.cid, as_of)
    predicate = builder.predicate(plan(rule_set.root))
    if sample_owner is not None:
        owner = exp.column("owner_id", table=PROFILE_ALIAS).eq(exp.convert(sample_owner))
        predicate = exp.and_(predicate, owner)
    last_activity_field = load_catalog().field("last_activity_at")
    last_activity = builder.column(Column(last_activity_field.table, last_activity_field.column))
    profile = PROFILE_ALIAS
    return (
        builder.from_profile()
        .select(
            exp.column("contact_id", table=profile),
            exp.column("full_name", table=profile),
            exp.column("source", table=profile),
            exp.alias_(last_activity, "last_activity_on"),
            exp.alias_(exp.Window(this=exp.Count(this=exp.Star())), "total_matched"),
        )
        .where(predicate)
        .order_by(
            exp.Ordered(this=last_activity.copy(), desc=True, nulls_first=False),
            exp.Ordered(this=exp.column("contact_id", table=profile)),
        )
        .limit(SAMPLE_SIZE)
    )


def matched_count_query(rule_set: BoundRuleSet, as_of: date) -> exp.Select:
    """How many of the tenant's contacts the rule set matches."""
    builder = QueryBuilder(rule_set.cid, as_of)
    predicate = builder.predicate(plan(rule_set.root))
    return builder.from_profile().select(exp.Count(this=exp.Star())).where(predicate)


def customer_base_query(cid: str) -> exp.Select:
    """The tenant's whole contact base."""
    return (
        exp.select(exp.Count(this=exp.Star()))
        .from_(load_catalog().profile)
        .where(exp.column("cid").eq(exp.convert(cid)))
    )


_NO_HISTORY = sqlglot.parse_one(
    "SELECT CAST(NULL AS VARCHAR) AS segment_id, CAST(NULL AS VARCHAR) AS cid, "
    "CAST(NULL AS VARCHAR) AS contact_id, CAST(NULL AS DATE) AS valid_from, "
    "CAST(NULL AS DATE) AS valid_to WHERE FALSE"
)


def _has_history(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the membership history exists (no day computed yet: it does not)."""
    schema, table = load_catalog().membership.split(".")
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, table],
    ).fetchall()
    return found[0][0] > 0


def _with_no_history(query: exp.Select) -> exp.Select:
    """``query`` reading an empty history where a warehouse has none yet: before a
    segment's first computed day nobody is a member of it."""
    membership = load_catalog().membership

    def empty(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and f"{node.db}.{node.name}" == membership:
            return _NO_HISTORY.subquery("history")
        return node

    return query.transform(empty)


class MartsNotBuilt(LookupError):
    """The marts are not built as of the day a preview asks for."""


def preview(
    con: duckdb.DuckDBPyConnection,
    rule_set: BoundRuleSet,
    as_of: date,
    sample_owner: str | None = None,
) -> Preview:
    """Run the preview of a bound rule set as of ``as_of``. ``sample_owner``: a viewer
    who may see only the contacts they own gets a sample of those, and the true total.

    The marts hold one day; a preview as of another day would mix that day's relative
    dates with another day's data, so it is refused with :class:`MartsNotBuilt`.
    """
    profile = load_catalog().profile
    built = con.execute(f"SELECT as_of_date FROM {profile} LIMIT 1").fetchall()
    if not built or built[0][0] != as_of:
        day = built[0][0] if built else "no day (the profile is empty)"
        raise MartsNotBuilt(
            f"the marts are built as of {day}, not {as_of}: build the day {as_of} first"
        )
    history = _has_history(con)

    def run(query: exp.Select) -> list[tuple]:
        return con.execute(to_sql(query if history else _with_no_history(query))).fetchall()

    rows = run(preview_query(rule_set, as_of, sample_owner))
    if sample_owner is None:
        matched = rows[0][4] if rows else 0
    else:
        matched = run(matched_count_query(rule_set, as_of))[0][0]
    base = con.execute(to_sql(customer_base_query(rule_set.cid))).fetchall()[0][0]
    return Preview(
        total_matched=matched,
        total_customer_base=base,
        sample=[SampleContact(*row[:4]) for row in rows],
        as_of=as_of,
    )
