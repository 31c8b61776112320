"""The planner: ordered, pure passes over the bound tree, before it is compiled.

Each pass takes a node and returns an equivalent one (the differential tests hold the
compiled SQL of the planned tree to the reference evaluator of the unplanned one), in
the manner of sqlglot's optimizer rules. :data:`PASSES` is their order.

>>> from segmentation.rules.validate import bind
>>> def empty(name):
...     return {"type": "field", "field": name, "operator": "is_empty"}
>>> rules = {"match": "all", "groups": [{"match": "all", "conditions": [empty("city")]},
...     {"match": "any", "conditions": [empty("city"), empty("gender")]}]}
>>> [type(n).__name__ for n in plan(bind(rules, "t1").root).parts]
['FieldTest', 'Or']
"""

from __future__ import annotations

from collections.abc import Callable

from segmentation.rules.bound import And, Node, Or


def flatten(node: Node) -> Node:
    """A group of one part is that part; an AND in an AND (an OR in an OR) is merged.

    >>> from segmentation.rules.bound import RecordCount
    >>> a, b = (RecordCount(t, (), None, "at_least", 1) for t in ("x", "y"))
    >>> flatten(And((And((a,)), Or((b,))))) == And((a, b))
    True
    """
    if not isinstance(node, And | Or):
        return node
    parts: list[Node] = []
    for part in map(flatten, node.parts):
        parts.extend(part.parts if type(part) is type(node) else (part,))
    return parts[0] if len(parts) == 1 else type(node)(tuple(parts))


def deduplicate(node: Node) -> Node:
    """A part that repeats an earlier part of its AND or OR is dropped: ``a AND a`` is
    ``a`` (pointers aside, two equal conditions are one condition).

    >>> from segmentation.rules.bound import RecordCount
    >>> a = RecordCount("x", (), None, "at_least", 1)
    >>> deduplicate(Or((a, a)))
    RecordCount(table='x', filters=(), window=None, count='at_least', value=1)
    """
    if not isinstance(node, And | Or):
        return node
    parts = tuple(dict.fromkeys(map(deduplicate, node.parts)))
    return parts[0] if len(parts) == 1 else type(node)(parts)


PASSES: tuple[Callable[[Node], Node], ...] = (flatten, deduplicate)


def plan(node: Node) -> Node:
    """``node`` after every pass of :data:`PASSES`, in order."""
    for run in PASSES:
        node = run(node)
    return node
