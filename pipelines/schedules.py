"""The 08:00 Asia/Jakarta schedule: materialize the day's partition."""

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.jobs import daily_job
from pipelines.partitions import JAKARTA


def jakarta_day(moment: datetime) -> str:
    """The Asia/Jakarta calendar day of ``moment``: the partition key it belongs to."""
    return moment.astimezone(ZoneInfo(JAKARTA)).strftime("%Y-%m-%d")


@dg.schedule(
    job=daily_job,
    cron_schedule="0 8 * * *",
    execution_timezone=JAKARTA,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def daily_at_eight(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Each morning at 08:00 WIB, compute everything as of that (Jakarta) day."""
    day = jakarta_day(context.scheduled_execution_time)
    return dg.RunRequest(run_key=day, partition_key=day)
