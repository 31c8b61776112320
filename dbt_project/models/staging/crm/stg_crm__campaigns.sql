with source as (
    select * from {{ source('raw', 'crm_campaigns') }}
)

select
    cid,
    campaign_id,
    {{ clean_text('name') }} as campaign_name,
    {{ clean_code('channel') }} as channel,
    sent_at
from source
