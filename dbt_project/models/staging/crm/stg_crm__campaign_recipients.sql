with source as (
    select * from {{ source('crm', 'campaign_recipients') }}
)

select
    cid,
    campaign_id,
    contact_id,
    {{ clean_code('status') }} as status,
    status_at
from source
