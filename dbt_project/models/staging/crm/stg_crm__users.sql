with source as (
    {{ deduplicated(source('raw', 'crm_users'), 'user_id', 'user_id') }}
)

select
    cid,
    user_id,
    {{ clean_text('name') }} as user_name
from source
