"""``python -m benchmarks``: build (or reuse) the 1M-contact warehouse, print the figures."""

from __future__ import annotations

import os
import platform
from datetime import timedelta

import duckdb

from benchmarks import membership, preview
from benchmarks.warehouse import AS_OF, CONFIG, bench_warehouse, build_marts


def main() -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, DuckDB {duckdb.__version__}"
    )
    contacts = CONFIG.tenants * CONFIG.contacts_per_tenant
    print(
        f"data: {CONFIG.tenants} tenants x {CONFIG.contacts_per_tenant:,} = {contacts:,} "
        f"contacts, as of {AS_OF}"
    )
    warehouse, timings = bench_warehouse()
    for step, seconds in timings.items():
        print(f"  {step:<10} {seconds:8.1f} s")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        activity = sum(
            con.execute(f"SELECT count(*) FROM marts.{t}").fetchall()[0][0]
            for t in ("contact_conversations", "contact_campaigns", "contact_deals",
                      "contact_tickets", "contact_orders")
        )  # fmt: skip
        print(f"  activity rows in the marts (as of the day): {activity:,}")
        print("\nPreview, one tenant (the largest), 30 runs each, interleaved with the hand query")
        print(preview.report(preview.run(con, AS_OF)))

    print("\nDaily membership: the day before, then the day (marts rebuilt by dbt for each)")
    days, segments = [], 0
    for day in (AS_OF - timedelta(days=1), AS_OF):
        build_marts(warehouse, day, select="+marts")
        with duckdb.connect(str(warehouse)) as con:
            if not days:
                con.execute("DROP SCHEMA IF EXISTS segments CASCADE")
            bound, figures, segments = membership.run_day(con, day)
            days.append((bound, figures))
    print(membership.report(days, segments))


if __name__ == "__main__":
    main()
