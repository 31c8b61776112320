"""The rule-set compiler: validated rule set -> sqlglot tree -> SQL of any dialect."""

from segmentation.compile.query import QueryBuilder, compile_rule_set, to_sql

__all__ = ["QueryBuilder", "compile_rule_set", "to_sql"]
