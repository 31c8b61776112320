"""Landing Parquet -> the DuckDB ``raw`` schema, with every bad row kept in quarantine.

An entity loads in four steps: its files are checked and streamed into a temporary
``landed`` table (:mod:`segmentation.landing.files`); each row gets a verdict; the load is
weighed against the last good one; and only then, in one transaction, the clean table
and the entity's quarantine rows are replaced. A re-run never duplicates; a failed or
refused load changes nothing.

Two kinds of problem, both recorded in ``raw.quarantine`` with a stable rule code:

* the row is **rejected** (kept out of the clean table): a missing key, a value of the
  wrong type, an unknown tenant or parent, a parent of another tenant, no timestamp to
  place it in time, a timestamp after the load time, or an older copy of a key;
* a value is **repaired** (the row is kept): a malformed email or phone (set to NULL),
  an unknown time zone (NULL: the default applies), an amount with fractions of a cent
  (rounded), text that was not NFC or held control characters or invalid UTF-8
  (normalized), or a value outside the known list of its column (kept as it is).

A load is **refused** (:class:`LoadRefused`), and the last good table stays, when the
export is empty where that cannot be right, unreadable, of another schema, or would
reject or lose most of the table's rows (:class:`LoadPolicy`).

Identifiers in the SQL come only from the entity specs in :mod:`segmentation.landing.sources`;
the load time and names are bound as parameters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import duckdb

from segmentation.landing.files import (
    FILE_COLUMN,
    REPAIRS_COLUMN,
    ROW_COLUMN,
    LandingRefused,
    landing_files,
    stream,
)
from segmentation.landing.sources import RAW_SCHEMA, Entity, Reference
from segmentation.landing.sources import entity as entity_spec
from segmentation.text import WHITESPACE
from segmentation.transactions import transaction

QUARANTINE = f"{RAW_SCHEMA}.quarantine"
LOAD_LOG = f"{RAW_SCHEMA}.load_log"

REJECTED = "rejected"
REPAIRED = "repaired"

_ROW = f"USING ({FILE_COLUMN}, {ROW_COLUMN})"
_KEPT = f"landed l ANTI JOIN verdicts v {_ROW}"


class LoadRefused(RuntimeError):
    """An export that would break the clean table; the last good table is kept."""


@dataclass(frozen=True)
class LoadPolicy:
    """When a load is refused rather than allowed to replace the last good table."""

    max_loss: float = 0.5
    """Refuse when more than this share of the landed rows would be rejected, or the
    clean table would shrink by more than this share of the last good load's rows."""


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


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema, the quarantine table and the load log if they are missing."""
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
    for column, kind in (("status", "VARCHAR"), ("files", "JSON"), ("message", "VARCHAR")):
        con.execute(f"ALTER TABLE {LOAD_LOG} ADD COLUMN IF NOT EXISTS {column} {kind}")


def last_good_load(con: duckdb.DuckDBPyConnection, entity: Entity) -> dict | None:
    """The entity's last load that replaced its table: when, rows, and the files read."""
    ensure_schema(con)
    rows = con.execute(
        f"""
        SELECT loaded_at, landed_rows, loaded_rows, rejected_rows, files FROM {LOAD_LOG}
        WHERE entity = ? AND coalesce(status, 'loaded') = 'loaded'
        ORDER BY loaded_at DESC LIMIT 1
        """,
        [entity.name],
    ).fetchall()
    if not rows:
        return None
    loaded_at, landed, loaded, rejected, files = rows[0]
    return {
        "loaded_at": loaded_at,
        "landed_rows": landed,
        "loaded_rows": loaded,
        "rejected_rows": rejected,
        "files": json.loads(files) if files else {},
    }


def last_loaded_at(con: duckdb.DuckDBPyConnection, entity: Entity) -> datetime | None:
    """When the entity's table was last replaced (the ``loaded_at`` its rules used)."""
    good = last_good_load(con, entity)
    return good["loaded_at"] if good else None


@dataclass(frozen=True)
class Conservation:
    """Rows of the entity's last good load: as the files' footers count them, and where
    they went. Every landed row is in the clean table or in quarantine, never both."""

    landed: int
    clean: int
    quarantined: int

    @property
    def holds(self) -> bool:
        """Whether no row was lost or counted twice."""
        return self.landed == self.clean + self.quarantined


def conservation(con: duckdb.DuckDBPyConnection, entity: Entity) -> Conservation:
    """Count the rows of the entity's last good load, independently of the loader's own
    figures: the files' row counts against the clean table and the rejected rows."""
    good = last_good_load(con, entity)
    landed = sum(good["files"].values()) if good else 0
    clean, quarantined = con.execute(
        f"""SELECT (SELECT count(*) FROM {entity.relation}),
                   (SELECT count(*) FROM {QUARANTINE} WHERE entity = ? AND action = ?)""",
        [entity.name, REJECTED],
    ).fetchall()[0]
    return Conservation(landed, clean, quarantined)


def load_entity(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    landing_dir,
    loaded_at: datetime,
    policy: LoadPolicy | None = None,
) -> LoadResult:
    """Replace ``raw.crm_<entity>`` and its quarantine rows from the landing files.

    ``loaded_at`` (naive UTC) is the moment the export is taken to describe: a
    timestamp after it is rejected as ``future_timestamp``. Parents listed in
    ``entity.references`` must already be loaded. :class:`LoadRefused` when the export
    would replace the table with a broken one (the table is then left as it was).
    """
    ensure_schema(con)
    try:
        try:
            files = landing_files(landing_dir, entity)
            con.register("landing_stream", stream(files, entity))
            con.execute("CREATE OR REPLACE TEMP TABLE landed AS SELECT * FROM landing_stream")
        except (LandingRefused, duckdb.Error) as error:
            _refuse(con, entity, loaded_at, _Counts(), str(error))
        con.execute(
            "CREATE OR REPLACE TEMP TABLE load_clock AS SELECT ?::TIMESTAMP AS loaded_at",
            [loaded_at],
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE landed_files AS SELECT unnest(range(?)) AS "
            f"{FILE_COLUMN}, unnest(?) AS path",
            [len(files), [str(f.path) for f in files]],
        )
        con.execute(_judged_sql(entity))
        con.execute(_verdicts_sql(entity))
        counts = _Counts.of(con, {str(f.path): f.rows for f in files})
        _weigh(con, entity, loaded_at, counts, policy or LoadPolicy())
        with transaction(con):
            con.execute(_clean_table_sql(entity))
            con.execute(f"DELETE FROM {QUARANTINE} WHERE entity = ?", [entity.name])
            con.execute(_quarantine_sql(entity), [entity.name])
            _log(con, entity, loaded_at, counts, "loaded", None)
        return _result(con, entity)
    finally:
        con.unregister("landing_stream")
        for table in ("landed", "landed_files", "judged", "verdicts", "load_clock"):
            con.execute(f"DROP TABLE IF EXISTS {table}")


@dataclass(frozen=True)
class _Counts:
    """Rows of a load, for its log and its weighing."""

    files: dict[str, int] | None = None
    """Rows per file, from the Parquet footers (not from the load itself)."""
    landed: int = 0
    rejected: int = 0

    @classmethod
    def of(cls, con: duckdb.DuckDBPyConnection, files: dict[str, int]) -> _Counts:
        landed, rejected = con.execute(
            "SELECT (SELECT count(*) FROM landed), (SELECT count(*) FROM verdicts)"
        ).fetchall()[0]
        return cls(files, landed, rejected)


def _weigh(con, entity: Entity, loaded_at: datetime, counts: _Counts, policy: LoadPolicy):
    """Refuse a load that would replace a good table with a broken one."""
    landed, rejected = counts.landed, counts.rejected
    kept = landed - rejected
    good = last_good_load(con, entity)
    before = good["loaded_rows"] if good else 0
    reason = None
    if landed == 0 and (entity.required or before):
        reason = (
            f"the export has no rows, where the last good load kept {before:,}"
            if before
            else f"the export has no rows, and a CRM always has {entity.name}"
        )
    elif landed and rejected > policy.max_loss * landed:
        reason = (
            f"{rejected:,} of its {landed:,} rows would be rejected "
            f"(more than {policy.max_loss:.0%})"
        )
    elif before and kept < (1 - policy.max_loss) * before:
        reason = (
            f"the table would keep {kept:,} rows where the last good load kept {before:,} "
            f"(a loss of more than {policy.max_loss:.0%})"
        )
    if reason is not None:
        rules = con.execute(
            "SELECT rule, rule_column, count(*) FROM verdicts GROUP BY ALL ORDER BY 3 DESC LIMIT 5"
        ).fetchall()
        detail = "".join(f"\n  {n:,} rows: {rule} ({column})" for rule, column, n in rules)
        _refuse(con, entity, loaded_at, counts, reason + detail)


def _refuse(con, entity: Entity, loaded_at: datetime, counts: _Counts, reason: str):
    message = (
        f"load of {entity.name} refused, raw.{entity.table} is left as it was: {reason}\n"
        "Fix the export (or raise SEGMENTATION_LOAD_MAX_LOSS if the change is real) and "
        "run the day again."
    )
    _log(con, entity, loaded_at, counts, "refused", message)
    raise LoadRefused(message)


def _log(con, entity: Entity, loaded_at, counts: _Counts, status: str, message: str | None):
    """One row of the load log; a refused load's counts say what was refused."""
    repaired = con.execute(
        f"SELECT count(*) FROM {QUARANTINE} WHERE entity = ? AND action = '{REPAIRED}'",
        [entity.name],
    ).fetchall()[0][0]
    con.execute(
        f"""
        INSERT INTO {LOAD_LOG} (entity, loaded_at, landed_rows, loaded_rows, rejected_rows,
                                repaired_values, status, files, message)
        VALUES (?, ?::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            entity.name,
            loaded_at,
            counts.landed,
            counts.landed - counts.rejected,
            counts.rejected,
            repaired if status == "loaded" else 0,
            status,
            json.dumps(counts.files or {}),
            message,
        ],
    )


def _typed(entity: Entity, column: str) -> str:
    """A landed column cast to its type (text is already clean: :mod:`.landed`)."""
    kind = entity.columns[column]
    return f"l.{quote(column)}" if kind == "VARCHAR" else f"TRY_CAST(l.{quote(column)} AS {kind})"


def _reference_rules(entity: Entity) -> tuple[list[str], list[_Rule]]:
    joins, rules = [], []
    for i, ref in enumerate(entity.references):
        alias = f"ref{i}"
        joins.append(_reference_join(ref, alias))
        col = f"l.{quote(ref.column)}"
        noun = _reference_noun(ref)
        rules.append(_Rule(f"{col} IS NULL", "missing_reference", ref.column))
        rules.append(_Rule(f"{alias}.parent_key IS NULL", f"unknown_{noun}", ref.column))
        if ref.column != "cid":
            rules.append(_Rule(f"{alias}.parent_cid <> l.cid", f"cross_tenant_{noun}", ref.column))
    return joins, rules


def _reference_noun(ref: Reference) -> str:
    return "tenant" if ref.column == "cid" else ref.column.removesuffix("_id")


def _reference_join(ref: Reference, alias: str) -> str:
    parent = entity_spec(ref.parent).relation
    return (
        f"LEFT JOIN (SELECT {quote(ref.parent_column)} AS parent_key, cid AS parent_cid "
        f"FROM {parent}) {alias} ON {alias}.parent_key = l.{quote(ref.column)}"
    )


def _row_rules(entity: Entity) -> tuple[list[str], list[_Rule]]:
    """Rules that reject a row, in the order a row is judged: the first it breaks wins."""
    rules = [_Rule(f"{_typed(entity, k)} IS NULL", "missing_key", k) for k in entity.key]
    for column, kind in entity.columns.items():
        if kind != "VARCHAR":  # text always is text
            typed = f"l.{quote(column)} IS NOT NULL AND {_typed(entity, column)} IS NULL"
            rules.append(_Rule(typed, "invalid_type", column))
    joins, reference_rules = _reference_rules(entity)
    rules += reference_rules
    if entity.placed_at:
        placed = f"{_typed(entity, entity.placed_at)} IS NULL"
        rules.append(_Rule(placed, "missing_timestamp", entity.placed_at))
    rules += [
        _Rule(f"{_typed(entity, c)} > clock.loaded_at", "future_timestamp", c)
        for c in entity.happened_at
    ]
    return joins, rules


def _case(rules: list[_Rule], attribute: str) -> str:
    whens = " ".join(f"WHEN {r.condition} THEN '{getattr(r, attribute)}'" for r in rules)
    return f"CASE {whens} END"


def _judged_sql(entity: Entity) -> str:
    """``judged``: per landed row, the first rule it breaks (NULL when none), what is
    needed to rank copies of a key, and the values its kept row would need repaired.

    Narrow on purpose (keys, timestamps and one flag per repair, not the row): it holds
    every landed row.
    """
    joins, rules = _row_rules(entity)
    ranked = dict.fromkeys([*entity.key, *entity.version_by])
    carried = ", ".join(f"{_typed(entity, c)} AS {quote(c)}" for c in ranked)
    flags = "".join(
        f", coalesce({condition}, false) AS repair_{i}"
        for i, (_rule, _column, condition) in enumerate(_repairs(entity))
    )
    return f"""
        CREATE OR REPLACE TEMP TABLE judged AS
        SELECT l.{FILE_COLUMN}, l.{ROW_COLUMN}, {carried},
               {_case(rules, "code")} AS rule, {_case(rules, "column")} AS rule_column,
               len(l.{REPAIRS_COLUMN}) > 0 AS streamed_repairs{flags}
        FROM landed l CROSS JOIN load_clock clock
        {" ".join(joins)}
    """


def _verdicts_sql(entity: Entity) -> str:
    """``verdicts(_file, _row, rule, rule_column)``: one row per rejected landed row.

    A row is judged by the first rule it breaks; among the rows that break none, every
    copy of a key but its latest version is rejected as ``duplicate_key``.
    """
    key = ", ".join(quote(k) for k in entity.key)
    newest = [f"{quote(c)} DESC NULLS LAST" for c in entity.version_by]
    order = ", ".join([*newest, f"{FILE_COLUMN} DESC", f"{ROW_COLUMN} DESC"])
    return f"""
        CREATE OR REPLACE TEMP TABLE verdicts AS
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


def _cleaned(entity: Entity, column: str) -> str:
    """A kept row's value in the clean table: typed, and repaired where a rule says so."""
    typed = _typed(entity, column)
    if column in entity.formats:
        value, pattern = f"trim({typed}, {literal(WHITESPACE)})", literal(entity.formats[column])
        return f"CASE WHEN regexp_full_match({value}, {pattern}) THEN {value} END"
    if column in entity.time_zones:
        return f"CASE WHEN {_known_zone(typed)} THEN {typed} END"
    return typed


def _known_zone(value: str) -> str:
    return f"({value} IS NULL OR {value} IN (SELECT name FROM pg_timezone_names()))"


def _clean_table_sql(entity: Entity) -> str:
    columns = ", ".join(f"{_cleaned(entity, c)} AS {quote(c)}" for c in entity.columns)
    return f"CREATE OR REPLACE TABLE {entity.relation} AS SELECT {columns} FROM {_KEPT}"


def _repairs(entity: Entity) -> list[tuple[str, str, str]]:
    """(rule, column, condition on a landed row ``l``) for every repair the SQL makes."""
    repairs = []
    for column, kind in entity.columns.items():
        if kind.startswith("DECIMAL"):
            original, typed = f"l.{quote(column)}", _typed(entity, column)
            changed = f"TRY_CAST({original} AS DOUBLE) <> TRY_CAST({typed} AS DOUBLE)"
            repairs.append(("rounded_to_cents", column, changed))
    for column, pattern in entity.formats.items():
        value = f"trim({_typed(entity, column)}, {literal(WHITESPACE)})"
        malformed = f"{value} <> '' AND NOT regexp_full_match({value}, {literal(pattern)})"
        repairs.append((f"malformed_{column}", column, malformed))
    for column in entity.time_zones:
        repairs.append(("unknown_timezone", column, f"NOT {_known_zone(_typed(entity, column))}"))
    for column, values in entity.known_values.items():
        # As exported, a known value is the common case: the exact test spares the trim.
        exact = ", ".join(literal(v) for v in values)
        known = ", ".join(literal(v.lower()) for v in values)
        typed = _typed(entity, column)
        value = f"lower(trim({typed}, {literal(WHITESPACE)}))"
        unknown = (
            f"CASE WHEN {typed} IN ({exact}) THEN false "
            f"ELSE {value} <> '' AND {value} NOT IN ({known}) END"
        )
        repairs.append(("unknown_value", column, unknown))
    return repairs


def _quarantine_sql(entity: Entity) -> str:
    """Rejected rows, and repaired values of kept rows, each with the original row.

    Repairs are read from the few rows ``judged`` flags, never from every landed row.
    """
    record_key = " || '/' || ".join(
        f"coalesce(CAST(l.{quote(k)} AS VARCHAR), '')" for k in entity.key
    )
    row_json = (
        "to_json(struct_pack("
        + ", ".join(f"{quote(c)} := l.{quote(c)}" for c in entity.columns)
        + "))"
    )
    head = f"SELECT $1, {record_key}, CAST(l.cid AS VARCHAR)"
    tail = f"f.path, l.{ROW_COLUMN}, {row_json}, clock.loaded_at"
    origin = f"JOIN landed_files f USING ({FILE_COLUMN}) CROSS JOIN load_clock clock"
    value = _column_value_case(entity, "v.rule_column")
    repairs = _repairs(entity)
    flags = ["streamed_repairs", *(f"repair_{i}" for i in range(len(repairs)))]
    parts = [
        f"{head}, '{REJECTED}', v.rule, v.rule_column, {value}, {tail} "
        f"FROM landed l JOIN verdicts v {_ROW} {origin}",
        f"{head}, '{REPAIRED}', fix.rule, fix.column, fix.original, {tail} "
        f"FROM fixed l {origin}, (SELECT unnest(l.{REPAIRS_COLUMN}) AS fix)",
    ]
    parts += [
        f"{head}, '{REPAIRED}', '{rule}', '{column}', CAST(l.{quote(column)} AS VARCHAR), "
        f"{tail} FROM fixed l {origin} WHERE l.repair_{i}"
        for i, (rule, column, _condition) in enumerate(repairs)
    ]
    return f"""
        INSERT INTO {QUARANTINE}
        WITH fixed AS MATERIALIZED (
            SELECT {", ".join(f"j.{flag}" for flag in flags)}, l.*
            FROM (SELECT * FROM judged ANTI JOIN verdicts {_ROW} WHERE {" OR ".join(flags)}) j
            JOIN landed l {_ROW}
        )
        {" UNION ALL ".join(parts)}
    """


def _column_value_case(entity: Entity, column_expr: str) -> str:
    whens = " ".join(f"WHEN '{c}' THEN CAST(l.{quote(c)} AS VARCHAR)" for c in entity.columns)
    return f"CASE {column_expr} {whens} END"


def _result(con: duckdb.DuckDBPyConnection, entity: Entity) -> LoadResult:
    landed = con.execute("SELECT count(*) FROM landed").fetchall()[0][0]
    loaded = con.execute(f"SELECT count(*) FROM {entity.relation}").fetchall()[0][0]
    counts = con.execute(
        f"SELECT action, rule, count(*) FROM {QUARANTINE} WHERE entity = ? "
        "GROUP BY ALL ORDER BY ALL",
        [entity.name],
    ).fetchall()
    return LoadResult(
        entity=entity.name,
        table=f"{entity.relation}",
        landed_rows=landed,
        loaded_rows=loaded,
        rejected={rule: n for action, rule, n in counts if action == REJECTED},
        repaired={rule: n for action, rule, n in counts if action == REPAIRED},
    )
