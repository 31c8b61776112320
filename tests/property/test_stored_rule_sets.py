"""A rule set the store records is one validation reads back: what the segment
definitions table holds (the rule set as written) binds to the same tree as the file."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmentation.daily.store import record_store
from segmentation.rules.model import RuleSet
from segmentation.rules.validate import bind, strict
from tests.strategies import AS_OF_DAYS, CUSTOM_FIELDS, rule_sets


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_recorded_rule_set_binds_as_the_written_one(data) -> None:
    raw = data.draw(rule_sets(data.draw(st.sampled_from(AS_OF_DAYS))))
    recorded = strict(RuleSet, raw).model_dump_json(exclude_unset=True)
    assert bind(recorded, "t1", CUSTOM_FIELDS) == bind(raw, "t1", CUSTOM_FIELDS)


def test_the_definitions_table_records_the_rule_set_as_written(tmp_path) -> None:
    """Defaults the writer left out stay out: an aggregate condition has no count."""
    import duckdb

    from segmentation.daily.store import DEFINITIONS, read_store
    from tests.helpers import segment, store

    aggregate = {"groups": [{"conditions": [{
        "type": "association", "association": "orders",
        "aggregate": {"function": "sum", "field": "amount", "operator": "greater_than",
                      "value": 10}}]}]}  # fmt: skip
    root = store(tmp_path, **{"t1/a": segment("s1", "A", rule_set=aggregate)})
    with duckdb.connect() as con:
        record_store(con, read_store(root))
        ((recorded,),) = con.execute(f"SELECT rule_set FROM {DEFINITIONS}").fetchall()
    assert bind(recorded, "t1") == bind(aggregate, "t1")
