"""Reading an entity's landing files: their schema checked, their pages verified, streamed.

Before a row is loaded, every Parquet file of the entity is held to the landing contract:
each column of the spec must be there with a type of the right kind (text, timestamp,
number...), and every file of one export must agree on the types. A file that does not
is refused with its path, the column, the type expected and the type found.

The rows are then streamed batch by batch (never a whole file in memory), with each
page's checksum verified where the writer stored one, and with text made clean once,
here: invalid UTF-8 sequences become U+FFFD, and text is normalized
(:func:`segmentation.text.normalize`: NFC, no control characters). Each value changed
is listed, with its rule and its original, in the batch's ``_repairs`` column, so that
the loader records every repair.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from segmentation.landing.sources import Entity
from segmentation.text import normalize

BATCH_ROWS = 256 * 1024

FILE_COLUMN, ROW_COLUMN, REPAIRS_COLUMN = "_file", "_row", "_repairs"
"""The file (its index in the list of files), the row within it, and the repairs."""

REPAIR = pa.struct([("rule", pa.string()), ("column", pa.string()), ("original", pa.string())])
_BOOKKEEPING = (FILE_COLUMN, ROW_COLUMN, REPAIRS_COLUMN)


class LandingRefused(ValueError):
    """Landing files that cannot be loaded as they are; nothing was loaded from them."""


_KINDS = {
    "VARCHAR": ("text", lambda t: pa.types.is_string(t) or pa.types.is_large_string(t)
                or pa.types.is_string_view(t)),
    "TIMESTAMP": ("a timestamp", pa.types.is_timestamp),
    "DATE": ("a date", lambda t: pa.types.is_date(t)),
    "BOOLEAN": ("a boolean", pa.types.is_boolean),
    "INTEGER": ("an integer", pa.types.is_integer),
    "BIGINT": ("an integer", pa.types.is_integer),
    "DECIMAL(18,2)": ("a number", lambda t: pa.types.is_decimal(t) or pa.types.is_floating(t)
                      or pa.types.is_integer(t)),
    "VARCHAR[]": ("a list of text", lambda t: (pa.types.is_list(t) or pa.types.is_large_list(t))
                  and _KINDS["VARCHAR"][1](t.value_type)),
}  # fmt: skip
"""Contract type -> (what a person calls it, which Arrow types hold it)."""


@dataclass(frozen=True)
class LandingFile:
    """One Parquet file of an entity: its path, rows (from the footer) and schema."""

    path: Path
    rows: int
    schema: pa.Schema


def landing_files(landing_dir: Path, entity: Entity) -> list[LandingFile]:
    """The entity's files, checked against the contract; :class:`LandingRefused` names
    every file and column that breaks it."""
    folder = Path(landing_dir) / entity.name
    paths = sorted(folder.glob("*.parquet"))
    if not paths:
        raise LandingRefused(
            f"no Parquet files for {entity.name!r} in {folder}: drop the CRM's export there "
            "(or generate data with `segmentation generate`)"
        )
    files, problems = [], []
    for path in paths:
        try:
            metadata = pq.read_metadata(path)
        except (OSError, pa.ArrowException) as error:
            problems.append(f"{path}: not a readable Parquet file ({error})")
            continue
        files.append(LandingFile(path, metadata.num_rows, metadata.schema.to_arrow_schema()))
    problems += [p for f in files for p in _contract_problems(f, entity)]
    problems += _disagreements(files, entity)
    if problems:
        raise LandingRefused(f"the {entity.name} export is refused:\n  " + "\n  ".join(problems))
    return files


def _contract_problems(file: LandingFile, entity: Entity) -> list[str]:
    problems = []
    for column, contract in entity.columns.items():
        index = file.schema.get_field_index(column)
        if index < 0:
            problems.append(f"{file.path}: column {column!r} is missing")
            continue
        found = file.schema.field(index).type
        kind, accepts = _KINDS[contract]
        if not (pa.types.is_null(found) or accepts(found)):
            problems.append(
                f"{file.path}: column {column!r} should hold {kind} ({contract}), found {found}"
            )
    return problems


def _disagreements(files: list[LandingFile], entity: Entity) -> list[str]:
    """Columns whose type differs between two files of one export."""
    problems = []
    for column in entity.columns:
        typed = [
            (f, f.schema.field(column).type)
            for f in files
            if column in f.schema.names and not pa.types.is_null(f.schema.field(column).type)
        ]
        for file, kind in typed[1:]:
            if kind != typed[0][1]:
                problems.append(
                    f"{file.path}: column {column!r} is {kind} while {typed[0][0].path} has "
                    f"{typed[0][1]}; the files of one export must agree"
                )
    return problems


def landed_schema(files: list[LandingFile], entity: Entity) -> pa.Schema:
    """The schema of the streamed batches: the spec's columns as the files type them,
    then the file, the row within it, and the UTF-8 repairs."""
    fields = []
    for column in entity.columns:
        kinds = [_canonical(f.schema.field(column).type) for f in files]
        known = [k for k in kinds if not pa.types.is_null(k)]
        fields.append(pa.field(column, known[0] if known else pa.null()))
    fields += [
        pa.field(FILE_COLUMN, pa.int32()),
        pa.field(ROW_COLUMN, pa.int64()),
        pa.field(REPAIRS_COLUMN, pa.list_(REPAIR)),
    ]
    return pa.schema(fields)


def _canonical(kind: pa.DataType) -> pa.DataType:
    """String views are read as plain strings (the text passes need the offsets)."""
    return pa.string() if pa.types.is_string_view(kind) else kind


def stream(files: list[LandingFile], entity: Entity) -> pa.RecordBatchReader:
    """Every row of ``files`` as batches of :func:`landed_schema`, pages verified."""
    schema = landed_schema(files, entity)
    return pa.RecordBatchReader.from_batches(schema, _batches(files, entity, schema))


def _batches(
    files: list[LandingFile], entity: Entity, schema: pa.Schema
) -> Iterator[pa.RecordBatch]:
    columns = list(entity.columns)
    for index, file in enumerate(files):
        offset = 0
        try:
            parquet = pq.ParquetFile(file.path, pre_buffer=False, page_checksum_verification=True)
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns):
                yield _landed_batch(batch, index, offset, schema)
                offset += batch.num_rows
        except (OSError, pa.ArrowException) as error:
            raise LandingRefused(
                f"{file.path} is damaged and is refused (row {offset:,} onwards could not be "
                f"read: {error}); export it again"
            ) from None


def _landed_batch(
    batch: pa.RecordBatch, file_index: int, offset: int, schema: pa.Schema
) -> pa.RecordBatch:
    arrays, repairs = cleaned(batch, schema)
    arrays += [
        pa.array(np.full(batch.num_rows, file_index, dtype=np.int32)),
        pa.array(np.arange(offset, offset + batch.num_rows), pa.int64()),
        repairs,
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def cleaned(batch: pa.RecordBatch, schema: pa.Schema) -> tuple[list[pa.Array], pa.Array]:
    """The spec's columns of ``batch`` (those of ``schema`` but the bookkeeping), their
    text made clean, then the repairs column listing each value changed.

    Every engine's loader cleans its landed text with this function.
    """
    arrays, repairs = [], defaultdict(list)
    for field in schema:
        if field.name in _BOOKKEEPING:
            continue
        array = batch.column(field.name)
        if pa.types.is_null(array.type) and not pa.types.is_null(field.type):
            array = pa.nulls(batch.num_rows, field.type)
        elif _KINDS["VARCHAR"][1](array.type):
            array = array.cast(_canonical(array.type))
            array = _normalized(_valid_utf8(array, field.name, repairs), field.name, repairs)
        arrays.append(array)
    return arrays, _repairs_array(repairs, batch.num_rows)


def _repairs_array(repairs: dict[int, list[dict]], rows: int) -> pa.Array:
    """The repairs column: NULL for the (many) rows without one."""
    if not repairs:
        return pa.nulls(rows, pa.list_(REPAIR))
    return pa.array([repairs.get(i) for i in range(rows)], pa.list_(REPAIR))


def _replaced(array: pa.Array, rows: list[int], values: list[str | bytes]) -> pa.Array:
    """``array`` with ``rows`` replaced by ``values`` (as bytes, so any array qualifies)."""
    binary = array.view(pa.large_binary() if pa.types.is_large_string(array.type) else pa.binary())
    mask = np.zeros(len(array), dtype=bool)
    mask[rows] = True
    encoded = [v.encode() if isinstance(v, str) else v for v in values]
    return pc.replace_with_mask(binary, pa.array(mask), pa.array(encoded, binary.type)).view(
        array.type
    )


def _valid_utf8(array: pa.Array, column: str, repairs: dict[int, list[dict]]) -> pa.Array:
    """``array`` with each invalid UTF-8 sequence replaced by U+FFFD; each repaired row
    gets a repair with its original bytes (escaped)."""
    bad = _invalid_rows(array)
    if not bad:
        return array
    binary = array.view(pa.large_binary() if pa.types.is_large_string(array.type) else pa.binary())
    raw = [binary[i].as_py() for i in bad]
    for i, value in zip(bad, raw, strict=True):
        original = value.decode("utf-8", "backslashreplace")
        repairs[i].append({"rule": "invalid_utf8", "column": column, "original": original})
    return _replaced(array, bad, [value.decode("utf-8", "replace") for value in raw])


def _invalid_rows(array: pa.Array) -> list[int]:
    """Indices of invalid UTF-8 values: one C++ pass when all are valid, else bisection."""
    try:
        array.validate(full=True)
        return []
    except pa.ArrowInvalid:
        pass
    if len(array) == 1:
        return [0]
    middle = len(array) // 2
    head, tail = _invalid_rows(array.slice(0, middle)), _invalid_rows(array.slice(middle))
    return head + [middle + i for i in tail]


def _normalized(array: pa.Array, column: str, repairs: dict[int, list[dict]]) -> pa.Array:
    """``array`` with its text normalized; each changed row gets a repair.

    Only rows holding a byte normalization could change (a control byte, any byte of a
    non-ASCII character) are looked at, so printable ASCII costs one pass over the bytes.
    """
    rows = _suspect_rows(array)
    changed, values = [], []
    for i in rows:
        original = array[i].as_py()
        value = normalize(original)
        if value != original:
            changed.append(i)
            values.append(value)
            repairs[i].append({"rule": "normalized_text", "column": column, "original": original})
    return _replaced(array, changed, values) if changed else array


def _suspect_rows(array: pa.Array) -> list[int]:
    """Rows with a byte below 0x20 but tab and line breaks, DEL, or any byte above it."""
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    _validity, offsets_buffer, data_buffer = array.buffers()
    if data_buffer is None:
        return []
    offsets = np.frombuffer(offsets_buffer, dtype=width)[
        array.offset : array.offset + len(array) + 1
    ]
    data = np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0] : offsets[-1]]
    suspect = ((data < 0x20) & (data != 9) & (data != 10) & (data != 13)) | (data >= 0x7F)
    positions = np.flatnonzero(suspect) + offsets[0]
    return sorted(set(np.searchsorted(offsets, positions, side="right") - 1))
