"""Validation and binding: any JSON becomes a bound rule set, or every problem in it.

Each problem has a stable ``code``, a JSON ``pointer`` to the offending place and a
``message`` a person can act on. Structure is pydantic's job (read as strictly as the
published JSON Schema); meaning (the field exists, the operator fits its type, the value
fits the operator, the tenant owns the custom field, the limits hold) is checked here,
condition by condition, so that one broken condition does not hide the problems of the
others. Checking a condition resolves it, so a valid rule set comes back **bound**
(:mod:`segmentation.rules.bound`): fields resolved to columns, values parsed, once.

>>> check({"version": 1, "groups": []}, cid="t1")[0].code
'no_groups'
>>> bound = bind({"groups": [{"conditions": [
...     {"type": "field", "field": "rfm_label", "operator": "is_empty"}]}]}, "t1")
>>> bound.root.parts[0].parts[0].source
Column(table='marts.contact_rfm', column='rfm_label')
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from segmentation.limits import Limits
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
    RecordFilter,
    SegmentTest,
    Test,
    Window,
)
from segmentation.rules.catalog import Catalog, CustomField, FieldType, load_catalog
from segmentation.rules.model import (
    RULE_SET_VERSION,
    Aggregate,
    AssociationCondition,
    Condition,
    CustomFieldCondition,
    FieldCondition,
    Match,
    RuleSet,
    SegmentCondition,
)
from segmentation.rules.operators import (
    OPERATORS,
    OPERATORS_BY_TYPE,
    SEGMENT_OPERATORS,
    InvalidValue,
    parse_value,
    positive,
)
from segmentation.rules.references import ACTIVE, SegmentRef, cycle


@dataclass(frozen=True)
class Issue:
    """One problem of a rule set."""

    code: str
    pointer: str
    message: str


class InvalidRuleSet(ValueError):
    """A rule set that does not validate; ``issues`` lists every problem."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        lines = "; ".join(f"{i.pointer or '/'}: {i.message} [{i.code}]" for i in issues)
        super().__init__(f"invalid rule set: {lines}")


@dataclass(frozen=True)
class Context:
    """What validation checks against: the tenant, its custom fields, the limits."""

    cid: str
    custom_fields: Mapping[str, CustomField] = field(default_factory=dict)
    """Every tenant's custom fields by id (to tell "another tenant's" from "unknown")."""
    limits: Limits = field(default_factory=Limits)
    catalog: Catalog = field(default_factory=load_catalog)
    segments: Mapping[str, SegmentRef] = field(default_factory=dict)
    """Every segment of the store by id, for segment conditions."""
    segment_id: str | None = None
    """The id of the segment whose rule set this is (None for an unsaved one)."""


_CONDITION = TypeAdapter(Condition)


def validate(
    data: Any,
    cid: str,
    custom_fields: Mapping[str, CustomField] | None = None,
    limits: Limits | None = None,
    *,
    segments: Mapping[str, SegmentRef] | None = None,
    segment_id: str | None = None,
) -> tuple[BoundRuleSet | None, list[Issue]]:
    """``data`` (parsed JSON, or JSON text) as tenant ``cid``'s rule set: bound when it is
    valid, else None and every problem. ``segments``: the store's segments by id, which
    segment conditions may name; ``segment_id``: the segment this rule set belongs to."""
    context = Context(
        cid, custom_fields or {}, limits or Limits(), segments=segments or {},
        segment_id=segment_id,
    )  # fmt: skip
    return _bind(data, context)


def check(
    data: Any,
    cid: str,
    custom_fields: Mapping[str, CustomField] | None = None,
    limits: Limits | None = None,
    *,
    segments: Mapping[str, SegmentRef] | None = None,
) -> list[Issue]:
    """Every problem of ``data`` as a rule set of tenant ``cid`` (see :func:`validate`)."""
    return validate(data, cid, custom_fields, limits, segments=segments)[1]


def bind(
    data: Any,
    cid: str,
    custom_fields: Mapping[str, CustomField] | None = None,
    limits: Limits | None = None,
    *,
    segments: Mapping[str, SegmentRef] | None = None,
) -> BoundRuleSet:
    """``data`` as tenant ``cid``'s bound rule set; :class:`InvalidRuleSet` lists every
    problem otherwise (see :func:`validate`)."""
    bound, issues = validate(data, cid, custom_fields, limits, segments=segments)
    if issues:
        raise InvalidRuleSet(issues)
    return bound


def strict(model: Any, data: Any) -> Any:
    """``data`` (parsed JSON) as ``model``, read as strictly as the published JSON Schema
    reads it: ``"2"`` is not an integer, a timestamp needs its time zone."""
    adapter = model if isinstance(model, TypeAdapter) else TypeAdapter(model)
    return adapter.validate_json(json.dumps(data), strict=True)


def _parsed(data: Any) -> Any:
    return json.loads(data) if isinstance(data, str | bytes) else data


def _bind(data: Any, context: Context) -> tuple[BoundRuleSet | None, list[Issue]]:
    try:
        data = _parsed(data)
    except (ValueError, UnicodeDecodeError) as error:
        return None, [Issue("invalid_json", "", f"not valid JSON: {error}")]
    if not isinstance(data, dict):
        return None, [Issue("invalid_structure", "", "a rule set is a JSON object with `groups`")]
    version = data.get("version", RULE_SET_VERSION)
    if version != RULE_SET_VERSION:
        message = (
            f"rule-set version {version!r} is not known; this engine reads version "
            f"{RULE_SET_VERSION}"
        )
        return None, [Issue("unknown_version", "/version", message)]
    issues = _structure_issues(data)
    issues += _limit_issues(data, context.limits)
    bound: dict[str, Node] = {}
    for pointer, raw in _raw_conditions(data):
        try:
            condition = strict(_CONDITION, raw)
        except ValidationError:
            continue  # its structure problems are reported already
        node, problems = _bind_condition(condition, pointer, context)
        issues += problems
        if node is not None:
            bound[pointer] = node
    if issues:
        return None, _deduplicated(issues)
    return BoundRuleSet(context.cid, _tree(strict(RuleSet, data), bound)), []


def _tree(rule_set: RuleSet, bound: Mapping[str, Node]) -> Node:
    """The rule set's groups and conditions as And / Or nodes over the bound conditions."""
    groups = [
        _combine(
            group.match,
            [bound[f"/groups/{g}/conditions/{c}"] for c in range(len(group.conditions))],
        )
        for g, group in enumerate(rule_set.groups)
    ]
    return _combine(rule_set.match, groups)


def _combine(match: Match, parts: list[Node]) -> Node:
    return (And if match is Match.ALL else Or)(tuple(parts))


def _structure_issues(data: dict) -> list[Issue]:
    try:
        strict(RuleSet, data)
    except ValidationError as error:
        return [_from_pydantic(e) for e in error.errors()]
    return []


def _from_pydantic(error: Mapping[str, Any]) -> Issue:
    location = list(error["loc"])
    # Drop the tag pydantic puts in the path of a tagged union: conditions/0/field/...
    for i in range(len(location) - 2):
        if (
            location[i] == "conditions"
            and isinstance(location[i + 1], int)
            and (
                location[i + 2] in ("field", "custom_field", "association")
                and len(location) > i + 3
            )
        ):
            del location[i + 2]
            break
    pointer = "".join(f"/{part}" for part in location)
    kind = error["type"]
    code = {
        "missing": "missing_key",
        "extra_forbidden": "unknown_key",
        "union_tag_invalid": "unknown_condition_type",
        "union_tag_not_found": "missing_condition_type",
    }.get(kind, "wrong_value_type")
    message = error["msg"]
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        message = "a condition needs `type`: one of field, custom_field, association"
    return Issue(code, pointer, message)


def _limit_issues(data: dict, limits: Limits) -> list[Issue]:
    groups = data.get("groups")
    if not isinstance(groups, list):
        return []
    if not groups:
        return [Issue("no_groups", "/groups", "a rule set needs at least one group")]
    issues = []
    if len(groups) > limits.max_groups:
        issues.append(
            Issue(
                "too_many_groups",
                "/groups",
                f"at most {limits.max_groups} groups, got {len(groups)}",
            )
        )
    for g, group in enumerate(groups):
        conditions = group.get("conditions") if isinstance(group, dict) else None
        if not isinstance(conditions, list):
            continue
        if not conditions:
            issues.append(Issue("empty_group", f"/groups/{g}/conditions", "this group is empty"))
        elif len(conditions) > limits.max_conditions_per_group:
            issues.append(
                Issue(
                    "too_many_conditions",
                    f"/groups/{g}/conditions",
                    f"at most {limits.max_conditions_per_group} conditions per group, "
                    f"got {len(conditions)}",
                )
            )
    return issues


def _raw_conditions(data: dict):
    groups = data.get("groups")
    for g, group in enumerate(groups if isinstance(groups, list) else []):
        conditions = group.get("conditions") if isinstance(group, dict) else None
        for c, raw in enumerate(conditions if isinstance(conditions, list) else []):
            yield f"/groups/{g}/conditions/{c}", raw


Bound = tuple[Node | None, list[Issue]]
"""A condition bound, or the problems that stop it from binding."""


def _bind_condition(condition, pointer: str, context: Context) -> Bound:
    if isinstance(condition, FieldCondition):
        return _bind_field(condition, pointer, context)
    if isinstance(condition, CustomFieldCondition):
        return _bind_custom_field(condition, pointer, context)
    if isinstance(condition, SegmentCondition):
        return _bind_segment(condition, pointer, context)
    return _bind_association(condition, pointer, context)


def _bind_segment(condition: SegmentCondition, pointer: str, context: Context) -> Bound:
    issues = _reference_issues(condition.segment_id, f"{pointer}/segment_id", context)
    operator = SEGMENT_OPERATORS.get(condition.operator)
    if operator is None:
        code = "operator_not_allowed" if condition.operator in OPERATORS else "unknown_operator"
        message = f"`{condition.operator}` does not apply to a segment; use one of: " + (
            ", ".join(SEGMENT_OPERATORS)
        )
        return None, [*issues, Issue(code, f"{pointer}/operator", message)]
    try:
        # A segment's membership is a yes or no for the day: its "type" is boolean.
        value = parse_value(operator, FieldType.BOOLEAN, condition.value, context.limits)
    except InvalidValue as error:
        issues.append(Issue(error.code, f"{pointer}/value", str(error)))
    if issues:
        return None, issues
    base, negated = positive(operator)
    return SegmentTest(
        condition.segment_id, Test(base, negated, FieldType.BOOLEAN, value), pointer
    ), []


def _reference_issues(segment_id: str, pointer: str, context: Context) -> list[Issue]:
    """Why the rule set may not name segment ``segment_id``: unknown, another tenant's,
    archived, or closing a cycle of segments that use each other."""
    target = context.segments.get(segment_id)
    if target is None or target.cid != context.cid:
        code = "unknown_segment" if target is None else "segment_of_another_tenant"
        whose = "no segment" if target is None else "the segment belongs to another tenant:"
        message = f"{whose} {segment_id!r}; name one of this tenant's active segments"
        return [Issue(code, pointer, message)]
    if target.status != ACTIVE:
        message = (
            f"segment {target.name!r} ({segment_id}) is {target.status}: it is no longer "
            "computed; restore it or name an active segment"
        )
        return [Issue("archived_segment", pointer, message)]
    if context.segment_id is None:
        return []
    path = cycle(context.segment_id, [segment_id], context.segments)
    if path is None:
        return []
    names = " → ".join(_segment_label(s, context) for s in path)
    message = f"segments would use each other in a cycle: {names}; remove one of these uses"
    return [Issue("segment_cycle", pointer, message)]


def _segment_label(segment_id: str, context: Context) -> str:
    found = context.segments.get(segment_id)
    return f"{found.name!r} ({segment_id})" if found else segment_id


def _bind_field(condition: FieldCondition, pointer: str, context: Context) -> Bound:
    try:
        found = context.catalog.field(condition.field)
    except KeyError:
        message = (
            f"no field {condition.field!r} in the catalog "
            "(segmentation/rules/catalog.yaml lists every field)"
        )
        return None, [Issue("unknown_field", f"{pointer}/field", message)]
    test, issues = _bind_test(
        condition.operator, condition.value, found.field_type, pointer, context
    )
    source = Column(found.table, found.column)
    return (FieldTest(source, test, pointer) if test else None), issues


def _bind_custom_field(condition: CustomFieldCondition, pointer: str, context: Context) -> Bound:
    found = context.custom_fields.get(condition.field_id)
    where = f"{pointer}/field_id"
    if found is None:
        message = f"no custom field {condition.field_id!r} exists"
        return None, [Issue("unknown_custom_field", where, message)]
    if found.cid != context.cid:
        message = f"custom field {condition.field_id!r} belongs to another tenant"
        return None, [Issue("custom_field_of_another_tenant", where, message)]
    if found.field_type is None:
        message = f"custom field {found.name!r} has a type segments cannot filter on yet"
        return None, [Issue("unsupported_field_type", where, message)]
    test, issues = _bind_test(
        condition.operator, condition.value, found.field_type, pointer, context
    )
    custom = context.catalog.custom
    source = CustomValue(
        custom.table,
        custom.field_id_column,
        found.field_id,
        custom.value_columns[found.field_type],
    )
    return (FieldTest(source, test, pointer) if test else None), issues


def _bind_association(condition: AssociationCondition, pointer: str, context: Context) -> Bound:
    try:
        association = context.catalog.association(condition.association)
    except KeyError:
        known = ", ".join(a.id for a in context.catalog.associations)
        message = f"no association {condition.association!r}; known: {known}"
        return None, [Issue("unknown_association", f"{pointer}/association", message)]
    limits = context.limits
    issues = []
    if len(condition.where) > limits.max_sub_filters:
        issues.append(
            Issue(
                "too_many_sub_filters",
                f"{pointer}/where",
                f"at most {limits.max_sub_filters} sub-filters, got {len(condition.where)}",
            )
        )
    filters = []
    for i, sub in enumerate(condition.where):
        sub_pointer = f"{pointer}/where/{i}"
        try:
            found = association.field(sub.field)
        except KeyError:
            known = ", ".join(f.id for f in association.fields)
            message = f"{association.label} have no field {sub.field!r}; known: {known}"
            issues.append(Issue("unknown_field", f"{sub_pointer}/field", message))
            continue
        test, problems = _bind_test(sub.operator, sub.value, found.field_type, sub_pointer, context)
        issues += problems
        if test:
            filters.append(RecordFilter(found.column, test))
    window, problems = _bind_window(condition, association, pointer, context)
    issues += problems
    if condition.aggregate is not None:
        return _bind_aggregate(
            condition, association, tuple(filters), window, pointer, context, issues
        )
    if not 0 <= condition.count.value <= limits.max_count:
        message = f"the count must be between 0 and {limits.max_count}"
        issues.append(Issue("count_out_of_range", f"{pointer}/count/value", message))
    if issues:
        return None, issues
    node = RecordCount(
        association.table,
        tuple(filters),
        window,
        condition.count.operator,
        condition.count.value,
        pointer,
    )
    return node, []


AGGREGATE_OPERATORS = (
    "equals", "not_equals", "greater_than", "greater_than_or_equal", "less_than",
    "less_than_or_equal", "between",
)  # fmt: skip
"""What an aggregate is compared with: the number operators, emptiness aside (a sum is
never empty; an average of no record is, and fails every positive test)."""


def _bind_aggregate(
    condition: AssociationCondition,
    association,
    filters: tuple[RecordFilter, ...],
    window: Window | None,
    pointer: str,
    context: Context,
    issues: list[Issue],
) -> Bound:
    aggregate: Aggregate = condition.aggregate
    where = f"{pointer}/aggregate"
    if "count" in condition.model_fields_set:
        message = "give either a count or an aggregate, not both: remove `count`"
        issues.append(Issue("count_with_aggregate", f"{pointer}/count", message))
    column = None
    try:
        found = association.field(aggregate.field)
        if found.field_type in (FieldType.NUMBER, FieldType.PERCENTAGE):
            column = found.column
        else:
            message = f"{found.label} is not a number: an aggregate needs a numeric field"
            issues.append(Issue("aggregate_field_not_numeric", f"{where}/field", message))
    except KeyError:
        numeric = [
            f.id for f in association.fields
            if f.field_type in (FieldType.NUMBER, FieldType.PERCENTAGE)
        ]  # fmt: skip
        message = f"{association.label} have no field {aggregate.field!r}; numeric fields: " + (
            ", ".join(numeric) or "none"
        )
        issues.append(Issue("unknown_field", f"{where}/field", message))
    test = None
    if aggregate.operator not in AGGREGATE_OPERATORS:
        code = "operator_not_allowed" if aggregate.operator in OPERATORS else "unknown_operator"
        message = f"`{aggregate.operator}` does not compare an aggregate; use one of: " + (
            ", ".join(AGGREGATE_OPERATORS)
        )
        issues.append(Issue(code, f"{where}/operator", message))
    else:
        test, problems = _bind_test(
            aggregate.operator, aggregate.value, FieldType.NUMBER, where, context
        )
        issues += problems
    if issues or column is None or test is None:
        return None, issues
    node = RecordAggregate(
        association.table, filters, window, aggregate.function, column, test, pointer
    )
    return node, []


def _bind_window(
    condition: AssociationCondition, association, pointer: str, context: Context
) -> tuple[Window | None, list[Issue]]:
    window = condition.window
    if window is None:
        return None, []
    date_field = window.field or association.date_field
    if date_field is None:
        message = f"{association.label} have no date: remove the window"
        return None, [Issue("window_not_supported", f"{pointer}/window", message)]
    issues = []
    try:
        found = association.field(date_field)
        if found.field_type is not FieldType.DATE:
            issues.append(
                Issue("window_field_not_a_date", f"{pointer}/window/field", "not a date field")
            )
    except KeyError:
        message = f"{association.label} have no field {date_field!r}"
        issues.append(Issue("unknown_field", f"{pointer}/window/field", message))
    if not 1 <= window.last_days <= context.limits.max_days:
        message = f"last_days must be between 1 and {context.limits.max_days}"
        issues.append(Issue("days_out_of_range", f"{pointer}/window/last_days", message))
    if issues:
        return None, issues
    return Window(found.column, window.last_days), []


def _bind_test(
    name: str, value: Any, field_type: FieldType, pointer: str, context: Context
) -> tuple[Test | None, list[Issue]]:
    """The operator and its parsed value, or why they do not fit the field's type."""
    allowed = OPERATORS_BY_TYPE[field_type]
    if name not in allowed:
        code = "operator_not_allowed" if name in OPERATORS else "unknown_operator"
        message = (
            f"`{name}` does not apply to a {field_type.value} field; use one of: "
            + ", ".join(allowed)
        )
        return None, [Issue(code, f"{pointer}/operator", message)]
    operator = OPERATORS[name]
    try:
        parsed = parse_value(operator, field_type, value, context.limits)
    except InvalidValue as error:
        return None, [Issue(error.code, f"{pointer}/value", str(error))]
    base, negated = positive(operator)
    return Test(base, negated, field_type, parsed), []


def _deduplicated(issues: list[Issue]) -> list[Issue]:
    return list(dict.fromkeys(issues))
