"""great-expectations suites pass on loaded tables and catch what the loader should reject."""

from __future__ import annotations

from datetime import datetime

import duckdb

from assets.expectations import validate_table
from segmentation.landing.sources import entity


def test_expectations_pass_on_loaded_tables(built_warehouse) -> None:
    with built_warehouse.connect() as con:
        for name in ("contacts", "conversations", "campaign_recipients"):
            outcomes = validate_table(con, entity(name), datetime(2026, 11, 25))
            assert outcomes and all(o.success for o in outcomes), name


def test_expectations_fail_on_dirty_rows() -> None:
    """Why: a check that cannot fail proves nothing; feed it what the loader rejects."""
    with duckdb.connect() as con:
        con.execute("CREATE SCHEMA raw")
        con.execute(
            "CREATE TABLE raw.crm_contacts AS SELECT * FROM (VALUES "
            "('t1', 'c1', 'ok@mail.com', '+6281234567890', 'male', TIMESTAMP '2026-01-01'), "
            "('t1', 'c1', 'not-an-email', '0812', 'robot', TIMESTAMP '2030-01-01')"
            ") AS v(cid, contact_id, email, phone, gender, created_at)"
        )
        con.execute(
            "ALTER TABLE raw.crm_contacts ADD COLUMN updated_at TIMESTAMP; "
            "ALTER TABLE raw.crm_contacts ADD COLUMN consent_updated_at TIMESTAMP"
        )
        outcomes = validate_table(con, entity("contacts"), datetime(2026, 6, 1))
    failed = {(o.expectation, o.column): o.unexpected_count for o in outcomes if not o.success}
    assert failed == {
        ("expect_column_values_to_be_unique", "contact_id"): 2,
        ("expect_column_values_to_match_regex", "email"): 1,
        ("expect_column_values_to_match_regex", "phone"): 1,
        ("expect_column_values_to_be_between", "created_at"): 1,
    }
