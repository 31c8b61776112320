"""A rule set in words: the rule summary the segment detail page shows.

Labels come from the field catalog and the operator table, so the summary names fields
and conditions as the builder does.

>>> from segmentation.rules.validate import strict
>>> from segmentation.rules.model import RuleSet
>>> rules = strict(RuleSet, {"match": "any", "groups": [
...     {"conditions": [{"type": "field", "field": "city", "operator": "is", "value": "Bogor"},
...                     {"type": "field", "field": "total_spent", "operator": "between",
...                      "value": [100, 500]}]},
...     {"conditions": [{"type": "association", "association": "conversations",
...                      "where": [{"field": "channel", "operator": "is_any_of",
...                                 "value": ["whatsapp"]}],
...                      "count": {"operator": "at_least", "value": 2},
...                      "window": {"last_days": 30}}]}]})
>>> for part in describe(rules).split(" or "):
...     print(part)
(City (domicile) is "Bogor" and Total spent between (inclusive) 100 and 500)
(at least 2 Conversations where Channel is any of "whatsapp", in the last 30 days)
>>> print(describe(strict(RuleSet, {"groups": [{"conditions": [
...     {"type": "association", "association": "orders", "window": {"last_days": 90},
...      "aggregate": {"function": "sum", "field": "amount",
...                    "operator": "greater_than_or_equal", "value": 1000000}}]}]})))
the sum of Amount of Orders, in the last 90 days, ≥ 1000000
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import JsonValue

from segmentation.rules.catalog import load_catalog
from segmentation.rules.model import (
    AggregateFunction,
    AssociationCondition,
    Condition,
    CountOperator,
    CustomFieldCondition,
    Group,
    Match,
    RuleSet,
    SegmentCondition,
)
from segmentation.rules.operators import OPERATORS

_JOINERS = {Match.ALL: "and", Match.ANY: "or"}
_FUNCTIONS = {
    AggregateFunction.SUM: "the sum of",
    AggregateFunction.AVG: "the average",
    AggregateFunction.MIN: "the smallest",
    AggregateFunction.MAX: "the largest",
}
_COUNTS = {
    CountOperator.AT_LEAST: "at least",
    CountOperator.AT_MOST: "at most",
    CountOperator.EXACTLY: "exactly",
}


def describe(rule_set: RuleSet, custom_field_names: Mapping[str, str] | None = None) -> str:
    """``rule_set`` in words; custom fields and segments by their name in
    ``custom_field_names`` (by id), else by id."""
    names = custom_field_names or {}
    groups = [_group(group, names) for group in rule_set.groups]
    if len(groups) == 1:
        return groups[0]
    return f" {_JOINERS[rule_set.match]} ".join(f"({text})" for text in groups)


def _group(group: Group, names: Mapping[str, str]) -> str:
    return f" {_JOINERS[group.match]} ".join(describe_condition(c, names) for c in group.conditions)


def describe_condition(condition: Condition, names: Mapping[str, str] | None = None) -> str:
    """One condition in words; custom fields by their name in ``names`` (by field id)."""
    names = names or {}
    if isinstance(condition, AssociationCondition):
        return _association(condition)
    if isinstance(condition, SegmentCondition):
        return _segment(condition, names)
    if isinstance(condition, CustomFieldCondition):
        label = names.get(condition.field_id, condition.field_id)
    else:
        label = _field_label(condition.field)
    return _test(label, condition.operator, condition.value)


_SEGMENT_WORDS = {
    "is_in": "in segment {segment}",
    "is_not_in": "not in segment {segment}",
    "was_in_on": "was in segment {segment} on {value}",
    "entered_in_last_days": "entered segment {segment} in the last {value} days",
    "exited_in_last_days": "exited segment {segment} in the last {value} days",
    "in_for_at_least_days": "in segment {segment} for at least {value} days",
}


def _segment(condition: SegmentCondition, names: Mapping[str, str]) -> str:
    segment = (
        f'"{names[condition.segment_id]}"'
        if condition.segment_id in names
        else (condition.segment_id)
    )
    words = _SEGMENT_WORDS.get(condition.operator, "segment {segment} " + condition.operator)
    return words.format(segment=segment, value=condition.value)


def _association(condition: AssociationCondition) -> str:
    catalog = load_catalog()
    association = catalog.association(condition.association)
    aggregate = condition.aggregate
    if aggregate is None:
        text = f"{_COUNTS[condition.count.operator]} {condition.count.value} {association.label}"
    else:
        field = _association_field_label(association.id, aggregate.field)
        text = f"{_FUNCTIONS[aggregate.function]} {field} of {association.label}"
    filters = [
        _test(_association_field_label(association.id, f.field), f.operator, f.value)
        for f in condition.where
    ]
    if filters:
        text += " where " + " and ".join(filters)
    if condition.window is not None:
        text += f", in the last {condition.window.last_days} days"
    if aggregate is not None:
        text += ", " + _test("", aggregate.operator, aggregate.value).strip()
    return text


def _test(label: str, operator: str, value: JsonValue) -> str:
    known = OPERATORS.get(operator)
    words = known.label if known else operator
    if "N days" in words and isinstance(value, int):
        return f"{label} {words.replace('N days', f'{value} days')}"
    rendered = _value(value, between=operator == "between")
    return f"{label} {words}{' ' + rendered if rendered else ''}"


def _value(value: JsonValue, between: bool) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, list):
        parts = [_value(v, False) for v in value]
        return " and ".join(parts) if between and len(parts) == 2 else ", ".join(parts)
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def _field_label(field_id: str) -> str:
    try:
        return load_catalog().field(field_id).label
    except LookupError:
        return field_id


def _association_field_label(association_id: str, field_id: str) -> str:
    try:
        return load_catalog().association(association_id).field(field_id).label
    except LookupError:
        return field_id


def differences(
    before: RuleSet, after: RuleSet, custom_field_names: Mapping[str, str] | None = None
) -> list[str]:
    """What changed from ``before`` to ``after``, group by group and condition by
    condition, in words (an empty list when the rules are the same).

    >>> from segmentation.rules.validate import strict
    >>> def rules(*cities, match="all"):
    ...     return strict(RuleSet, {"match": match, "groups": [{"conditions": [
    ...         {"type": "field", "field": "city", "operator": "is", "value": c}
    ...         for c in cities]}]})
    >>> for line in differences(rules("Bogor", "Depok"), rules("Bogor", "Bekasi", "Jakarta")):
    ...     print(line)
    group 1, condition 2: was City (domicile) is "Depok", now City (domicile) is "Bekasi"
    group 1, condition 3 added: City (domicile) is "Jakarta"
    """
    names = custom_field_names or {}
    changes = []
    if before.match != after.match:
        changes.append(f"groups are now joined by {_JOINERS[after.match]} "
                       f"(were joined by {_JOINERS[before.match]})")  # fmt: skip
    for i in range(max(len(before.groups), len(after.groups))):
        old = before.groups[i] if i < len(before.groups) else None
        new = after.groups[i] if i < len(after.groups) else None
        if old is None:
            changes.append(f"group {i + 1} added: {_group(new, names)}")
        elif new is None:
            changes.append(f"group {i + 1} removed: {_group(old, names)}")
        else:
            changes += _group_differences(i + 1, old, new, names)
    return changes


def _group_differences(number: int, old: Group, new: Group, names) -> list[str]:
    changes = []
    if old.match != new.match:
        changes.append(f"group {number}: conditions are now joined by {_JOINERS[new.match]} "
                       f"(were joined by {_JOINERS[old.match]})")  # fmt: skip
    for j in range(max(len(old.conditions), len(new.conditions))):
        where = f"group {number}, condition {j + 1}"
        was = old.conditions[j] if j < len(old.conditions) else None
        now = new.conditions[j] if j < len(new.conditions) else None
        if was is None:
            changes.append(f"{where} added: {describe_condition(now, names)}")
        elif now is None:
            changes.append(f"{where} removed: {describe_condition(was, names)}")
        elif was != now:
            was_text, now_text = describe_condition(was, names), describe_condition(now, names)
            changes.append(f"{where}: was {was_text}, now {now_text}")
    return changes
