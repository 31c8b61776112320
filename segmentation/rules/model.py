"""The rule-set model: the versioned JSON a segment stores, as frozen pydantic nodes.

Structure lives here; meaning (does the field exist, does the operator fit its type,
is the value well-formed) lives in :mod:`segmentation.rules.validate`, which turns any JSON
into either a :class:`RuleSet` or a list of errors. The JSON Schema published in
``segment_defs/ruleset.schema.json`` is generated from these classes.

A rule set, in JSON::

    {"version": 1, "match": "all",
     "groups": [{"match": "any", "conditions": [
        {"type": "field", "field": "city", "operator": "is", "value": "Jakarta"},
        {"type": "association", "association": "conversations",
         "where": [{"field": "channel", "operator": "is_any_of", "value": ["whatsapp"]}],
         "count": {"operator": "at_least", "value": 2},
         "window": {"last_days": 30}},
        {"type": "association", "association": "orders", "window": {"last_days": 90},
         "aggregate": {"function": "sum", "field": "amount",
                       "operator": "greater_than_or_equal", "value": 1000000}},
        {"type": "segment", "segment_id": "9b1f...", "operator": "entered_in_last_days",
         "value": 7}]}]}
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, JsonValue
from pydantic.json_schema import WithJsonSchema

RULE_SET_VERSION = 1


def _whole_number(value: object) -> object:
    """A JSON number with no fraction is an integer, as JSON Schema has it: 2.0 is 2."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Integer = Annotated[int, BeforeValidator(_whole_number)]
"""An integer of the JSON documents; read in strict mode, so ``"2"`` is not one."""

TIMESTAMP_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-5][0-9]:[0-5][0-9](\.[0-9]+)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})$"
)


def _rfc3339(value: object) -> object:
    """RFC 3339 text (the published pattern) as a datetime; anything else as it is."""
    if not isinstance(value, str):
        return value
    if not re.fullmatch(TIMESTAMP_PATTERN, value):
        raise ValueError("expected a timestamp with a time zone, e.g. 2026-11-25T08:00:00Z")
    return datetime.fromisoformat(value)


Timestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_rfc3339),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN}),
]
"""An instant as RFC 3339 text with its time zone (``2026-11-25T08:00:00Z``)."""


class Match(StrEnum):
    """How conditions of a group, or groups of a rule set, combine."""

    ALL = "all"  # AND
    ANY = "any"  # OR


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldCondition(_Node):
    """A condition on a contact field of the catalog (default, event, consent, metric...)."""

    type: Literal["field"]
    field: str = Field(description="A field id of the catalog, e.g. `city`, `rfm_label`.")
    operator: str
    value: JsonValue = None


class CustomFieldCondition(_Node):
    """A condition on one of the tenant's own fields, by field id."""

    type: Literal["custom_field"]
    field_id: str
    operator: str
    value: JsonValue = None


class SubFilter(_Node):
    """A condition on a field of the associated record (a conversation's channel...)."""

    field: str
    operator: str
    value: JsonValue = None


class CountOperator(StrEnum):
    """How many associated records must match."""

    AT_LEAST = "at_least"
    AT_MOST = "at_most"
    EXACTLY = "exactly"


class Count(_Node):
    """How many matching records the contact must have; the default is "at least 1"."""

    operator: CountOperator = CountOperator.AT_LEAST
    value: Integer = 1


class Window(_Node):
    """Only records whose date falls in the last N days (the N days ending on the day)."""

    last_days: Integer
    field: str | None = Field(
        default=None, description="The association's date field; default: its main date."
    )


class AggregateFunction(StrEnum):
    """How the values of a numeric field of the matching records are combined."""

    SUM = "sum"
    AVG = "avg"
    MIN = "min"
    MAX = "max"


class Aggregate(_Node):
    """A number computed over the matching records, compared with a value: "the sum of
    their amount is at least 1,000,000". It replaces the count of the condition."""

    function: AggregateFunction
    field: str = Field(description="A numeric field of the association, e.g. `amount`.")
    operator: str = Field(description="A number operator: `greater_than`, `between`...")
    value: JsonValue = None


class AssociationCondition(_Node):
    """ "Has N+ records of a kind where <sub-filters>, in the last N days", or "the sum
    (avg, min, max) of a field of those records compares with a value"."""

    type: Literal["association"]
    association: str
    where: tuple[SubFilter, ...] = ()
    count: Count = Count()
    window: Window | None = None
    aggregate: Aggregate | None = None


class SegmentCondition(_Node):
    """Membership of another segment of the tenant as of the day, or a fact of its history:
    "is in X", "entered X in the last 7 days", "has been in X for at least 30 days"."""

    type: Literal["segment"]
    segment_id: str = Field(description="The id of another active segment of the tenant.")
    operator: str = Field(
        description="`is_in`, `is_not_in`, `was_in_on` (a date), `entered_in_last_days`, "
        "`exited_in_last_days` or `in_for_at_least_days` (a number of days)."
    )
    value: JsonValue = None


Condition = Annotated[
    FieldCondition | CustomFieldCondition | AssociationCondition | SegmentCondition,
    Field(discriminator="type"),
]


class Group(_Node):
    """Conditions joined by ``match``."""

    match: Match = Match.ALL
    conditions: tuple[Condition, ...]


class RuleSet(_Node):
    """Groups joined by ``match``: the whole rule of a segment."""

    version: Integer = RULE_SET_VERSION
    match: Match = Match.ALL
    groups: tuple[Group, ...]


class SegmentStatus(StrEnum):
    """Active segments are recomputed daily; archived ones keep their history only."""

    ACTIVE = "active"
    ARCHIVED = "archived"


class Segment(_Node):
    """A stored segment: one JSON file under ``segment_defs/<cid>/``."""

    id: str
    cid: str
    name: str = Field(min_length=1, max_length=60)
    description: str = Field(default="", max_length=250)
    status: SegmentStatus = SegmentStatus.ACTIVE
    owner_id: str | None = None
    created_at: Timestamp
    updated_at: Timestamp
    rule_set: RuleSet
