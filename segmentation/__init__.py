"""The customer segmentation engine's core library (no orchestration imports).

The small public surface:

>>> from segmentation import check
>>> [issue.code for issue in check({"version": 1, "groups": []}, cid="t1")]
['no_groups']
"""

from segmentation.compile import compile_rule_set, to_sql
from segmentation.preview import preview
from segmentation.rules.reference import evaluate
from segmentation.rules.validate import InvalidRuleSet, Issue, check, load_rule_set

__all__ = [
    "InvalidRuleSet",
    "Issue",
    "check",
    "compile_rule_set",
    "evaluate",
    "load_rule_set",
    "preview",
    "to_sql",
]
