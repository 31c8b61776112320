"""Segments that use other segments: the directory a rule set is checked against, and
the cycles it must not close.

A segment condition names another segment by id. That segment must exist, belong to the
same tenant and be active (an archived segment is no longer computed, so "is in" it
would freeze at its last day), and following the segments it uses must never lead back:
a cycle has no day on which every segment in it could be computed first.

>>> directory = {"a": SegmentRef("t1", "VIP", uses=("b",)), "b": SegmentRef("t1", "Churn")}
>>> cycle("b", ("a",), directory)
['b', 'a', 'b']
>>> cycle("c", ("a",), directory) is None
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ACTIVE = "active"


@dataclass(frozen=True)
class SegmentRef:
    """What a condition needs to know of a segment it names."""

    cid: str
    name: str
    status: str = ACTIVE
    uses: tuple[str, ...] = ()
    """The ids of the segments its own rule set names."""


def segments_named(rule_set: object) -> tuple[str, ...]:
    """The segment ids the segment conditions of a rule set (parsed JSON, valid or not)
    name, in order, once each."""
    found: dict[str, None] = {}
    groups = rule_set.get("groups") if isinstance(rule_set, dict) else None
    for group in groups if isinstance(groups, list) else ():
        conditions = group.get("conditions") if isinstance(group, dict) else None
        for condition in conditions if isinstance(conditions, list) else ():
            if isinstance(condition, dict) and condition.get("type") == "segment":
                segment_id = condition.get("segment_id")
                if isinstance(segment_id, str):
                    found[segment_id] = None
    return tuple(found)


def cycle(
    segment_id: str, uses: Iterable[str], directory: Mapping[str, SegmentRef]
) -> list[str] | None:
    """The path ``segment_id -> ... -> segment_id`` when the segments ``segment_id`` would
    use (``uses``, its rule set's) lead back to it through ``directory``; None otherwise."""
    seen: set[str] = set()
    pending = [(used, [segment_id, used]) for used in uses]
    while pending:
        current, path = pending.pop()
        if current == segment_id:
            return path
        if current in seen or current not in directory:
            continue
        seen.add(current)
        pending.extend((used, [*path, used]) for used in directory[current].uses)
    return None


def dependency_levels(uses: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The segments of ``uses`` (id -> the ids it uses) in computing order: every segment
    comes in a level after the segments it uses that are in ``uses`` too (others are read
    as they were last computed). Raises ValueError on a cycle, which validation refuses.

    >>> dependency_levels({"a": ["b"], "b": [], "c": ["a", "x"]})
    [['b'], ['a'], ['c']]
    """
    waiting = {s: {u for u in used if u in uses} for s, used in uses.items()}
    levels = []
    while waiting:
        ready = sorted(s for s, needs in waiting.items() if not needs)
        if not ready:
            raise ValueError(f"segments use each other in a cycle: {sorted(waiting)}")
        levels.append(ready)
        for s in ready:
            del waiting[s]
        for needs in waiting.values():
            needs.difference_update(ready)
    return levels
