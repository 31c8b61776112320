{#- Per contact: tickets as of the day (the Service metrics). -#}
select
    cid,
    contact_id,
    count(*) as tickets_total,
    count(case when not is_resolved then 1 end) as tickets_open,
    count(case when is_resolved then 1 end) as tickets_resolved,
    avg(resolution_hours) as avg_resolution_hours,
    max(created_on) as last_ticket_on
from {{ ref('int_tickets_as_of') }}
group by cid, contact_id
