"""Membership history: any order of applying days gives the history of the final facts."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmentation.daily.membership import MEMBERSHIP, apply_day, members_on

START = date(2026, 1, 1)
CONTACTS = ("a", "b", "c", "d")
SEGMENTS = {"s1": "t1", "s2": "t1"}


def canonical(facts: dict[date, dict[str, set[str]]]) -> set[tuple]:
    """Intervals computed directly from the facts: runs of computed days, per contact."""
    rows = set()
    for segment in SEGMENTS:
        days = sorted(d for d in facts if segment in facts[d])
        for contact in CONTACTS:
            start = None
            for day in days:
                member = contact in facts[day][segment]
                if member and start is None:
                    start = day
                if not member and start is not None:
                    rows.add((segment, contact, start, day))
                    start = None
            if start is not None:
                rows.add((segment, contact, start, None))
    return rows


def stored(con) -> set[tuple]:
    return set(
        con.execute(
            f"SELECT segment_id, contact_id, valid_from, valid_to FROM {MEMBERSHIP}"
        ).fetchall()
    )


member_sets = st.fixed_dictionaries({s: st.sets(st.sampled_from(CONTACTS)) for s in SEGMENTS})
runs = st.lists(
    st.tuples(st.integers(0, 8).map(lambda n: START + timedelta(days=n)), member_sets),
    min_size=1,
    max_size=10,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(applied=runs)
def test_history_is_the_history_of_the_last_facts_of_each_day(applied) -> None:
    """Re-runs, late backfills and out-of-order days all land on the canonical history."""
    final: dict[date, dict[str, set[str]]] = {}
    with duckdb.connect() as con:
        for day, members in applied:
            apply_day(con, day, members, SEGMENTS)
            final[day] = members
        assert stored(con) == canonical(final)
        for day, members in final.items():
            for segment, contacts in members.items():
                assert members_on(con, segment, day) == contacts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days=st.lists(member_sets, min_size=1, max_size=6), order=st.randoms())
def test_backfill_in_any_order_equals_running_in_order(days, order) -> None:
    dated = [(START + timedelta(days=i), members) for i, members in enumerate(days)]
    shuffled = list(dated)
    order.shuffle(shuffled)
    with duckdb.connect() as in_order, duckdb.connect() as backfilled:
        for day, members in dated:
            apply_day(in_order, day, members, SEGMENTS)
        for day, members in shuffled:
            apply_day(backfilled, day, members, SEGMENTS)
        assert stored(in_order) == stored(backfilled)


def test_rerunning_a_day_writes_nothing_new() -> None:
    with duckdb.connect() as con:
        first = apply_day(con, START, {"s1": {"a", "b"}}, SEGMENTS)
        again = apply_day(con, START, {"s1": {"a", "b"}}, SEGMENTS)
        assert (first[0].entered, again[0].entered, again[0].exited) == (2, 0, 0)
        assert stored(con) == {("s1", "a", START, None), ("s1", "b", START, None)}


def test_entered_and_exited_over_three_scripted_days() -> None:
    """a stays, b leaves on day 2 and comes back on day 3, c joins on day 2."""
    d1, d2, d3 = START, START + timedelta(days=1), START + timedelta(days=2)
    with duckdb.connect() as con:
        changes = [
            apply_day(con, d1, {"s1": {"a", "b"}}, SEGMENTS)[0],
            apply_day(con, d2, {"s1": {"a", "c"}}, SEGMENTS)[0],
            apply_day(con, d3, {"s1": {"a", "b", "c"}}, SEGMENTS)[0],
        ]
        assert [(c.members, c.entered, c.exited) for c in changes] == [
            (2, 2, 0), (2, 1, 1), (3, 1, 0)
        ]  # fmt: skip
        assert stored(con) == {
            ("s1", "a", d1, None), ("s1", "b", d1, d2), ("s1", "b", d3, None),
            ("s1", "c", d2, None),
        }  # fmt: skip


class SparkHistory:
    """The Spark engine's history, emptied for each example."""

    def __init__(self, spark) -> None:
        from segmentation.daily.membership import DAYS
        from segmentation.spark.segments import SparkSegments

        for table in (MEMBERSHIP, DAYS):
            spark.sql(f"DROP TABLE IF EXISTS {table}")
        self.engine, self.spark = SparkSegments(spark), spark

    def apply(self, day: date, members: dict[str, set[str]]):
        return self.engine.apply_day(day, members, SEGMENTS)

    def stored(self) -> set[tuple]:
        columns = ("segment_id", "contact_id", "valid_from", "valid_to")
        return {tuple(r) for r in self.spark.table(MEMBERSHIP).select(*columns).collect()}


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(applied=runs.map(lambda days: days[:4]))
def test_spark_history_is_the_history_of_the_last_facts_of_each_day(spark, applied) -> None:
    """The same steps on Spark's Parquet history: re-runs, backfills, out-of-order days."""
    history, final = SparkHistory(spark), {}
    for day, members in applied:
        history.apply(day, members)
        final[day] = members
    assert history.stored() == canonical(final)
    for day, members in final.items():
        for segment, contacts in members.items():
            assert history.engine.members_on(segment, day) == contacts


def test_spark_counts_entered_and_exited_as_duckdb_does(spark) -> None:
    """a stays, b leaves on day 2 and comes back on day 3, c joins on day 2; s2 empties."""
    d1, d2, d3 = START, START + timedelta(days=1), START + timedelta(days=2)
    days = [
        (d1, {"s1": {"a", "b"}, "s2": {"d"}}),
        (d2, {"s1": {"a", "c"}, "s2": set()}),
        (d3, {"s1": {"a", "b", "c"}, "s2": set()}),
    ]
    history = SparkHistory(spark)
    with duckdb.connect() as con:
        for day, members in days:
            assert history.apply(day, members) == apply_day(con, day, members, SEGMENTS)
        assert history.stored() == stored(con)
