"""Validation: every problem at once, each with a stable code, a JSON pointer and a message."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmentation.rules.catalog import FieldType
from segmentation.rules.schema import SCHEMAS, SEGMENT_DEFS, schema_text
from segmentation.rules.validate import (
    CustomField,
    InvalidRuleSet,
    Issue,
    Limits,
    bind,
    check,
)

CUSTOM = {
    "f-mine": CustomField("t1", "f-mine", "Interests", FieldType.MULTIPLE_SELECT),
    "f-theirs": CustomField("t2", "f-theirs", "Plan", FieldType.DROPDOWN_SELECT),
}


def rules(*conditions, match: str = "all") -> dict:
    return {"version": 1, "match": match, "groups": [{"conditions": list(conditions)}]}


def field(name: str, operator: str, value=None) -> dict:
    return {"type": "field", "field": name, "operator": operator, "value": value}


def codes(data, **kwargs) -> list[tuple[str, str]]:
    return [(i.code, i.pointer) for i in check(data, "t1", CUSTOM, **kwargs)]


def test_validate_accepts_the_examples_of_the_issue() -> None:
    examples = rules(
        {
            "type": "association",
            "association": "conversations",
            "where": [{"field": "channel", "operator": "is_any_of", "value": ["whatsapp"]}],
            "count": {"operator": "at_least", "value": 2},
            "window": {"last_days": 30},
        },
        {
            "type": "association",
            "association": "deals",
            "where": [
                {"field": "status", "operator": "is_any_of", "value": ["won"]},
                {"field": "amount", "operator": "greater_than", "value": 10_000_000},
            ],
        },
        {
            "type": "association",
            "association": "campaigns",
            "where": [{"field": "status", "operator": "is_any_of", "value": ["read", "replied"]}],
            "window": {"last_days": 7, "field": "status_at"},
        },
    )
    more = rules(
        {
            "type": "association",
            "association": "companies",
            "where": [{"field": "industry", "operator": "is_any_of", "value": ["Retail"]}],
        },
        {
            "type": "association",
            "association": "tickets",
            "where": [{"field": "is_resolved", "operator": "is_false"}],
            "count": {"operator": "exactly", "value": 0},
        },
        {
            "type": "custom_field",
            "field_id": "f-mine",
            "operator": "contains_all",
            "value": ["Fashion", "Gadget"],
        },
    )
    assert codes(examples) == [] and codes(more) == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (rules(field("nope", "is", "x")), [("unknown_field", "/groups/0/conditions/0/field")]),
        (
            rules(
                {
                    "type": "custom_field",
                    "field_id": "f-theirs",
                    "operator": "is_any_of",
                    "value": ["a"],
                }
            ),
            [("custom_field_of_another_tenant", "/groups/0/conditions/0/field_id")],
        ),
        (
            rules({"type": "custom_field", "field_id": "f-gone", "operator": "is_empty"}),
            [("unknown_custom_field", "/groups/0/conditions/0/field_id")],
        ),
        (
            rules(field("city", "greater_than", 3)),
            [("operator_not_allowed", "/groups/0/conditions/0/operator")],
        ),
        (
            rules(field("city", "resembles", "x")),
            [("unknown_operator", "/groups/0/conditions/0/operator")],
        ),
        (rules(field("city", "is", 3)), [("wrong_value_type", "/groups/0/conditions/0/value")]),
        (rules(field("city", "is")), [("value_required", "/groups/0/conditions/0/value")]),
        (rules(field("city", "is", "  ")), [("blank_value", "/groups/0/conditions/0/value")]),
        (
            rules(field("city", "is_empty", "x")),
            [("value_not_allowed", "/groups/0/conditions/0/value")],
        ),
        (
            rules(field("orders_total", "between", [1])),
            [("wrong_value_count", "/groups/0/conditions/0/value")],
        ),
        (
            rules(field("orders_total", "between", [5, 1])),
            [("invalid_range", "/groups/0/conditions/0/value")],
        ),
        (
            rules(field("date_of_birth", "on", "2026-02-30")),
            [("invalid_date", "/groups/0/conditions/0/value")],
        ),
        (
            rules(field("date_of_birth", "on", "26/1/2026")),
            [("invalid_date", "/groups/0/conditions/0/value")],
        ),
        (
            rules(field("created_at", "in_last_days", 0)),
            [("days_out_of_range", "/groups/0/conditions/0/value")],
        ),
        ({"version": 1, "groups": [{"conditions": []}]}, [("empty_group", "/groups/0/conditions")]),
        ({"version": 1, "groups": []}, [("no_groups", "/groups")]),
        ({"version": 7, "groups": []}, [("unknown_version", "/version")]),
        (
            {"version": 1, "groups": [{"conditions": [{"field": "city"}]}]},
            [("missing_condition_type", "/groups/0/conditions/0")],
        ),
        (
            rules({"type": "field", "field": "city", "operator": "is", "value": "a", "x": 1}),
            [("unknown_key", "/groups/0/conditions/0/x")],
        ),
        (
            rules({"type": "association", "association": "companies", "window": {"last_days": 3}}),
            [("window_not_supported", "/groups/0/conditions/0/window")],
        ),
        (
            rules(
                {
                    "type": "association",
                    "association": "tickets",
                    "where": [{"field": "mood", "operator": "is_empty"}],
                }
            ),
            [("unknown_field", "/groups/0/conditions/0/where/0/field")],
        ),
        ("{not json", [("invalid_json", "")]),
        ([1, 2], [("invalid_structure", "")]),
    ],
)
def test_validate_reports_the_problem_where_it_is(data, expected) -> None:
    assert codes(data) == expected


def test_validate_reports_every_problem_at_once() -> None:
    data = {"version": 1, "groups": [
        {"conditions": [field("nope", "is", "x"), field("city", "is", 3),
                        field("orders_total", "between", [5, 1]), field("city", "is_empty")]},
        {"conditions": []},
        {"conditions": [field("city", "is_empty")]},
    ]}  # fmt: skip
    assert sorted(codes(data)) == sorted([
        ("too_many_groups", "/groups"),
        ("too_many_conditions", "/groups/0/conditions"),
        ("empty_group", "/groups/1/conditions"),
        ("unknown_field", "/groups/0/conditions/0/field"),
        ("wrong_value_type", "/groups/0/conditions/1/value"),
        ("invalid_range", "/groups/0/conditions/2/value"),
    ])  # fmt: skip


def test_validate_limits_are_settings() -> None:
    data = {"version": 1, "groups": [{"conditions": [field("city", "is_empty")] * 4}] * 3}
    assert codes(data, limits=Limits(max_groups=3, max_conditions_per_group=4)) == []


def test_bind_raises_with_every_issue() -> None:
    with pytest.raises(InvalidRuleSet) as raised:
        bind(rules(field("nope", "is", "x"), field("city", "is", 3)), "t1")
    assert [i.code for i in raised.value.issues] == ["unknown_field", "wrong_value_type"]
    assert "/groups/0/conditions/0/field" in str(raised.value)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from([
        "version", "match", "groups", "conditions", "type", "field", "field_id", "operator",
        "value", "association", "where", "count", "window", "last_days", "x",
    ]) | st.text(max_size=5), inner, max_size=5),
    max_leaves=30,
)  # fmt: skip
TOKENS = st.sampled_from(
    ["field", "custom_field", "association", "city", "is", "between", "tickets",
     "conversations", "in_last_days", "f-mine", "f-theirs", "all", "any", 1, 0, -1,
     "2026-01-01", ["a"], [1, 2], None, True]
)  # fmt: skip


@st.composite
def almost_rule_sets(draw) -> dict:
    """Rule-set shaped JSON with arbitrary holes: the likeliest input of a buggy client."""

    def condition():
        keys = [
            "type",
            "field",
            "field_id",
            "operator",
            "value",
            "association",
            "where",
            "count",
            "window",
        ]
        return {k: draw(TOKENS | JSON) for k in draw(st.lists(st.sampled_from(keys)))}

    groups = [
        {"match": draw(TOKENS), "conditions": [condition() for _ in range(draw(st.integers(0, 4)))]}
        for _ in range(draw(st.integers(0, 3)))
    ]
    return {"version": draw(st.sampled_from([1, 1, 1, 2, "1"])), "groups": groups}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=JSON | almost_rule_sets() | st.text(max_size=40))
def test_validate_never_raises_on_any_json(data) -> None:
    """Why: the API passes user JSON straight in; a crash would be a 500, not a 422."""
    issues = check(data, "t1", CUSTOM)
    assert all(isinstance(i, Issue) and i.code and i.message for i in issues)
    assert all(i.pointer == "" or i.pointer.startswith("/") for i in issues)
    if not issues:
        bind(data, "t1", CUSTOM)  # what validates also loads


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_published_schema_matches_the_model(name: str) -> None:
    published = (SEGMENT_DEFS / name).read_text()
    assert json.loads(published) == json.loads(schema_text(SCHEMAS[name])), (
        f"segment_defs/{name} is stale: run `python -m segmentation.rules.schema`"
    )
