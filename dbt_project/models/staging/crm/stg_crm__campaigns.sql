with source as (
    select * from {{ source('crm', 'campaigns') }}
)

select
    cid,
    campaign_id,
    {{ clean_text('name') }} as campaign_name,
    {{ clean_code('channel') }} as channel,
    sent_at
from source
