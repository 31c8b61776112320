"""The loader's rules, defined once for every engine.

Every rule that judges or repairs a landed row is written here once, as DuckDB SQL built
from the entity specs of :mod:`segmentation.landing.sources`: which rows are rejected and
why (:func:`judged_select`, :func:`verdicts_select`), how a kept row's values are repaired
(:func:`clean_select`, :func:`repairs`), and what quarantine keeps of each
(:func:`quarantine_select`). The DuckDB loader runs this SQL as it is; the Spark loader
runs the same statements as :func:`segmentation.spark.render.render` translates them.

Each statement reads relations both loaders provide under the same names: ``landed``
(the landed rows, text already clean, with ``_file``, ``_row`` and ``_repairs``),
``landed_files(_file, path)``, ``load_clock(loaded_at)``, the parents' clean tables,
and the relations the previous statements made (``judged``, ``verdicts``, ``fixed``).
"""

from __future__ import annotations

from dataclasses import dataclass

from segmentation.landing.files import FILE_COLUMN, REPAIRS_COLUMN, ROW_COLUMN
from segmentation.landing.sources import Entity, Reference
from segmentation.landing.sources import entity as entity_spec
from segmentation.text import WHITESPACE

REJECTED = "rejected"
REPAIRED = "repaired"

_ROW = f"USING ({FILE_COLUMN}, {ROW_COLUMN})"
_KEPT = f"landed l ANTI JOIN verdicts v {_ROW}"
ZONES = "pg_timezone_names"
"""DuckDB's table function of the time zones it knows: a known zone is one of them."""

QUARANTINE_COLUMNS = (
    "entity", "record_key", "cid", "action", "rule", "column_name", "rejected_value",
    "source_file", "source_row", "row_json", "loaded_at",
)  # fmt: skip
"""The columns of the quarantine table, in order."""


@dataclass(frozen=True)
class Rule:
    """A rule that rejects a row: its condition on a landed row ``l``, code and column."""

    condition: str
    code: str
    column: str


def quote(identifier: str) -> str:
    """Quote an identifier for DuckDB (identifiers come from specs, never from users)."""
    return '"' + identifier.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A SQL string literal of a spec constant."""
    return "'" + value.replace("'", "''") + "'"


def typed(entity: Entity, column: str) -> str:
    """A landed column cast to its type (text is already clean: :mod:`.files`)."""
    kind = entity.columns[column]
    return f"l.{quote(column)}" if kind == "VARCHAR" else f"TRY_CAST(l.{quote(column)} AS {kind})"


def _reference_rules(entity: Entity) -> tuple[list[str], list[Rule]]:
    joins, rules = [], []
    for i, ref in enumerate(entity.references):
        alias = f"ref{i}"
        joins.append(_reference_join(ref, alias))
        col = f"l.{quote(ref.column)}"
        noun = _reference_noun(ref)
        rules.append(Rule(f"{col} IS NULL", "missing_reference", ref.column))
        rules.append(Rule(f"{alias}.parent_key IS NULL", f"unknown_{noun}", ref.column))
        if ref.column != "cid":
            rules.append(Rule(f"{alias}.parent_cid <> l.cid", f"cross_tenant_{noun}", ref.column))
    return joins, rules


def _reference_noun(ref: Reference) -> str:
    return "tenant" if ref.column == "cid" else ref.column.removesuffix("_id")


def _reference_join(ref: Reference, alias: str) -> str:
    parent = entity_spec(ref.parent).relation
    return (
        f"LEFT JOIN (SELECT {quote(ref.parent_column)} AS parent_key, cid AS parent_cid "
        f"FROM {parent}) {alias} ON {alias}.parent_key = l.{quote(ref.column)}"
    )


def row_rules(entity: Entity) -> tuple[list[str], list[Rule]]:
    """Rules that reject a row, in the order a row is judged: the first it breaks wins;
    and the joins to the parents they need."""
    rules = [Rule(f"{typed(entity, k)} IS NULL", "missing_key", k) for k in entity.key]
    for column, kind in entity.columns.items():
        if kind != "VARCHAR":  # text always is text
            bad = f"l.{quote(column)} IS NOT NULL AND {typed(entity, column)} IS NULL"
            rules.append(Rule(bad, "invalid_type", column))
    joins, reference_rules = _reference_rules(entity)
    rules += reference_rules
    if entity.placed_at:
        placed = f"{typed(entity, entity.placed_at)} IS NULL"
        rules.append(Rule(placed, "missing_timestamp", entity.placed_at))
    rules += [
        Rule(f"{typed(entity, c)} > clock.loaded_at", "future_timestamp", c)
        for c in entity.happened_at
    ]
    return joins, rules


def _case(rules: list[Rule], attribute: str) -> str:
    whens = " ".join(f"WHEN {r.condition} THEN '{getattr(r, attribute)}'" for r in rules)
    return f"CASE {whens} END"


def judged_select(entity: Entity) -> str:
    """``judged``: per landed row, the first rule it breaks (NULL when none), what is
    needed to rank copies of a key, and the values its kept row would need repaired.

    Narrow on purpose (keys, timestamps and one flag per repair, not the row): it holds
    every landed row.
    """
    joins, rules = row_rules(entity)
    ranked = dict.fromkeys([*entity.key, *entity.version_by])
    carried = ", ".join(f"{typed(entity, c)} AS {quote(c)}" for c in ranked)
    flags = "".join(
        f", coalesce({condition}, false) AS repair_{i}"
        for i, (_rule, _column, condition) in enumerate(repairs(entity))
    )
    return f"""
        SELECT l.{FILE_COLUMN}, l.{ROW_COLUMN}, {carried},
               {_case(rules, "code")} AS rule, {_case(rules, "column")} AS rule_column,
               array_length(l.{REPAIRS_COLUMN}) > 0 AS streamed_repairs{flags}
        FROM landed l CROSS JOIN load_clock clock
        {" ".join(joins)}
    """


def verdicts_select(entity: Entity) -> str:
    """``verdicts(_file, _row, rule, rule_column)``: one row per rejected landed row.

    A row is judged by the first rule it breaks; among the rows that break none, every
    copy of a key but its latest version is rejected as ``duplicate_key``.
    """
    key = ", ".join(quote(k) for k in entity.key)
    newest = [f"{quote(c)} DESC NULLS LAST" for c in entity.version_by]
    order = ", ".join([*newest, f"{FILE_COLUMN} DESC", f"{ROW_COLUMN} DESC"])
    return f"""
        WITH repeated AS (
            SELECT {key} FROM judged WHERE rule IS NULL GROUP BY ALL HAVING count(*) > 1
        ),
        superseded AS (
            SELECT {FILE_COLUMN}, {ROW_COLUMN},
                   row_number() OVER (PARTITION BY {key} ORDER BY {order}) AS copy
            FROM judged SEMI JOIN repeated USING ({key})
            WHERE rule IS NULL
        )
        SELECT {FILE_COLUMN}, {ROW_COLUMN}, rule, rule_column FROM judged WHERE rule IS NOT NULL
        UNION ALL
        SELECT {FILE_COLUMN}, {ROW_COLUMN}, 'duplicate_key', '{entity.key[0]}'
        FROM superseded WHERE copy > 1
    """


def rejected_by_rule_select() -> str:
    """The five rules that reject most rows, with their column and count (for a refusal)."""
    return "SELECT rule, rule_column, count(*) FROM verdicts GROUP BY ALL ORDER BY 3 DESC LIMIT 5"


def cleaned(entity: Entity, column: str) -> str:
    """A kept row's value in the clean table: typed, and repaired where a rule says so."""
    value = typed(entity, column)
    if column in entity.formats:
        trimmed = f"trim({value}, {literal(WHITESPACE)})"
        pattern = literal(entity.formats[column])
        return f"CASE WHEN regexp_full_match({trimmed}, {pattern}) THEN {trimmed} END"
    if column in entity.time_zones:
        return f"CASE WHEN {_known_zone(value)} THEN {value} END"
    return value


def _known_zone(value: str) -> str:
    return f"({value} IS NULL OR {value} IN (SELECT name FROM {ZONES}()))"


def clean_select(entity: Entity) -> str:
    """The clean table: every kept landed row, typed and repaired."""
    columns = ", ".join(f"{cleaned(entity, c)} AS {quote(c)}" for c in entity.columns)
    return f"SELECT {columns} FROM {_KEPT}"


def repairs(entity: Entity) -> list[tuple[str, str, str]]:
    """(rule, column, condition on a landed row ``l``) for every repair the SQL makes."""
    found = []
    for column, kind in entity.columns.items():
        if kind.startswith("DECIMAL"):
            original, value = f"l.{quote(column)}", typed(entity, column)
            changed = f"TRY_CAST({original} AS DOUBLE) <> TRY_CAST({value} AS DOUBLE)"
            found.append(("rounded_to_cents", column, changed))
    for column, pattern in entity.formats.items():
        value = f"trim({typed(entity, column)}, {literal(WHITESPACE)})"
        malformed = f"{value} <> '' AND NOT regexp_full_match({value}, {literal(pattern)})"
        found.append((f"malformed_{column}", column, malformed))
    for column in entity.time_zones:
        found.append(("unknown_timezone", column, f"NOT {_known_zone(typed(entity, column))}"))
    for column, values in entity.known_values.items():
        found.append(("unknown_value", column, _unknown_value(entity, column, values)))
    return found


def _unknown_value(entity: Entity, column: str, values: tuple[str, ...]) -> str:
    # As exported, a known value is the common case: the exact test spares the trim.
    exact = ", ".join(literal(v) for v in values)
    known = ", ".join(literal(v.lower()) for v in values)
    value = typed(entity, column)
    folded = f"lower(trim({value}, {literal(WHITESPACE)}))"
    return (
        f"CASE WHEN {value} IN ({exact}) THEN false "
        f"ELSE {folded} <> '' AND {folded} NOT IN ({known}) END"
    )


def _repair_flags(entity: Entity) -> list[str]:
    return ["streamed_repairs", *(f"repair_{i}" for i in range(len(repairs(entity))))]


def fixed_select(entity: Entity) -> str:
    """``fixed``: the kept rows with a repair, whole, with the flags saying which.

    Repairs are read from the few rows ``judged`` flags, never from every landed row.
    """
    flags = _repair_flags(entity)
    return f"""
        SELECT {", ".join(f"j.{flag}" for flag in flags)}, l.*
        FROM (SELECT * FROM judged ANTI JOIN verdicts {_ROW} WHERE {" OR ".join(flags)}) j
        JOIN landed l {_ROW}
    """


def _row_json(entity: Entity) -> str:
    """The landed row as JSON; timestamps as their text, as DuckDB's JSON writes them."""
    fields = ", ".join(
        f"{quote(c)} := "
        + (f"CAST(l.{quote(c)} AS VARCHAR)" if kind == "TIMESTAMP" else f"l.{quote(c)}")
        for c, kind in entity.columns.items()
    )
    return f"to_json(struct_pack({fields}))"


def quarantine_select(entity: Entity) -> str:
    """The entity's quarantine rows (:data:`QUARANTINE_COLUMNS`): rejected rows, and the
    repaired values of kept rows, each with the original row."""
    record_key = " || '/' || ".join(
        f"coalesce(CAST(l.{quote(k)} AS VARCHAR), '')" for k in entity.key
    )
    head = f"SELECT {literal(entity.name)} AS entity, {record_key} AS record_key, " + (
        "CAST(l.cid AS VARCHAR) AS cid"
    )
    tail = (
        f"f.path AS source_file, l.{ROW_COLUMN} AS source_row, {_row_json(entity)} AS row_json, "
        "clock.loaded_at AS loaded_at"
    )
    origin = f"JOIN landed_files f USING ({FILE_COLUMN}) CROSS JOIN load_clock clock"
    what = "AS action, {} AS rule, {} AS column_name, {} AS rejected_value"
    value = _column_value_case(entity, "v.rule_column")
    parts = [
        f"{head}, '{REJECTED}' {what.format('v.rule', 'v.rule_column', value)}, {tail} "
        f"FROM landed l JOIN verdicts v {_ROW} {origin}",
        f"{head}, '{REPAIRED}' {what.format('fix.rule', 'fix.column', 'fix.original')}, "
        f"{tail} FROM (SELECT *, unnest(l.{REPAIRS_COLUMN}) AS fix FROM fixed l) l {origin}",
    ]
    for i, (rule, column, _condition) in enumerate(repairs(entity)):
        original = f"CAST(l.{quote(column)} AS VARCHAR)"
        parts.append(
            f"{head}, '{REPAIRED}' {what.format(literal(rule), literal(column), original)}, "
            f"{tail} FROM fixed l {origin} WHERE l.repair_{i}"
        )
    return " UNION ALL ".join(parts)


def _column_value_case(entity: Entity, column_expr: str) -> str:
    whens = " ".join(f"WHEN '{c}' THEN CAST(l.{quote(c)} AS VARCHAR)" for c in entity.columns)
    return f"CASE {column_expr} {whens} END"
