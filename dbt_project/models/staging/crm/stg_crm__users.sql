with source as (
    select * from {{ source('crm', 'users') }}
)

select
    cid,
    user_id,
    {{ clean_text('name') }} as user_name
from source
