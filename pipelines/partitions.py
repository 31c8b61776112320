"""The daily partitions every asset shares: one partition per Asia/Jakarta calendar day."""

import dagster as dg

JAKARTA = "Asia/Jakarta"

daily_partitions = dg.DailyPartitionsDefinition(
    start_date="2025-01-01",
    timezone=JAKARTA,
    # Today's partition exists from midnight, so the 08:00 run can compute "as of today".
    end_offset=1,
)
