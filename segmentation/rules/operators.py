"""Operators: which apply to which field type, what value each takes, how values normalize.

The meaning of each operator is written once, in ``docs/operators.md``, and
implemented twice: by the SQL compiler and by the reference evaluator. What both share
is defined here: the operator table, the shape of values and their normalization.

Two rules hold for every operator:

* a **positive** operator never matches an empty value (NULL, blank text, empty list);
* a **negative** operator is exactly ``NOT`` its positive twin, so it matches empties.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from segmentation.limits import Limits
from segmentation.rules.catalog import FieldType
from segmentation.text import clean, is_blank


class Shape(StrEnum):
    """The value an operator takes."""

    NONE = "none"
    TEXT = "text"
    TEXT_LIST = "text_list"
    NUMBER = "number"
    NUMBER_RANGE = "number_range"
    DATE = "date"
    DATE_RANGE = "date_range"
    DAYS = "days"


@dataclass(frozen=True)
class Operator:
    """One operator: its name in rule JSON, label, value shape and positive twin."""

    name: str
    label: str
    shape: Shape
    negates: str | None = None
    """For a negative operator, the positive operator it is the negation of."""


_OPERATORS = (
    Operator("is", "is", Shape.TEXT),
    Operator("is_not", "is not", Shape.TEXT, negates="is"),
    Operator("contains", "contains", Shape.TEXT),
    Operator("does_not_contain", "does not contain", Shape.TEXT, negates="contains"),
    Operator("starts_with", "starts with", Shape.TEXT),
    Operator("ends_with", "ends with", Shape.TEXT),
    Operator("is_any_of", "is any of", Shape.TEXT_LIST),
    Operator("is_none_of", "is none of", Shape.TEXT_LIST, negates="is_any_of"),
    Operator("contains_any", "contains any of", Shape.TEXT_LIST),
    Operator("contains_all", "contains all of", Shape.TEXT_LIST),
    Operator("contains_none", "contains none of", Shape.TEXT_LIST, negates="contains_any"),
    Operator("equals", "=", Shape.NUMBER),
    Operator("not_equals", "≠", Shape.NUMBER, negates="equals"),
    Operator("greater_than", ">", Shape.NUMBER),
    Operator("greater_than_or_equal", "≥", Shape.NUMBER),
    Operator("less_than", "<", Shape.NUMBER),
    Operator("less_than_or_equal", "≤", Shape.NUMBER),
    Operator("between", "between (inclusive)", Shape.NUMBER_RANGE),
    Operator("on", "is on", Shape.DATE),
    Operator("before", "is before", Shape.DATE),
    Operator("after", "is after", Shape.DATE),
    Operator("in_last_days", "in the last N days", Shape.DAYS),
    Operator("more_than_days_ago", "more than N days ago", Shape.DAYS),
    Operator("in_next_days", "in the next N days", Shape.DAYS),
    Operator("anniversary_in_next_days", "anniversary in the next N days", Shape.DAYS),
    Operator("is_true", "is true", Shape.NONE),
    Operator("is_false", "is false", Shape.NONE),
    Operator("is_not_empty", "is not empty", Shape.NONE),
    Operator("is_empty", "is empty", Shape.NONE, negates="is_not_empty"),
)

OPERATORS: dict[str, Operator] = {op.name: op for op in _OPERATORS}

_SEGMENT_OPERATORS = (
    Operator("is_in", "is in", Shape.NONE),
    Operator("is_not_in", "is not in", Shape.NONE, negates="is_in"),
    Operator("was_in_on", "was in on", Shape.DATE),
    Operator("entered_in_last_days", "entered in the last N days", Shape.DAYS),
    Operator("exited_in_last_days", "exited in the last N days", Shape.DAYS),
    Operator("in_for_at_least_days", "has been in for at least N days", Shape.DAYS),
)
SEGMENT_OPERATORS: dict[str, Operator] = {op.name: op for op in _SEGMENT_OPERATORS}
"""Operators of a segment condition: membership of another segment, as the day sees its
history (docs/operators.md, "Segments and their history")."""

_EMPTINESS = ("is_empty", "is_not_empty")
_TEXT = (
    "is", "is_not", "contains", "does_not_contain", "starts_with", "ends_with", "is_any_of",
    "is_none_of",
)  # fmt: skip
_NUMBER = (
    "equals", "not_equals", "greater_than", "greater_than_or_equal", "less_than",
    "less_than_or_equal", "between",
)  # fmt: skip
_DATE = (
    "on", "before", "after", "between", "in_last_days", "more_than_days_ago",
    "in_next_days", "anniversary_in_next_days",
)  # fmt: skip

OPERATORS_BY_TYPE: dict[FieldType, tuple[str, ...]] = {
    FieldType.SINGLE_LINE_TEXT: _TEXT + _EMPTINESS,
    FieldType.TEXT_AREA: _TEXT + _EMPTINESS,
    FieldType.URL: _TEXT + _EMPTINESS,
    FieldType.DROPDOWN_SELECT: ("is_any_of", "is_none_of", *_EMPTINESS),
    FieldType.MULTIPLE_SELECT: ("contains_any", "contains_all", "contains_none", *_EMPTINESS),
    FieldType.NUMBER: _NUMBER + _EMPTINESS,
    FieldType.PERCENTAGE: _NUMBER + _EMPTINESS,
    FieldType.DATE: _DATE + _EMPTINESS,
    FieldType.BOOLEAN: ("is_true", "is_false", *_EMPTINESS),
    FieldType.UPLOAD: _EMPTINESS,
    FieldType.SIGNATURE: _EMPTINESS,
    FieldType.GPS: _EMPTINESS,
}


def positive(operator: Operator) -> tuple[Operator, bool]:
    """The positive operator to evaluate, and whether the result is negated."""
    if operator.negates:
        table = SEGMENT_OPERATORS if operator.name in SEGMENT_OPERATORS else OPERATORS
        return table[operator.negates], True
    return operator, False


@dataclass(frozen=True)
class Value:
    """An operator's value, parsed.

    Text stays as the user wrote it (in Unicode NFC): trimming and case are applied by
    :func:`fold`, in SQL to both sides. Numbers are exact decimals.
    """

    text: str | None = None
    texts: tuple[str, ...] = ()
    number: Decimal | None = None
    low: Decimal | date | None = None
    high: Decimal | date | None = None
    day: date | None = None
    days: int | None = None


class InvalidValue(ValueError):
    """A value that does not fit its operator; ``code`` is the stable error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def value_shape(operator: Operator, field_type: FieldType) -> Shape:
    """The value ``operator`` takes on a field of ``field_type`` (between: numbers or dates)."""
    if operator.shape is Shape.NUMBER_RANGE and field_type is FieldType.DATE:
        return Shape.DATE_RANGE
    return operator.shape


def parse_value(
    operator: Operator, field_type: FieldType, raw: object, limits: Limits | None = None
) -> Value:
    """The parsed value of ``operator``, or :class:`InvalidValue` saying what is wrong."""
    shape = value_shape(operator, field_type)
    if shape is Shape.NONE:
        if raw is not None:
            raise InvalidValue("value_not_allowed", f"`{operator.name}` takes no value; remove it")
        return Value()
    if raw is None:
        raise InvalidValue(
            "value_required", f"`{operator.name}` needs a value ({_SHAPE_HINT[shape]})"
        )
    return _PARSERS[shape](raw, limits or Limits())


MAX_NUMBER = Decimal(10) ** 15
"""Numbers in conditions stay below a quadrillion in magnitude..."""
MAX_DECIMALS = 6
"""...with at most six decimals, so every engine holds them as an exact DECIMAL."""

_SHAPE_HINT = {
    Shape.TEXT: 'a non-blank string, e.g. "Jakarta"',
    Shape.TEXT_LIST: 'a list of 1 or more non-blank strings, e.g. ["whatsapp"]',
    Shape.NUMBER: "a number, e.g. 10",
    Shape.NUMBER_RANGE: "a list of two numbers [low, high], e.g. [10, 20]",
    Shape.DATE: 'a date "YYYY-MM-DD"',
    Shape.DATE_RANGE: 'a list of two dates ["YYYY-MM-DD", "YYYY-MM-DD"]',
    Shape.DAYS: "a whole number of days, e.g. 30",
}


def _text(raw: object, limits: Limits) -> Value:
    if not isinstance(raw, str):
        raise InvalidValue(
            "wrong_value_type", f"expected {_SHAPE_HINT[Shape.TEXT]}, got {_kind(raw)}"
        )
    if len(raw) > limits.max_text_length:
        raise InvalidValue(
            "value_too_long",
            f"a text value has at most {limits.max_text_length} characters, got {len(raw)}",
        )
    if is_blank(raw):
        raise InvalidValue("blank_value", "the value is blank; use is_empty to match empty fields")
    return Value(text=clean(raw))


def _text_list(raw: object, limits: Limits) -> Value:
    if not isinstance(raw, list) or not raw:
        raise InvalidValue("wrong_value_type", f"expected {_SHAPE_HINT[Shape.TEXT_LIST]}")
    if len(raw) > limits.max_values:
        raise InvalidValue("too_many_values", f"at most {limits.max_values} values, got {len(raw)}")
    texts = [_text(item, limits).text for item in raw]
    return Value(texts=tuple(dict.fromkeys(texts)))


def _number(raw: object, _limits: Limits | None = None) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise InvalidValue("wrong_value_type", f"expected a finite number, got {_kind(raw)}")
    try:
        # repr() is the shortest text of a float: 25.74 stays 25.74, never 25.7399999...
        number = Decimal(repr(raw) if isinstance(raw, float) else raw)
    except InvalidOperation:
        raise InvalidValue("wrong_value_type", f"expected a finite number, got {raw}") from None
    if not number.is_finite():
        raise InvalidValue("wrong_value_type", f"expected a finite number, got {raw}")
    if abs(number) >= MAX_NUMBER:
        raise InvalidValue(
            "number_out_of_range", f"numbers must lie between -10^15 and 10^15, got {raw}"
        )
    if -number.normalize().as_tuple().exponent > MAX_DECIMALS:
        raise InvalidValue(
            "too_many_decimals", f"numbers have at most {MAX_DECIMALS} decimals, got {raw}"
        )
    return number


def _number_value(raw: object, limits: Limits) -> Value:
    return Value(number=_number(raw))


def _pair(raw: object, parse, hint: str) -> tuple:
    if not isinstance(raw, list) or len(raw) != 2:
        raise InvalidValue("wrong_value_count", f"expected {hint}")
    low, high = parse(raw[0]), parse(raw[1])
    if low > high:
        raise InvalidValue("invalid_range", f"the range is empty: {raw[0]} is after {raw[1]}")
    return low, high


def _number_range(raw: object, limits: Limits) -> Value:
    low, high = _pair(raw, _number, _SHAPE_HINT[Shape.NUMBER_RANGE])
    return Value(low=low, high=high)


def _date(raw: object, _limits: Limits | None = None) -> date:
    if not isinstance(raw, str):
        raise InvalidValue(
            "wrong_value_type", f"expected {_SHAPE_HINT[Shape.DATE]}, got {_kind(raw)}"
        )
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidValue(
            "invalid_date", f"{raw!r} is not a date of the form YYYY-MM-DD"
        ) from None


def _date_value(raw: object, limits: Limits) -> Value:
    return Value(day=_date(raw))


def _date_range(raw: object, limits: Limits) -> Value:
    low, high = _pair(raw, _date, _SHAPE_HINT[Shape.DATE_RANGE])
    return Value(low=low, high=high)


def _days(raw: object, limits: Limits) -> Value:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise InvalidValue(
            "wrong_value_type", f"expected {_SHAPE_HINT[Shape.DAYS]}, got {_kind(raw)}"
        )
    if not 1 <= raw <= limits.max_days:
        raise InvalidValue(
            "days_out_of_range", f"days must be between 1 and {limits.max_days}, got {raw}"
        )
    return Value(days=raw)


_PARSERS = {
    Shape.TEXT: _text,
    Shape.TEXT_LIST: _text_list,
    Shape.NUMBER: _number_value,
    Shape.NUMBER_RANGE: _number_range,
    Shape.DATE: _date_value,
    Shape.DATE_RANGE: _date_range,
    Shape.DAYS: _days,
}


def _kind(raw: object) -> str:
    return "null" if raw is None else type(raw).__name__
