"""great-expectations suites pass on loaded tables and catch what the loader should reject."""

from __future__ import annotations

from datetime import datetime

import duckdb

from assets import expectations
from assets.expectations import validate_table
from segmentation.landing.sources import entity


def test_expectations_pass_on_loaded_tables(built_warehouse) -> None:
    with built_warehouse.connect() as con:
        for name in ("contacts", "conversations", "campaign_recipients"):
            outcomes = validate_table(con, entity(name), datetime(2026, 11, 25))
            assert outcomes and all(o.success for o in outcomes), name


DIRTY_CONTACTS = (
    "('t1', 'c1', 'ok@mail.com', '+6281234567890', TIMESTAMP '2026-01-01'), "
    "('t1', 'c2', 'not-an-email', '0812', TIMESTAMP '2030-01-01'), "
    "('t1', NULL, 'ok@mail.com', NULL, TIMESTAMP '2026-01-01'), "
    "(NULL, 'c4', NULL, '+6281234567890', TIMESTAMP '2031-01-01')"
)


def dirty_warehouse() -> duckdb.DuckDBPyConnection:
    """A raw.crm_contacts table holding what the loader would have rejected."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    con.execute(
        f"CREATE TABLE raw.crm_contacts AS SELECT * FROM (VALUES {DIRTY_CONTACTS}) "
        "AS v(cid, contact_id, email, phone, created_at)"
    )
    con.execute(
        "ALTER TABLE raw.crm_contacts ADD COLUMN updated_at TIMESTAMP; "
        "ALTER TABLE raw.crm_contacts ADD COLUMN consent_updated_at TIMESTAMP"
    )
    return con


EXPECTED_FAILURES = {
    ("expect_column_values_to_not_be_null", "contact_id"): 1,
    ("expect_column_values_to_not_be_null", "cid"): 1,
    ("expect_column_values_to_match_regex", "email"): 1,
    ("expect_column_values_to_match_regex", "phone"): 1,
    ("expect_column_values_to_be_between", "created_at"): 2,
}


def failures(outcomes) -> dict[tuple[str, str], int]:
    return {(o.expectation, o.column): o.unexpected_count for o in outcomes if not o.success}


def test_expectations_fail_on_dirty_rows() -> None:
    """Why: a check that cannot fail proves nothing; feed it what the loader rejects."""
    with dirty_warehouse() as con:
        outcomes = validate_table(con, entity("contacts"), datetime(2026, 6, 1))
    assert failures(outcomes) == EXPECTED_FAILURES


def test_expectations_merge_batches_into_one_verdict(monkeypatch) -> None:
    """Validated one row at a time, the table gets the same verdicts and counts."""
    monkeypatch.setattr(expectations, "BATCH_ROWS", 1)
    with dirty_warehouse() as con:
        outcomes = validate_table(con, entity("contacts"), datetime(2026, 6, 1))
    assert failures(outcomes) == EXPECTED_FAILURES
    assert len(outcomes) == len({(o.expectation, o.column) for o in outcomes})


def test_expectations_run_on_an_empty_table() -> None:
    with dirty_warehouse() as con:
        con.execute("DELETE FROM raw.crm_contacts")
        outcomes = validate_table(con, entity("contacts"), datetime(2026, 6, 1))
    assert outcomes and all(o.success for o in outcomes)
