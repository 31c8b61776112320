with source as (
    {{ deduplicated(source('raw', 'crm_campaigns'), 'campaign_id', 'sent_at') }}
)

select
    cid,
    campaign_id,
    {{ clean_text('name') }} as campaign_name,
    lower(channel) as channel,
    sent_at
from source
