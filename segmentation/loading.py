"""Landing Parquet -> the DuckDB ``raw`` schema, with every bad row kept in quarantine.

Each entity loads in one transaction: its clean table is replaced and its quarantine
rows are replaced, so a re-run never duplicates and a failed run changes nothing.

Two kinds of problem, both recorded in ``raw.quarantine`` with a stable rule code:

* the row is **rejected** (kept out of the clean table): a missing key, a value of the
  wrong type, an unknown tenant or parent, a parent of another tenant, a timestamp after
  the load time, a value outside the accepted set, a duplicate key;
* one value is **repaired** (set to NULL in the clean table, the original kept): a
  malformed email or phone, which must not cost us the contact.

Identifiers in the SQL come only from the entity specs in :mod:`segmentation.sources`;
the load time and the file path are bound as parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from segmentation.sources import Entity, Reference

RAW_SCHEMA = "raw"
QUARANTINE = f"{RAW_SCHEMA}.quarantine"
LOAD_LOG = f"{RAW_SCHEMA}.load_log"

REJECTED = "rejected"
REPAIRED = "repaired"


@dataclass(frozen=True)
class LoadResult:
    """What one entity's load did: rows landed, loaded, and problems by rule."""

    entity: str
    table: str
    landed_rows: int
    loaded_rows: int
    rejected: dict[str, int]
    repaired: dict[str, int]

    @property
    def rejected_rows(self) -> int:
        """Rows kept out of the clean table."""
        return sum(self.rejected.values())


@dataclass(frozen=True)
class _Rule:
    condition: str
    code: str
    column: str


def quote(identifier: str) -> str:
    """Quote an identifier for DuckDB (identifiers come from specs, never from users)."""
    return '"' + identifier.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A SQL string literal of a spec constant."""
    return "'" + value.replace("'", "''") + "'"


def landing_path(landing_dir: Path, entity: Entity) -> Path:
    """Directory holding the entity's Parquet files."""
    return Path(landing_dir) / entity.name


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and the quarantine table if they are missing."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    con.execute(
        f"""
        CREATE TABLE IF NOT EXISTS {QUARANTINE} (
            entity VARCHAR NOT NULL,
            record_key VARCHAR,
            cid VARCHAR,
            action VARCHAR NOT NULL,
            rule VARCHAR NOT NULL,
            column_name VARCHAR,
            rejected_value VARCHAR,
            source_file VARCHAR NOT NULL,
            source_row BIGINT NOT NULL,
            row_json JSON NOT NULL,
            loaded_at TIMESTAMP NOT NULL
        )
        """
    )
    con.execute(
        f"""
        CREATE TABLE IF NOT EXISTS {LOAD_LOG} (
            entity VARCHAR NOT NULL,
            loaded_at TIMESTAMP NOT NULL,
            landed_rows BIGINT NOT NULL,
            loaded_rows BIGINT NOT NULL,
            rejected_rows BIGINT NOT NULL,
            repaired_values BIGINT NOT NULL
        )
        """
    )


def last_loaded_at(con: duckdb.DuckDBPyConnection, entity: Entity) -> datetime | None:
    """When the entity was last loaded (the ``loaded_at`` its rules were checked against)."""
    ensure_schema(con)
    rows = con.execute(
        f"SELECT max(loaded_at) FROM {LOAD_LOG} WHERE entity = ?", [entity.name]
    ).fetchall()
    return rows[0][0]


def load_entity(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    landing_dir: Path,
    loaded_at: datetime,
) -> LoadResult:
    """Replace ``raw.crm_<entity>`` and its quarantine rows from the landing files.

    ``loaded_at`` (naive UTC) is the moment the export is taken to describe: a
    timestamp after it is rejected as ``future_timestamp``. Parents listed in
    ``entity.references`` must already be loaded.
    """
    files = sorted(landing_path(landing_dir, entity).glob("*.parquet"))
    if not files:
        raise FileNotFoundError(
            f"no Parquet files for entity {entity.name!r} under "
            f"{landing_path(landing_dir, entity)}; generate data with "
            "`segmentation generate` or drop the CRM export there"
        )
    ensure_schema(con)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE landed AS SELECT * "
        "FROM read_parquet(?, filename = true, file_row_number = true, union_by_name = true)",
        [[str(f) for f in files]],
    )
    _require_columns(con, entity)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE load_clock AS SELECT ?::TIMESTAMP AS loaded_at", [loaded_at]
    )
    con.execute(_checked_sql(entity))
    _rank_duplicates(con, entity)

    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(_clean_table_sql(entity))
        con.execute(f"DELETE FROM {QUARANTINE} WHERE entity = ?", [entity.name])
        con.execute(_quarantine_sql(entity), [entity.name])
        con.execute(
            f"""
            INSERT INTO {LOAD_LOG}
            SELECT ?, loaded_at, (SELECT count(*) FROM landed),
                   (SELECT count(*) FROM checked WHERE _rule IS NULL),
                   (SELECT count(*) FROM checked WHERE _rule IS NOT NULL),
                   (SELECT count(*) FROM {QUARANTINE} WHERE entity = ? AND action = '{REPAIRED}')
            FROM load_clock
            """,
            [entity.name, entity.name],
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return _result(con, entity)


def _require_columns(con: duckdb.DuckDBPyConnection, entity: Entity) -> None:
    present = {row[0] for row in con.execute("DESCRIBE landed").fetchall()}
    missing = [c for c in entity.columns if c not in present]
    if missing:
        raise ValueError(
            f"landing files of {entity.name!r} lack column(s) {', '.join(missing)}; "
            f"expected columns: {', '.join(entity.columns)}"
        )


def _reference_rules(entity: Entity) -> tuple[list[str], list[_Rule]]:
    joins, rules = [], []
    for i, ref in enumerate(entity.references):
        alias = f"ref{i}"
        joins.append(_reference_join(ref, alias))
        col = f"t.{quote(ref.column)}"
        noun = _reference_noun(ref)
        rules.append(_Rule(f"{col} IS NULL", "missing_reference", ref.column))
        rules.append(_Rule(f"{alias}.parent_key IS NULL", f"unknown_{noun}", ref.column))
        if ref.column != "cid":
            rules.append(_Rule(f"{alias}.parent_cid <> t.cid", f"cross_tenant_{noun}", ref.column))
    return joins, rules


def _reference_noun(ref: Reference) -> str:
    return "tenant" if ref.column == "cid" else ref.column.removesuffix("_id")


def _reference_join(ref: Reference, alias: str) -> str:
    parent = f"{RAW_SCHEMA}.crm_{ref.parent}"
    return (
        f"LEFT JOIN (SELECT {quote(ref.parent_column)} AS parent_key, cid AS parent_cid "
        f"FROM {parent}) {alias} ON {alias}.parent_key = t.{quote(ref.column)}"
    )


def _row_rules(entity: Entity) -> tuple[list[str], list[_Rule]]:
    rules = [_Rule(f"t.{quote(k)} IS NULL", "missing_key", k) for k in entity.key]
    for column in entity.columns:
        q = quote(column)
        rules.append(_Rule(f"l.{q} IS NOT NULL AND t.{q} IS NULL", "invalid_type", column))
    joins, reference_rules = _reference_rules(entity)
    rules += reference_rules
    rules += [
        _Rule(f"t.{quote(c)} > clock.loaded_at", "future_timestamp", c) for c in entity.happened_at
    ]
    for column, values in entity.accepted_values.items():
        allowed = ", ".join(literal(v) for v in values)
        rules.append(_Rule(f"t.{quote(column)} NOT IN ({allowed})", "unaccepted_value", column))
    return joins, rules


def _case(rules: list[_Rule], attribute: str) -> str:
    whens = " ".join(f"WHEN {r.condition} THEN '{getattr(r, attribute)}'" for r in rules)
    return f"CASE {whens} END"


def _checked_sql(entity: Entity) -> str:
    """Typed rows with the first row-level rule each breaks (NULL when clean)."""
    typed = ", ".join(
        f"TRY_CAST(l.{quote(c)} AS {t}) AS {quote(c)}" for c, t in entity.columns.items()
    )
    joins, rules = _row_rules(entity)
    return f"""
        CREATE OR REPLACE TEMP TABLE checked AS
        WITH t AS (
            SELECT {typed}, l.filename AS _file, l.file_row_number AS _row
            FROM landed l
        )
        SELECT t.*, {_case(rules, "code")} AS _rule, {_case(rules, "column")} AS _rule_column
        FROM t
        JOIN landed l ON l.filename = t._file AND l.file_row_number = t._row
        CROSS JOIN load_clock clock
        {" ".join(joins)}
    """


def _rank_duplicates(con: duckdb.DuckDBPyConnection, entity: Entity) -> None:
    """Among otherwise clean rows, keep one per key: the newest, then the first landed."""
    partition = ", ".join(quote(k) for k in entity.key)
    order = "_file, _row"
    if entity.newest_first_by:
        order = f"{quote(entity.newest_first_by)} DESC NULLS LAST, {order}"
    con.execute(
        f"""
        UPDATE checked SET _rule = 'duplicate_key', _rule_column = '{entity.key[0]}'
        FROM (
            SELECT _file AS f, _row AS r,
                   row_number() OVER (PARTITION BY {partition} ORDER BY {order}) AS copy
            FROM checked WHERE _rule IS NULL
        ) ranked
        WHERE checked._file = ranked.f AND checked._row = ranked.r AND ranked.copy > 1
        """
    )


def _repaired_expr(column: str, pattern: str) -> str:
    q = quote(column)
    return f"CASE WHEN regexp_full_match(trim({q}), {literal(pattern)}) THEN {q} END"


def _clean_table_sql(entity: Entity) -> str:
    columns = ", ".join(
        f"{_repaired_expr(c, entity.formats[c])} AS {quote(c)}" if c in entity.formats else quote(c)
        for c in entity.columns
    )
    return (
        f"CREATE OR REPLACE TABLE {RAW_SCHEMA}.{entity.table} AS "
        f"SELECT {columns} FROM checked WHERE _rule IS NULL ORDER BY _file, _row"
    )


def _quarantine_sql(entity: Entity) -> str:
    """Rejected rows, and repaired values of accepted rows, with the original row."""
    record_key = " || '/' || ".join(
        f"coalesce(CAST(l.{quote(k)} AS VARCHAR), '')" for k in entity.key
    )
    row_json = (
        "to_json(struct_pack("
        + ", ".join(f"{quote(c)} := l.{quote(c)}" for c in entity.columns)
        + "))"
    )
    base = (
        f"SELECT $1, {record_key}, CAST(l.cid AS VARCHAR), {{action}}, {{rule}}, {{column}}, "
        f"{{value}}, c._file, c._row, {row_json}, clock.loaded_at "
        "FROM checked c JOIN landed l ON l.filename = c._file AND l.file_row_number = c._row "
        "CROSS JOIN load_clock clock"
    )
    rejected = (
        base.format(
            action=f"'{REJECTED}'",
            rule="c._rule",
            column="c._rule_column",
            value=_column_value_case(entity, "c._rule_column"),
        )
        + " WHERE c._rule IS NOT NULL"
    )
    parts = [rejected]
    for column, pattern in entity.formats.items():
        q = quote(column)
        parts.append(
            base.format(
                action=f"'{REPAIRED}'",
                rule=f"'malformed_{column}'",
                column=f"'{column}'",
                value=f"CAST(l.{q} AS VARCHAR)",
            )
            + f" WHERE c._rule IS NULL AND c.{q} IS NOT NULL"
            f" AND NOT regexp_full_match(trim(c.{q}), {literal(pattern)})"
        )
    return f"INSERT INTO {QUARANTINE} " + " UNION ALL ".join(parts)


def _column_value_case(entity: Entity, column_expr: str) -> str:
    whens = " ".join(f"WHEN '{c}' THEN CAST(l.{quote(c)} AS VARCHAR)" for c in entity.columns)
    return f"CASE {column_expr} {whens} END"


def _result(con: duckdb.DuckDBPyConnection, entity: Entity) -> LoadResult:
    landed = con.execute("SELECT count(*) FROM landed").fetchall()[0][0]
    loaded = con.execute(f"SELECT count(*) FROM {RAW_SCHEMA}.{entity.table}").fetchall()[0][0]
    counts = con.execute(
        f"SELECT action, rule, count(*) FROM {QUARANTINE} WHERE entity = ? "
        "GROUP BY ALL ORDER BY ALL",
        [entity.name],
    ).fetchall()
    con.execute("DROP TABLE IF EXISTS landed; DROP TABLE IF EXISTS checked; DROP TABLE load_clock")
    return LoadResult(
        entity=entity.name,
        table=f"{RAW_SCHEMA}.{entity.table}",
        landed_rows=landed,
        loaded_rows=loaded,
        rejected={rule: n for action, rule, n in counts if action == REJECTED},
        repaired={rule: n for action, rule, n in counts if action == REPAIRED},
    )
