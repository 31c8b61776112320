"""The reference evaluator: rule-set semantics in plain Python over rows (the test oracle).

Written from docs/operators.md, independently of the SQL compiler: no SQL, no sqlglot,
row by row. It is slow on purpose-free simplicity and used only to check the compiler
in differential tests.

Tables are given as ``{"marts.contact_profile": [row, ...], ...}`` with rows as dicts
holding the mart columns (dates as ``datetime.date``, multi-select values as lists).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal

from segmentation.rules.catalog import Catalog, FieldType, load_catalog
from segmentation.rules.model import (
    AssociationCondition,
    CountOperator,
    CustomFieldCondition,
    FieldCondition,
    Match,
    RuleSet,
)
from segmentation.rules.operators import OPERATORS, Value, parse_validated
from segmentation.rules.validate import CustomField
from segmentation.text import fold

Row = Mapping[str, object]
PROFILE = "marts.contact_profile"
_TEXTUAL = {
    FieldType.SINGLE_LINE_TEXT, FieldType.TEXT_AREA, FieldType.URL, FieldType.DROPDOWN_SELECT,
    FieldType.UPLOAD, FieldType.SIGNATURE, FieldType.GPS,
}  # fmt: skip


def evaluate(
    rule_set: RuleSet,
    cid: str,
    as_of: date,
    tables: Mapping[str, Iterable[Row]],
    custom_fields: Mapping[str, CustomField] | None = None,
    catalog: Catalog | None = None,
) -> set[str]:
    """Ids of the tenant's contacts that match ``rule_set`` as of ``as_of``."""
    evaluator = _Evaluator(cid, as_of, tables, custom_fields or {}, catalog or load_catalog())
    return {
        row["contact_id"]
        for row in evaluator.rows(PROFILE)
        if evaluator.rule_set(rule_set, row["contact_id"])
    }


class _Evaluator:
    def __init__(self, cid, as_of, tables, custom_fields, catalog) -> None:
        self.cid, self.as_of, self.catalog = cid, as_of, catalog
        self.custom_fields = custom_fields
        self.tables = {name: [r for r in rows if r["cid"] == cid] for name, rows in tables.items()}
        self.by_contact: dict[str, dict[str, list[Row]]] = {}
        for name, rows in self.tables.items():
            index = defaultdict(list)
            for row in rows:
                index[row["contact_id"]].append(row)
            self.by_contact[name] = index

    def rows(self, table: str) -> list[Row]:
        return self.tables.get(table, [])

    def rule_set(self, rule_set: RuleSet, contact_id: str) -> bool:
        results = (self.group(g, contact_id) for g in rule_set.groups)
        return all(results) if rule_set.match is Match.ALL else any(results)

    def group(self, group, contact_id: str) -> bool:
        results = (self.condition(c, contact_id) for c in group.conditions)
        return all(results) if group.match is Match.ALL else any(results)

    def condition(self, item, contact_id: str) -> bool:
        if isinstance(item, FieldCondition):
            field = self.catalog.field(item.field)
            rows = self.by_contact.get(field.table, {}).get(contact_id, [])
            value = rows[0].get(field.column) if rows else None
            return holds(item.operator, item.value, field.field_type, value, self.as_of)
        if isinstance(item, CustomFieldCondition):
            field_type = self.custom_fields[item.field_id].field_type
            return holds(
                item.operator,
                item.value,
                field_type,
                self._custom_value(item, contact_id),
                self.as_of,
            )
        if isinstance(item, AssociationCondition):
            return self._association(item, contact_id)
        raise TypeError(type(item).__name__)

    def _custom_value(self, item: CustomFieldCondition, contact_id: str):
        custom = self.catalog.custom
        column = custom.value_columns[self.custom_fields[item.field_id].field_type]
        for row in self.by_contact.get(custom.table, {}).get(contact_id, []):
            if row[custom.field_id_column] == item.field_id:
                return row.get(column)
        return None

    def _association(self, item: AssociationCondition, contact_id: str) -> bool:
        association = self.catalog.association(item.association)
        records = self.by_contact.get(association.table, {}).get(contact_id, [])
        count = 0
        for record in records:
            matches = all(
                holds(
                    sub.operator,
                    sub.value,
                    association.field(sub.field).field_type,
                    record.get(association.field(sub.field).column),
                    self.as_of,
                )
                for sub in item.where
            )
            if matches and item.window is not None:
                column = association.field(item.window.field or association.date_field).column
                day = record.get(column)
                first = self.as_of - timedelta(days=item.window.last_days - 1)
                matches = day is not None and first <= day <= self.as_of
            count += matches
        wanted = item.count.value
        if item.count.operator is CountOperator.AT_LEAST:
            return count >= wanted
        if item.count.operator is CountOperator.AT_MOST:
            return count <= wanted
        return count == wanted


def holds(operator_name: str, raw_value, field_type: FieldType, actual, as_of: date) -> bool:
    """Whether a field holding ``actual`` satisfies ``<operator> <raw_value>`` as of a day."""
    operator = OPERATORS[operator_name]
    value = parse_validated(operator, field_type, raw_value)
    if operator.negates:
        return not holds(operator.negates, raw_value, field_type, actual, as_of)
    if _is_empty(actual, field_type):
        return False  # a positive operator never matches an empty value
    return _POSITIVE[operator.name](actual, value, as_of, field_type)


def _is_empty(actual, field_type: FieldType) -> bool:
    if actual is None:
        return True
    if field_type in _TEXTUAL:
        return fold(actual) == ""
    if field_type is FieldType.MULTIPLE_SELECT:
        return all(item is None or fold(item) == "" for item in actual)
    return False


def _options(actual) -> set[str]:
    return {fold(item) for item in actual if item is not None}


def _folded(texts) -> set[str]:
    return {fold(text) for text in texts}


def _compare(actual, bound: Decimal | date) -> int:
    """-1, 0 or 1 as ``actual`` is below, at or above ``bound``, compared as SQL does: in
    floating point for a floating-point column, exactly for an integer or decimal one."""
    if isinstance(bound, Decimal):
        actual, bound = (actual, float(bound)) if isinstance(actual, float) else (
            Decimal(actual), bound)  # fmt: skip
    return (actual > bound) - (actual < bound)


def _anniversary_soon(day: date, value: Value, as_of: date, _field_type) -> bool:
    last = as_of + timedelta(days=value.days - 1)
    for year in range(as_of.year, last.year + 1):
        try:
            anniversary = day.replace(year=year)
        except ValueError:  # 29 February in a common year: celebrated on the 28th
            anniversary = date(year, 2, 28)
        if as_of <= anniversary <= last:
            return True
    return False


_POSITIVE = {
    "is": lambda a, v, d, t: fold(a) == fold(v.text),
    "contains": lambda a, v, d, t: fold(v.text) in fold(a),
    "starts_with": lambda a, v, d, t: fold(a).startswith(fold(v.text)),
    "ends_with": lambda a, v, d, t: fold(a).endswith(fold(v.text)),
    "is_any_of": lambda a, v, d, t: fold(a) in _folded(v.texts),
    "contains_any": lambda a, v, d, t: bool(_options(a) & _folded(v.texts)),
    "contains_all": lambda a, v, d, t: _folded(v.texts) <= _options(a),
    "equals": lambda a, v, d, t: _compare(a, v.number) == 0,
    "greater_than": lambda a, v, d, t: _compare(a, v.number) > 0,
    "greater_than_or_equal": lambda a, v, d, t: _compare(a, v.number) >= 0,
    "less_than": lambda a, v, d, t: _compare(a, v.number) < 0,
    "less_than_or_equal": lambda a, v, d, t: _compare(a, v.number) <= 0,
    "between": lambda a, v, d, t: _compare(a, v.low) >= 0 and _compare(a, v.high) <= 0,
    "on": lambda a, v, d, t: a == v.day,
    "before": lambda a, v, d, t: a < v.day,
    "after": lambda a, v, d, t: a > v.day,
    "in_last_days": lambda a, v, d, t: d - timedelta(days=v.days - 1) <= a <= d,
    "more_than_days_ago": lambda a, v, d, t: (d - a).days > v.days,
    "in_next_days": lambda a, v, d, t: d <= a <= d + timedelta(days=v.days - 1),
    "anniversary_in_next_days": _anniversary_soon,
    "is_true": lambda a, v, d, t: a is True,
    "is_false": lambda a, v, d, t: a is False,
    "is_not_empty": lambda a, v, d, t: True,
}
