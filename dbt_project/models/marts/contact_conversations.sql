{#- Conversations started on or before the day, with their status as of that day. -#}
with conversations as (
    select
        conversations.*,
        {{ local_date('conversations.started_at', 'tenants.timezone') }} as started_on,
        {{ local_date('conversations.resolved_at', 'tenants.timezone') }} as resolved_on
    from {{ ref('stg_crm__conversations') }} as conversations
    inner join {{ ref('stg_crm__tenants') }} as tenants on conversations.cid = tenants.cid
)

select
    cid,
    conversation_id,
    contact_id,
    channel,
    case when resolved_on <= {{ as_of_date() }} then 'resolved' else 'open' end as status,
    started_at,
    started_on,
    case when resolved_on <= {{ as_of_date() }} then resolved_on end as resolved_on,
    agent_id,
    message_count
from conversations
where started_on <= {{ as_of_date() }}
{{ cluster_by_tenant() }}
