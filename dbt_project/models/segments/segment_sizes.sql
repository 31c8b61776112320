{#-
    The size of every segment on every day it was computed, from the membership history
    alone: no rule set evaluated again, no mart read. Each stretch of membership starts on
    a computed day (an entry) and ends on one (an exit), so the members of a day are the
    running total of entries less exits up to it. Rebuilt whole from the history on each
    build: a backfilled day comes with every day around it consistent.
-#}
{{ config(materialized='table') }}

with computed_days as (
    select
        segment_id,
        cid,
        day,
        rule_set_hash
    from {{ source('segments', 'segment_days') }}
),

entries as (
    select
        segment_id,
        valid_from as day,
        count(*) as entered
    from {{ source('segments', 'segment_membership') }}
    group by segment_id, valid_from
),

exits as (
    select
        segment_id,
        valid_to as day,
        count(*) as exited
    from {{ source('segments', 'segment_membership') }}
    where valid_to is not null
    group by segment_id, valid_to
),

changes as (
    select
        computed_days.segment_id,
        computed_days.cid,
        computed_days.day,
        computed_days.rule_set_hash,
        coalesce(entries.entered, 0) as entered,
        coalesce(exits.exited, 0) as exited
    from computed_days
    left join entries
        on
            computed_days.segment_id = entries.segment_id
            and computed_days.day = entries.day
    left join exits
        on
            computed_days.segment_id = exits.segment_id
            and computed_days.day = exits.day
)

select
    segment_id,
    cid,
    day,
    cast(sum(entered - exited) over (
        partition by segment_id
        order by day
        rows between unbounded preceding and current row
    ) as bigint) as total_matched,
    entered,
    exited,
    rule_set_hash
from changes
