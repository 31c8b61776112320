with source as (
    {{ deduplicated(source('raw', 'crm_conversations'), 'conversation_id', 'started_at') }}
)

select
    cid,
    conversation_id,
    contact_id,
    lower(channel) as channel,
    lower(status) as status,
    started_at,
    resolved_at,
    agent_id,
    message_count
from source
