"""The 08:00 schedule: materialize the home time zone's day."""

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.jobs import daily_job


def local_day(moment: datetime, timezone: str) -> str:
    """The calendar day of ``moment`` in ``timezone``: the partition key it belongs to."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d")


def build_daily_schedule(timezone: str) -> dg.ScheduleDefinition:
    """Each morning at 08:00 in ``timezone``, compute everything as of that day."""

    @dg.schedule(
        job=daily_job,
        cron_schedule="0 8 * * *",
        execution_timezone=timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        name="daily_at_eight",
    )
    def daily_at_eight(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        day = local_day(context.scheduled_execution_time, timezone)
        return dg.RunRequest(run_key=day, partition_key=day)

    return daily_at_eight
