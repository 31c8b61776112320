{{ config(materialized='table') }}
{#-
    Tickets created on or before the day; resolved only if resolved by then (a ticket
    resolved or closed later shows as open).
-#}
with tickets as (
    select * from {{ ref('stg_crm__tickets') }}
),

clocks as (
    select * from {{ ref('int_tenant_clocks') }}
)

select
    tickets.cid,
    tickets.ticket_id,
    tickets.contact_id,
    case
        when tickets.resolved_at < clocks.day_end_utc then tickets.status
        when tickets.status in ('resolved', 'closed') then 'open'
        else tickets.status
    end as status,
    coalesce(tickets.resolved_at < clocks.day_end_utc, false) as is_resolved,
    tickets.priority,
    tickets.category,
    {{ local_date('tickets.created_at', 'clocks') }} as created_on,
    case
        when tickets.resolved_at < clocks.day_end_utc
            then {{ local_date('tickets.resolved_at', 'clocks') }}
    end as resolved_on,
    case
        when tickets.resolved_at < clocks.day_end_utc
            then {{ hours_between('tickets.created_at', 'tickets.resolved_at') }}
    end as resolution_hours
from tickets
inner join clocks on tickets.cid = clocks.cid
where tickets.created_at < clocks.day_end_utc
