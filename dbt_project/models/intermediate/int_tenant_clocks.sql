{{ config(materialized='table') }}
{#-
    One row per tenant: its time zone, the day (as_of_date), the UTC instant that day ends,
    and the zone's fixed offset from UTC when it never changed (NULL when it did: daylight
    saving). Every "on or before the day" is `timestamp < day_end_utc`, and every local
    date goes through `local_date(ts, clock)`: computed once per tenant, not per row.
-#}
with tenants as (
    select
        cid,
        timezone
    from {{ ref('stg_crm__tenants') }}
),

offsets as (
    select
        tenants.cid,
        min({{ utc_offset_seconds('samples.instant_utc', 'tenants.timezone') }}) as lowest,
        max({{ utc_offset_seconds('samples.instant_utc', 'tenants.timezone') }}) as highest
    from tenants
    cross join ({{ offset_sample_instants() }}) as samples
    group by tenants.cid
)

select
    tenants.cid,
    tenants.timezone,
    {{ as_of_date() }} as as_of_date,
    {{ local_midnight_utc(dbt.dateadd('day', 1, as_of_date()), 'tenants.timezone') }} as day_end_utc,
    case when offsets.lowest = offsets.highest then cast(offsets.lowest as bigint) end
        as utc_offset_seconds
from tenants
inner join offsets on tenants.cid = offsets.cid
