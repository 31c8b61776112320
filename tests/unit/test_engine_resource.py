"""What the job says when a Spark step fails: the error, not the end of a stack trace."""

from __future__ import annotations

from assets.resources import _failure_reason

JAVA_TAIL = """Traceback (most recent call last):
  File "x.py", line 1, in <module>
py4j.protocol.Py4JJavaError: An error occurred while calling o125.localCheckpoint.
: org.apache.spark.SparkException: Not enough memory to build and broadcast the table
\tat org.apache.spark.sql.execution.SQLExecution$.withThreadLocalCaptured(SQLExecution.scala:57)
\tat java.base/java.lang.Thread.run(Thread.java:840)
"""


def test_a_failed_step_is_reported_by_its_exception() -> None:
    assert _failure_reason(JAVA_TAIL).startswith(": org.apache.spark.SparkException: Not enough")
    assert _failure_reason("ValueError: the marts are built as of 2026-11-23\n") == (
        "ValueError: the marts are built as of 2026-11-23"
    )
    assert _failure_reason("") == "no output"
