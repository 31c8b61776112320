"""The bound rule set: a valid rule set with every name resolved and every value parsed.

Validation (:func:`segmentation.rules.validate.bind`) builds it, once; the planner, the
compiler and the reference evaluator consume it, so no stage resolves a field or parses
a value again. A node says where its value lives (a mart column, a tenant's custom
field, a kind of associated record) and what it is tested with (:class:`Test`); each
condition keeps the JSON pointer it came from, for the messages that explain it.

>>> from segmentation.rules.validate import bind
>>> rules = {"groups": [{"conditions": [
...     {"type": "field", "field": "city", "operator": "is_not", "value": " Jakarta"}]}]}
>>> (group,) = bind(rules, "t1").root.parts  # the rule set's AND of groups
>>> (bound,) = group.parts  # the group's AND of conditions
>>> bound.source, bound.test.operator.name, bound.test.negated, bound.test.value.text
(Column(table='marts.contact_profile', column='city'), 'is', True, 'Jakarta')
"""

from __future__ import annotations

from dataclasses import dataclass, field

from segmentation.rules.catalog import FieldType
from segmentation.rules.model import AggregateFunction, CountOperator
from segmentation.rules.operators import Operator, Value


@dataclass(frozen=True)
class Test:
    """A positive operator and its parsed value, negated or not, on a field type."""

    operator: Operator
    negated: bool
    field_type: FieldType
    value: Value


@dataclass(frozen=True)
class Column:
    """A column of a contact-grain mart (one row per contact)."""

    table: str
    column: str


@dataclass(frozen=True)
class CustomValue:
    """One of the tenant's own fields: its rows of the custom-fields mart, in the value
    column of its type."""

    table: str
    field_id_column: str
    field_id: str
    column: str


@dataclass(frozen=True)
class FieldTest:
    """A condition on one value of the contact."""

    source: Column | CustomValue
    test: Test
    pointer: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class RecordFilter:
    """A sub-filter on a field of the associated record."""

    column: str
    test: Test


@dataclass(frozen=True)
class Window:
    """Only records whose date (a tenant-local date column) is in the last N days."""

    column: str
    last_days: int


@dataclass(frozen=True)
class RecordCount:
    """How many of the contact's records of a kind pass every filter, within the window,
    compared with a number ("at least 2 WhatsApp conversations in the last 30 days")."""

    table: str
    filters: tuple[RecordFilter, ...]
    window: Window | None
    count: CountOperator
    value: int
    pointer: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class RecordAggregate:
    """The sum, average, minimum or maximum of a numeric column over the contact's
    records of a kind that pass every filter, within the window, passing ``test``
    ("the sum of order amounts in the last 90 days is at least 1,000,000").

    Over no record the sum is 0 and the others are empty (a positive test fails)."""

    table: str
    filters: tuple[RecordFilter, ...]
    window: Window | None
    function: AggregateFunction
    column: str
    test: Test
    pointer: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class SegmentTest:
    """Membership of another segment of the tenant, read from its history as of the day
    (or as of ``test.value.day`` for ``was_in_on``): ``test.operator`` is a positive
    segment operator, negated or not."""

    segment_id: str
    test: Test
    pointer: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class And:
    """Every part holds."""

    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """At least one part holds."""

    parts: tuple[Node, ...]


Node = And | Or | FieldTest | RecordCount | RecordAggregate | SegmentTest
"""A node of the bound tree."""

CONDITIONS = (FieldTest, RecordCount, RecordAggregate, SegmentTest)
"""The leaves: one condition each."""


@dataclass(frozen=True)
class BoundRuleSet:
    """A tenant's rule set, bound: the root of its tree."""

    cid: str
    root: Node

    def segments_used(self) -> frozenset[str]:
        """The ids of the segments its conditions read."""
        return frozenset(
            leaf.segment_id for leaf in leaves(self.root) if isinstance(leaf, SegmentTest)
        )


def leaves(node: Node) -> list[Node]:
    """The conditions under ``node``, in order."""
    if isinstance(node, And | Or):
        return [leaf for part in node.parts for leaf in leaves(part)]
    return [node]
