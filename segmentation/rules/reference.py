"""The reference evaluator: rule-set semantics in plain Python over rows (the test oracle).

Written from docs/operators.md, independently of the SQL compiler: no SQL, no sqlglot,
row by row, simple rather than fast, and used only to check the compiler
in differential tests.

It reads the same bound tree as the compiler (validation resolves and parses a rule set
once), the tree before the planner's passes. Tables are given as
``{"marts.contact_profile": [row, ...], ...}`` with rows as dicts holding the mart
columns (dates as ``datetime.date``, multi-select values as lists). Segment conditions
read ``history``: for each segment, the members of each day it was computed on, day by
day (where the compiler reads stretches of membership).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from segmentation.rules.bound import (
    And,
    BoundRuleSet,
    CustomValue,
    FieldTest,
    Node,
    Or,
    RecordAggregate,
    RecordCount,
    SegmentTest,
    Test,
)
from segmentation.rules.catalog import FieldType, load_catalog
from segmentation.rules.model import AggregateFunction, CountOperator
from segmentation.rules.operators import OPERATORS, Value, parse_value, positive
from segmentation.text import fold

Row = Mapping[str, object]
_TEXTUAL = {
    FieldType.SINGLE_LINE_TEXT, FieldType.TEXT_AREA, FieldType.URL, FieldType.DROPDOWN_SELECT,
    FieldType.UPLOAD, FieldType.SIGNATURE, FieldType.GPS,
}  # fmt: skip


History = Mapping[str, Mapping[date, Iterable[str]]]
"""Segment id -> each day it was computed on -> its members that day."""


def evaluate(
    bound: BoundRuleSet,
    as_of: date,
    tables: Mapping[str, Iterable[Row]],
    history: History | None = None,
) -> set[str]:
    """Ids of the tenant's contacts that match ``bound`` as of ``as_of``."""
    evaluator = _Evaluator(bound.cid, as_of, tables, history)
    return {
        row["contact_id"]
        for row in evaluator.rows(load_catalog().profile)
        if evaluator.holds(bound.root, row["contact_id"])
    }


@dataclass(frozen=True)
class Verdict:
    """Whether a node of the bound tree holds for a contact, and what decided it: a
    field's value, the number of matching records, or their aggregate (for a leaf), or
    the verdicts of its parts (for a group or the rule set)."""

    holds: bool
    pointer: str = ""
    value: object = None
    parts: tuple[Verdict, ...] = ()


def explain(
    bound: BoundRuleSet,
    as_of: date,
    tables: Mapping[str, Iterable[Row]],
    contact_id: str,
    history: History | None = None,
) -> Verdict:
    """Why ``contact_id`` is (or is not) matched by ``bound`` as of ``as_of``: the verdict
    of the rule set, of each group and of each condition, with the values that decided."""
    return _Evaluator(bound.cid, as_of, tables, history).verdict(bound.root, contact_id)


class _Evaluator:
    def __init__(
        self,
        cid: str,
        as_of: date,
        tables: Mapping[str, Iterable[Row]],
        history: History | None = None,
    ) -> None:
        self.cid, self.as_of = cid, as_of
        self.history = {
            segment_id: {day: frozenset(members) for day, members in sorted(days.items())}
            for segment_id, days in (history or {}).items()
        }
        self.tables = {name: [r for r in rows if r["cid"] == cid] for name, rows in tables.items()}
        self.by_contact: dict[str, dict[str, list[Row]]] = {}
        for name, rows in self.tables.items():
            index = defaultdict(list)
            for row in rows:
                index[row["contact_id"]].append(row)
            self.by_contact[name] = index

    def rows(self, table: str) -> list[Row]:
        return self.tables.get(table, [])

    def holds(self, node: Node, contact_id: str) -> bool:
        return self.verdict(node, contact_id).holds

    def verdict(self, node: Node, contact_id: str) -> Verdict:
        if isinstance(node, And | Or):
            parts = tuple(self.verdict(part, contact_id) for part in node.parts)
            combine = all if isinstance(node, And) else any
            return Verdict(combine(p.holds for p in parts), parts=parts)
        if isinstance(node, FieldTest):
            value = self._value(node, contact_id)
            return Verdict(test_holds(node.test, value, self.as_of), node.pointer, value)
        if isinstance(node, RecordCount):
            count = len(self._matching(node, contact_id))
            return Verdict(_COUNT_HOLDS[node.count](count, node.value), node.pointer, count)
        if isinstance(node, RecordAggregate):
            value = self._aggregate(node, contact_id)
            return Verdict(test_holds(node.test, value, self.as_of), node.pointer, value)
        if isinstance(node, SegmentTest):
            days = self._days_in(node.segment_id, contact_id)
            held = _SEGMENT_HOLDS[node.test.operator.name](days, node.test.value, self.as_of)
            return Verdict(held != node.test.negated, node.pointer, _last(days, self.as_of))
        raise TypeError(type(node).__name__)

    def _days_in(self, segment_id: str, contact_id: str) -> list[tuple[date, bool]]:
        """Each day the segment was computed on, and whether the contact was a member."""
        days = self.history.get(segment_id, {})
        return [(day, contact_id in members) for day, members in days.items()]

    def _value(self, node: FieldTest, contact_id: str):
        source = node.source
        rows = self.by_contact.get(source.table, {}).get(contact_id, [])
        if isinstance(source, CustomValue):
            rows = [r for r in rows if r[source.field_id_column] == source.field_id]
        return rows[0].get(source.column) if rows else None

    def _matching(self, node: RecordCount | RecordAggregate, contact_id: str) -> list[Row]:
        """The contact's records of ``node``'s kind that pass its filters and window."""
        found = []
        for record in self.by_contact.get(node.table, {}).get(contact_id, []):
            matches = all(
                test_holds(f.test, record.get(f.column), self.as_of) for f in node.filters
            )
            if matches and node.window is not None:
                day = record.get(node.window.column)
                first = self.as_of - timedelta(days=node.window.last_days - 1)
                matches = day is not None and first <= day <= self.as_of
            if matches:
                found.append(record)
        return found

    def _aggregate(self, node: RecordAggregate, contact_id: str):
        values = [
            r[node.column]
            for r in self._matching(node, contact_id)
            if r.get(node.column) is not None
        ]
        return aggregate(node.function, values)


def _member_on(days: list[tuple[date, bool]], on: date) -> bool:
    """Membership on ``on``: as on the last day computed at or before it (none: not in)."""
    before = [member for day, member in days if day <= on]
    return bool(before) and before[-1]


def _last(days: list[tuple[date, bool]], as_of: date) -> str:
    """What decided a segment condition, in words: the latest computed day's membership."""
    before = [(day, member) for day, member in days if day <= as_of]
    if not before:
        return "never computed by this day"
    day, member = before[-1]
    return f"{'in' if member else 'not in'} on {day.isoformat()}"


def _became(days: list[tuple[date, bool]], value: Value, as_of: date, member: bool) -> bool:
    """Whether, on a computed day of the last ``value.days``, membership became ``member``:
    the contact is (not) a member that day and was not (was) on the computed day before.
    Before its first computed day nobody is a member of a segment."""
    first = as_of - timedelta(days=value.days - 1)
    previous = False
    for day, now in days:
        if day > as_of:
            break
        if now == member and previous != member and day >= first:
            return True
        previous = now
    return False


def _member_for(days: list[tuple[date, bool]], value: Value, as_of: date) -> bool:
    """A member on the day, and on every computed day back to ``value.days - 1`` days
    before it, from a first day of membership on or before that."""
    before = [(day, member) for day, member in days if day <= as_of]
    if not before or not before[-1][1]:
        return False
    start = before[-1][0]
    for day, member in reversed(before):
        if not member:
            break
        start = day
    return start <= as_of - timedelta(days=value.days - 1)


_SEGMENT_HOLDS = {
    "is_in": lambda days, v, d: _member_on(days, d),
    "was_in_on": lambda days, v, d: v.day <= d and _member_on(days, v.day),
    "entered_in_last_days": lambda days, v, d: _became(days, v, d, member=True),
    "exited_in_last_days": lambda days, v, d: _became(days, v, d, member=False),
    "in_for_at_least_days": _member_for,
}


_COUNT_HOLDS = {
    CountOperator.AT_LEAST: lambda count, wanted: count >= wanted,
    CountOperator.AT_MOST: lambda count, wanted: count <= wanted,
    CountOperator.EXACTLY: lambda count, wanted: count == wanted,
}


def aggregate(function: AggregateFunction, values: list):
    """The aggregate of the non-empty ``values`` of the matching records, computed exactly:
    a sum of no value is 0, the other aggregates of no value are empty (None); an average
    is an exact fraction of decimals or integers."""
    if function is AggregateFunction.SUM:
        return sum(values, start=0)
    if not values:
        return None
    if function is AggregateFunction.MIN:
        return min(values)
    if function is AggregateFunction.MAX:
        return max(values)
    if any(isinstance(v, float) for v in values):
        return sum(values) / len(values)
    return Fraction(sum(Fraction(v) for v in values), len(values))


def test_holds(test: Test, actual, as_of: date) -> bool:
    """Whether a field holding ``actual`` passes ``test`` as of a day."""
    if _is_empty(actual, test.field_type):
        result = False  # a positive operator never matches an empty value
    else:
        result = _POSITIVE[test.operator.name](actual, test.value, as_of, test.field_type)
    return not result if test.negated else result


def holds(operator_name: str, raw_value, field_type: FieldType, actual, as_of: date) -> bool:
    """Whether a field holding ``actual`` satisfies ``<operator> <raw_value>`` as of a day
    (the value parsed as validation parses it)."""
    operator = OPERATORS[operator_name]
    value = parse_value(operator, field_type, raw_value)
    base, negated = positive(operator)
    return test_holds(Test(base, negated, field_type, value), actual, as_of)


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
    if isinstance(bound, Decimal) and isinstance(actual, Fraction):
        bound = Fraction(bound)
    elif isinstance(bound, Decimal):
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
