{{ config(materialized=activity_mart_materialization()) }}
{#- Tickets created on or before the day; resolved only if resolved by then. -#}
select
    cid,
    ticket_id,
    contact_id,
    status,
    is_resolved,
    priority,
    category,
    created_on,
    resolved_on,
    resolution_hours
from {{ ref('int_tickets_as_of') }}
