"""Operator semantics as sqlglot expressions: one builder per positive operator.

A condition compiles to ``COALESCE(P, FALSE)`` for a positive operator and
``NOT COALESCE(P, FALSE)`` for its negative twin, so that a positive operator never
matches an empty value and a negative one always does (docs/operators.md). Values come
in parsed (:class:`segmentation.rules.operators.Value`) and enter the tree only through
``exp.convert`` or date literals; relative dates are resolved here, in Python, against
the as-of day, so the SQL holds no date arithmetic to render per dialect.

Text is compared lower-cased by the engine's ``LOWER`` on both sides. The marts hold text
trimmed of White_Space, blank as NULL, multi-select options trimmed and non-blank
(staging's ``clean_text``), and a condition's text is trimmed when it is read: so no
trimming is left for the query, which would cost a scan of a 25-character set per value.

>>> from sqlglot import exp
>>> from segmentation.rules.catalog import FieldType
>>> from segmentation.rules.operators import OPERATORS, Value
>>> condition(exp.column("city"), FieldType.SINGLE_LINE_TEXT, OPERATORS["is"], True,
...           Value(text="Jakarta"), date(2026, 1, 31)).sql("duckdb")
"NOT COALESCE(LOWER(city) = LOWER('Jakarta'), FALSE)"
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from sqlglot import exp

from segmentation.rules.catalog import FieldType
from segmentation.rules.operators import Operator, Value

TEXT_TYPES = {
    FieldType.SINGLE_LINE_TEXT,
    FieldType.TEXT_AREA,
    FieldType.URL,
    FieldType.DROPDOWN_SELECT,
    FieldType.UPLOAD,
    FieldType.SIGNATURE,
    FieldType.GPS,
}


def condition(
    column: exp.Expression,
    field_type: FieldType,
    operator: Operator,
    negated: bool,
    value: Value,
    as_of: date,
) -> exp.Expression:
    """The boolean (never NULL) expression of ``column <operator> value`` as of a day, for
    a positive ``operator`` (``NOT`` it when ``negated``)."""
    predicate = exp.Coalesce(
        this=_BUILDERS[operator.name](column, field_type, value, as_of), expressions=[exp.false()]
    )
    return exp.not_(predicate) if negated else predicate


_COMPARISONS = {
    "equals": lambda left, right: left.eq(right),
    "greater_than": lambda left, right: left > right,
    "greater_than_or_equal": lambda left, right: left >= right,
    "less_than": lambda left, right: left < right,
    "less_than_or_equal": lambda left, right: left <= right,
}


def average_condition(total: exp.Expression, counted: exp.Expression, test) -> exp.Expression:
    """``total / counted <operator> value`` (never NULL) as ``total <operator> value *
    counted``, exact for decimals: an average of no value is empty, so a positive
    operator fails and its negative twin holds."""

    def scaled(number: Decimal) -> exp.Expression:
        return exp.Mul(this=number_literal(number), expression=counted.copy())

    name, value = test.operator.name, test.value
    if name == "between":
        compared = exp.and_(total >= scaled(value.low), total.copy() <= scaled(value.high))
    else:
        compared = _COMPARISONS[name](total, scaled(value.number))
    predicate = exp.Coalesce(
        this=exp.and_(counted.copy() > exp.convert(0), compared), expressions=[exp.false()]
    )
    return exp.not_(predicate) if test.negated else predicate


def normalized_text(text: exp.Expression) -> exp.Expression:
    """``LOWER(text)``: text as every text operator compares it.

    Applied to the stored value and to the condition's value alike, so both sides are
    lower-cased by the same function (:func:`segmentation.text.fold` mirrors it).
    """
    return exp.Lower(this=text)


def text_literal(text: str) -> exp.Expression:
    """A condition's (trimmed) text, lower-cased in SQL as stored text is."""
    return normalized_text(exp.convert(text))


def number_literal(number: Decimal) -> exp.Expression:
    """An exact decimal literal (``25.74``, never ``2.574E+1``)."""
    return exp.Literal.number(format(number, "f"))


def normalized_list(column: exp.Expression) -> exp.Expression:
    """The multi-select list with each option normalized like text."""
    item = exp.to_identifier("item")
    return exp.Transform(
        this=column,
        expression=exp.Lambda(this=normalized_text(exp.column(item)), expressions=[item]),
    )


def date_literal(day: date) -> exp.Expression:
    """``CAST('YYYY-MM-DD' AS DATE)``."""
    return exp.cast(exp.convert(day.isoformat()), exp.DataType.Type.DATE)


def anniversary_keys(as_of: date, days: int) -> list[int]:
    """``month * 100 + day`` of each day in the N days starting on ``as_of``.

    A 29 February anniversary is celebrated on 28 February in other years.

    >>> anniversary_keys(date(2027, 2, 27), 2)
    [227, 228, 229]
    """
    keys = []
    for offset in range(days):
        day = as_of + timedelta(days=offset)
        keys.append(day.month * 100 + day.day)
        if (day.month, day.day) == (2, 28) and (day + timedelta(days=1)).month == 3:
            keys.append(229)
    return sorted(set(keys))


def _is(column, field_type, value, as_of):
    return normalized_text(column).eq(text_literal(value.text))


def _contains(column, field_type, value, as_of):
    return exp.StrPosition(this=normalized_text(column), substr=text_literal(value.text)) > 0


def _starts_with(column, field_type, value, as_of):
    return exp.StartsWith(this=normalized_text(column), expression=text_literal(value.text))


def _ends_with(column, field_type, value, as_of):
    return exp.EndsWith(this=normalized_text(column), expression=text_literal(value.text))


def _is_any_of(column, field_type, value, as_of):
    return normalized_text(column).isin(*(text_literal(v) for v in value.texts))


def _contains_any(column, field_type, value, as_of):
    options = normalized_list(column)
    return exp.or_(
        *(exp.ArrayContains(this=options, expression=text_literal(v)) for v in value.texts)
    )


def _contains_all(column, field_type, value, as_of):
    options = normalized_list(column)
    return exp.and_(
        *(exp.ArrayContains(this=options, expression=text_literal(v)) for v in value.texts)
    )


def _bound(value: Decimal | date) -> exp.Expression:
    return date_literal(value) if isinstance(value, date) else number_literal(value)


def _compare(make: Callable[[exp.Expression, exp.Expression], exp.Expression]):
    def build(column, field_type, value, as_of):
        return make(column, _bound(value.day if value.day else value.number))

    return build


def _between(column, field_type, value, as_of):
    return column.between(_bound(value.low), _bound(value.high))


def _in_last_days(column, field_type, value, as_of):
    start = as_of - timedelta(days=value.days - 1)
    return column.between(date_literal(start), date_literal(as_of))


def _more_than_days_ago(column, field_type, value, as_of):
    return column < date_literal(as_of - timedelta(days=value.days))


def _in_next_days(column, field_type, value, as_of):
    end = as_of + timedelta(days=value.days - 1)
    return column.between(date_literal(as_of), date_literal(end))


def _anniversary_in_next_days(column, field_type, value, as_of):
    key = exp.Month(this=column) * 100 + exp.Day(this=column)
    return exp.paren(key).isin(*anniversary_keys(as_of, value.days))


def _is_true(column, field_type, value, as_of):
    return column.eq(exp.true())


def _is_false(column, field_type, value, as_of):
    return column.eq(exp.false())


def _is_not_empty(column, field_type, value, as_of):
    if field_type in TEXT_TYPES:
        return normalized_text(column).neq(exp.convert(""))
    if field_type is FieldType.MULTIPLE_SELECT:
        return exp.ArraySize(this=column) > 0  # the marts keep no blank option
    return column.is_(exp.null()).not_()


_BUILDERS: dict[str, Callable] = {
    "is": _is,
    "contains": _contains,
    "starts_with": _starts_with,
    "ends_with": _ends_with,
    "is_any_of": _is_any_of,
    "contains_any": _contains_any,
    "contains_all": _contains_all,
    "equals": _compare(lambda c, v: c.eq(v)),
    "greater_than": _compare(lambda c, v: c > v),
    "greater_than_or_equal": _compare(lambda c, v: c >= v),
    "less_than": _compare(lambda c, v: c < v),
    "less_than_or_equal": _compare(lambda c, v: c <= v),
    "between": _between,
    "on": _compare(lambda c, v: c.eq(v)),
    "before": _compare(lambda c, v: c < v),
    "after": _compare(lambda c, v: c > v),
    "in_last_days": _in_last_days,
    "more_than_days_ago": _more_than_days_ago,
    "in_next_days": _in_next_days,
    "anniversary_in_next_days": _anniversary_in_next_days,
    "is_true": _is_true,
    "is_false": _is_false,
    "is_not_empty": _is_not_empty,
}
