{#-
    The segments computed on the day from a rule set, with the version (hash) of that
    rule set and whether the day is the segment's latest computed day. A segment that
    left the store is recorded as computed, with no members, on the day it is closed,
    without a rule set: it has no stats that day.
-#}
{{ config(materialized='ephemeral') }}

with computed_days as (
    select
        segment_id,
        cid,
        day,
        rule_set_hash
    from {{ source('segments', 'segment_days') }}
),

latest as (
    select
        segment_id,
        max(day) as latest_day
    from computed_days
    group by segment_id
)

select
    computed_days.segment_id,
    computed_days.cid,
    computed_days.rule_set_hash,
    latest.latest_day = computed_days.day as is_latest
from computed_days
inner join latest on computed_days.segment_id = latest.segment_id
where
    computed_days.day = {{ as_of_date() }}
    and computed_days.rule_set_hash is not null
