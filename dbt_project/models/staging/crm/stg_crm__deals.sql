with source as (
    {{ deduplicated(source('raw', 'crm_deals'), 'deal_id', 'created_at') }}
)

select
    cid,
    deal_id,
    contact_id,
    {{ clean_text('pipeline') }} as pipeline,
    {{ clean_text('stage') }} as stage,
    lower(status) as status,
    amount,
    created_at,
    closed_at
from source
