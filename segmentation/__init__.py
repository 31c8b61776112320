"""The customer segmentation engine's core library (no orchestration imports).

The small public surface, from a rule set's JSON to its members:

>>> from datetime import date
>>> from segmentation import bind, check, compile_rule_set, to_sql
>>> [issue.code for issue in check({"version": 1, "groups": []}, cid="t1")]
['no_groups']
>>> rules = {"groups": [{"conditions": [
...     {"type": "field", "field": "city", "operator": "is", "value": "Jakarta"}]}]}
>>> print(to_sql(compile_rule_set(bind(rules, "t1"), date(2026, 11, 25)), pretty=True))
SELECT
  p.contact_id
FROM marts.contact_profile AS p
WHERE
  p.cid = 't1' AND COALESCE(LOWER(p.city) = LOWER('Jakarta'), FALSE)
"""

from segmentation.compile import compile_rule_set, to_sql
from segmentation.preview import preview
from segmentation.rules.reference import evaluate
from segmentation.rules.validate import InvalidRuleSet, Issue, bind, check, validate

__all__ = [
    "InvalidRuleSet",
    "Issue",
    "bind",
    "check",
    "compile_rule_set",
    "evaluate",
    "preview",
    "to_sql",
    "validate",
]
