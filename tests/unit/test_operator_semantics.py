"""Operator semantics on hand-written cases, for both implementations.

The differential tests prove the compiler and the reference evaluator agree; these prove
they agree on the right answer, case by case, as docs/operators.md states it.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import duckdb
import pytest

from segmentation.compile.predicates import anniversary_keys
from segmentation.rules.catalog import FieldType
from segmentation.rules.reference import holds
from segmentation.rules.validate import bind
from segmentation.settings import REPOSITORY
from segmentation.text import WHITESPACE, fold
from tests.helpers import members_by_sql
from tests.strategies import CUSTOM_FIELDS, as_stored

D = date(2027, 2, 27)  # a common year: 29 February anniversaries fall on the 28th
T, DD, N, B, M = (FieldType.SINGLE_LINE_TEXT, FieldType.DATE, FieldType.NUMBER,
                  FieldType.BOOLEAN, FieldType.MULTIPLE_SELECT)  # fmt: skip

CASES = [
    # (field type, operator, value, stored value, matches)
    (T, "is", "Jakarta", " jakarta\t", True),
    (T, "is", "Jakarta", "Jakarta Selatan", False),
    (T, "is", "Jakarta", None, False),
    (T, "is_not", "Jakarta", None, True),  # negatives match empty values
    (T, "is_not", "Jakarta", "   ", True),
    (T, "is_not", "Jakarta", "JAKARTA", False),
    (T, "contains", "%", "100% cotton", True),  # no LIKE wildcards
    (T, "contains", "%", "cotton", False),
    (T, "contains", "_", "a_b", True),
    (T, "contains", "o'n", "O'Neil", True),
    (T, "does_not_contain", "x", None, True),
    (T, "starts_with", "ja", "\nJakarta", True),
    (T, "ends_with", "rta", "Jakarta  ", True),
    (T, "ends_with", "rta", "rt", False),
    (T, "is", "éclair", "ÉCLAIR", True),
    # One lower-casing on both sides, whatever the script (Turkish dotted I, final sigma).
    (T, "is", "İstanbul Kebab", "İstanbul Kebab", True),
    (T, "is", "İstanbul Kebab", "istanbul kebab", True),
    (T, "is", "ΟΔΟΣ", "ΟΔΟΣ", True),
    (T, "is", "οδος", "ΟΔΟΣ", False),  # final sigma: lower-cased one character at a time
    (T, "contains", "STRASSE", "Straße", False),  # lower-casing, not case folding
    (T, "is", "cafe\u0301", "café", True),  # a rule's text is NFC too
    # Every Unicode White_Space character is trimmed, a paste's NBSP included.
    (T, "is", "Jakarta", "\u00a0Jakarta\u3000", True),
    (T, "is", "\u2003Jakarta", "jakarta\u0085", True),
    (T, "is_empty", None, "\u00a0\u2028", True),
    # Text fields take lists, as dropdowns do.
    (T, "is_any_of", ["Jakarta", "Bandung", "Surabaya"], " bandung", True),
    (T, "is_any_of", ["Jakarta", "Bandung"], "Bogor", False),
    (T, "is_none_of", ["Jakarta"], None, True),
    (T, "is_none_of", ["Jakarta"], "JAKARTA", False),
    (T, "is_empty", None, " \t\n", True),
    (T, "is_not_empty", None, "x", True),
    (M, "contains_any", ["fashion"], ["Fashion ", "Gadget"], True),
    (M, "contains_all", ["fashion", "gadget"], ["FASHION", "gadget"], True),
    (M, "contains_all", ["fashion", "gadget"], ["fashion"], False),
    (M, "contains_none", ["fashion"], None, True),
    (M, "contains_none", ["fashion"], ["gadget"], True),
    (M, "contains_none", ["fashion"], ["fashion"], False),
    (M, "is_empty", None, ["", " "], True),
    (M, "is_empty", None, [], True),
    (M, "is_not_empty", None, ["x"], True),
    (N, "between", [1, 2], 2.0, True),
    (N, "between", [1, 2], 2.5, False),
    (N, "not_equals", 1, None, True),
    # Numbers compare in the stored column's type: exactly for money (DECIMAL), as
    # floating point for a DOUBLE column, where 11.77 + 13.97 is not 25.74.
    (N, "greater_than_or_equal", 25.74, Decimal("25.74"), True),
    (N, "equals", 25.74, Decimal("25.74"), True),
    (N, "equals", 25.74, 11.77 + 13.97, False),
    (N, "less_than", 0.3, Decimal("0.30"), False),
    (N, "greater_than", 1, None, False),
    (DD, "in_last_days", 7, date(2027, 2, 21), True),  # D-6: the 7 days ending on D
    (DD, "in_last_days", 7, date(2027, 2, 20), False),  # D-7
    (DD, "in_last_days", 7, date(2027, 2, 28), False),  # after the day
    (DD, "more_than_days_ago", 7, date(2027, 2, 19), True),  # D-8
    (DD, "more_than_days_ago", 7, date(2027, 2, 20), False),  # D-7: exactly 7 days
    (DD, "in_next_days", 2, date(2027, 2, 28), True),
    (DD, "in_next_days", 2, date(2027, 3, 1), False),
    (DD, "anniversary_in_next_days", 2, date(2024, 2, 29), True),  # on the 28th in 2027
    (DD, "anniversary_in_next_days", 1, date(1990, 2, 28), False),
    (DD, "anniversary_in_next_days", 3, date(1990, 3, 1), True),  # across the month end
    (DD, "between", ["2027-01-01", "2027-02-27"], date(2027, 2, 27), True),
    (B, "is_false", None, None, False),  # positive operators never match empty
    (B, "is_false", None, False, True),
    (B, "is_empty", None, None, True),
]


@pytest.mark.parametrize(("field_type", "operator", "value", "stored", "expected"), CASES)
def test_reference_semantics(field_type, operator, value, stored, expected) -> None:
    assert holds(operator, value, field_type, stored, D) is expected


@pytest.mark.parametrize(("field_type", "operator", "value", "stored", "expected"), CASES)
def test_compiled_semantics(field_type, operator, value, stored, expected) -> None:
    field_id = f"t1-{field_type.value}"
    rule_set = bind(
        {
            "groups": [
                {
                    "conditions": [
                        {
                            "type": "custom_field",
                            "field_id": field_id,
                            "operator": operator,
                            "value": value,
                        }
                    ]
                }
            ]
        },
        "t1",
        CUSTOM_FIELDS,
    )
    column = {
        T: "value_text",
        M: "value_options",
        N: "value_number",
        DD: "value_date",
        B: "value_boolean",
    }[field_type]
    # The marts hold text as staging cleans it (trimmed, blank as NULL): the compiled
    # SQL relies on that, so the stored value is first cleaned as staging would.
    tables = {
        "marts.contact_profile": [{"cid": "t1", "contact_id": "t1-c0"}],
        "marts.contact_custom_fields": [
            {"cid": "t1", "contact_id": "t1-c0", "field_id": field_id, column: as_stored(stored)}
        ],
    }
    assert members_by_sql(rule_set, D, tables) == ({"t1-c0"} if expected else set())


def test_anniversary_keys_add_29_february_in_common_years() -> None:
    assert 229 in anniversary_keys(date(2027, 2, 28), 1)
    assert 229 not in anniversary_keys(date(2028, 2, 28), 1)  # leap year: it has its own day
    assert 229 in anniversary_keys(date(2028, 2, 29), 1)


def test_fold_lower_cases_every_character_as_duckdb_does() -> None:
    """Why: the reference evaluator must mirror the SQL's LOWER on every code point."""
    with duckdb.connect() as con:
        lowered = con.execute(
            "SELECT cp, lower(chr(cp::INTEGER)) FROM range(0, 1114112) t(cp) "
            "WHERE cp NOT BETWEEN 55296 AND 57343"  # surrogates are not characters
        ).fetchall()
    assert [hex(cp) for cp, low in lowered if fold(chr(cp)) != low.strip(WHITESPACE)] == []


def test_dbt_trims_the_same_whitespace_as_the_engine() -> None:
    macro = (REPOSITORY / "dbt_project" / "macros" / "text.sql").read_text()
    (escaped,) = re.findall(r'\{\{- "(.*)" -\}\}', macro)
    assert escaped.encode().decode("unicode_escape") == WHITESPACE
