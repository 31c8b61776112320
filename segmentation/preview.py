"""Preview: how many of a tenant's contacts an (unsaved) rule set matches, with a sample.

The sample holds at most 10 contacts, with id, name, source and last activity only: no
other personal data leaves the warehouse through a preview.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import duckdb
from sqlglot import exp

from segmentation.compile import compile_rule_set, to_sql
from segmentation.model import RuleSet
from segmentation.validate import CustomField

SAMPLE_SIZE = 10


@dataclass(frozen=True)
class SampleContact:
    """One matched contact as the preview panel shows it."""

    contact_id: str
    full_name: str | None
    source: str | None
    last_activity_on: date | None


@dataclass(frozen=True)
class Preview:
    """``{total_matched, total_customer_base, sample}`` as of a day."""

    total_matched: int
    total_customer_base: int
    sample: list[SampleContact]
    as_of: date


def preview_query(
    rule_set: RuleSet, cid: str, as_of: date, custom_fields: Mapping[str, CustomField]
) -> exp.Select:
    """One pass: the first matched contacts by latest activity, each row with the total."""
    matched = compile_rule_set(rule_set, cid, as_of, custom_fields).subquery("matched")
    profile = exp.to_table("marts.contact_profile").as_("profile")
    metrics = exp.to_table("marts.contact_metrics").as_("metrics")
    return (
        exp.select(
            "profile.contact_id",
            "profile.full_name",
            "profile.source",
            "metrics.last_activity_on",
            exp.alias_(exp.Window(this=exp.Count(this=exp.Star())), "total_matched"),
        )
        .from_(matched)
        .join(profile, on="profile.contact_id = matched.contact_id", join_type="inner")
        .join(metrics, on="metrics.contact_id = matched.contact_id", join_type="left")
        .where(exp.column("cid", table="profile").eq(exp.convert(cid)))
        .order_by(
            exp.Ordered(
                this=exp.column("last_activity_on", table="metrics"), desc=True, nulls_first=False
            ),
            "profile.contact_id",
        )
        .limit(SAMPLE_SIZE)
    )


def customer_base_query(cid: str) -> exp.Select:
    """The tenant's whole contact base."""
    return (
        exp.select(exp.Count(this=exp.Star()))
        .from_("marts.contact_profile")
        .where(exp.column("cid").eq(exp.convert(cid)))
    )


def preview(
    con: duckdb.DuckDBPyConnection,
    rule_set: RuleSet,
    cid: str,
    as_of: date,
    custom_fields: Mapping[str, CustomField] | None = None,
) -> Preview:
    """Run the preview of a validated rule set for tenant ``cid`` as of ``as_of``."""
    rows = con.execute(to_sql(preview_query(rule_set, cid, as_of, custom_fields or {}))).fetchall()
    base = con.execute(to_sql(customer_base_query(cid))).fetchall()[0][0]
    return Preview(
        total_matched=rows[0][4] if rows else 0,
        total_customer_base=base,
        sample=[SampleContact(*row[:4]) for row in rows],
        as_of=as_of,
    )
