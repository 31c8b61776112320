with source as (
    select * from {{ source('crm', 'conversations') }}
)

select
    cid,
    conversation_id,
    contact_id,
    {{ clean_code('channel') }} as channel,
    {{ clean_code('status') }} as status,
    started_at,
    resolved_at,
    {{ clean_text('agent_id') }} as agent_id,
    message_count
from source
