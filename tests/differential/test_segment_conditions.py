"""Segment conditions and history conditions: the compiled SQL, reading the membership
history as stretches written by the daily run's own code, against the reference
evaluator, reading the same membership day by day.

Histories are generated (days computed or not, members changing), applied to the history
in a shuffled order, and rule sets of segment conditions evaluated on a day inside,
after, or before what was computed. Generated segment graphs then go through the real
day's run (``run_day``), which must compute a segment after those it uses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmentation.compile import to_sql
from segmentation.compile.query import compile_rule_set
from segmentation.daily.membership import DAYS, MEMBERSHIP, apply_day, ensure_tables
from segmentation.daily.run import run_day
from segmentation.daily.store import StoredSegment
from segmentation.explain import explain_contact
from segmentation.rules.model import RuleSet, Segment
from segmentation.rules.operators import SEGMENT_OPERATORS
from segmentation.rules.reference import evaluate
from segmentation.rules.references import SegmentRef
from segmentation.rules.validate import bind, strict
from tests.helpers import in_memory_marts, members_on_spark
from tests.strategies import PROFILE

AS_OF = date(2026, 3, 1)
CONTACTS = tuple(f"t1-c{n}" for n in range(5))
SEGMENTS = ("s0", "s1", "s2")
SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
SETTINGS_WITH_SPARK = {
    "deadline": None,
    "suppress_health_check": [
        *SETTINGS["suppress_health_check"],
        HealthCheck.function_scoped_fixture,
    ],
}


def profile_rows(cities: dict[str, str | None] | None = None) -> dict[str, list[dict]]:
    """The tenant's contacts (and one of another tenant), with a city each when given."""
    cities = cities or {}
    rows = [{"cid": "t1", "contact_id": c, "city": cities.get(c)} for c in CONTACTS]
    return {PROFILE: [*rows, {"cid": "t2", "contact_id": "t2-c0", "city": "Bogor"}]}


@st.composite
def histories(draw) -> dict[str, dict[date, frozenset[str]]]:
    """Each segment's members on each day it was computed: some days skipped, some after
    the day of the question."""
    days = [AS_OF + timedelta(days=d) for d in range(-12, 4)]
    return {
        segment: {
            day: draw(st.frozensets(st.sampled_from(CONTACTS)))
            for day in draw(st.lists(st.sampled_from(days), unique=True, max_size=8))
        }
        for segment in SEGMENTS
    }


@st.composite
def segment_condition(draw, segments=SEGMENTS) -> dict:
    operator = draw(st.sampled_from(sorted(SEGMENT_OPERATORS)))
    shape = SEGMENT_OPERATORS[operator].shape.value
    value = {
        "none": None,
        "days": draw(st.integers(1, 14)),
        "date": (AS_OF + timedelta(days=draw(st.integers(-13, 3)))).isoformat(),
    }[shape]
    return {
        "type": "segment", "segment_id": draw(st.sampled_from(segments)),
        "operator": operator, "value": value,
    }  # fmt: skip


@st.composite
def segment_rule_sets(draw, segments=SEGMENTS) -> dict:
    groups = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "match": st.sampled_from(["all", "any"]),
                    "conditions": st.lists(segment_condition(segments), min_size=1, max_size=3),
                }
            ),
            min_size=1,
            max_size=2,
        )
    )
    return {"match": draw(st.sampled_from(["all", "any"])), "groups": groups}


def directory(segments=SEGMENTS) -> dict[str, SegmentRef]:
    return {s: SegmentRef("t1", s.upper()) for s in segments}


def record(con: duckdb.DuckDBPyConnection, history, order: list) -> None:
    """Apply every (segment, day) of ``history`` to the membership history, in ``order``."""
    ensure_tables(con)
    for segment, day in order:
        apply_day(con, day, {segment: history[segment][day]}, {segment: "t1"})


@settings(max_examples=200, **SETTINGS)
@given(history=histories(), raw=segment_rule_sets(), data=st.data())
def test_history_conditions_agree_with_the_reference_evaluator(history, raw, data) -> None:
    """The compiled SQL over stretches equals the reference over day-by-day membership,
    whatever order the days were applied in."""
    order = data.draw(st.permutations([(s, d) for s in SEGMENTS for d in history[s]]))
    rule_set = bind(raw, "t1", segments=directory())
    with in_memory_marts(profile_rows()) as con:
        record(con, history, order)
        # Another tenant's stretches under the same segment id never count.
        con.execute(
            f"INSERT INTO {MEMBERSHIP} VALUES ('s0', 't2', 't1-c0', DATE '2026-01-01', NULL)"
        )
        sql = to_sql(compile_rule_set(rule_set, AS_OF))
        found = {row[0] for row in con.execute(sql).fetchall()}
    assert found == evaluate(rule_set, AS_OF, profile_rows(), history)


@settings(max_examples=60, **SETTINGS_WITH_SPARK)
@given(history=histories(), raw=segment_rule_sets())
def test_history_conditions_agree_on_spark(spark, history, raw) -> None:
    """The Spark rendering of the same queries, over the same stretches."""
    rule_set = bind(raw, "t1", segments=directory())
    with in_memory_marts(profile_rows()) as con:
        record(con, history, [(s, d) for s in SEGMENTS for d in history[s]])
        found = members_on_spark(spark, compile_rule_set(rule_set, AS_OF), con)
    assert found == evaluate(rule_set, AS_OF, profile_rows(), history)


@st.composite
def segment_graphs(draw) -> list[tuple[str, dict]]:
    """Segments s0..sN in a random order: each uses only segments of a lower number (so
    no cycle), or a field of the profile."""
    size = draw(st.integers(2, 5))
    segments = []
    for n in range(size):
        used = [f"s{k}" for k in range(n)]
        cities = draw(st.lists(st.sampled_from(["Bogor", "Depok"]), min_size=1))
        base = {"type": "field", "field": "city", "operator": "is_any_of", "value": cities}
        conditions = [base]
        if used:
            conditions = draw(st.lists(segment_condition(used), min_size=1, max_size=2))
            conditions += [base] if draw(st.booleans()) else []
        match = draw(st.sampled_from(["all", "any"]))
        segments.append((f"s{n}", {"groups": [{"match": match, "conditions": conditions}]}))
    return draw(st.permutations(segments))


def stored(segment_id: str, raw: dict, segments: dict[str, SegmentRef]) -> StoredSegment:
    moment = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
    data = {"id": segment_id, "cid": "t1", "name": segment_id.upper(),
            "created_at": moment, "updated_at": moment, "rule_set": raw}  # fmt: skip
    rule_set = bind(raw, "t1", segments=segments)
    return StoredSegment(
        Path(f"t1/{segment_id}.json"), strict(Segment, data), (), rule_set=rule_set
    )


@settings(max_examples=60, **SETTINGS)
@given(
    graph=segment_graphs(),
    cities=st.fixed_dictionaries({c: st.sampled_from(["Bogor", "Depok", None]) for c in CONTACTS}),
    earlier=histories(),
)
def test_segments_that_use_segments_are_computed_after_them(graph, cities, earlier) -> None:
    """The day's run over a generated graph of segments (listed in any order) gives every
    segment the members the reference gives when it evaluates them in dependency order,
    reading the same earlier history."""
    segments = {s: SegmentRef("t1", s.upper(), uses=()) for s, _ in graph}
    # The earlier days of the graph's segments (a segment gone from the store would be
    # closed on the day: another test's subject).
    earlier = {
        s: {d: m for d, m in days.items() if d < AS_OF}
        for s, days in earlier.items()
        if s in segments
    }
    tables = profile_rows(cities)
    with in_memory_marts(tables) as con:
        con.execute(f"ALTER TABLE {PROFILE} ADD COLUMN as_of_date DATE DEFAULT DATE '{AS_OF}'")
        con.execute(f"ALTER TABLE {PROFILE} ADD COLUMN timezone VARCHAR DEFAULT 'UTC'")
        record(con, earlier, [(s, d) for s in earlier for d in earlier[s]])
        run_day(con, AS_OF, [stored(s, raw, segments) for s, raw in graph])
        found = {
            s: {c for (c,) in con.execute(
                f"SELECT contact_id FROM {MEMBERSHIP} WHERE segment_id = ? AND valid_from <= ? "
                "AND (valid_to IS NULL OR valid_to > ?)", [s, AS_OF, AS_OF]).fetchall()}
            for s, _ in graph
        }  # fmt: skip
        computed = {
            row[0]
            for row in con.execute(
                f"SELECT segment_id FROM {DAYS} WHERE day = ?", [AS_OF]
            ).fetchall()
        }
    history = {s: dict(days) for s, days in earlier.items()}
    for s, raw in sorted(graph):  # s0, s1, ...: each after the segments it uses
        members = evaluate(bind(raw, "t1", segments=segments), AS_OF, tables, history)
        history.setdefault(s, {})[AS_OF] = frozenset(members)
        assert found[s] == members, s
    assert computed == {s for s, _ in graph}


@settings(max_examples=80, **SETTINGS)
@given(history=histories(), raw=segment_rule_sets())
def test_explanations_of_segment_conditions_agree_with_membership(history, raw) -> None:
    """Why a contact is (not) matched, read from the recorded history of the one contact,
    gives the compiled SQL's verdict for every contact."""
    rule_set, bound = strict(RuleSet, raw), bind(raw, "t1", segments=directory())
    with in_memory_marts(profile_rows()) as con:
        record(con, history, [(s, d) for s in SEGMENTS for d in history[s]])
        members = {r[0] for r in con.execute(to_sql(compile_rule_set(bound, AS_OF))).fetchall()}
        for contact_id in CONTACTS:
            why = explain_contact(con, rule_set, bound, contact_id, AS_OF)
            assert why.matched == (contact_id in members), contact_id
            assert all(c.summary.startswith(("in ", "not in ", "was in ", "entered ", "exited "))
                       for g in why.groups for c in g.conditions)  # fmt: skip
