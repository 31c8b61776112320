"""Dependency order and cycles of segments that use segments, on generated graphs."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segmentation.rules.references import SegmentRef, cycle, dependency_levels

NAMES = [f"s{n}" for n in range(7)]

graphs = st.dictionaries(
    st.sampled_from(NAMES), st.lists(st.sampled_from(NAMES), max_size=3, unique=True)
)


def reaches(graph: dict[str, list[str]], start: str, goal: str) -> bool:
    """Whether ``goal`` is reachable from ``start`` in one or more steps (by search)."""
    seen, pending = set(), list(graph.get(start, ()))
    while pending:
        node = pending.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            pending.extend(graph.get(node, ()))
    return False


@given(graphs)
def test_a_cycle_is_found_exactly_when_a_segment_reaches_itself(graph) -> None:
    directory = {s: SegmentRef("t1", s, uses=tuple(u)) for s, u in graph.items()}
    for segment, used in graph.items():
        path = cycle(segment, used, directory)
        assert (path is not None) == reaches(graph, segment, segment)
        if path is not None:  # a real path of uses, from the segment back to it
            assert path[0] == path[-1] == segment
            assert all(b in graph.get(a, ()) for a, b in pairwise(path))


@given(graphs)
def test_levels_put_every_segment_after_those_it_uses(graph) -> None:
    cyclic = any(reaches(graph, s, s) for s in graph)
    if cyclic:
        with pytest.raises(ValueError, match="cycle"):
            dependency_levels(graph)
        return
    levels = dependency_levels(graph)
    level_of = {s: n for n, level in enumerate(levels) for s in level}
    assert sorted(level_of) == sorted(graph)
    for segment, used in graph.items():
        assert all(level_of[u] < level_of[segment] for u in used if u in graph)
