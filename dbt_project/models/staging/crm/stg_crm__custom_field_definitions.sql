with source as (
    select * from {{ source('crm', 'custom_field_definitions') }}
)

select
    cid,
    field_id,
    {{ clean_text('name') }} as field_name,
    {{ clean_code('field_type') }} as field_type,
    options
from source
