{{ config(materialized=activity_mart_materialization()) }}
{#- Conversations started on or before the day, with their status as of that day. -#}
select
    cid,
    conversation_id,
    contact_id,
    channel,
    status,
    started_at,
    started_on,
    resolved_on,
    agent_id,
    message_count
from {{ ref('int_conversations_as_of') }}
