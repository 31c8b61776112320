{#- Per contact: conversations as of the day (the Communication metrics). -#}
select
    cid,
    contact_id,
    count(*) as conversations_total,
    count(case when started_on > {{ dbt.dateadd('day', -30, as_of_date()) }} then 1 end)
        as conversations_last_30_days,
    count(case when channel = 'whatsapp' then 1 end) as whatsapp_conversations_total,
    count(case when status = 'open' then 1 end) as conversations_open,
    cast(sum(message_count) as bigint) as messages_total,
    max(started_on) as last_conversation_on
from {{ ref('int_conversations_as_of') }}
group by cid, contact_id
