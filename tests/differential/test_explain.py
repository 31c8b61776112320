"""Explanations agree with membership: for generated rule sets and marts, the verdict of
"why is this contact in (or not in) the segment" equals whether the compiled SQL selects
it, for every contact, and each group's verdict combines its conditions' as the rule set
says."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from segmentation.compile import to_sql
from segmentation.compile.query import compile_rule_set
from segmentation.explain import ContactNotFound, explain_contact
from segmentation.rules.model import RuleSet
from segmentation.rules.validate import bind, strict
from tests.helpers import in_memory_marts
from tests.strategies import AS_OF_DAYS, CUSTOM_FIELDS, cases


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_the_explanations_verdict_is_the_compiled_sqls(case) -> None:
    as_of, data, tables = case
    rule_set, bound = strict(RuleSet, data), bind(data, "t1", CUSTOM_FIELDS)
    contacts = {r["contact_id"] for r in tables["marts.contact_profile"] if r["cid"] == "t1"}
    with in_memory_marts(tables) as con:
        members = {r[0] for r in con.execute(to_sql(compile_rule_set(bound, as_of))).fetchall()}
        for contact_id in sorted(contacts):
            why = explain_contact(con, rule_set, bound, contact_id, as_of)
            assert why.matched == (contact_id in members), contact_id
            combine = all if rule_set.match.value == "all" else any
            assert why.matched == combine(g.holds for g in why.groups)
            for group in why.groups:
                joined = all if group.match == "all" else any
                assert group.holds == joined(c.holds for c in group.conditions)
                assert all(c.pointer.startswith("/groups/") and c.summary for c in group.conditions)


def test_a_contact_the_tenant_does_not_have_is_not_found() -> None:
    data = {"groups": [{"conditions": [
        {"type": "field", "field": "city", "operator": "is", "value": "Bogor"}]}]}  # fmt: skip
    tables = {"marts.contact_profile": [{"cid": "t2", "contact_id": "c1", "city": "Bogor"}]}
    with in_memory_marts(tables) as con, pytest.raises(ContactNotFound):
        explain_contact(con, strict(RuleSet, data), bind(data, "t1"), "c1", AS_OF_DAYS[0])
