with source as (
    select * from {{ source('crm', 'deals') }}
)

select
    cid,
    deal_id,
    contact_id,
    {{ clean_text('pipeline') }} as pipeline,
    {{ clean_text('stage') }} as stage,
    {{ clean_code('status') }} as status,
    amount,
    created_at,
    closed_at
from source
