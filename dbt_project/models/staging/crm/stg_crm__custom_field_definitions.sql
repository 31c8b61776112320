with source as (
    {{ deduplicated(source('raw', 'crm_custom_field_definitions'), 'field_id', 'field_id') }}
)

select
    cid,
    field_id,
    {{ clean_text('name') }} as field_name,
    field_type,
    options
from source
