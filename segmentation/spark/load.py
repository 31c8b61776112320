"""Landing Parquet -> Spark's ``raw`` tables, by the DuckDB loader's own rules.

The same load as :mod:`segmentation.landing.load`, step for step, on Spark: the files are
checked by :func:`~segmentation.landing.files.landing_files`, read by Spark, and their
text made clean by :func:`~segmentation.landing.files.cleaned` (in Python workers); every
row is judged and repaired by the statements of :mod:`segmentation.landing.rules`,
rendered for Spark by :mod:`segmentation.spark.render`; the load is weighed by the same
:class:`LoadPolicy`; and the clean table, ``raw.quarantine`` and ``raw.load_log`` get the
columns and values DuckDB's have.

Spark's Parquet tables have no transactions. A load therefore writes its clean table
and the whole new quarantine table to new directories first, and only then switches
each table to its new directory (``ALTER TABLE ... SET LOCATION``, one metastore update
each) and logs the load. A load that fails or is refused before the switch changes
nothing but the log; the old directories are deleted after it.

ANSI mode stays on (Spark 4's default): the rules cast with ``TRY_CAST`` wherever a
value may be bad, as they do on DuckDB, so a bad value is judged, never an error; any
other failing cast is a bug that should stop the load.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import datetime
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from segmentation.landing import rules
from segmentation.landing.files import (
    FILE_COLUMN,
    REPAIR,
    REPAIRS_COLUMN,
    ROW_COLUMN,
    LandingFile,
    LandingRefused,
    cleaned,
    landed_schema,
    landing_files,
)
from segmentation.landing.load import (
    LOAD_LOG,
    QUARANTINE,
    LoadPolicy,
    LoadRefused,
    LoadResult,
    refusal_message,
    refusal_reason,
)
from segmentation.landing.rules import REJECTED, REPAIRED
from segmentation.landing.sources import RAW_SCHEMA, Entity, arrow_schema
from segmentation.spark.render import DOUBLE_TEXT, double_text, render

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

QUARANTINE_DDL = (
    "entity STRING, record_key STRING, cid STRING, action STRING, rule STRING, "
    "column_name STRING, rejected_value STRING, source_file STRING, source_row BIGINT, "
    "row_json STRING, loaded_at TIMESTAMP_NTZ"
)
LOAD_LOG_DDL = (
    "entity STRING, loaded_at TIMESTAMP_NTZ, landed_rows BIGINT, loaded_rows BIGINT, "
    "rejected_rows BIGINT, repaired_values BIGINT, status STRING, files STRING, message STRING"
)
_VIEWS = ("landed", "landed_files", "load_clock", "judged", "verdicts", "fixed", "quarantined")


_ENSURED: set[tuple[int, str]] = set()
"""The (session, warehouse) pairs whose raw tables this process has made sure of."""


def ensure_schema(spark: SparkSession) -> None:
    """Create the raw database, the quarantine table and the load log if they are missing
    (asked of the metastore once per session)."""
    ensured = (id(spark), spark.conf.get("spark.sql.warehouse.dir"))
    if ensured in _ENSURED:
        return
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {RAW_SCHEMA}")
    for table, ddl in ((QUARANTINE, QUARANTINE_DDL), (LOAD_LOG, LOAD_LOG_DDL)):
        if not spark.catalog.tableExists(table):
            spark.sql(
                f"CREATE TABLE {table} ({ddl}) USING parquet "
                f"LOCATION '{_new_location(spark, table)}'"
            )
    _ENSURED.add(ensured)


def last_good_rows(spark: SparkSession, entity: Entity) -> int:
    """Rows the entity's last load that replaced its table kept (0 when none did)."""
    rows = spark.sql(
        f"SELECT loaded_rows FROM {LOAD_LOG} WHERE entity = {rules.literal(entity.name)} "
        "AND coalesce(status, 'loaded') = 'loaded' ORDER BY loaded_at DESC LIMIT 1"
    ).collect()
    return rows[0][0] if rows else 0


def load_entity(
    spark: SparkSession,
    entity: Entity,
    landing_dir: Path,
    loaded_at: datetime,
    policy: LoadPolicy | None = None,
) -> LoadResult:
    """Replace ``raw.crm_<entity>`` and its quarantine rows from the landing files, as
    :func:`segmentation.landing.load.load_entity` does on DuckDB (same arguments, same
    rules, same :class:`LoadRefused`)."""
    ensure_schema(spark)
    spark.udf.register(DOUBLE_TEXT, double_text, "string")
    cached: list[DataFrame] = []
    try:
        files, landed_rows = _land(spark, entity, landing_dir, loaded_at, cached)
        _materialize(spark, "judged", rules.judged_select(entity), cached)
        verdicts = _materialize(spark, "verdicts", rules.verdicts_select(entity), cached)
        counts = (landed_rows, verdicts.count())
        _weigh(spark, entity, loaded_at, files, counts, policy or LoadPolicy())
        _materialize(spark, "fixed", rules.fixed_select(entity), cached)
        quarantine = rules.quarantine_select(entity)
        quarantined = _materialize(spark, "quarantined", quarantine, cached, _doubles(spark))
        result = _result(entity, counts, quarantined)
        _replace(spark, entity, _sql(spark, rules.clean_select(entity)), quarantined)
        _log(spark, entity, loaded_at, files, counts, "loaded", None, sum(result.repaired.values()))
        return result
    finally:
        for frame in cached:
            frame.unpersist()
        for view in _VIEWS:
            spark.catalog.dropTempView(view)


def _land(
    spark: SparkSession, entity: Entity, landing_dir: Path, loaded_at: datetime, cached: list
) -> tuple[dict[str, int], int]:
    """The ``landed``, ``landed_files`` and ``load_clock`` views, the rows of each file and
    the rows landed; refused as DuckDB's loader refuses files it cannot read."""
    try:
        files = landing_files(landing_dir, entity)
        landed = _landed(spark, files, entity).cache()
        cached.append(landed)
        landed_rows = landed.count()  # reads every file now: a damaged page fails here
    except Exception as error:
        if not isinstance(error, LandingRefused) and not _from_spark(error):
            raise
        problem = str(error) if isinstance(error, LandingRefused) else _read_problem(error)
        _refuse(spark, entity, loaded_at, {}, (0, 0), problem)
    landed.createOrReplaceTempView("landed")
    _landed_files(spark, files).createOrReplaceTempView("landed_files")
    clock = spark.createDataFrame([(loaded_at,)], "loaded_at TIMESTAMP_NTZ")
    clock.createOrReplaceTempView("load_clock")
    return {str(f.path): f.rows for f in files}, landed_rows


def _from_spark(error: Exception) -> bool:
    """Whether Spark (or the JVM under it) raised ``error``: a file Spark cannot read."""
    return type(error).__module__.split(".")[0] in ("pyspark", "py4j")


def _read_problem(error: Exception) -> str:
    """Spark's failure to read a landing file, said as DuckDB's loader says it: the file,
    and the deepest cause Spark gives (a page's checksum, say)."""
    text = str(error)
    file = re.search(r"reading file (?:file:(?://)?)?(\S+?)\.?\s", text)
    causes = re.findall(r"Caused by: [\w.$]+: (.+)", text)
    cause = causes[-1] if causes else text.strip().splitlines()[0]
    if file is None:
        return f"Spark could not read the export ({cause})"
    path = file.group(1)
    return f"{path} is damaged and is refused (Spark could not read it: {cause}); export it again"


def _landed(spark: SparkSession, files: list[LandingFile], entity: Entity) -> DataFrame:
    """Every row of ``files``: the spec's columns, the file's index and the row's place in
    it, and the text cleaned and its repairs listed by :func:`cleaned`."""
    from pyspark.sql.pandas.types import from_arrow_type
    from pyspark.sql.types import StructField, StructType

    types = _column_types(files, entity)
    frames = [_file_rows(spark, file, index, types) for index, file in enumerate(files)]
    read = reduce(lambda a, b: a.unionByName(b), frames)
    repairs = StructField(REPAIRS_COLUMN, from_arrow_type(pa.list_(REPAIR), True))
    return read.mapInArrow(_clean_batches, StructType([*read.schema.fields, repairs]))


def _file_rows(
    spark: SparkSession, file: LandingFile, index: int, types: dict[str, pa.DataType]
) -> DataFrame:
    """One file's rows, its columns typed as the landed rows are (a column the file types
    as NULL, which Spark reads as integers, is NULL of that type), pages verified."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_type

    columns = []
    for column, kind in types.items():
        value = (
            F.lit(None)
            if pa.types.is_null(file.schema.field(column).type)
            else F.col(f"`{column}`")
        )
        columns.append(value.cast(from_arrow_type(kind, True)).alias(column))
    rows = spark.read.option("parquet.page.verify-checksum.enabled", "true").parquet(str(file.path))
    return rows.select(
        *columns,
        F.lit(index).cast("int").alias(FILE_COLUMN),
        F.col("_metadata.row_index").alias(ROW_COLUMN),
    )


def _column_types(files: list[LandingFile], entity: Entity) -> dict[str, pa.DataType]:
    """Each spec column's Arrow type as the files hold it (DuckDB's landed schema); the
    contract's type where every file types it NULL."""
    landed, contract = landed_schema(files, entity), arrow_schema(entity)
    kinds = {c: landed.field(c).type for c in entity.columns}
    return {c: contract.field(c).type if pa.types.is_null(k) else k for c, k in kinds.items()}


def _clean_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Spark's batches with their text cleaned and a ``_repairs`` column (in a worker)."""
    for batch in batches:
        arrays, repairs = cleaned(batch, batch.schema)
        bookkeeping = [batch.column(FILE_COLUMN), batch.column(ROW_COLUMN), repairs]
        names = [*(f.name for f in batch.schema), REPAIRS_COLUMN]
        yield pa.RecordBatch.from_arrays([*arrays, *bookkeeping], names=names)


def _doubles(spark: SparkSession) -> frozenset[str]:
    """The landed columns the files hold as doubles."""
    from pyspark.sql.types import DoubleType

    fields = spark.table("landed").schema.fields
    return frozenset(f.name for f in fields if isinstance(f.dataType, DoubleType))


def _landed_files(spark: SparkSession, files: list[LandingFile]) -> DataFrame:
    rows = [(index, str(file.path)) for index, file in enumerate(files)]
    return spark.createDataFrame(rows, f"{FILE_COLUMN} INT, path STRING")


def _sql(spark: SparkSession, sql: str, doubles: frozenset[str] = frozenset()) -> DataFrame:
    return spark.sql(render(sql, doubles))


def _materialize(
    spark: SparkSession, view: str, sql: str, cached: list, doubles: frozenset[str] = frozenset()
) -> DataFrame:
    """A rule statement's rows, kept once computed, named ``view`` for the next ones."""
    frame = _sql(spark, sql, doubles).cache()
    cached.append(frame)
    frame.createOrReplaceTempView(view)
    return frame


def _weigh(spark, entity: Entity, loaded_at, files: dict, counts: tuple, policy: LoadPolicy):
    """Refuse a load that would replace a good table with a broken one."""
    landed, rejected = counts
    reason = refusal_reason(entity, landed, rejected, last_good_rows(spark, entity), policy)
    if reason is not None:
        top_rules = [tuple(r) for r in _sql(spark, rules.rejected_by_rule_select()).collect()]
        _refuse(spark, entity, loaded_at, files, counts, reason, top_rules)


def _refuse(spark, entity: Entity, loaded_at, files, counts, reason: str, top_rules=()):
    message = refusal_message(entity, reason, top_rules)
    _log(spark, entity, loaded_at, files, counts, "refused", message, 0)
    raise LoadRefused(message)


def _log(spark, entity: Entity, loaded_at, files, counts, status, message, repaired: int):
    """One row of the load log, as DuckDB's loader writes it."""
    landed, rejected = counts
    row = (entity.name, loaded_at, landed, landed - rejected, rejected, repaired, status,
           json.dumps(files or {}), message)  # fmt: skip
    spark.createDataFrame([row], LOAD_LOG_DDL).write.insertInto(LOAD_LOG)


def _replace(spark: SparkSession, entity: Entity, clean: DataFrame, quarantined: DataFrame):
    """Write the new clean table and quarantine, then switch both tables to them."""
    others = spark.table(QUARANTINE).where(f"entity <> {rules.literal(entity.name)}")
    new_quarantine = others.unionByName(quarantined.selectExpr(*_quarantine_casts()))
    written = {}
    try:
        for table, frame in ((entity.relation, clean), (QUARANTINE, new_quarantine)):
            written[table] = _new_location(spark, table)
            frame.write.parquet(written[table])
    except Exception:
        for location in written.values():
            _delete(spark, location)
        raise
    frames = {entity.relation: clean, QUARANTINE: new_quarantine}
    old = [_switch(spark, table, written[table], frame) for table, frame in frames.items()]
    for location in filter(None, old):
        _delete(spark, location)


def _quarantine_casts() -> list[str]:
    types = [part.strip().split(" ") for part in QUARANTINE_DDL.split(",")]
    return [f"CAST({name} AS {kind}) AS {name}" for name, kind in types]


def _new_location(spark: SparkSession, table: str) -> str:
    """A directory no table uses yet, beside the raw database's other tables."""
    database = spark.catalog.getDatabase(RAW_SCHEMA).locationUri.rstrip("/")
    return f"{database}/{table.split('.')[-1]}__{uuid.uuid4().hex}"


def _switch(spark: SparkSession, table: str, location: str, frame: DataFrame) -> str | None:
    """Point ``table`` at ``location``, where ``frame`` was written; its old directory
    when the loader made it (to delete). A table of another schema is made anew."""
    columns = _columns(frame)
    old = _location(spark, table) if spark.catalog.tableExists(table) else None
    if old is not None and _columns(spark.table(table)) == columns:
        spark.sql(f"ALTER TABLE {table} SET LOCATION '{location}'")
        spark.catalog.refreshTable(table)
    else:
        spark.sql(f"DROP TABLE IF EXISTS {table}")  # external: its files stay
        spark.sql(f"CREATE TABLE {table} ({columns}) USING parquet LOCATION '{location}'")
    ours = old is not None and old.rsplit("/", 1)[-1].startswith(f"{table.split('.')[-1]}__")
    return old if ours and old != location else None


def _columns(frame: DataFrame) -> str:
    """The columns of ``frame`` as a table's DDL declares them (nullability aside)."""
    return ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in frame.schema)


def _location(spark: SparkSession, table: str) -> str:
    rows = spark.sql(f"DESCRIBE TABLE EXTENDED {table}").collect()
    return next(r.data_type for r in rows if r.col_name == "Location")


def _delete(spark: SparkSession, location: str) -> None:
    """Delete a directory a load wrote (through Hadoop, whatever the file system)."""
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(location)
    path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).delete(path, True)


def _result(entity: Entity, counts: tuple[int, int], quarantined: DataFrame) -> LoadResult:
    landed, rejected = counts
    by_rule = quarantined.groupBy("action", "rule").count().collect()
    return LoadResult(
        entity=entity.name,
        table=entity.relation,
        landed_rows=landed,
        loaded_rows=landed - rejected,
        rejected={r["rule"]: r["count"] for r in by_rule if r["action"] == REJECTED},
        repaired={r["rule"]: r["count"] for r in by_rule if r["action"] == REPAIRED},
    )
