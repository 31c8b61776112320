"""Composable hypothesis strategies: rule sets over the whole catalog, and mart rows to
evaluate them on, full of the values that break naive implementations (NULL, blank and
padded text, mixed case, unicode, quotes, LIKE wildcards, leap days, day boundaries)."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from segmentation.rules.catalog import CustomField, FieldType, load_catalog
from segmentation.rules.model import AggregateFunction
from segmentation.rules.operators import OPERATORS, OPERATORS_BY_TYPE, Shape, value_shape
from segmentation.rules.validate import AGGREGATE_OPERATORS
from segmentation.text import clean

NUMERIC = (FieldType.NUMBER, FieldType.PERCENTAGE)

CATALOG = load_catalog()
TENANTS = ("t1", "t2")
AS_OF_DAYS = (date(2026, 1, 31), date(2027, 2, 27), date(2028, 2, 28), date(2026, 12, 31))

# Text that breaks naive comparisons: case, padding of every kind (NBSP and ideographic
# space included), SQL wildcards and quotes, and scripts whose lower-casing differs by
# function (Turkish dotted I, Greek final sigma, German sharp s, NFD-decomposed accents).
TEXTS = (
    "Jakarta", " jakarta\t", "JAKARTA", "Jakarta Selatan", "ja%rta", "a_b", "O'Neil",
    "o'neil \n", "éclair", "ÉCLAIR", "中文", "😀 emoji", "Bandung", "whatsapp", "Won",
    "open", "Champions", "İstanbul Kebab", "istanbul kebab", "ΟΔΟΣ", "οδος", "Straße",
    "STRASSE", "e\u0301clair", "\u00a0Jakarta\u3000", "\u2003won\u00a0",
)  # fmt: skip
TEXT_VALUES = (
    "jakarta", " JAKARTA ", "ja", "rta", "%", "_", "'", "o'neil", "éclair", "中", "😀",
    "bandung", "whatsapp", "won", "open", "champions", "İstanbul Kebab", "İSTANBUL",
    "ΟΔΟΣ", "οδοσ", "straße", "e\u0301clair", "\u00a0jakarta\u00a0",
)  # fmt: skip
OPTIONS = ("Fashion", "fashion ", "GADGET", "Beauty", "", " ", "\u00a0", "İpek", "ΚΑΦΕΣ")
OPTION_VALUES = ("fashion", "gadget", "beauty", "sport", "ipek", "İPEK", "καφεσ")
NUMBERS = (0, 1, 2, 2.5, -1, 10, 10_000_000, 25.74, 0.1, 0.3)
STORED_NUMBERS = (*NUMBERS, 11.77 + 13.97, 0.1 + 0.2)
"""Stored numbers also hold sums that floating point does not make exact."""
DAYS = (1, 2, 7, 30, 365, 366)
# Every boundary of every relative-date operator for the day counts above.
DATE_OFFSETS = tuple(sorted({o for n in DAYS for o in (-n - 1, -n, -n + 1, n - 1, n)}))
FIXED_DATES = (date(2024, 2, 29), date(2023, 2, 28), date(2024, 3, 1), date(2000, 1, 31))

CUSTOM_FIELDS = {
    f"{cid}-{field_type.value}": CustomField(
        cid, f"{cid}-{field_type.value}", field_type.value, field_type
    )
    for cid in TENANTS
    for field_type in FieldType
}


def dates_near(as_of: date) -> list[date]:
    return [as_of + timedelta(days=o) for o in DATE_OFFSETS] + list(FIXED_DATES)


def as_stored(value):
    """A value as the marts hold it, the way staging cleans text: trimmed and normalized,
    blank as NULL, a multi-select without blank options."""
    if isinstance(value, str):
        return clean(value) or None
    if isinstance(value, list):
        return [clean(item) for item in value if item is not None and clean(item)]
    return value


def cell(field_type: FieldType, as_of: date) -> st.SearchStrategy:
    """A stored value of a field of ``field_type`` (NULL included), as the marts hold it."""
    return _exported(field_type, as_of).map(as_stored)


def _exported(field_type: FieldType, as_of: date) -> st.SearchStrategy:
    if field_type is FieldType.MULTIPLE_SELECT:
        return st.none() | st.lists(st.sampled_from(OPTIONS) | st.none(), max_size=3)
    if field_type in (FieldType.NUMBER, FieldType.PERCENTAGE):
        return st.none() | st.sampled_from(STORED_NUMBERS).map(float)
    if field_type is FieldType.DATE:
        return st.none() | st.sampled_from(dates_near(as_of))
    if field_type is FieldType.BOOLEAN:
        return st.sampled_from((None, True, False))
    return st.none() | st.sampled_from(("", "   ", *TEXTS))


def value_for(name: str, field_type: FieldType, as_of: date) -> st.SearchStrategy:
    """A value of operator ``name`` on a field of ``field_type``."""
    shape = value_shape(OPERATORS[name], field_type)
    near = [d.isoformat() for d in dates_near(as_of)]
    texts = OPTION_VALUES if field_type is FieldType.MULTIPLE_SELECT else TEXT_VALUES
    return {
        Shape.NONE: st.none(),
        Shape.TEXT: st.sampled_from(TEXT_VALUES),
        Shape.TEXT_LIST: st.lists(st.sampled_from(texts), min_size=1, max_size=3),
        Shape.NUMBER: st.sampled_from(NUMBERS),
        Shape.NUMBER_RANGE: st.lists(st.sampled_from(NUMBERS), min_size=2, max_size=2).map(sorted),
        Shape.DATE: st.sampled_from(near),
        Shape.DATE_RANGE: st.lists(st.sampled_from(near), min_size=2, max_size=2).map(sorted),
        Shape.DAYS: st.sampled_from(DAYS),
    }[shape]


@st.composite
def typed_operator(
    draw, fields: list, as_of: date, only: tuple[str, FieldType] | None = None
) -> tuple:
    """(field, operator, value): the operator first, then a field of a type it applies to,
    then a value; ``only`` pins the operator and the field type."""
    if only is not None:
        name, field_type = only
        field = draw(st.sampled_from([f for f in fields if f.field_type is field_type]))
        return field, name, draw(value_for(name, field_type, as_of))
    names = sorted({op for f in fields for op in OPERATORS_BY_TYPE[f.field_type]})
    name = draw(st.sampled_from(names))
    field = draw(st.sampled_from([f for f in fields if name in OPERATORS_BY_TYPE[f.field_type]]))
    return field, name, draw(value_for(name, field.field_type, as_of))


def has_type(field_type: FieldType, fields) -> bool:
    """Whether one of ``fields`` is of ``field_type``."""
    return any(f.field_type is field_type for f in fields)


@st.composite
def field_condition(draw, as_of: date, only: tuple[str, FieldType] | None = None) -> dict:
    field, operator, value = draw(typed_operator(list(CATALOG.fields), as_of, only))
    return {"type": "field", "field": field.id, "operator": operator, "value": value}


T1_CUSTOM_FIELDS = [f for f in CUSTOM_FIELDS.values() if f.cid == "t1"]


@st.composite
def custom_field_condition(draw, as_of: date, only: tuple[str, FieldType] | None = None) -> dict:
    field, operator, value = draw(typed_operator(T1_CUSTOM_FIELDS, as_of, only))
    return {
        "type": "custom_field",
        "field_id": field.field_id,
        "operator": operator,
        "value": value,
    }


@st.composite
def association_condition(
    draw, as_of: date, only: tuple[str, FieldType] | None = None, within: str | None = None
) -> dict:
    candidates = [
        a for a in CATALOG.associations
        if (only is None or has_type(only[1], a.fields)) and within in (None, a.id)
    ]  # fmt: skip
    association = draw(st.sampled_from(candidates))
    where = []
    for i in range(draw(st.integers(1 if only else 0, 2))):
        chosen = only if i == 0 else None
        field, operator, value = draw(typed_operator(list(association.fields), as_of, chosen))
        where.append({"field": field.id, "operator": operator, "value": value})
    condition = {
        "type": "association",
        "association": association.id,
        "where": where,
        "count": {
            "operator": draw(st.sampled_from(("at_least", "at_most", "exactly"))),
            "value": draw(st.integers(0, 3)),
        },
    }
    if association.date_field and draw(st.booleans()):
        condition["window"] = {"last_days": draw(st.sampled_from(DAYS))}
    numeric = [f for f in association.fields if f.field_type in NUMERIC]
    if numeric and only is None and draw(st.integers(0, 2)) == 0:
        del condition["count"]
        operator = draw(st.sampled_from(AGGREGATE_OPERATORS))
        condition["aggregate"] = {
            "function": draw(st.sampled_from([f.value for f in AggregateFunction])),
            "field": draw(st.sampled_from(numeric)).id,
            "operator": operator,
            "value": draw(value_for(operator, FieldType.NUMBER, as_of)),
        }
    return condition


def conditions(as_of: date) -> st.SearchStrategy:
    return st.one_of(
        field_condition(as_of), custom_field_condition(as_of), association_condition(as_of)
    )


def operator_targets() -> list[tuple[str, FieldType]]:
    """Every (operator, field type) pair a condition can take."""
    return [(name, t) for t, names in OPERATORS_BY_TYPE.items() for name in names]


def single_conditions(operator: str, field_type: FieldType):
    """Rule sets of one condition, ``operator`` on a field of ``field_type`` (a catalog
    field, a custom field or an association's sub-filter): nothing around it to hide
    what it got wrong."""
    only = (operator, field_type)

    @st.composite
    def strategy(draw, as_of: date) -> dict:
        kinds = [custom_field_condition(as_of, only)]
        if has_type(field_type, CATALOG.fields):
            kinds.append(field_condition(as_of, only))
        if any(has_type(field_type, a.fields) for a in CATALOG.associations):
            kinds.append(association_condition(as_of, only))
        return {"version": 1, "groups": [{"conditions": [draw(st.one_of(kinds))]}]}

    return strategy


def windowed_association(association_id: str):
    """Rule sets of one association condition with a time window."""

    @st.composite
    def strategy(draw, as_of: date) -> dict:
        condition = draw(association_condition(as_of, within=association_id))
        condition["window"] = {"last_days": draw(st.sampled_from(DAYS))}
        return {"version": 1, "groups": [{"conditions": [condition]}]}

    return strategy


@st.composite
def rule_sets(draw, as_of: date) -> dict:
    groups = [
        {
            "match": draw(st.sampled_from(("all", "any"))),
            "conditions": draw(st.lists(conditions(as_of), min_size=1, max_size=3)),
        }
        for _ in range(draw(st.integers(1, 2)))
    ]
    return {"version": 1, "match": draw(st.sampled_from(("all", "any"))), "groups": groups}


def _columns_of(table: str) -> dict[str, FieldType]:
    columns = {f.column: f.field_type for f in CATALOG.fields if f.table == table}
    for association in CATALOG.associations:
        if association.table == table:
            columns |= {f.column: f.field_type for f in association.fields}
    return columns


def _conditions_of(rule_set: dict):
    for group in rule_set["groups"]:
        yield from group["conditions"]


def _referenced(rule_set: dict) -> tuple[dict[str, dict[str, FieldType]], set[FieldType]]:
    """Columns the rule set reads, by table, and the custom field types it uses."""
    columns: dict[str, dict[str, FieldType]] = {}
    custom_types: set[FieldType] = set()
    for condition in _conditions_of(rule_set):
        if condition["type"] == "field":
            field = CATALOG.field(condition["field"])
            columns.setdefault(field.table, {})[field.column] = field.field_type
        elif condition["type"] == "custom_field":
            custom_types.add(CUSTOM_FIELDS[condition["field_id"]].field_type)
        else:
            association = CATALOG.association(condition["association"])
            used = columns.setdefault(association.table, {})
            for sub in condition["where"]:
                field = association.field(sub["field"])
                used[field.column] = field.field_type
            if "aggregate" in condition:
                field = association.field(condition["aggregate"]["field"])
                used[field.column] = field.field_type
            if association.date_field:
                field = association.field(association.date_field)
                used[field.column] = field.field_type
    return columns, custom_types


def _hinted_dates(rule_set: dict, as_of: date) -> list[date]:
    """Dates on and around every bound the rule set's conditions draw."""
    days, dates = set(), set(FIXED_DATES)
    for condition in _conditions_of(rule_set):
        for item in [condition, *condition.get("where", ())]:
            value = item.get("value")
            if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 3650:
                days.add(value)
            for text in value if isinstance(value, list) else [value]:
                if isinstance(text, str) and len(text) == 10 and text[4] == "-":
                    day = date.fromisoformat(text)
                    dates |= {day - timedelta(days=1), day, day + timedelta(days=1)}
        if "window" in condition:
            days.add(condition["window"]["last_days"])
    for n in days or {7}:
        dates |= {as_of + timedelta(days=o) for o in (-n - 1, -n, -n + 1, n - 1, n)}
    return sorted(dates)


def _hinted_texts(rule_set: dict) -> list[str]:
    """Every text the rule set compares with, as stored text comes: cased, padded."""
    texts = set()
    for condition in _conditions_of(rule_set):
        for item in [condition, *condition.get("where", ())]:
            value = item.get("value")
            for text in value if isinstance(value, list) else [value]:
                if isinstance(text, str) and not (len(text) == 10 and text[4] == "-"):
                    core = text.strip()
                    texts |= {
                        core,
                        core.upper(),
                        f" {core}\t",
                        f"\n{core.title()}  ",
                        f"\u00a0{core}\u3000",
                        unicodedata.normalize("NFD", core),
                        f"x{core}",
                        f"{core}x",
                    }
    return sorted(texts)


def _cell(field_type: FieldType, near: list[date], texts: list[str]) -> st.SearchStrategy:
    """A stored value of a field of ``field_type`` (NULL included), near the rule set, as
    the marts hold it."""
    return _near(field_type, near, texts).map(as_stored)


def _near(field_type: FieldType, near: list[date], texts: list[str]) -> st.SearchStrategy:
    if field_type is FieldType.DATE:
        return st.none() | st.sampled_from(near)
    if field_type is FieldType.MULTIPLE_SELECT:
        item = st.sampled_from(OPTIONS + tuple(texts)) | st.none()
        return st.none() | st.lists(item, max_size=3)
    if texts and field_type not in (FieldType.NUMBER, FieldType.PERCENTAGE, FieldType.BOOLEAN):
        return st.none() | st.sampled_from(("", "   ", *TEXTS[:4], *texts))
    return cell(field_type, near[0])


PROFILE = "marts.contact_profile"


def _row(draw, cid: str, contact_id: str, columns, near, texts) -> dict:
    row = {"cid": cid, "contact_id": contact_id}
    return row | {c: draw(_cell(t, near, texts)) for c, t in (columns or {}).items()}


@st.composite
def mart_rows(draw, as_of: date, rule_set: dict, min_contacts: int = 1) -> dict[str, list[dict]]:
    """Rows for a few contacts of two tenants, with values where the rule set looks.

    Only the columns the rule set reads get values (the rest stay NULL), and dates cluster
    on the bounds of its conditions, so that an off-by-one shows up in a few examples.
    """
    columns, custom_types = _referenced(rule_set)
    near, texts = _hinted_dates(rule_set, as_of), _hinted_texts(rule_set)
    contact_tables = {f.table for f in CATALOG.fields}
    tables: dict[str, list[dict]] = {t: [] for t in CATALOG.tables()}  # fmt: skip
    custom = CATALOG.custom
    for cid in TENANTS:
        for n in range(draw(st.integers(min_contacts, 8))):
            contact_id = f"{cid}-c{n}"
            tables[PROFILE].append(_row(draw, cid, contact_id, columns.get(PROFILE), near, texts))
            # Rows of another tenant under this contact's id: upstream corruption that the
            # compiled SQL must ignore (tenant isolation), as the reference does.
            owners = [cid, *(["t2"] if cid == "t1" and draw(st.booleans()) else [])]
            for owner in owners:
                for table in contact_tables - {PROFILE}:
                    tables[table].append(
                        _row(draw, owner, contact_id, columns.get(table), near, texts)
                    )
                chosen = (
                    draw(st.sets(st.sampled_from(sorted(custom_types)))) if custom_types else ()
                )
                for field_type in chosen:
                    row = {
                        "cid": owner,
                        "contact_id": contact_id,
                        custom.field_id_column: f"t1-{field_type.value}"
                        if owner != cid
                        else f"{cid}-{field_type.value}",
                    }
                    row[custom.value_columns[field_type]] = draw(_cell(field_type, near, texts))
                    tables[custom.table].append(row)
                for association in CATALOG.associations:
                    used = columns.get(association.table)
                    for _ in range(draw(st.integers(0, 3)) if used else 0):
                        tables[association.table].append(
                            _row(draw, owner, contact_id, used, near, texts)
                        )
    aggregated = any("aggregate" in c for c in _conditions_of(rule_set))
    if aggregated or draw(st.booleans()):  # aggregates are held exact, as money is stored
        _store_numbers_exactly(tables)
    return tables


def _store_numbers_exactly(tables: dict[str, list[dict]]) -> None:
    """Numbers as an exact DECIMAL(18,2) column holds them (as money is stored)."""
    types = column_types()
    for table, rows in tables.items():
        numeric = [
            c for c, t in types[table].items() if t in (FieldType.NUMBER, FieldType.PERCENTAGE)
        ]
        for row in rows:
            for column in numeric:
                if row.get(column) is not None:
                    row[column] = Decimal(repr(row[column])).quantize(Decimal("0.01"))


def column_types() -> dict[str, dict[str, FieldType | str]]:
    """Table -> column -> field type (or a DuckDB type for keys), for building tables."""
    custom = CATALOG.custom
    out: dict[str, dict[str, FieldType | str]] = {}
    for table in CATALOG.tables():
        out[table] = {"cid": "VARCHAR", "contact_id": "VARCHAR", **_columns_of(table)}
    out[custom.table][custom.field_id_column] = "VARCHAR"
    for field_type, column in custom.value_columns.items():
        out[custom.table].setdefault(column, field_type)
    return out


@st.composite
def cases(draw, rules=rule_sets, min_contacts: int = 1) -> tuple[date, dict, dict[str, list[dict]]]:
    """A day, a rule set drawn by ``rules(day)``, and mart rows that test it."""
    as_of = draw(st.sampled_from(AS_OF_DAYS))
    rule_set = draw(rules(as_of))
    return as_of, rule_set, draw(mart_rows(as_of, rule_set, min_contacts))
