"""Why a contact is (or is not) in a segment on a day: each group and condition with its
verdict and the value that decided it.

The contact's own rows are read from the marts (only the tables the rule set reads, only
that contact of that tenant) and judged by the reference evaluator
(:func:`segmentation.rules.reference.explain`), the independent implementation the
differential tests hold the compiled SQL to; a property test holds the explanation's
verdict to the compiled SQL's membership.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from sqlglot import exp

from segmentation.daily.membership import DAYS, MEMBERSHIP
from segmentation.rules.bound import (
    And,
    BoundRuleSet,
    FieldTest,
    Node,
    Or,
    RecordAggregate,
    RecordCount,
    SegmentTest,
)
from segmentation.rules.catalog import load_catalog
from segmentation.rules.describe import describe_condition
from segmentation.rules.model import RuleSet
from segmentation.rules.reference import explain

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class ConditionVerdict:
    """One condition: where it is, in words, whether it holds, and the deciding value (the
    field's value, the number of matching records, or their aggregate)."""

    pointer: str
    summary: str
    holds: bool
    value: object


@dataclass(frozen=True)
class GroupVerdict:
    """One group: whether it holds, how its conditions combine, and each condition."""

    holds: bool
    match: str
    conditions: list[ConditionVerdict]


@dataclass(frozen=True)
class Explanation:
    """The whole rule set's verdict for one contact on one day."""

    contact_id: str
    as_of: date
    matched: bool
    match: str
    groups: list[GroupVerdict]


class ContactNotFound(LookupError):
    """The tenant has no such contact on the day (not created yet, or unknown)."""


def explain_contact(
    con: duckdb.DuckDBPyConnection,
    rule_set: RuleSet,
    bound: BoundRuleSet,
    contact_id: str,
    as_of: date,
    custom_field_names: dict[str, str] | None = None,
) -> Explanation:
    """Why ``contact_id`` is or is not matched by ``rule_set`` (``bound``: the same, bound)
    on ``as_of``, over the marts of ``con`` (built as of that day)."""
    tables = contact_rows(con, bound, contact_id)
    if not tables[load_catalog().profile]:
        raise ContactNotFound(f"the tenant has no contact {contact_id!r} on {as_of}")
    verdict = explain(bound, as_of, tables, contact_id, contact_history(con, bound, contact_id))
    names = custom_field_names or {}
    groups = [
        GroupVerdict(
            group_verdict.holds,
            group.match.value,
            [
                ConditionVerdict(
                    leaf.pointer,
                    describe_condition(condition, names),
                    leaf.holds,
                    plain(leaf.value),
                )
                for condition, leaf in zip(group.conditions, group_verdict.parts, strict=True)
            ],
        )
        for group, group_verdict in zip(rule_set.groups, verdict.parts, strict=True)
    ]
    return Explanation(contact_id, as_of, verdict.holds, rule_set.match.value, groups)


def contact_rows(
    con: duckdb.DuckDBPyConnection, bound: BoundRuleSet, contact_id: str
) -> dict[str, list[dict]]:
    """The contact's rows of every table the rule set reads (and the profile), as dicts."""
    rows = {}
    for table in sorted(_tables(bound.root) | {load_catalog().profile}):
        query = (
            exp.select("*")
            .from_(exp.to_table(table))
            .where(
                exp.and_(
                    exp.column("cid").eq(exp.convert(bound.cid)),
                    exp.column("contact_id").eq(exp.convert(contact_id)),
                )
            )
        )
        result = con.execute(query.sql("duckdb"))
        names = [d[0] for d in result.description]
        rows[table] = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    return rows


def contact_history(
    con: duckdb.DuckDBPyConnection, bound: BoundRuleSet, contact_id: str
) -> dict[str, dict[date, set[str]]]:
    """The contact's membership of each segment the rule set reads, day by day: every day
    the segment was computed on, with the contact as a member when a stretch covers it."""
    used = sorted(bound.segments_used())
    if not used:
        return {}
    rows = con.execute(
        f"""SELECT d.segment_id, d.day, count(m.contact_id) > 0
            FROM {DAYS} d LEFT JOIN {MEMBERSHIP} m
              ON m.segment_id = d.segment_id AND m.cid = d.cid AND m.contact_id = ?
             AND m.valid_from <= d.day AND (m.valid_to IS NULL OR m.valid_to > d.day)
            WHERE d.cid = ? AND list_contains(?, d.segment_id)
            GROUP BY d.segment_id, d.day""",
        [contact_id, bound.cid, used],
    ).fetchall()
    history: dict[str, dict[date, set[str]]] = {segment_id: {} for segment_id in used}
    for segment_id, day, member in rows:
        history[segment_id][day] = {contact_id} if member else set()
    return history


def _tables(node: Node) -> set[str]:
    if isinstance(node, And | Or):
        return set().union(*(_tables(part) for part in node.parts))
    if isinstance(node, FieldTest):
        return {node.source.table}
    if isinstance(node, RecordCount | RecordAggregate):
        return {node.table}
    if isinstance(node, SegmentTest):
        return set()  # read as history: contact_history
    raise TypeError(type(node).__name__)


def plain(value: object) -> object:
    """A deciding value as JSON holds it: exact numbers as decimal text, days as ISO."""
    if isinstance(value, Fraction):
        return format(Decimal(value.numerator) / Decimal(value.denominator), "f")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
