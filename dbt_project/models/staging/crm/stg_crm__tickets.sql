with source as (
    select * from {{ source('crm', 'tickets') }}
)

select
    cid,
    ticket_id,
    contact_id,
    {{ clean_code('status') }} as status,
    {{ clean_code('priority') }} as priority,
    {{ clean_code('category') }} as category,
    created_at,
    resolved_at
from source
