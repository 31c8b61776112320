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

The rules themselves (which row is rejected, which value repaired, what quarantine
keeps) are written once in :mod:`segmentation.landing.rules`, and are also what the Spark
loader (:mod:`segmentation.spark.load`) runs. Identifiers in the SQL come only from the
entity specs in :mod:`segmentation.landing.sources`; the load time is bound as a parameter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import duckdb

from segmentation.landing import rules
from segmentation.landing.files import FILE_COLUMN, LandingRefused, landing_files, stream
from segmentation.landing.rules import REJECTED, REPAIRED
from segmentation.landing.rules import literal as literal  # callers import them from here
from segmentation.landing.rules import quote as quote
from segmentation.landing.sources import RAW_SCHEMA, Entity
from segmentation.transactions import transaction

QUARANTINE = f"{RAW_SCHEMA}.quarantine"
LOAD_LOG = f"{RAW_SCHEMA}.load_log"


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
    """The entity's last load that replaced its table: when, rows, and the files read;
    None before the first (a read: the load log is not created here)."""
    try:
        rows = con.execute(
            f"""
            SELECT loaded_at, landed_rows, loaded_rows, rejected_rows, files FROM {LOAD_LOG}
            WHERE entity = ? AND coalesce(status, 'loaded') = 'loaded'
            ORDER BY loaded_at DESC LIMIT 1
            """,
            [entity.name],
        ).fetchall()
    except duckdb.CatalogException:
        return None
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
            con.execute(_quarantine_sql(entity))
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


def refusal_reason(
    entity: Entity, landed: int, rejected: int, before: int, policy: LoadPolicy
) -> str | None:
    """Why a load of ``landed`` rows, ``rejected`` of them, must not replace a table whose
    last good load kept ``before`` rows; None when it may."""
    kept = landed - rejected
    if landed == 0 and (entity.required or before):
        return (
            f"the export has no rows, where the last good load kept {before:,}"
            if before
            else f"the export has no rows, and a CRM always has {entity.name}"
        )
    if landed and rejected > policy.max_loss * landed:
        return (
            f"{rejected:,} of its {landed:,} rows would be rejected "
            f"(more than {policy.max_loss:.0%})"
        )
    if before and kept < (1 - policy.max_loss) * before:
        return (
            f"the table would keep {kept:,} rows where the last good load kept {before:,} "
            f"(a loss of more than {policy.max_loss:.0%})"
        )
    return None


def refusal_message(entity: Entity, reason: str, top_rules: list[tuple] = ()) -> str:
    """What a refused load says: why, the rules that rejected most (rule, column, rows),
    and what to do."""
    detail = "".join(f"\n  {n:,} rows: {rule} ({column})" for rule, column, n in top_rules)
    return (
        f"load of {entity.name} refused, raw.{entity.table} is left as it was: {reason}"
        f"{detail}\nFix the export (or raise SEGMENTATION_LOAD_MAX_LOSS if the change is real) "
        "and run the day again."
    )


def _weigh(con, entity: Entity, loaded_at: datetime, counts: _Counts, policy: LoadPolicy):
    """Refuse a load that would replace a good table with a broken one."""
    good = last_good_load(con, entity)
    before = good["loaded_rows"] if good else 0
    reason = refusal_reason(entity, counts.landed, counts.rejected, before, policy)
    if reason is not None:
        top_rules = con.execute(rules.rejected_by_rule_select()).fetchall()
        _refuse(con, entity, loaded_at, counts, reason, top_rules)


def _refuse(con, entity: Entity, loaded_at, counts: _Counts, reason: str, top_rules=()):
    message = refusal_message(entity, reason, top_rules)
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


def _judged_sql(entity: Entity) -> str:
    return f"CREATE OR REPLACE TEMP TABLE judged AS {rules.judged_select(entity)}"


def _verdicts_sql(entity: Entity) -> str:
    return f"CREATE OR REPLACE TEMP TABLE verdicts AS {rules.verdicts_select(entity)}"


def _clean_table_sql(entity: Entity) -> str:
    return f"CREATE OR REPLACE TABLE {entity.relation} AS {rules.clean_select(entity)}"


def _quarantine_sql(entity: Entity) -> str:
    return f"""
        INSERT INTO {QUARANTINE}
        WITH fixed AS MATERIALIZED ({rules.fixed_select(entity)})
        {rules.quarantine_select(entity)}
    """


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
