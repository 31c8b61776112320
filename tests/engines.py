"""Comparing the two engines' copies of a table: the same columns, the same kinds of
type, the same rows (as a multiset), values compared as both engines should agree on
them (exact decimals, doubles to a rounding, timestamps as naive UTC)."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa


def family(kind: pa.DataType) -> str:
    """A column type as both engines should agree on it: exact, but for timestamps
    (naive UTC in DuckDB, UTC instants in Spark, read in its UTC session zone)."""
    if pa.types.is_floating(kind):
        return "double"
    if pa.types.is_decimal(kind):
        return f"decimal({kind.precision},{kind.scale})"
    if pa.types.is_timestamp(kind):
        return "timestamp"
    if pa.types.is_date(kind):
        return "date"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "string"
    if pa.types.is_boolean(kind):
        return "boolean"
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return f"list<{family(kind.value_type)}>"
    return str(kind)


def canonical(value):
    """A value comparable across engines: doubles to 12 significant digits (a sum's last
    bits depend on its order; see ``differences``), decimals exact, timestamps naive
    UTC, lists as tuples."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return "NaN" if value.is_nan() else value
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else float(f"{value:.12g}")
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value
    if isinstance(value, list | tuple):
        return tuple(canonical(v) for v in value)
    return value


def rows(table: pa.Table) -> list[tuple]:
    """The table's rows as canonical tuples (a date out of Python's range, DuckDB's
    infinity, as its day number)."""
    columns = [
        [canonical(v) for v in column.to_pylist()]
        if not pa.types.is_date32(column.type)
        else [_day(n) for n in column.cast(pa.int32()).to_pylist()]
        for column in table.columns
    ]
    return list(zip(*columns, strict=True)) if columns else []


def _day(number: int | None) -> date | str | None:
    if number is None:
        return None
    day = date(1970, 1, 1).toordinal() + number
    return date.fromordinal(day) if 1 <= day <= date.max.toordinal() else f"day {number}"


def _sort_key(row: tuple) -> tuple:
    return tuple((v is None, repr(type(v)), v if v is not None else 0) for v in row)


def unpaired(ours: list[tuple], theirs: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """Rows left once rows equal but for doubles within 1e-10 of each other are paired:
    two doubles a rounding apart can round to 12 digits on either side of a digit."""

    def rest(row: tuple) -> tuple:
        return tuple(v for v in row if not isinstance(v, float))

    def close(a: tuple, b: tuple) -> bool:
        return all(
            math.isclose(x, y, rel_tol=1e-10) if isinstance(x, float) else x == y
            for x, y in zip(a, b, strict=True)
        )

    left = list(theirs)
    unpaired = []
    for row in ours:
        match = next(
            (i for i, r in enumerate(left) if rest(r) == rest(row) and close(row, r)), None
        )
        if match is None:
            unpaired.append(row)
        else:
            left.pop(match)
    return unpaired, left


def differences(duck: pa.Table, spark: pa.Table, limit: int = 5) -> list[str]:
    """How two engines' copies of a relation differ: columns, types, then rows (each
    row counted, so a duplicated row is a difference); empty when they are equal."""
    if duck.column_names != spark.column_names:
        return [f"columns: DuckDB {duck.column_names}, Spark {spark.column_names}"]
    found = [
        f"type of {name}: DuckDB {d.type} ({family(d.type)}), Spark {s.type} ({family(s.type)})"
        for name, d, s in zip(duck.column_names, duck.schema, spark.schema, strict=True)
        if family(d.type) != family(s.type)
    ]
    duck_rows, spark_rows = Counter(rows(duck)), Counter(rows(spark))
    only_duck = sorted((duck_rows - spark_rows).elements(), key=_sort_key)
    only_spark = sorted((spark_rows - duck_rows).elements(), key=_sort_key)
    only_duck, only_spark = unpaired(only_duck, only_spark)
    if only_duck or only_spark:
        found.append(
            f"{len(only_duck)} of {duck.num_rows} DuckDB rows not in Spark's, "
            f"{len(only_spark)} of {spark.num_rows} Spark rows not in DuckDB's"
        )
        named = [dict(zip(duck.column_names, r, strict=True)) for r in only_duck[:limit]]
        found += [f"  DuckDB only: {r}" for r in named]
        named = [dict(zip(duck.column_names, r, strict=True)) for r in only_spark[:limit]]
        found += [f"  Spark only:  {r}" for r in named]
    return found
