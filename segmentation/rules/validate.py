"""Validation: any JSON becomes a :class:`RuleSet` or a list of every problem in it.

Each problem has a stable ``code``, a JSON ``pointer`` to the offending place and a
``message`` a person can act on. Structure is pydantic's job; meaning (the field
exists, the operator fits its type, the value fits the operator, the tenant owns the
custom field, the limits hold) is checked here, condition by condition, so that one
broken condition does not hide the problems of the others.

>>> check({"version": 1, "groups": []}, cid="t1")[0].code
'no_groups'
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from segmentation.limits import Limits
from segmentation.rules.catalog import Catalog, FieldType, load_catalog
from segmentation.rules.model import (
    RULE_SET_VERSION,
    AssociationCondition,
    Condition,
    CustomFieldCondition,
    FieldCondition,
    RuleSet,
)
from segmentation.rules.operators import OPERATORS, OPERATORS_BY_TYPE, InvalidValue, parse_value


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
class CustomField:
    """A tenant's own field, as defined in the CRM."""

    cid: str
    field_id: str
    name: str
    field_type: FieldType | None
    """None for a type the CRM has and this engine does not know (kept, not filterable)."""


@dataclass(frozen=True)
class Context:
    """What validation checks against: the tenant, its custom fields, the limits."""

    cid: str
    custom_fields: Mapping[str, CustomField] = field(default_factory=dict)
    """Every tenant's custom fields by id (to tell "another tenant's" from "unknown")."""
    limits: Limits = field(default_factory=Limits)
    catalog: Catalog = field(default_factory=load_catalog)


_CONDITION = TypeAdapter(Condition)


def check(
    data: Any,
    cid: str,
    custom_fields: Mapping[str, CustomField] | None = None,
    limits: Limits | None = None,
) -> list[Issue]:
    """Every problem of ``data`` (parsed JSON, or JSON text) as a rule set of tenant ``cid``."""
    context = Context(cid, custom_fields or {}, limits or Limits())
    return _issues(data, context)


def load_rule_set(
    data: Any,
    cid: str,
    custom_fields: Mapping[str, CustomField] | None = None,
    limits: Limits | None = None,
) -> RuleSet:
    """The rule set in ``data``; :class:`InvalidRuleSet` lists every problem otherwise."""
    issues = check(data, cid, custom_fields, limits)
    if issues:
        raise InvalidRuleSet(issues)
    return strict(RuleSet, _parsed(data))


def strict(model: Any, data: Any) -> Any:
    """``data`` (parsed JSON) as ``model``, read as strictly as the published JSON Schema
    reads it: ``"2"`` is not an integer, a timestamp needs its time zone."""
    adapter = model if isinstance(model, TypeAdapter) else TypeAdapter(model)
    return adapter.validate_json(json.dumps(data), strict=True)


def _parsed(data: Any) -> Any:
    return json.loads(data) if isinstance(data, str | bytes) else data


def _issues(data: Any, context: Context) -> list[Issue]:
    try:
        data = _parsed(data)
    except (ValueError, UnicodeDecodeError) as error:
        return [Issue("invalid_json", "", f"not valid JSON: {error}")]
    if not isinstance(data, dict):
        return [Issue("invalid_structure", "", "a rule set is a JSON object with `groups`")]
    version = data.get("version", RULE_SET_VERSION)
    if version != RULE_SET_VERSION:
        return [
            Issue(
                "unknown_version",
                "/version",
                f"rule-set version {version!r} is not known; this engine reads version "
                f"{RULE_SET_VERSION}",
            )
        ]
    issues = _structure_issues(data)
    issues += _limit_issues(data, context.limits)
    issues += _condition_issues(data, context)
    return _deduplicated(issues)


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


def _condition_issues(data: dict, context: Context) -> list[Issue]:
    issues = []
    for pointer, raw in _raw_conditions(data):
        try:
            condition = strict(_CONDITION, raw)
        except ValidationError:
            continue  # its structure problems are reported already
        issues += _semantic_issues(condition, pointer, context)
    return issues


def _raw_conditions(data: dict):
    groups = data.get("groups")
    for g, group in enumerate(groups if isinstance(groups, list) else []):
        conditions = group.get("conditions") if isinstance(group, dict) else None
        for c, raw in enumerate(conditions if isinstance(conditions, list) else []):
            yield f"/groups/{g}/conditions/{c}", raw


def _semantic_issues(condition, pointer: str, context: Context) -> list[Issue]:
    if isinstance(condition, FieldCondition):
        return _field_issues(condition, pointer, context)
    if isinstance(condition, CustomFieldCondition):
        return _custom_field_issues(condition, pointer, context)
    return _association_issues(condition, pointer, context)


def _field_issues(condition: FieldCondition, pointer: str, context: Context) -> list[Issue]:
    try:
        field_type = context.catalog.field(condition.field).field_type
    except KeyError:
        return [
            Issue(
                "unknown_field",
                f"{pointer}/field",
                f"no field {condition.field!r} in the catalog "
                "(segmentation/rules/catalog.yaml lists every field)",
            )
        ]
    return _operator_issues(condition.operator, condition.value, field_type, pointer, context)


def _custom_field_issues(
    condition: CustomFieldCondition, pointer: str, context: Context
) -> list[Issue]:
    found = context.custom_fields.get(condition.field_id)
    if found is None:
        return [
            Issue(
                "unknown_custom_field",
                f"{pointer}/field_id",
                f"no custom field {condition.field_id!r} exists",
            )
        ]
    if found.cid != context.cid:
        return [
            Issue(
                "custom_field_of_another_tenant",
                f"{pointer}/field_id",
                f"custom field {condition.field_id!r} belongs to another tenant",
            )
        ]
    if found.field_type is None:
        return [
            Issue(
                "unsupported_field_type",
                f"{pointer}/field_id",
                f"custom field {found.name!r} has a type segments cannot filter on yet",
            )
        ]
    return _operator_issues(condition.operator, condition.value, found.field_type, pointer, context)


def _association_issues(
    condition: AssociationCondition, pointer: str, context: Context
) -> list[Issue]:
    try:
        association = context.catalog.association(condition.association)
    except KeyError:
        known = ", ".join(a.id for a in context.catalog.associations)
        return [
            Issue(
                "unknown_association",
                f"{pointer}/association",
                f"no association {condition.association!r}; known: {known}",
            )
        ]
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
    for i, sub in enumerate(condition.where):
        sub_pointer = f"{pointer}/where/{i}"
        try:
            field_type = association.field(sub.field).field_type
        except KeyError:
            known = ", ".join(f.id for f in association.fields)
            issues.append(
                Issue(
                    "unknown_field",
                    f"{sub_pointer}/field",
                    f"{association.label} have no field {sub.field!r}; known: {known}",
                )
            )
            continue
        issues += _operator_issues(sub.operator, sub.value, field_type, sub_pointer, context)
    if not 0 <= condition.count.value <= limits.max_count:
        issues.append(
            Issue(
                "count_out_of_range",
                f"{pointer}/count/value",
                f"the count must be between 0 and {limits.max_count}",
            )
        )
    if condition.window is not None:
        issues += _window_issues(condition, association, pointer, context)
    return issues


def _window_issues(condition, association, pointer: str, context: Context) -> list[Issue]:
    window = condition.window
    date_field = window.field or association.date_field
    if date_field is None:
        return [
            Issue(
                "window_not_supported",
                f"{pointer}/window",
                f"{association.label} have no date: remove the window",
            )
        ]
    issues = []
    try:
        if association.field(date_field).field_type is not FieldType.DATE:
            issues.append(
                Issue("window_field_not_a_date", f"{pointer}/window/field", "not a date field")
            )
    except KeyError:
        issues.append(
            Issue(
                "unknown_field",
                f"{pointer}/window/field",
                f"{association.label} have no field {date_field!r}",
            )
        )
    if not 1 <= window.last_days <= context.limits.max_days:
        issues.append(
            Issue(
                "days_out_of_range",
                f"{pointer}/window/last_days",
                f"last_days must be between 1 and {context.limits.max_days}",
            )
        )
    return issues


def _operator_issues(
    name: str, value: Any, field_type: FieldType, pointer: str, context: Context
) -> list[Issue]:
    allowed = OPERATORS_BY_TYPE[field_type]
    if name not in allowed:
        code = "operator_not_allowed" if name in OPERATORS else "unknown_operator"
        return [
            Issue(
                code,
                f"{pointer}/operator",
                f"`{name}` does not apply to a {field_type.value} field; use one of: "
                + ", ".join(allowed),
            )
        ]
    limits = context.limits
    try:
        parse_value(OPERATORS[name], field_type, value, limits)
    except InvalidValue as error:
        return [Issue(error.code, f"{pointer}/value", str(error))]
    return []


def _deduplicated(issues: list[Issue]) -> list[Issue]:
    return list(dict.fromkeys(issues))
