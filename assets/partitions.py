"""The daily partitions every asset shares, and the policy of one day per run.

A partition is a calendar day of the home time zone; each is computed as of itself, so a
backfill runs one day per run. The first day is a setting: a deployment with years of
history backfills all of it.
"""

from datetime import date

import dagster as dg

ONE_DAY_PER_RUN = dg.BackfillPolicy.multi_run(max_partitions_per_run=1)


def daily_partitions(first_day: date, timezone: str) -> dg.DailyPartitionsDefinition:
    """One partition per day from ``first_day`` to today, in ``timezone``.

    Today's partition exists from midnight, so the morning run computes "as of today".
    """
    return dg.DailyPartitionsDefinition(
        start_date=first_day.isoformat(), timezone=timezone, end_offset=1
    )
