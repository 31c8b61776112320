"""Rule set -> one SELECT over the marts, confined to one tenant.

The profile (``marts.contact_profile AS p``) drives the query; every other table a rule
set needs is LEFT JOINed once, on the contact and the tenant:

* contact-grain marts (metrics, RFM) as they are;
* a custom field as ``(SELECT contact_id, <typed value> FROM contact_custom_fields
  WHERE cid = ... AND field_id = ...)``;
* an association condition as the number of matching records per contact,
  ``(SELECT contact_id, COUNT(*) FROM <records> WHERE cid = ... AND <sub-filters>
  AND <window> GROUP BY contact_id)``, compared with the condition's count.

Identical joins are shared, so many rule sets can be compiled into one query (one
boolean column each) that reads the profile once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from sqlglot import exp

from segmentation.compile.predicates import condition, date_literal
from segmentation.rules.catalog import Catalog, FieldType, load_catalog
from segmentation.rules.model import (
    AssociationCondition,
    CountOperator,
    CustomFieldCondition,
    FieldCondition,
    Group,
    Match,
    RuleSet,
)
from segmentation.rules.operators import OPERATORS, parse_validated
from segmentation.rules.validate import CustomField

PROFILE = "marts.contact_profile"
PROFILE_ALIAS = "p"


class QueryBuilder:
    """Builds predicates for one tenant and day, collecting the joins they need."""

    def __init__(
        self,
        cid: str,
        as_of: date,
        custom_fields: Mapping[str, CustomField] | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self.cid = cid
        self.as_of = as_of
        self.custom_fields = custom_fields or {}
        self.catalog = catalog or load_catalog()
        self._joins: dict[str, tuple[str, exp.Expression]] = {}

    # -- predicates -------------------------------------------------------------

    def rule_set(self, rule_set: RuleSet) -> exp.Expression:
        """The predicate of a whole rule set, over the profile row ``p``."""
        return _combine(rule_set.match, [self.group(g) for g in rule_set.groups])

    def group(self, group: Group) -> exp.Expression:
        """The predicate of one group."""
        return _combine(group.match, [self.condition(c) for c in group.conditions])

    def condition(self, item) -> exp.Expression:
        """The predicate of one condition (never NULL)."""
        if isinstance(item, FieldCondition):
            field = self.catalog.field(item.field)
            column = self.column(field.table, field.column)
            return self._operator(column, field.field_type, item.operator, item.value)
        if isinstance(item, CustomFieldCondition):
            field_type = self.custom_fields[item.field_id].field_type
            column = exp.column("value", table=self._custom_field(item.field_id, field_type))
            return self._operator(column, field_type, item.operator, item.value)
        if isinstance(item, AssociationCondition):
            return self._association(item)
        raise TypeError(f"no compiler for condition {type(item).__name__}")

    def _operator(self, column, field_type: FieldType, name: str, raw) -> exp.Expression:
        operator = OPERATORS[name]
        value = parse_validated(operator, field_type, raw)
        return condition(column, field_type, operator, value, self.as_of)

    def _association(self, item: AssociationCondition) -> exp.Expression:
        association = self.catalog.association(item.association)
        filters = [self._tenant(None)]
        for sub in item.where:
            field = association.field(sub.field)
            filters.append(
                self._operator(exp.column(field.column), field.field_type, sub.operator, sub.value)
            )
        if item.window is not None:
            date_field = association.field(item.window.field or association.date_field)
            start = self.as_of - timedelta(days=item.window.last_days - 1)
            filters.append(
                exp.column(date_field.column).between(date_literal(start), date_literal(self.as_of))
            )
        records = (
            exp.select("contact_id", exp.alias_(exp.Count(this=exp.Star()), "matches"))
            .from_(exp.to_table(association.table))
            .where(exp.and_(*filters))
            .group_by("contact_id")
        )
        alias = self._join(records)
        matches = exp.Coalesce(
            this=exp.column("matches", table=alias), expressions=[exp.convert(0)]
        )
        wanted = exp.convert(item.count.value)
        return {
            CountOperator.AT_LEAST: matches >= wanted,
            CountOperator.AT_MOST: matches <= wanted,
            CountOperator.EXACTLY: matches.eq(wanted),
        }[item.count.operator]

    # -- joins -----------------------------------------------------------------

    def _tenant(self, table: str | None) -> exp.Expression:
        return exp.column("cid", table=table).eq(exp.convert(self.cid))

    def column(self, table: str, column: str) -> exp.Column:
        """A column of a contact-grain mart, joined to the profile if it is another table."""
        return exp.column(column, table=self._contact_table(table))

    def _contact_table(self, table: str) -> str:
        if table == PROFILE:
            return PROFILE_ALIAS
        return self._join(exp.to_table(table))

    def _custom_field(self, field_id: str, field_type: FieldType) -> str:
        custom = self.catalog.custom
        values = (
            exp.select(
                "contact_id",
                exp.alias_(exp.column(custom.value_columns[field_type]), "value"),
            )
            .from_(exp.to_table(custom.table))
            .where(
                exp.and_(
                    self._tenant(None),
                    exp.column(custom.field_id_column).eq(exp.convert(field_id)),
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
        query = exp.select().from_(exp.to_table(PROFILE).as_(PROFILE_ALIAS))
        for alias, source in self._joins.values():
            if isinstance(source, exp.Select):
                joined, tenant = source.subquery(alias), []  # the subquery filters the tenant
            else:
                joined, tenant = source.as_(alias), [self._tenant(alias)]
            same_contact = exp.column("contact_id", table=alias).eq(
                exp.column("contact_id", table=PROFILE_ALIAS)
            )
            query = query.join(joined, on=exp.and_(same_contact, *tenant), join_type="left")
        return query.where(self._tenant(PROFILE_ALIAS))


def _combine(match: Match, parts: list[exp.Expression]) -> exp.Expression:
    combined = exp.and_(*parts) if match is Match.ALL else exp.or_(*parts)
    return exp.paren(combined) if len(parts) > 1 else combined


def compile_rule_set(
    rule_set: RuleSet,
    cid: str,
    as_of: date,
    custom_fields: Mapping[str, CustomField] | None = None,
) -> exp.Select:
    """``SELECT p.contact_id FROM ... WHERE p.cid = <cid> AND <rule set>``."""
    builder = QueryBuilder(cid, as_of, custom_fields)
    predicate = builder.rule_set(rule_set)
    return (
        builder.from_profile()
        .select(exp.column("contact_id", table=PROFILE_ALIAS))
        .where(predicate)
    )


def to_sql(tree: exp.Expression, dialect: str = "duckdb", pretty: bool = False) -> str:
    """SQL text of a compiled tree: the only place the compiler produces text."""
    return tree.sql(dialect=dialect, pretty=pretty)
