"""Where an engine's SQL function means something else than the rule language says, the
tree is adapted for that engine here, just before it is rendered.

The compiled tree is dialect-free; :func:`for_engine` returns the tree a given engine
must run. Every difference found by running the same rule sets on both engines (the
Spark leg of the differential tests) is fixed in one place below.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from segmentation.text import JAVA_LOWER

_ONE_TO_ONE_LOWER = ("".join(JAVA_LOWER), "".join(JAVA_LOWER.values()))
"""``TRANSLATE``'s arguments giving :data:`~segmentation.text.JAVA_LOWER`'s mapping."""


def _lower_one_character_at_a_time(node: exp.Expression) -> exp.Expression:
    """Spark's ``LOWER`` is Java's ``String.toLowerCase``: ``ΟΔΟΣ`` becomes ``οδος`` with a
    final sigma, where lowering one character at a time (DuckDB, and
    :func:`segmentation.text.fold`) gives ``οδοσ``. Translating the two context-dependent
    capitals first makes both engines agree."""
    if not isinstance(node, exp.Lower) or _is_translated(node.this):
        return node
    pairs = map(exp.Literal.string, _ONE_TO_ONE_LOWER)
    return exp.Lower(this=exp.func("TRANSLATE", node.this, *pairs))


def _is_translated(node: exp.Expression) -> bool:
    return isinstance(node, exp.Anonymous) and node.name.upper() == "TRANSLATE"


_REWRITES: dict[str, tuple[Callable[[exp.Expression], exp.Expression], ...]] = {
    "spark": (_lower_one_character_at_a_time,),
}


def for_engine(tree: exp.Expression, engine: str) -> exp.Expression:
    """``tree`` as engine ``engine`` must run it to mean what the rule language says."""
    for rewrite in _REWRITES.get(engine, ()):
        tree = tree.transform(rewrite)
    return tree
