"""The loader's rules (:mod:`segmentation.landing.rules`, DuckDB SQL) as Spark runs them.

sqlglot translates most of the SQL. Where it cannot, :func:`render` rewrites the tree,
each time keeping DuckDB's meaning:

* ``regexp_full_match(v, p)``: Spark has no full match and its ``RLIKE`` finds; the
  pattern is anchored as ``\\A(?:p)\\z`` (Java's ``$`` also matches before a final line
  break, ``\\z`` does not; Java's and RE2's syntax agree on the patterns of the specs).
* ``v IN (SELECT name FROM pg_timezone_names())``: Spark has no table of zones; the
  names DuckDB knows (:func:`known_time_zones`) are inlined, so both engines know the
  same zones.
* ``to_json``: Spark leaves NULL fields out unless told ``ignoreNullFields=false``.
* ``lower``: as the compiler renders it for Spark
  (:func:`segmentation.compile.dialects.for_engine`): Java lowers a final capital sigma
  and U+0130 otherwise than DuckDB, so Spark's argument is first given DuckDB's mapping
  of those characters.
* ``CAST(v AS VARCHAR)`` of a double: Java writes ``1.0E17`` where DuckDB writes
  ``1e+17``; a landed column the files hold as doubles is written by
  :func:`double_text` instead (a Spark UDF named :data:`DOUBLE_TEXT`, which the Spark
  loader registers).

What sqlglot bridges on its own: types (``TIMESTAMP`` is ``TIMESTAMP_NTZ``, naive as in
DuckDB; ``VARCHAR[]`` is ``ARRAY<STRING>``), ``trim(v, chars)``, ``array_length``,
``struct_pack``, ``unnest`` in a select list (``EXPLODE``), ``SEMI``/``ANTI JOIN``.
"""

from __future__ import annotations

import math
from functools import cache

import sqlglot
from sqlglot import exp

from segmentation.compile.dialects import for_engine
from segmentation.landing.rules import ZONES

DOUBLE_TEXT = "duckdb_double_text"
"""The Spark function writing a double as DuckDB does (:func:`double_text`)."""


def render(sql: str, doubles: frozenset[str] = frozenset()) -> str:
    """``sql`` (DuckDB's, as the rules write it) for Spark: translated by sqlglot, and
    rewritten where sqlglot cannot. ``doubles``: the landed columns the files hold as
    doubles (whose text Spark would write otherwise)."""
    tree = for_engine(sqlglot.parse_one(sql, read="duckdb"), "spark")
    return tree.transform(lambda node: _for_spark(node, doubles)).sql(dialect="spark")


def _for_spark(node: exp.Expression, doubles: frozenset[str]) -> exp.Expression:
    """One node of DuckDB's tree as Spark must read it (see the module docstring)."""
    if isinstance(node, exp.RegexpFullMatch):
        pattern = node.expression
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            raise ValueError(f"a full match needs a constant pattern, found {pattern.sql()}")
        anchored = exp.Literal.string(rf"\A(?:{pattern.this})\z")
        return exp.RegexpLike(this=node.this, expression=anchored)
    if isinstance(node, exp.In) and _reads_zones(node.args.get("query")):
        zones = [exp.Literal.string(name) for name in known_time_zones()]
        return exp.In(this=node.this, expressions=zones)
    if (
        isinstance(node, exp.Cast)
        and node.to.is_type(*exp.DataType.TEXT_TYPES)
        and isinstance(node.this, exp.Column)
        and node.this.name in doubles
    ):
        return exp.Anonymous(this=DOUBLE_TEXT, expressions=[node.this])
    if isinstance(node, exp.Anonymous) and node.name.lower() == "to_json":
        keep_nulls = [exp.Literal.string("ignoreNullFields"), exp.Literal.string("false")]
        options = exp.Anonymous(this="map", expressions=keep_nulls)
        return exp.Anonymous(this="to_json", expressions=[*node.expressions, options])
    return node


def double_text(value: object) -> str | None:
    """A double as DuckDB casts it to text (Python's ``repr``: ``1e+17``, ``0.125``, but
    ``-nan`` for a NaN with its sign bit set); None for anything else."""
    if not isinstance(value, float):
        return None
    if math.isnan(value):
        return "-nan" if math.copysign(1.0, value) < 0 else "nan"
    return repr(value)


def _reads_zones(query: exp.Expression | None) -> bool:
    tables = list(query.find_all(exp.Table)) if query is not None else []
    return any(isinstance(t.this, exp.Anonymous) and t.this.name == ZONES for t in tables)


@cache
def known_time_zones() -> tuple[str, ...]:
    """The time zone names a tenant may name: those DuckDB knows (its ICU's), for both
    engines, so that a zone known to one is known to the other."""
    import duckdb

    with duckdb.connect() as con:
        rows = con.execute(f"SELECT name FROM {ZONES}() ORDER BY name").fetchall()
    return tuple(name for (name,) in rows)
