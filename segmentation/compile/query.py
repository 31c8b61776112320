"""Bound rule set -> one SELECT over the marts, confined to one tenant.

The profile (:attr:`Catalog.profile`, aliased ``p``) drives the query; every other
table a rule set needs is LEFT JOINed once, on the contact and the tenant:

* contact-grain marts (metrics, RFM) as they are;
* a custom field as ``(SELECT contact_id, <typed value> FROM contact_custom_fields
  WHERE cid = ... AND field_id = ...)``;
* an association condition as the number of matching records per contact,
  ``(SELECT contact_id, COUNT(*) FROM <records> WHERE cid = ... AND <sub-filters>
  AND <window> GROUP BY contact_id)``, compared with the condition's count; or, for an
  aggregate, their ``SUM`` / ``MIN`` / ``MAX`` of a column (an average as its sum and
  count, compared without division so decimals stay exact);
* every segment condition through one join of the membership history, a flag per
  condition: ``MAX(CASE WHEN <segment and stretch condition> THEN 1 ELSE 0 END)`` per
  contact over the tenant's stretches of the segments named.

Identical joins are shared, so many rule sets can be compiled into one query (one
boolean column each) that reads the profile once. Each node of the bound tree has its
``visit_<Node>`` method; a node without one raises.

>>> from datetime import date
>>> from segmentation.rules.validate import bind
>>> bound = bind({"groups": [{"conditions": [{"type": "association",
...     "association": "orders", "count": {"operator": "at_least", "value": 2}}]}]}, "t1")
>>> print(to_sql(compile_rule_set(bound, date(2026, 11, 25)), pretty=True))
SELECT
  p.contact_id
FROM marts.contact_profile AS p
LEFT JOIN (
  SELECT
    contact_id,
    COUNT(*) AS matches
  FROM marts.contact_orders
  WHERE
    cid = 't1'
  GROUP BY
    contact_id
) AS j0
  ON j0.contact_id = p.contact_id
WHERE
  p.cid = 't1' AND COALESCE(j0.matches, 0) >= 2
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlglot import exp

from segmentation.compile.dialects import for_engine
from segmentation.compile.predicates import average_condition, condition, date_literal
from segmentation.rules.bound import (
    And,
    BoundRuleSet,
    Column,
    CustomValue,
    FieldTest,
    Node,
    Or,
    RecordAggregate,
    RecordCount,
    SegmentTest,
    Test,
)
from segmentation.rules.catalog import load_catalog
from segmentation.rules.model import AggregateFunction, CountOperator
from segmentation.rules.plan import plan

PROFILE_ALIAS = "p"
MEMBERSHIP_ALIAS = "m"
"""The one join of the membership history that every segment condition reads."""

_COUNTS = {
    CountOperator.AT_LEAST: lambda matches, wanted: matches >= wanted,
    CountOperator.AT_MOST: lambda matches, wanted: matches <= wanted,
    CountOperator.EXACTLY: lambda matches, wanted: matches.eq(wanted),
}


_AGGREGATES = {
    AggregateFunction.SUM: lambda value: exp.Sum(this=value),
    AggregateFunction.MIN: lambda value: exp.Min(this=value),
    AggregateFunction.MAX: lambda value: exp.Max(this=value),
}


class QueryBuilder:
    """Builds predicates for one tenant and day, collecting the joins they need."""

    def __init__(self, cid: str, as_of: date) -> None:
        self.cid = cid
        self.as_of = as_of
        self.profile = load_catalog().profile
        self._joins: dict[str, tuple[str, exp.Expression]] = {}
        self._stretch_flags: dict[str, tuple[str, str, exp.Expression]] = {}

    # -- predicates -------------------------------------------------------------

    def predicate(self, node: Node) -> exp.Expression:
        """The boolean (never NULL) expression of a bound node, over the profile row ``p``."""
        visit = getattr(self, f"visit_{type(node).__name__}", None)
        if visit is None:
            raise TypeError(f"no compiler for {type(node).__name__}")
        return visit(node)

    def visit_And(self, node: And) -> exp.Expression:
        return _parenthesized(exp.and_(*(self.predicate(p) for p in node.parts)), node.parts)

    def visit_Or(self, node: Or) -> exp.Expression:
        return _parenthesized(exp.or_(*(self.predicate(p) for p in node.parts)), node.parts)

    def visit_FieldTest(self, node: FieldTest) -> exp.Expression:
        if isinstance(node.source, CustomValue):
            column = exp.column("value", table=self._custom_value(node.source))
        else:
            column = self.column(node.source)
        return self._test(column, node.test)

    def visit_RecordCount(self, node: RecordCount) -> exp.Expression:
        records = self._records(node, exp.alias_(exp.Count(this=exp.Star()), "matches"))
        matches = exp.Coalesce(
            this=exp.column("matches", table=self._join(records)), expressions=[exp.convert(0)]
        )
        return _COUNTS[node.count](matches, exp.convert(node.value))

    def visit_RecordAggregate(self, node: RecordAggregate) -> exp.Expression:
        value = exp.column(node.column)
        if node.function is AggregateFunction.AVG:
            # avg <op> v  <=>  sum <op> v * count (count > 0): exact, with no division.
            records = self._records(
                node,
                exp.alias_(exp.Sum(this=value), "total"),
                exp.alias_(exp.Count(this=value.copy()), "counted"),
            )
            alias = self._join(records)
            return average_condition(
                exp.column("total", table=alias), exp.column("counted", table=alias), node.test
            )
        records = self._records(node, exp.alias_(_AGGREGATES[node.function](value), "combined"))
        column = exp.column("combined", table=self._join(records))
        if node.function is AggregateFunction.SUM:
            column = exp.Coalesce(this=column, expressions=[exp.convert(0)])
        return self._test(column, node.test)

    def visit_SegmentTest(self, node: SegmentTest) -> exp.Expression:
        stretches = self._stretches(node.test)
        if stretches is None:
            held = exp.false()
        else:
            flag = self._stretch_flag(node.segment_id, stretches)
            held = exp.Coalesce(this=flag, expressions=[exp.convert(0)]).eq(1)
        return exp.not_(held) if node.test.negated else held

    def _stretch_flag(self, segment_id: str, stretches: exp.Expression) -> exp.Column:
        """A column of the one membership join: 1 when one of the contact's stretches of
        segment ``segment_id`` meets ``stretches``. Every segment condition of the query
        shares that join, so the history is read once however many conditions use it."""
        which = exp.column("segment_id").eq(exp.convert(segment_id))
        condition = exp.and_(which, stretches)
        key = condition.sql()
        if key not in self._stretch_flags:
            name = f"f{len(self._stretch_flags)}"
            self._stretch_flags[key] = (name, segment_id, condition)
        return exp.column(self._stretch_flags[key][0], table=MEMBERSHIP_ALIAS)

    def _membership(self) -> exp.Select:
        """``SELECT contact_id, MAX(CASE WHEN <condition> THEN 1 ELSE 0 END) AS f<n>, ...``
        over the tenant's stretches of the segments the conditions name."""
        flags = [
            exp.alias_(
                exp.Max(this=exp.If(this=condition, true=exp.convert(1), false=exp.convert(0))),
                name,
            )
            for name, _segment_id, condition in self._stretch_flags.values()
        ]
        segments = sorted({segment_id for _n, segment_id, _c in self._stretch_flags.values()})
        named = exp.column("segment_id").isin(*(exp.convert(s) for s in segments))
        return (
            exp.select("contact_id", *flags)
            .from_(exp.to_table(load_catalog().membership))
            .where(exp.and_(self._tenant(None), named))
            .group_by("contact_id")
        )

    def _stretches(self, test: Test) -> exp.Expression | None:
        """Which stretches of membership (``valid_from``, ``valid_to``) make ``test`` hold
        as of the day; None when none can (a day after it)."""
        valid_from, valid_to = exp.column("valid_from"), exp.column("valid_to")
        day, value = self.as_of, test.value

        def covers(covered: date) -> exp.Expression:
            still = exp.or_(valid_to.is_(exp.null()), valid_to > date_literal(covered))
            return exp.and_(valid_from <= date_literal(covered), exp.paren(still))

        window = (
            (date_literal(day - timedelta(days=value.days - 1)), date_literal(day))
            if value.days
            else None
        )
        name = test.operator.name
        if name == "is_in":
            return covers(day)
        if name == "was_in_on":
            return covers(value.day) if value.day <= day else None
        if name == "entered_in_last_days":
            return valid_from.between(*window)
        if name == "exited_in_last_days":
            return valid_to.between(*window)
        if name == "in_for_at_least_days":
            return exp.and_(covers(day), valid_from <= window[0])
        raise TypeError(f"no compiler for segment operator {name}")

    def _records(self, node: RecordCount | RecordAggregate, *figures: exp.Expression) -> exp.Select:
        """``figures`` per contact over the tenant's records of ``node`` that pass its
        sub-filters and window."""
        filters = [self._tenant(None)]
        filters += [self._test(exp.column(f.column), f.test) for f in node.filters]
        if node.window is not None:
            start = self.as_of - timedelta(days=node.window.last_days - 1)
            days = (date_literal(start), date_literal(self.as_of))
            filters.append(exp.column(node.window.column).between(*days))
        return (
            exp.select("contact_id", *figures)
            .from_(exp.to_table(node.table))
            .where(exp.and_(*filters))
            .group_by("contact_id")
        )

    def _test(self, column: exp.Expression, test: Test) -> exp.Expression:
        return condition(
            column, test.field_type, test.operator, test.negated, test.value, self.as_of
        )

    # -- joins -----------------------------------------------------------------

    def _tenant(self, table: str | None) -> exp.Expression:
        return exp.column("cid", table=table).eq(exp.convert(self.cid))

    def column(self, source: Column) -> exp.Column:
        """A column of a contact-grain mart, joined to the profile if it is another table."""
        if source.table == self.profile:
            return exp.column(source.column, table=PROFILE_ALIAS)
        return exp.column(source.column, table=self._join(exp.to_table(source.table)))

    def _custom_value(self, source: CustomValue) -> str:
        values = (
            exp.select("contact_id", exp.alias_(exp.column(source.column), "value"))
            .from_(exp.to_table(source.table))
            .where(
                exp.and_(
                    self._tenant(None),
                    exp.column(source.field_id_column).eq(exp.convert(source.field_id)),
                )
            )
        )
        return self._join(values)

    def _join(self, source: exp.Expression) -> str:
        key = source.sql()
        if key not in self._joins:
            alias = f"j{len(self._joins)}"
            self._joins[key] = (alias, source)
        return self._joins[key][0]

    def from_profile(self) -> exp.Select:
        """``FROM profile p LEFT JOIN ...``: every join the predicates built so far need."""
        query = exp.select().from_(exp.to_table(self.profile).as_(PROFILE_ALIAS))
        joins = list(self._joins.values())
        if self._stretch_flags:
            joins.append((MEMBERSHIP_ALIAS, self._membership()))
        for alias, source in joins:
            if isinstance(source, exp.Select):
                joined, tenant = source.subquery(alias), []  # the subquery filters the tenant
            else:
                joined, tenant = source.as_(alias), [self._tenant(alias)]
            same_contact = exp.column("contact_id", table=alias).eq(
                exp.column("contact_id", table=PROFILE_ALIAS)
            )
            query = query.join(joined, on=exp.and_(same_contact, *tenant), join_type="left")
        return query.where(self._tenant(PROFILE_ALIAS))


def _parenthesized(combined: exp.Expression, parts: tuple) -> exp.Expression:
    return exp.paren(combined) if len(parts) > 1 else combined


def compile_rule_set(bound: BoundRuleSet, as_of: date) -> exp.Select:
    """``SELECT p.contact_id FROM ... WHERE p.cid = <cid> AND <rule set>``, planned."""
    builder = QueryBuilder(bound.cid, as_of)
    predicate = builder.predicate(plan(bound.root))
    return (
        builder.from_profile()
        .select(exp.column("contact_id", table=PROFILE_ALIAS))
        .where(predicate)
    )


def to_sql(tree: exp.Expression, dialect: str = "duckdb", pretty: bool = False) -> str:
    """SQL text of a compiled tree: the only place the compiler produces text."""
    return for_engine(tree, dialect).sql(dialect=dialect, pretty=pretty)
