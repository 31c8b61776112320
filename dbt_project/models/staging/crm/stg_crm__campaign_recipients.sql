with source as (
    {{ deduplicated(source('raw', 'crm_campaign_recipients'), 'campaign_id, contact_id', 'status_at desc') }}
)

select
    cid,
    campaign_id,
    contact_id,
    lower(status) as status,
    status_at
from source
