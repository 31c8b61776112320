with source as (
    {{ deduplicated(source('raw', 'crm_tickets'), 'ticket_id', 'created_at') }}
)

select
    cid,
    ticket_id,
    contact_id,
    lower(status) as status,
    lower(priority) as priority,
    lower(category) as category,
    created_at,
    resolved_at
from source
