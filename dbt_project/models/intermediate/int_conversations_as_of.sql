{{ config(materialized='table') }}
{#- Conversations started on or before the day, with their status as of that day. -#}
with conversations as (
    select * from {{ ref('stg_crm__conversations') }}
),

clocks as (
    select * from {{ ref('int_tenant_clocks') }}
)

select
    conversations.cid,
    conversations.conversation_id,
    conversations.contact_id,
    conversations.channel,
    case when conversations.resolved_at < clocks.day_end_utc then 'resolved' else 'open' end
        as status,
    conversations.started_at,
    {{ local_date('conversations.started_at', 'clocks') }} as started_on,
    case when conversations.resolved_at < clocks.day_end_utc
            then {{ local_date('conversations.resolved_at', 'clocks') }}
    end as resolved_on,
    conversations.agent_id,
    conversations.message_count
from conversations
inner join clocks on conversations.cid = clocks.cid
where conversations.started_at < clocks.day_end_utc
